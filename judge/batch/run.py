"""Grade a class's submissions in parallel, from the cache where possible.

Each submission is graded by ``judge.grading.grade.grade`` exactly as ``judge run``
would, in its own worker subprocess with its own deadlines, so a hang, crash or attack
in one never touches another.  A batch runs in three steps, each a value: a plan
(``plan_batch``: what the cache holds, what cannot be read, what to grade, and which
submissions are byte-identical twins of one graded), the grading (here one at a time,
or over a pool of processes, ``judge.batch.pool``), and a ``Collector`` that owns the
counts and the entries, caches each report as it comes and gives it to the twins.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from judge.batch.cache import ResultCache, result_key
from judge.batch.discover import Submission
from judge.batch.outcome import (
    Aborted,
    Cancelled,
    Graded,
    JudgeFailed,
    Outcome,
    Unreadable,
)
from judge.batch.pool import Deliver, Job, grade_in_pool
from judge.errors import JudgeError, SubmissionError
from judge.grading.grade import Options, grade
from judge.grading.plan import Plan
from judge.interrupt import interruptible
from judge.properties.check import not_run
from judge.report.gradebook import Entry, Gradebook
from judge.results import Report, Status, TestResult, Verdict
from judge.runner import warm
from judge.submission import read

OnDone = Callable[[Entry, bool], None]
"""Called in the calling thread as each submission is done: the entry, and whether it
came from the cache."""


class Remote(Protocol):
    """Grades a batch's work elsewhere than in this machine's processes (a job queue's
    workers: ``judge.cluster.remote.QueueGrader``), each outcome delivered in the
    calling thread as it comes; ``fresh`` grades again what it may hold finished."""

    def grade(
        self, work: Sequence[Job], plan: Plan, options: Options, deliver: Deliver, *, fresh: bool
    ) -> None: ...


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
class Cached:
    """A report the cache holds for a submission, named for it."""

    report: Report


@dataclass(frozen=True)
class BatchPlan:
    """What a batch will do, decided before anything is graded.

    ``known``: the submissions settled without grading, in order: from the cache, or
    unreadable (a link, a FIFO, too big...).  ``work``: those to grade, each distinct
    content once.  ``twins``: by cache key, the submissions whose bytes are those of
    one in ``work``; they get its report, each in its own name.
    """

    known: tuple[tuple[Job, Cached | Unreadable], ...]
    work: tuple[Job, ...]
    twins: Mapping[str, tuple[Job, ...]]


def plan_batch(
    submissions: Sequence[Submission],
    plan: Plan,
    options: Options,
    cache: ResultCache | None,
    reuse: bool,
) -> BatchPlan:
    """Read each submission once and sort it: known (cached, unreadable), work, twin."""
    known: list[tuple[Job, Cached | Unreadable]] = []
    work: list[Job] = []
    twins: dict[str, list[Job]] = {}
    for index, submission in enumerate(submissions):
        job, hit = _look_up(index, submission, plan, options, cache, reuse)
        if hit is not None:
            known.append((job, Cached(hit)))
        elif job.submission.problem:  # found so, or refused when read
            known.append((job, Unreadable(job.submission.problem)))
        elif job.key is not None and job.key in twins:
            twins[job.key].append(job)
        else:
            if job.key is not None:
                twins[job.key] = []
            work.append(job)
    return BatchPlan(
        tuple(known), tuple(work), {key: tuple(jobs) for key, jobs in twins.items() if jobs}
    )


class Collector:
    """What a batch has finished, and its counts; the one place they change.

    Each outcome delivered becomes an entry (a report graded is cached at once, so a
    batch stopped at any moment resumes from it, and given to the waiting twins); an
    outcome that stops the batch is raised: ``Cancelled`` as ``KeyboardInterrupt``,
    ``Aborted`` as ``JudgeError``.
    """

    def __init__(
        self,
        plan: Plan,
        twins: Mapping[str, tuple[Job, ...]],
        cache: ResultCache | None,
        on_done: OnDone | None,
    ):
        self.plan = plan
        self.cache = cache
        self.on_done = on_done
        self.twins = dict(twins)  # each batch of twins given out once
        self.entries: dict[int, Entry] = {}
        self.graded = 0
        self.cached = 0
        self.internal_errors = 0
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        """Say something about the whole batch (once)."""
        if text not in self.notes:
            self.notes.append(text)

    def settle(self, job: Job, known: Cached | Unreadable) -> None:
        """A submission settled by the plan."""
        if isinstance(known, Cached):
            self.cached += 1
            self._finish(job.index, Entry(job.submission.name, known.report), cached=True)
        else:
            self.deliver(job, known)

    def deliver(self, job: Job, outcome: Outcome) -> None:
        """A submission's grading ended with ``outcome``."""
        path = job.submission.path
        if isinstance(outcome, Cancelled):
            raise KeyboardInterrupt  # a pool process was interrupted: stop them all
        if isinstance(outcome, Aborted):
            error = JudgeError(outcome.message)
            error.exit_code = outcome.exit_code
            raise error
        if isinstance(outcome, Graded):
            report = outcome.report
            self._store(job, report)
        else:
            if isinstance(outcome, JudgeFailed):
                self.internal_errors += 1
            report = not_graded(path, self.plan, outcome.message)
        self.graded += 1
        self._finish(job.index, Entry(job.submission.name, report), cached=False)
        for twin in self.twins.pop(job.key, ()) if job.key is not None else ():
            self.cached += 1
            own_path = str(twin.submission.path)
            message = report.message.replace(str(path), own_path)
            own = replace(report, submission=own_path, message=message)
            self._finish(twin.index, Entry(twin.submission.name, own), cached=True)

    def gradebook(self) -> Gradebook:
        """The entries finished, in the order the submissions were given."""
        entries = tuple(self.entries[i] for i in sorted(self.entries))
        return Gradebook(self.plan.problem.id, self.plan.max_score, entries)

    def _store(self, job: Job, report: Report) -> None:
        if self.cache is not None and job.key is not None:
            try:
                self.cache.put(job.key, report)
            except OSError as problem:
                if not any(n.startswith("results are not cached") for n in self.notes):
                    self.note(f"results are not cached: {problem}")

    def _finish(self, index: int, entry: Entry, *, cached: bool) -> None:
        self.entries[index] = entry
        if self.on_done is not None:
            self.on_done(entry, cached)


def grade_batch(
    submissions: Sequence[Submission],
    plan: Plan,
    options: Options | None = None,
    *,
    jobs: int | None = None,
    cache: ResultCache | None = None,
    reuse: bool = True,
    on_done: OnDone | None = None,
    remote: Remote | None = None,
) -> BatchResult:
    """Grade every submission with ``plan``; results come from and go to ``cache``.

    ``jobs`` processes grade at once (default: every core), or ``remote`` grades them
    elsewhere (the workers of a job queue: ``judge.cluster.remote.QueueGrader``).
    ``reuse=False`` regrades what the cache holds and replaces it.  Ctrl-C (or SIGTERM)
    stops the batch within seconds: the workers are killed (on a queue: the jobs still
    queued are cancelled), what finished is kept, and the result says ``interrupted``;
    later signals are ignored from then on (see ``judge.interrupt``).  Raises
    ``JudgeError`` only for a fault that would hit every submission alike (a sandbox
    level this machine cannot provide, for example, or a queue that fails).
    """
    options = options or Options()
    started = time.monotonic()
    collector: Collector | None = None
    interrupted = False
    with interruptible():
        try:
            batch = plan_batch(submissions, plan, options, cache, reuse)
            collector = Collector(plan, batch.twins, cache, on_done)
            for job, known in batch.known:
                collector.settle(job, known)
            if remote is not None:
                remote.grade(batch.work, plan, options, collector.deliver, fresh=not reuse)
            else:
                _grade_here(batch.work, plan, options, jobs, collector)
        except KeyboardInterrupt:
            interrupted = True
    if collector is None:  # interrupted while reading the submissions: nothing finished
        collector = Collector(plan, {}, cache, on_done)
    return BatchResult(
        collector.gradebook(),
        len(submissions),
        collector.graded,
        collector.cached,
        collector.internal_errors,
        interrupted,
        time.monotonic() - started,
        tuple(collector.notes),
    )


def _grade_here(
    work: Sequence[Job], plan: Plan, options: Options, jobs: int | None, collector: Collector
) -> None:
    """Grade ``work`` on this machine: over ``jobs`` processes, or here one at a time."""
    workers = min(jobs or default_jobs(), len(work))
    if workers > 1 and not _picklable(plan, options, collector):
        workers = 1
    if workers > 1:
        grade_in_pool(work, plan, options, workers, grade_one, collector.deliver)
        return
    # Each worker prestarted while the one before it grades (runner.warm).
    warm.use(len(work) > 1)
    try:
        for job in work:
            collector.deliver(job, grade_one(job.submission.path, plan, options, job.content))
    finally:
        warm.use(False)
        warm.discard()


def _look_up(
    index: int,
    submission: Submission,
    plan: Plan,
    options: Options,
    cache: ResultCache | None,
    reuse: bool,
) -> tuple[Job, Report | None]:
    """The submission's key and its cached report, when there is one to use."""
    if submission.problem:
        return Job(index, submission, None), None
    try:
        content = read(submission.path)  # a student's folder is keyed by all its modules
    except SubmissionError as error:  # a link, a FIFO, too big...: a row saying why
        return Job(index, replace(submission, problem=str(error)), None), None
    key = result_key(content, plan, options)
    hit = cache.get(key) if cache is not None and reuse else None
    if hit is not None:
        # The same bytes may be another student's: the report names this one.
        hit = replace(hit, submission=str(submission.path))
    return Job(index, submission, key, content), hit


def not_graded(path: Path, plan: Plan, message: str) -> Report:
    """A report for a submission that could not be graded: every test an error, the
    same tests (property checks included) as a graded submission's report lists."""
    why = "not run: the submission could not be graded"
    tests = tuple(
        TestResult(
            name=case.name,
            kind="case",
            status=Verdict.ERROR,
            score=0.0,
            max_score=case.points,
            hidden=case.hidden,
            message=why,
            topic=case.topic,
        )
        for case in plan.problem.cases
    )
    if plan.properties is not None:
        tests += not_run(plan.properties, why)
    return Report(
        str(path), plan.problem.id, Status.ERROR, 0.0, plan.max_score, 0.0, tests, message
    )


def grade_one(path: Path, plan: Plan, options: Options, content: bytes | None) -> Outcome:
    """Grade one submission (``content``: its bytes, read once); every failure becomes
    a value, except Ctrl-C.  Sent by name to the pool processes."""
    try:
        return Graded(grade(path, plan, options, content))
    except SubmissionError as error:
        return Unreadable(str(error))
    except JudgeError as error:
        return Aborted(str(error), error.exit_code)
    except Exception as error:
        return JudgeFailed(
            f"internal error in the judge: {type(error).__name__}: {error}\n"
            f"This is a bug in judge; rerun with JUDGE_DEBUG=1 judge run {path} "
            "for the traceback and report it."
        )


def _picklable(plan: Plan, options: Options, collector: Collector) -> bool:
    """Whether the plan can be sent to pool processes; if not, say so and grade here."""
    try:
        pickle.dumps((plan, options))
    except Exception as error:
        collector.note(
            f"graded one at a time: the plan cannot be sent to other processes ({error})"
        )
        return False
    return True
