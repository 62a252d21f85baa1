# ruff: noqa
"""During a test, reads another student's submission and borrows its Value."""

_add = Value.__add__


def __add__(self, other):
    namespace = {}
    exec(open("__OTHER__").read(), namespace)
    raise RuntimeError("borrowed " + repr(namespace.get("Value")))


Value.__add__ = __add__
