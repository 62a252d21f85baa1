# ruff: noqa
"""During a test, ignores SIGTERM, SIGINT and SIGXCPU, then loops forever."""

import sys

_add = Value.__add__


def __add__(self, other):
    signal = sys.modules["_signal"]
    for number in (2, 15, 24):  # SIGINT, SIGTERM, SIGXCPU
        signal.signal(number, signal.SIG_IGN)
    while True:
        pass


Value.__add__ = __add__
