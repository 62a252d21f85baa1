"""Grade a class's submissions in parallel, from the cache where possible.

Each submission is graded by ``judge.grading.grade.grade`` exactly as ``judge run``
would, in its own worker subprocess with its own deadlines, so a hang, crash or attack
in one never touches another.  Submissions are spread over a pool of processes rather
than threads: on Ctrl-C a process can be interrupted in the middle of ``grade``, which
then unwinds through its session and kills the worker it was talking to; a thread
cannot, and would leave a hung worker behind.  (Measured on 2 cores, threads and
processes grade equally fast: the time goes to the workers.)
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from judge.batch.cache import ResultCache, result_key
from judge.batch.discover import Submission
from judge.errors import JudgeError, SubmissionError
from judge.files import read_submission
from judge.grading.grade import Options, grade
from judge.grading.plan import Plan
from judge.interrupt import interruptible
from judge.properties.check import not_run
from judge.report.gradebook import Entry, Gradebook
from judge.results import Report, Status, TestResult, Verdict

# A pool process that dies (the judge's own side killed, say by the OOM killer) breaks
# the whole pool; what was unfinished is retried once in a fresh pool.
ATTEMPTS = 2
PARENT_POLL_S = 0.25  # how often a pool process checks that its batch is still alive
# Seconds an interrupted pool process has to unwind (its session kills its worker within
# about a second: every step has a deadline) before it is killed outright; its worker
# then dies by its parent-death signal.  Ctrl-C to exit stays within 5 s.
STOP_GRACE_S = 3.0

OnDone = Callable[[Entry, bool], None]
"""Called in the calling thread as each submission is done: the entry, and whether it
came from the cache."""


@dataclass(frozen=True)
class BatchResult:
    """What a batch produced: the gradebook of every submission finished, and how.

    When ``interrupted``, the gradebook holds only what was finished (all of it cached).
    """

    gradebook: Gradebook
    total: int  # submissions asked for
    graded: int  # graded in this run
    cached: int  # taken from the cache
    internal_errors: int  # submissions the judge itself failed on
    interrupted: bool
    wall_s: float
    notes: tuple[str, ...] = ()


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class _Todo:
    index: int
    submission: Submission
    key: str | None
    content: bytes | None = None  # read once: graded, hashed and copied as they are


# What grading one submission gives back across the process boundary: plain tuples, so
# that no exception class has to survive pickling.
#   ("report", Report) | ("unreadable", message) | ("abort", message, exit_code)
#   | ("internal", message) | ("cancelled",)
_Result = tuple[Any, ...]
_FINISHED = ("report", "unreadable", "internal")  # results that end a submission's grading


def grade_batch(
    submissions: Sequence[Submission],
    plan: Plan,
    options: Options | None = None,
    *,
    jobs: int | None = None,
    cache: ResultCache | None = None,
    reuse: bool = True,
    on_done: OnDone | None = None,
) -> BatchResult:
    """Grade every submission with ``plan``; results come from and go to ``cache``.

    ``jobs`` processes grade at once (default: every core).  ``reuse=False`` regrades
    what the cache holds and replaces it.  Ctrl-C (or SIGTERM) stops the batch within
    seconds: the workers are killed, what finished is kept, and the result says
    ``interrupted``; later signals are ignored from then on (see ``judge.interrupt``).
    Raises ``JudgeError`` only for a fault that would hit every submission alike (a
    sandbox level this machine cannot provide, for example).
    """
    options = options or Options()
    started = time.monotonic()
    entries: dict[int, Entry] = {}
    counts = {"graded": 0, "cached": 0, "internal": 0}
    notes: list[str] = []
    # Byte-identical submissions (copies of the starter file, shared solutions) are
    # graded once and get the same report, each in its own name.
    twins: dict[str, list[_Todo]] = {}

    def finish(index: int, entry: Entry, cached: bool) -> None:
        entries[index] = entry
        if on_done is not None:
            on_done(entry, cached)

    def deliver(item: _Todo, result: _Result) -> None:
        submission = item.submission
        kind = result[0]
        if kind == "cancelled":
            raise KeyboardInterrupt  # a pool process was interrupted: stop them all
        if kind == "abort":
            error = JudgeError(result[1])
            error.exit_code = result[2]
            raise error
        if kind == "report":
            report: Report = result[1]
            if cache is not None and item.key is not None:
                try:
                    cache.put(item.key, report)
                except OSError as problem:
                    if not any(n.startswith("results are not cached") for n in notes):
                        notes.append(f"results are not cached: {problem}")
        elif kind == "unreadable":
            report = not_graded(submission.path, plan, result[1])
        else:
            counts["internal"] += 1
            report = not_graded(submission.path, plan, result[1])
        counts["graded"] += 1
        finish(item.index, Entry(submission.name, report), False)
        for twin in twins.pop(item.key, []) if item.key is not None else []:
            counts["cached"] += 1
            path, own_path = str(submission.path), str(twin.submission.path)
            message = report.message.replace(path, own_path)
            own = replace(report, submission=own_path, message=message)
            finish(twin.index, Entry(twin.submission.name, own), True)

    interrupted = False
    with interruptible():
        try:
            todo: list[_Todo] = []
            for index, submission in enumerate(submissions):
                item, hit = _look_up(index, submission, plan, options, cache, reuse)
                if hit is not None:
                    counts["cached"] += 1
                    finish(index, Entry(submission.name, hit), True)
                elif item.submission.problem:  # found so, or refused when read
                    deliver(item, ("unreadable", item.submission.problem))
                elif item.key is not None and item.key in twins:
                    twins[item.key].append(item)
                else:
                    if item.key is not None:
                        twins[item.key] = []
                    todo.append(item)
            workers = min(jobs or default_jobs(), len(todo))
            if workers > 1 and not _picklable(plan, options, notes):
                workers = 1
            if workers <= 1:
                for item in todo:
                    deliver(item, _grade_one(item.submission.path, plan, options, item.content))
            else:
                _grade_in_pool(todo, plan, options, workers, deliver)
        except KeyboardInterrupt:
            interrupted = True
    book = Gradebook(plan.problem.id, plan.max_score, tuple(entries[i] for i in sorted(entries)))
    return BatchResult(
        book,
        len(submissions),
        counts["graded"],
        counts["cached"],
        counts["internal"],
        interrupted,
        time.monotonic() - started,
        tuple(notes),
    )


def _look_up(
    index: int,
    submission: Submission,
    plan: Plan,
    options: Options,
    cache: ResultCache | None,
    reuse: bool,
) -> tuple[_Todo, Report | None]:
    """The submission's key and its cached report, when there is one to use."""
    if submission.problem:
        return _Todo(index, submission, None), None
    try:
        content = read_submission(submission.path)
    except SubmissionError as error:  # a link, a FIFO, too big...: a row saying why
        return _Todo(index, replace(submission, problem=str(error)), None), None
    key = result_key(content, plan, options)
    hit = cache.get(key) if cache is not None and reuse else None
    if hit is not None:
        # The same bytes may be another student's: the report names this one.
        hit = replace(hit, submission=str(submission.path))
    return _Todo(index, submission, key, content), hit


def not_graded(path: Path, plan: Plan, message: str) -> Report:
    """A report for a submission that could not be graded: every test an error, the
    same tests (property checks included) as a graded submission's report lists."""
    why = "not run: the submission could not be graded"
    tests = tuple(
        TestResult(
            case.name, "case", Verdict.ERROR, 0.0, case.points, case.hidden, why, topic=case.topic
        )
        for case in plan.problem.cases
    )
    if plan.properties is not None:
        tests += not_run(plan.properties, why)
    return Report(
        str(path), plan.problem.id, Status.ERROR, 0.0, plan.max_score, 0.0, tests, message
    )


def _grade_one(path: Path, plan: Plan, options: Options, content: bytes | None) -> _Result:
    """Grade one submission (``content``: its bytes, read once); every failure becomes
    a value, except Ctrl-C."""
    try:
        return ("report", grade(path, plan, options, content))
    except SubmissionError as error:
        return ("unreadable", str(error))
    except JudgeError as error:
        return ("abort", str(error), error.exit_code)
    except Exception as error:
        return (
            "internal",
            f"internal error in the judge: {type(error).__name__}: {error}\n"
            f"This is a bug in judge; rerun with JUDGE_DEBUG=1 judge run {path} "
            "for the traceback and report it.",
        )


def _picklable(plan: Plan, options: Options, notes: list[str]) -> bool:
    """Whether the plan can be sent to pool processes; if not, say so and grade here."""
    try:
        pickle.dumps((plan, options))
    except Exception as error:
        notes.append(f"graded one at a time: the plan cannot be sent to other processes ({error})")
        return False
    return True


# -- the pool ----------------------------------------------------------------------------
# State of a pool process, set by its initializer.
_pool: dict[str, Any] = {}


def _pool_init(plan: Plan, options: Options, cancel: Any, parent: int) -> None:
    _pool.update(plan=plan, options=options, cancel=cancel, busy=False, grading=False)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Leave when the batch that started this process is gone (killed with SIGKILL, say).

    Nothing else would tell: a pool process holds both ends of its queues, so it never
    sees them close.  The grading under way is interrupted first, so that its session
    kills its worker; then the process exits.
    """
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os.kill(os.getpid(), signal.SIGINT)  # handled in the main thread by _interrupt
    deadline = time.monotonic() + 5.0
    while _pool.get("grading") and time.monotonic() < deadline:
        time.sleep(0.05)
    os._exit(1)


def _interrupt(signum: int, frame: object) -> None:
    """Interrupt grading once; ignore the signal while idle or already unwinding, so a
    second Ctrl-C cannot cut short the killing of a worker."""
    if _pool.get("busy"):
        _pool["busy"] = False
        raise KeyboardInterrupt


def _pool_task(path: str, content: bytes | None) -> _Result:
    if _pool["cancel"].is_set():
        return ("cancelled",)
    _pool["grading"] = _pool["busy"] = True
    try:
        return _grade_one(Path(path), _pool["plan"], _pool["options"], content)
    except KeyboardInterrupt:
        return ("cancelled",)
    finally:
        _pool["grading"] = _pool["busy"] = False


def _grade_in_pool(
    todo: list[_Todo],
    plan: Plan,
    options: Options,
    workers: int,
    deliver: Callable[[_Todo, _Result], None],
) -> None:
    """Grade ``todo`` over ``workers`` processes, delivering each result as it comes."""
    context = multiprocessing.get_context("spawn")  # no fork: the caller may have threads
    attempts = dict.fromkeys((item.index for item in todo), 0)
    remaining = todo
    while remaining:
        cancel = context.Event()
        executor = ProcessPoolExecutor(
            min(workers, len(remaining)),
            mp_context=context,
            initializer=_pool_init,
            initargs=(plan, options, cancel, os.getpid()),
        )
        broken: list[_Todo] = []
        futures: dict[Future[_Result], _Todo] = {}
        delivered: set[Future[_Result]] = set()
        try:
            for item in remaining:
                path = str(item.submission.path)
                futures[executor.submit(_pool_task, path, item.content)] = item
            for future in as_completed(futures):
                delivered.add(future)
                item = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken.append(item)
                    continue
                deliver(item, result)
        except BaseException:
            _stop_pool(executor, cancel)
            # What finished while the pool stopped is kept (and cached) all the same.
            for item, result in _finished(futures, delivered):
                deliver(item, result)
            raise
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        remaining = []
        for item in broken:
            attempts[item.index] += 1
            if attempts[item.index] < ATTEMPTS:
                remaining.append(item)
            else:
                deliver(
                    item,
                    (
                        "internal",
                        "internal error in the judge: its grading process died while "
                        f"grading this submission, {ATTEMPTS} times; rerun it alone with "
                        f"judge run {item.submission.path}",
                    ),
                )


def _finished(
    futures: dict[Future[_Result], _Todo], delivered: set[Future[_Result]]
) -> list[tuple[_Todo, _Result]]:
    """The submissions whose grading ended but was not delivered yet, with the result."""
    ended = []
    for future, item in futures.items():
        if future in delivered or not future.done() or future.cancelled():
            continue
        if future.exception() is None and future.result()[0] in _FINISHED:
            ended.append((item, future.result()))
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
