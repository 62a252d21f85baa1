# ruff: noqa
"""During a test, connects to a listener on localhost (the test owns it)."""

_add = Value.__add__


def __add__(self, other):
    connection = __import__("socket").create_connection(("127.0.0.1", int("__PORT__")))
    connection.sendall(b"reached")
    return _add(self, other)


Value.__add__ = __add__
