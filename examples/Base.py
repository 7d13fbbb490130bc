import json
import os


def greet(name):
    return "Hello " + name


def farewell(name):
    return "Bye " + name
