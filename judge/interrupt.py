"""Ctrl-C and SIGTERM stop the judge once, and then let it clean up.

``judge run`` and ``judge grade`` both grade inside ``interruptible()``: the first
SIGINT or SIGTERM becomes a ``KeyboardInterrupt`` that unwinds through the grading
session and kills its worker; the signals after it are noted and ignored until the
block is left, and after it: a process told to stop is on its way out, and a second
Ctrl-C (or a ``kill`` sent after it) must not cut its cleanup short, leave a worker
behind or print a traceback from the interpreter's exit.  Ignoring them costs nothing:
every step of the cleanup has a deadline (``judge.runner.process``), so the judge ends
within a few seconds of the first signal whatever its workers do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import NoReturn

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_stopping = False  # set by the first signal; the process is ending from then on


def _stop(signum: int, frame: object) -> None:
    global _stopping
    if not _stopping:
        _stopping = True
        raise KeyboardInterrupt


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Raise ``KeyboardInterrupt`` on the first SIGINT or SIGTERM inside the block and
    ignore every later one, in the block and after it; without a signal, the handlers
    in place before are restored when the block is left.  Outside the main thread
    (where Python cannot handle signals) the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, _stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        if not _stopping:
            for number, handler in previous.items():
                signal.signal(number, handler)


def stop_ignoring() -> None:
    """Ignore every later SIGINT and SIGTERM: called once the process is on its way
    out (after a Ctrl-C that came before or after the ``interruptible()`` block), so
    that a second one arriving while it reports cannot interrupt the report.

    The handler stays a Python function rather than ``SIG_IGN``: a signal that arrived
    just before the switch would otherwise surface later as "OSError: signal ignored
    due to race condition".  The interpreter resets Python handlers to the default as
    it finalises, so a process that is stopping must leave by ``exit_now`` instead."""
    global _stopping
    _stopping = True
    if threading.current_thread() is threading.main_thread():
        for number in STOP_SIGNALS:
            signal.signal(number, _stop)


def stopping() -> bool:
    """True once a stop signal has been received (or ``stop_ignoring`` called)."""
    return _stopping


def exit_now(code: int) -> NoReturn:
    """End a stopping process with ``code`` at once, its output flushed, without the
    interpreter's finalisation: that resets the signal handlers to the default, and a
    Ctrl-C arriving then would end the process by the signal instead of ``code``.
    Every worker is already gone and every file written (atomically) by then."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)
