"""The CPU time a worker has used, read by the judge from the kernel (Linux).

The worker reports the CPU time of each answer itself, but it runs beside the
submission, which can rewrite what it sends (patch ``json.dumps``, forge a line) and
so claim less, or more, than it used.  So on Linux the judge reads the worker's CPU
time from outside before and after each request, and that figure is the measure (see
``judge.grading.session``).  Elsewhere the worker's word is all there is.

The reading is the kernel's CPU clock of each process (every thread, to the
nanosecond: ``clock_gettime`` on the clock ``clock_getcpuclockid`` names, which any
process may read for any other), plus the CPU time of its reaped children from
``/proc/PID/stat`` (to the kernel's 10 ms tick; the sandbox lets the worker start none).
``/proc/PID/stat``'s own utime and stime are no use here: they count in 10 ms ticks,
as coarse as the difference between two sizes of the linear-time graph is fine.
"""

from __future__ import annotations

import os
import sys
import time

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# Fields 16 and 17 of /proc/PID/stat, counted after the command name's closing
# parenthesis (which may hide spaces): the reaped children's utime and stime.
_CHILDREN_FIELDS = slice(13, 15)
_PPID_FIELD = 1
# glibc's clock_getcpuclockid(pid): MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED), the
# kernel's ABI for "the CPU time of every thread of process pid".
_CPUCLOCK_SCHED = 2
KERNEL_CLOCK = sys.platform == "linux" and hasattr(time, "clock_gettime")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def _children(pid: int) -> list[int] | None:
    """The children of ``pid`` as the kernel lists them per thread
    (``/proc/PID/task/TID/children``), or None where it cannot (no such file)."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    found: list[int] = []
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/children", "rb") as handle:
                found += [int(child) for child in handle.read().split()]
        except FileNotFoundError:
            return None  # a kernel without CONFIG_PROC_CHILDREN (or the thread is gone)
        except (OSError, ValueError):
            continue
    return found


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (bubblewrap's, when the worker runs
    inside it), walked down from ``root``; where the kernel keeps no children lists,
    found by scanning every process's parent.  [root] if ``/proc`` cannot say more or
    the kernel's clock could not read them anyway."""
    if not KERNEL_CLOCK:
        return [root]
    tree, frontier = [root], [root]
    while frontier:
        children = _children(frontier.pop())
        if children is None:
            return _process_tree_by_parents(root)
        tree.extend(children)
        frontier.extend(children)
    return tree


def _process_tree_by_parents(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return [root]
    for entry in entries:
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and len(fields) > _PPID_FIELD:
                parents.setdefault(int(fields[_PPID_FIELD]), []).append(int(entry))
    tree, frontier = [root], [root]
    while frontier:
        children = parents.get(frontier.pop(), [])
        tree.extend(children)
        frontier.extend(children)
    return tree


def process_cpu_seconds(pid: int) -> float | None:
    """The CPU seconds every thread of process ``pid`` has used, to the nanosecond, or
    None where the kernel cannot tell (not Linux, or no such process)."""
    if not KERNEL_CLOCK:
        return None
    try:
        return time.clock_gettime((~pid << 3) | _CPUCLOCK_SCHED)
    except OSError:
        return None


def cpu_seconds(pids: list[int]) -> float | None:
    """The CPU seconds the processes ``pids`` and their reaped children have used, or
    None where the kernel cannot tell."""
    total = 0.0
    for pid in pids:
        own = process_cpu_seconds(pid)
        fields = _stat(pid)
        if own is None or fields is None or len(fields) < _CHILDREN_FIELDS.stop:
            return None
        total += own + sum(int(value) for value in fields[_CHILDREN_FIELDS]) / _TICKS
    return total
