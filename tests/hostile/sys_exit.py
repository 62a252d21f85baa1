# ruff: noqa
"""Exits with status 0 while loading."""

import sys

sys.exit(0)
