# ruff: noqa
"""Put after long_type_name.py: replaces the harness's function that cuts type names,
so the worker sends them whole and only the judge's own cuts stand."""

import sys


def _whole_name(kind):
    return type.__dict__["__name__"].__get__(kind)


sys.modules["harness"].type_name = _whole_name
