"""The CPU time a worker has used, read by the judge from the kernel (Linux ``/proc``).

The worker reports the CPU time of each answer itself, but it runs beside the
submission, which can rewrite what it sends (patch ``json.dumps``, forge a line).  So
the judge reads the worker's CPU time from outside before and after each request, and
takes its own figure when the worker's is far below it (see ``judge.grading.session``).
Elsewhere than Linux the worker's word is all there is.
"""

from __future__ import annotations

import os

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# Fields 14 to 17 of /proc/PID/stat, counted after the command name's closing
# parenthesis (which may hide spaces): utime, stime, and the reaped children's.
_CPU_FIELDS = slice(11, 15)
_PPID_FIELD = 1


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (bubblewrap's, when the worker runs
    inside it), found by their parents; [root] if ``/proc`` cannot say more."""
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


def cpu_seconds(pids: list[int]) -> float | None:
    """The CPU seconds the processes ``pids`` and their reaped children have used (to
    the kernel's tick, 10 ms), or None where ``/proc`` cannot tell."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is None or len(fields) < _CPU_FIELDS.stop:
            return None
        total += sum(int(value) for value in fields[_CPU_FIELDS])
    return total / _TICKS
