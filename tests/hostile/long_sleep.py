# ruff: noqa
"""During a test, sleeps for an hour."""

import time

_add = Value.__add__


def __add__(self, other):
    time.sleep(3600)
    return _add(self, other)


Value.__add__ = __add__
