"""The grading queue: ``--jobs`` threads, each feeding its own grading process.

The queue itself is the SQLite table (``store``): a thread claims the oldest queued
submission, grades it in its process (``grader``) and stores the report, so what was
accepted survives a restart.  A submission whose grading killed its process, or that
was running when the server died, goes back in the queue until it has been started
``max_attempts`` times; then it is done with an error report, so one hostile source
cannot stall the queue forever.

``SubmissionQueue`` is what the rest of the server sees of it; ``judge.serve.remote``
is the other one, which has workers elsewhere grade through a job queue.  Both record
outcomes through one ``Outcomes``, so a report, a give-up and a dropped problem read
the same whichever grades.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any, Protocol

from judge.grading.modes import deadline_s, plan_for
from judge.grading.plan import Plan
from judge.results import Report, Status
from judge.serve.config import ServeConfig
from judge.serve.grader import Grader, GraderLost, error_report
from judge.serve.store import Mode, Store, Submission
from judge.spec.model import Problem

IDLE_CHECK_S = 5.0
"""How often an idle thread looks at the queue unprompted.  New work wakes it at once
(``wake``); this only bounds how long a missed wake-up could delay it."""

Listener = Callable[[str], None]
"""Called with a submission's id, from a grading thread, when it is done."""


class SubmissionQueue(Protocol):
    """What the server needs of whatever grades its stored submissions."""

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with each submission's id once it is done."""

    def start(self) -> None:
        """Start grading what the store holds, and what comes."""

    def wake(self) -> None:
        """Say that new submissions are stored (called from the event loop: never blocks)."""

    def stop(self) -> None:
        """Stop; what is not done stays in the store and is graded after the next start."""


class Outcomes:
    """Records how a submission ended, once, and tells the listeners.  Thread-safe."""

    def __init__(self, store: Store, problems: dict[str, Problem]):
        self._store = store
        self._problems = problems
        self._listeners: list[Listener] = []
        self._plans: dict[tuple[str, Mode], Plan] = {}
        self._plans_lock = threading.Lock()

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with each submission's id once it is done."""
        self._listeners.append(listener)

    def finish(self, submission_id: str, report: dict[str, Any]) -> None:
        """Store ``report`` unless the submission is done already, and tell the listeners."""
        if self._store.finish(submission_id, report):
            for listener in self._listeners:
                listener(submission_id)

    def give_up(self, submission: Submission, why: str) -> None:
        """Done with an error report saying ``why`` it could not be graded (and how
        many times it was tried): the judge gave up on it."""
        if submission.problem not in self._problems:
            self.problem_gone(submission)
            return
        message = (
            f"not graded: {why}; the judge gave up on it "
            "(an instructor can find it in the server's database)"
        )
        self.finish(submission.id, self._error_report(submission, message))

    def problem_gone(self, submission: Submission) -> None:
        """Accepted before a restart that dropped its problem's folder: done, saying so."""
        message = f"not graded: problem {submission.problem!r} is no longer served"
        report = Report(submission.id, submission.problem, Status.ERROR, 0.0, 0.0, 0.0, (), message)
        self.finish(submission.id, report.to_dict())

    def _error_report(self, submission: Submission, message: str) -> dict[str, Any]:
        key = (submission.problem, submission.mode)
        with self._plans_lock:  # prepared here only for this rare path, once per problem
            if key not in self._plans:
                self._plans[key] = plan_for(self._problems[submission.problem], submission.mode)
            plan = self._plans[key]
        return error_report(submission.id, plan, message)


class GradingQueue:
    """Grades stored submissions in the background, in this process's own grading
    processes; ``start``, then ``stop``."""

    def __init__(self, config: ServeConfig, store: Store, problems: dict[str, Problem]):
        self._config = config
        self._store = store
        self._problems = problems
        self._wake = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._graders: list[Grader] = []
        self._outcomes = Outcomes(store, problems)

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with each submission's id once it is done."""
        self._outcomes.listen(listener)

    def start(self) -> None:
        """Requeue what a previous run left running, then start the grading threads."""
        for lost in self._store.requeue_interrupted(self._config.max_attempts):
            self._give_up(lost, "the server stopped while grading it")
        for index in range(self._config.jobs):
            grader = Grader(self._config.problems, self._config.sandbox)
            thread = threading.Thread(
                target=self._work, args=(grader,), name=f"judge-grading-{index}", daemon=True
            )
            self._graders.append(grader)
            self._threads.append(thread)
            thread.start()

    def wake(self) -> None:
        """Tell the threads that new work is queued."""
        with self._wake:
            self._wake.notify_all()

    def stop(self) -> None:
        """Stop the threads and their processes; what was running stays ``running`` in
        the store and is requeued at the next start."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        for grader in self._graders:
            # Killed, not waited for: a thread waiting on a grade sees its process die
            # and ends; the grade is requeued at the next start.
            grader.close(wait=False)
        for thread in self._threads:
            thread.join(timeout=10)

    def _work(self, grader: Grader) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
            submission = self._store.claim()
            if submission is None:
                with self._wake:
                    if not self._stopping:
                        self._wake.wait(IDLE_CHECK_S)
                continue
            try:
                self._grade(grader, submission)
            except Exception as error:  # a fault of the server's own: this thread goes on
                with self._wake:
                    if self._stopping:  # a grade cut short by ``stop``: requeued at start
                        return
                traceback.print_exc()
                self._give_up(submission, f"internal error in the judge ({error})")

    def _grade(self, grader: Grader, submission: Submission) -> None:
        problem = self._problems.get(submission.problem)
        if problem is None:
            self._outcomes.problem_gone(submission)
            return
        try:
            report = grader.grade(submission, deadline_s(problem))
        except GraderLost as error:
            with self._wake:
                if self._stopping:  # stopped mid-grade: requeued at the next start
                    return
            if submission.attempts >= self._config.max_attempts:
                self._give_up(submission, str(error))
            else:
                self._store.requeue(submission.id)
                self.wake()
            return
        self._outcomes.finish(submission.id, report)

    def _give_up(self, submission: Submission, why: str) -> None:
        self._outcomes.give_up(submission, f"{why}, {submission.attempts} times")
