# ruff: noqa
"""Tries to outlive its judge, with no submission frame on the stack: cancels its
alarms, asks not to die with its parent (through a raw system call found among the
interpreter's objects), then sleeps inside a test."""

import sys, time

exec(
    compile(
        """
signal = sys.modules["signal"]
def _sleep_forever(self, other):
    signal.alarm(0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        base = ().__class__.__base__
        cdata = [c for c in base.__subclasses__() if c.__module__ == "_ctypes" and c.__name__ == "_CData"][0]
        funcptr = [c for c in cdata.__subclasses__() if c.__name__ == "CFuncPtr"][0]
        class Handle: _handle = 0
        class Call(funcptr): _flags_ = 1
        Call(("prctl", Handle()))(1, 0, 0, 0, 0)  # PR_SET_PDEATHSIG, 0
    except Exception:
        pass
    time.sleep(120)
Value.__add__ = _sleep_forever
""",
        "<generated>",
        "exec",
    ),
    globals(),
)
