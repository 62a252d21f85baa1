"""Grade a batch's work over a pool of processes, each submission in one of them.

Processes rather than threads: on Ctrl-C a process can be interrupted in the middle of
``grade``, which then unwinds through its session and kills the worker it was talking
to; a thread cannot, and would leave a hung worker behind.  (Measured on 2 cores,
threads and processes grade equally fast: the time goes to the workers.)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.util
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from judge.batch.discover import Submission
from judge.batch.outcome import FINISHED, Cancelled, JudgeFailed, Outcome
from judge.grading.grade import Options
from judge.grading.plan import Plan
from judge.runner import warm

# A pool process that dies (the judge's own side killed, say by the OOM killer) breaks
# the whole pool; what was unfinished is retried once in a fresh pool.
ATTEMPTS = 2
PARENT_POLL_S = 0.25  # how often a pool process checks that its batch is still alive
# Seconds an interrupted pool process has to unwind (its session kills its worker within
# about a second: every step has a deadline) before it is killed outright; its worker
# then dies by its parent-death signal.  Ctrl-C to exit stays within 5 s.
STOP_GRACE_S = 3.0


@dataclass(frozen=True)
class Job:
    """One submission to grade: its place in the batch, its cache key (None when it
    was not read) and its bytes, read once: graded, hashed and copied as they are."""

    index: int
    submission: Submission
    key: str | None
    content: bytes | None = None


class GradeOne(Protocol):
    """Grade one file into an ``Outcome`` (every failure a value, but Ctrl-C)."""

    def __call__(
        self, path: Path, plan: Plan, options: Options, content: bytes | None
    ) -> Outcome: ...


Deliver = Callable[[Job, Outcome], None]


class PoolProcess:
    """The state of one pool process, made by its initializer.

    Three parties share it: the task running in the main thread, the signal handler
    (which Python runs in the main thread, between two bytecodes of the task) and the
    thread watching the parent.  ``busy`` says a signal may interrupt the grading (set
    while grading, cleared by the first interruption, so a second signal cannot cut
    the unwinding short); ``grading`` says the grading has not finished unwinding.
    """

    def __init__(self, grade_one: GradeOne, plan: Plan, options: Options, cancel: Any):
        self.grade_one = grade_one
        self.plan = plan
        self.options = options
        self.cancel = cancel  # a multiprocessing Event: set when the batch stops
        self.busy = False
        self.grading = False

    def interrupt(self, signum: int, frame: object) -> None:
        """Interrupt grading once; ignore the signal while idle or already unwinding, so
        a second Ctrl-C cannot cut short the killing of a worker."""
        if self.busy:
            self.busy = False
            raise KeyboardInterrupt

    def watch_parent(self, parent: int) -> None:
        """Leave when the batch that started this process is gone (killed with SIGKILL).

        Nothing else would tell: a pool process holds both ends of its queues, so it
        never sees them close.  The grading under way is interrupted first, so that its
        session kills its worker; then the process exits.
        """
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os.kill(os.getpid(), signal.SIGINT)  # handled in the main thread by interrupt
        deadline = time.monotonic() + 5.0
        while self.grading and time.monotonic() < deadline:
            time.sleep(0.05)
        os._exit(1)

    def grade(self, path: Path, content: bytes | None) -> Outcome:
        """Grade one submission, or say it was cancelled."""
        if self.cancel.is_set():
            return Cancelled()
        self.grading = self.busy = True
        try:
            return self.grade_one(path, self.plan, self.options, content)
        except KeyboardInterrupt:
            return Cancelled()
        finally:
            self.grading = self.busy = False


# This process's own PoolProcess, in a pool process only: what a submitted task (a
# module-level function, so that it can be named across processes) runs with.
_this_process: PoolProcess | None = None


def _start(grade_one: GradeOne, plan: Plan, options: Options, cancel: Any, parent: int) -> None:
    global _this_process
    _this_process = state = PoolProcess(grade_one, plan, options, cancel)
    # Each submission's worker is prestarted while the one before it is graded; the
    # spare left at the end is killed as the process exits (multiprocessing runs its
    # finalizers, not atexit's).
    warm.use(True)
    multiprocessing.util.Finalize(None, warm.discard, exitpriority=0)
    signal.signal(signal.SIGINT, state.interrupt)
    signal.signal(signal.SIGTERM, state.interrupt)
    threading.Thread(target=state.watch_parent, args=(parent,), daemon=True).start()


def _task(path: str, content: bytes | None) -> Outcome:
    if _this_process is None:  # never: the initializer runs before any task
        raise RuntimeError("a pool task ran outside a pool process")
    return _this_process.grade(Path(path), content)


def grade_in_pool(
    work: Sequence[Job],
    plan: Plan,
    options: Options,
    workers: int,
    grade_one: GradeOne,
    deliver: Deliver,
) -> None:
    """Grade ``work`` over ``workers`` processes with ``grade_one`` (a module-level
    function, sent by name), delivering each outcome in this thread as it comes.

    Any exception here or from ``deliver`` (Ctrl-C included) stops the pool within
    ``STOP_GRACE_S`` and a moment, the outcomes that ended meanwhile delivered first.
    """
    context = multiprocessing.get_context("spawn")  # no fork: the caller may have threads
    attempts = dict.fromkeys((job.index for job in work), 0)
    remaining = list(work)
    while remaining:
        cancel = context.Event()
        executor = ProcessPoolExecutor(
            min(workers, len(remaining)),
            mp_context=context,
            initializer=_start,
            initargs=(grade_one, plan, options, cancel, os.getpid()),
        )
        broken: list[Job] = []
        futures: dict[Future[Outcome], Job] = {}
        delivered: set[Future[Outcome]] = set()
        try:
            for job in remaining:
                futures[executor.submit(_task, str(job.submission.path), job.content)] = job
            for future in as_completed(futures):
                delivered.add(future)
                job = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken.append(job)
                    continue
                deliver(job, outcome)
        except BaseException:
            _stop_pool(executor, cancel)
            # What finished while the pool stopped is kept (and cached) all the same.
            for job, outcome in _finished(futures, delivered):
                deliver(job, outcome)
            raise
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        remaining = []
        for job in broken:
            attempts[job.index] += 1
            if attempts[job.index] < ATTEMPTS:
                remaining.append(job)
            else:
                message = (
                    "internal error in the judge: its grading process died while grading "
                    f"this submission, {ATTEMPTS} times; rerun it alone with "
                    f"judge run {job.submission.path}"
                )
                deliver(job, JudgeFailed(message))


def _finished(
    futures: dict[Future[Outcome], Job], delivered: set[Future[Outcome]]
) -> list[tuple[Job, Outcome]]:
    """The submissions whose grading ended but was not delivered yet, with the outcome."""
    ended = []
    for future, job in futures.items():
        if future in delivered or not future.done() or future.cancelled():
            continue
        if future.exception() is None and isinstance(future.result(), FINISHED):
            ended.append((job, future.result()))
    return ended


def _stop_pool(executor: ProcessPoolExecutor, cancel: Any) -> None:
    """Stop a pool within ``STOP_GRACE_S`` and a moment: nothing new starts, whatever is
    grading is interrupted (its worker killed as its session unwinds), and a pool
    process still there after the grace is killed."""
    cancel.set()
    children = multiprocessing.active_children()
    for child in children:
        if child.pid is not None:  # never 0: that would signal our own process group
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGINT)
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        child.join(max(deadline - time.monotonic(), 0))
    for child in children:
        if child.is_alive():
            child.kill()
            child.join(1.0)
