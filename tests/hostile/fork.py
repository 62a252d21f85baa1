# ruff: noqa
"""Forks three children that outlive the test (bounded: not a bomb)."""

import sys
import time

os = sys.modules["os"]
for _ in range(3):
    if os.fork() == 0:
        time.sleep(30)
        os._exit(0)
