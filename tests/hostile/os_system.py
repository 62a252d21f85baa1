# ruff: noqa
"""Runs a shell command that would leave a file behind."""

import sys

sys.modules["os"].system("touch __TARGETS__/system.txt")
