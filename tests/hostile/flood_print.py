# ruff: noqa
"""During a test, prints without end."""

_add = Value.__add__


def __add__(self, other):
    while True:
        print("flood " * 100)


Value.__add__ = __add__
