import json
import os
import re


def greet(name):
    return "Hello " + name


def farewell(name, polite=False):
    if polite:
        return "Goodbye, " + name
    return "Bye " + name


def nod(name):
    return "*nods at* " + name
