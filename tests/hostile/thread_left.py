# ruff: noqa
"""Starts a thread that would outlive the run and write a file later."""

import sys
import time


def later():
    time.sleep(2)
    open("__TARGETS__/thread.txt", "w").write("late")


sys.modules["_thread"].start_new_thread(later, ())
