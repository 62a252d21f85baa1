"""Resource limits, applied by the worker to itself before anything else."""

from __future__ import annotations

import contextlib
import resource
import signal


def apply(limits: dict[str, int]) -> list[str]:
    """Set each ``RLIMIT_*`` in ``limits`` as both soft and hard limit.

    Returns the names that took.  Not every limit exists everywhere (macOS has no
    address-space limit), and the judge's wall-clock timer holds regardless.
    """
    applied = []
    for name, value in limits.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, value))
            applied.append(name)
    return applied


def alarm(seconds: int) -> None:
    """End the process (SIGALRM) after ``seconds`` of wall-clock time: a backstop for a
    worker asleep in a request whose judge is gone.  (On Linux the kernel layers also
    tie the worker's life to the judge's.)"""
    if hasattr(signal, "alarm"):
        signal.alarm(seconds)
