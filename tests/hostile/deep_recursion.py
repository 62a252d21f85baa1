# ruff: noqa
"""During a test, raises the recursion limit and recurses through the interpreter's
C code (an operator calling itself) until the C stack breaks: a segmentation fault."""

import sys

_add = Value.__add__


class Deep:
    def __add__(self, other):
        return self + other


def __add__(self, other):
    sys.setrecursionlimit(10**8)
    Deep() + 1
    return _add(self, other)


Value.__add__ = __add__
