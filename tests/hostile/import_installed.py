# ruff: noqa
"""Puts site-packages on the path and imports an installed package."""

import sys

sys.path.insert(0, "__SITE__")
yaml = __import__("yaml")
