# ruff: noqa
"""During a test, answers from inside a patched json.dumps (the harness calls it to
send the answer), then ignores SIGINT and SIGTERM, cancels its alarm and sleeps: the
worker reads no more requests, so a request larger than a pipe's buffer cannot be
written to it, and closing it politely cannot work either."""

import sys

_add = Value.__add__


def __add__(self, other):
    json, os, signal = sys.modules["json"], sys.modules["os"], sys.modules["_signal"]
    dumps = json.dumps

    def answer_then_sleep(message, *args, **kwargs):
        os.write(int(sys.argv[2]), (dumps(message) + "\n").encode())
        for number in (2, 15):  # SIGINT, SIGTERM
            signal.signal(number, signal.SIG_IGN)
        try:
            signal.alarm(0)
        except Exception:
            pass
        sys.modules["time"].sleep(120)

    json.dumps = answer_then_sleep
    return _add(self, other)


Value.__add__ = __add__
