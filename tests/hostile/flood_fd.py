# ruff: noqa
"""During a test, writes without end to the real standard output, around print."""

import sys

_add = Value.__add__


def __add__(self, other):
    while True:
        sys.modules["os"].write(1, b"flood " * 1000)


Value.__add__ = __add__
