"""Warm workers: the next worker started before its submission is known.

Starting a worker costs ~50 ms (bubblewrap, the interpreter, the harness's imports),
all of it before any line of the submission runs, and all of it the same for every
submission.  So a process that grades many (a batch's pool process) keeps one *spare*:
a worker prestarted (``WorkerProcess.prestart``) in an empty workspace of its own,
blocked reading its configuration, while the submission before it is graded.  The next
session takes it, lays the submission out in its workspace and configures it, and a
new spare starts at once, in parallel with the grading.

Isolation is the cold path's: a spare is a fresh process started exactly as a cold
worker is (its own bubblewrap, workspace and user), used for one submission only, and
every layer (rlimits, dropping to its user, Landlock, seccomp, the Python tripwires) is
applied by the harness after it reads its configuration, as before; nothing is forked
from a process another student's code ever ran in.  A spare that does not match the
session's sandbox is killed, not reused.

A process that grades one submission (``judge run``) has no submission before it to
overlap with, but it has its own start: ``prestart`` starts its one worker as soon as
the sandbox is known, and the worker boots while the judge imports the rest of itself
and prepares the plan.  The session takes it as it would take a spare, and starts no
spare after it.

``JUDGE_WARM_WORKERS`` overrides the default: ``1`` warm in every session (the test
suite runs the hostile corpus this way too), ``0`` never (no ``prestart`` either);
unset, warm where ``use`` turned it on (batches).
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path
from typing import Any

from judge.runner.process import WorkerProcess
from judge.sandbox.levels import Sandbox

SWITCH = "JUDGE_WARM_WORKERS"

_default = False
_spare: WorkerProcess | None = None


def use(warm: bool) -> None:
    """Take spares in this process from now on (unless ``JUDGE_WARM_WORKERS`` says)."""
    global _default
    _default = warm


def enabled() -> bool:
    """Whether sessions in this process take prestarted workers."""
    switch = os.environ.get(SWITCH, "")
    return switch == "1" if switch in ("0", "1") else _default


def prestart(sandbox: Sandbox) -> None:
    """Start the worker the next session of this process will take, now, even where
    warm workers are off (unless ``JUDGE_WARM_WORKERS`` is ``0``): for a process that
    grades one submission, so that its worker boots while it prepares.  Kill it with
    ``discard`` if no session takes it."""
    global _spare
    if os.environ.get(SWITCH) == "0":
        return
    discard()
    _spare = _prestarted(sandbox)


def worker(
    submission: Path, config: dict[str, Any], sandbox: Sandbox | None, content: bytes | None
) -> WorkerProcess:
    """A worker for one submission, not yet started: the spare if there is one made for
    this ``sandbox`` (when warm workers are in use a new spare then starts in its
    place), else a cold one (prestarted all the same when warm workers are in use).
    ``start`` it as any ``WorkerProcess``."""
    global _spare
    if sandbox is None:
        return WorkerProcess(submission, config, sandbox, content)
    taken, _spare = _spare, None
    if taken is not None and (taken.sandbox != sandbox or not taken.alive):
        taken.kill()
        taken = None
    warm = enabled()
    if taken is None:
        if not warm:
            return WorkerProcess(submission, config, sandbox, content)
        taken = _prestarted(sandbox)  # the first, or the sandbox changed
    taken.submission, taken.config, taken.content = submission, config, content
    if warm:
        _spare = _prestarted(sandbox)
    return taken


def _prestarted(sandbox: Sandbox) -> WorkerProcess:
    spare = WorkerProcess(Path(), {}, sandbox)
    spare.prestart()
    return spare


def discard() -> None:
    """Kill the spare, if any (at exit, and when a batch ends)."""
    global _spare
    spare, _spare = _spare, None
    if spare is not None:
        spare.kill()


atexit.register(discard)
