# ruff: noqa
"""During a test, kills the judge."""

import sys

_add = Value.__add__


def __add__(self, other):
    os = sys.modules["os"]
    os.kill(os.getppid(), 9)
    return _add(self, other)


Value.__add__ = __add__
