# ruff: noqa
"""Loads libc with ctypes to make system calls the audit hook cannot see."""

import ctypes

ctypes.CDLL(None).system(b"touch __TARGETS__/ctypes.txt")
