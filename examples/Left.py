import json
import os
import sys


def greet(name):
    return "Hello, " + name + "!"


def farewell(name):
    return "Bye " + name


def wave(name):
    return "o/ " + name
