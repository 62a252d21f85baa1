# ruff: noqa
"""During a test, allocates 8 GiB."""

_add = Value.__add__


def __add__(self, other):
    hoard = bytearray(8 << 30)
    return _add(self, other)


Value.__add__ = __add__
