# ruff: noqa
"""Imports numpy (allowed where installed), then reaches for the rest of site-packages
beside it: a listing, another package's file, an import of it by path.  Every attempt
must fail; numpy's own files stay readable (a lazy submodule needs them)."""

import json as _json
import os as _os
import sys as _sys

import numpy as _np


def _attempt(call):
    try:
        call()
        return "allowed"
    except (OSError, ImportError):
        return "denied"


_site = _os.path.dirname(_os.path.dirname(_np.__file__))
_sys.path.insert(0, _site)
_results = {
    "numpy file": _attempt(lambda: open(_np.__file__).read(1)),
    "numpy lazy submodule": _attempt(lambda: __import__("numpy.polynomial")),
    "site-packages listing": _attempt(lambda: _os.listdir(_site)),
    "other package file": _attempt(lambda: open(_os.path.join(_site, "__OTHER__")).read(1)),
    "other package import": _attempt(lambda: __import__("__OTHER_MODULE__")),
}
raise RuntimeError("READS " + _json.dumps(_results))
