# ruff: noqa
"""Reads the judge's own files from the submission's own code, as it loads."""

print(open("__PATH__").read()[-2000:])
