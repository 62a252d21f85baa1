"""``judge serve --queue URL``: the server stores submissions, workers elsewhere grade.

The SQLite store stays the record of what was accepted: a submission is committed
before its ``202``, then a thread (``_send_loop``) enqueues it on the queue's
interactive priority with its own id as the job's, so enqueueing it again makes no
second job.  Another thread (``_gather_loop``) watches the jobs sent and stores each
one's report once (``Outcomes.finish`` skips a submission already done), waking the
``?wait=true`` requests as the in-process queue does.

Nothing acknowledged is lost when Redis is down: the rows wait in SQLite, both threads
try again with a growing delay, and the sender enqueues them when Redis answers.  At
start every unfinished row is watched first: a job Redis still holds is gathered when
it ends (not graded twice); one it holds no more (``Lost``: never sent, or lost with a
Redis that kept no data) is enqueued again; one that crashed on every attempt while
the server was down is recorded as such.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import redis

from judge.cluster.client import Crashed, Finished, Lost, QueueClient, Result
from judge.cluster.connect import CredentialsRefused, connect, ping, redact
from judge.cluster.request import request_for
from judge.errors import QueueError
from judge.grading.grade import Options
from judge.results import Report
from judge.serve.config import ServeConfig
from judge.serve.grader import SUBMISSION_FILE
from judge.serve.queue import Listener, Outcomes
from judge.serve.store import State, Store, Submission
from judge.spec.model import Problem

PRIORITY = "interactive"
"""The problem site's jobs go ahead of ``judge grade --queue``'s regrades."""
POLL_S = 1.0
"""The longest the gatherer waits for a worker's push before it looks again."""
RESEND_S = 5.0
"""How often the sender looks for rows to enqueue unprompted: a wake-up it missed, or
jobs the gatherer found lost."""
OUTAGE_MIN_S, OUTAGE_MAX_S = 0.5, 5.0
"""The first and longest waits between two tries while Redis does not answer."""
SEND_CHUNK = 100
"""Submissions read from the store and enqueued in one round trip."""

_DOWN = (redis.ConnectionError, redis.TimeoutError, QueueError)
"""What a Redis that is down, restarting or unreachable raises on this side."""


class RemoteQueue:
    """Has the workers of the queue at ``config.queue`` grade the stored submissions;
    ``start``, then ``stop``.  Raises ``QueueError`` (exit 2) now for a URL that is not a
    Redis URL or a Redis that refuses the password; a Redis not up yet is waited for."""

    def __init__(self, config: ServeConfig, store: Store, problems: dict[str, Problem]):
        if config.queue is None:
            raise ValueError("RemoteQueue needs config.queue")
        self._url = config.queue
        self._config = config
        self._store = store
        self._problems = problems
        self._outcomes = Outcomes(store, problems)
        self._changed = threading.Condition()
        self._stopping = False
        self._woken = False
        self._watched: set[str] = set()  # sent, or maybe on the queue: not ended yet
        self._client: QueueClient | None = None
        self._client_lock = threading.Lock()
        self._down = False  # said that Redis is down; say when it is back
        self._threads: list[threading.Thread] = []
        _check_credentials(self._url)

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with each submission's id once it is done."""
        self._outcomes.listen(listener)

    def start(self) -> None:
        """Watch every unfinished row (gathered if its job ended, enqueued if Redis
        holds none), then start the sender and the gatherer."""
        with self._changed:
            self._watched = set(self._store.unfinished())
        for name, loop in (("send", self._send_loop), ("gather", self._gather_loop)):
            thread = threading.Thread(target=loop, name=f"judge-queue-{name}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def wake(self) -> None:
        """Tell the sender that new submissions are stored (never waits on Redis)."""
        with self._changed:
            self._woken = True
            self._changed.notify_all()

    def stop(self) -> None:
        """Stop both threads.  Jobs on the queue stay there: the workers grade them, and
        the next start gathers their reports."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout=POLL_S + 10)
        if self._client is not None:
            self._client.close()

    # The sender.

    def _send_loop(self) -> None:
        wait_s, delay = 0.0, OUTAGE_MIN_S
        while self._pause(wait_s, wake=True):
            try:
                self._send(self._connected())
            except _DOWN as error:
                self._went_down(error)
                wait_s, delay = delay, min(delay * 2, OUTAGE_MAX_S)
                continue
            except Exception:  # a fault of the server's own: said, and tried again
                traceback.print_exc()
                wait_s = OUTAGE_MAX_S
                continue
            self._came_back()
            wait_s, delay = RESEND_S, OUTAGE_MIN_S

    def _send(self, client: QueueClient) -> None:
        """Enqueue the unfinished rows not watched yet, oldest first."""
        with self._changed:  # before the store is read: see ``_record``
            watched = set(self._watched)
        unsent = [i for i in self._store.unfinished() if i not in watched]
        for start in range(0, len(unsent), SEND_CHUNK):
            chunk = unsent[start : start + SEND_CHUNK]
            found = [self._store.get(submission_id) for submission_id in chunk]
            waiting = [s for s in found if s is not None and s.state is not State.DONE]
            for problem_id, group in _by_problem(waiting):
                problem = self._problems.get(problem_id)
                if problem is None:  # its folder dropped at a restart
                    for submission in group:
                        self._outcomes.problem_gone(submission)
                    continue
                self._enqueue(client, problem, group)

    def _enqueue(self, client: QueueClient, problem: Problem, group: list[Submission]) -> None:
        options = Options(sandbox=self._config.sandbox)
        requests = [
            request_for(
                SUBMISSION_FILE, s.source.encode("utf-8"), problem, options, mode=s.mode.value
            )
            for s in group
        ]
        ids = [s.id for s in group]
        client.enqueue(
            problem, requests, priority=PRIORITY, ids=ids, attempts=self._config.max_attempts
        )
        with self._changed:
            self._watched.update(ids)
            self._changed.notify_all()  # the gatherer may be idle, with nothing to watch

    # The gatherer.

    def _gather_loop(self) -> None:
        delay = OUTAGE_MIN_S
        next_sweep = 0.0  # first, a look at every job: what ended while we were away
        while not self._stopping:
            with self._changed:
                watched = set(self._watched)
            if not watched:  # the sender's notify ends the wait when it sends
                self._pause(POLL_S)
                continue
            everything = time.monotonic() >= next_sweep
            try:
                found = self._connected().look(watched, wait_s=POLL_S, everything=everything)
                for job_id in found.started:  # shown as running, as a grade here would be
                    self._store.mark_running(job_id)
                for job_id, result in found.ended:
                    self._record(job_id, result)
            except _DOWN as error:
                self._went_down(error)
                self._pause(delay)
                delay = min(delay * 2, OUTAGE_MAX_S)
                next_sweep = 0.0  # pushes made meanwhile may be lost: look at everything
                continue
            except Exception:  # a fault of the server's own: said, and tried again
                traceback.print_exc()
                self._pause(OUTAGE_MAX_S)
                continue
            self._came_back()
            delay = OUTAGE_MIN_S
            if everything:
                next_sweep = time.monotonic() + SWEEP_S

    def _record(self, submission_id: str, result: Result) -> None:
        """Store what the job came to, then stop watching it (in that order: the sender
        skips what is watched or done, so it never sends an ended job again); a lost
        job is the sender's to enqueue again."""
        submission = self._store.get(submission_id)
        if submission is not None and submission.state is not State.DONE:
            if isinstance(result, Crashed):
                self._outcomes.give_up(submission, result.message)
            elif isinstance(result, Finished):
                report = _report_of(result, submission_id)
                if report is None:
                    self._outcomes.give_up(submission, "its worker sent a malformed report")
                else:
                    self._outcomes.finish(submission_id, report)
        with self._changed:
            self._watched.discard(submission_id)
        if isinstance(result, Lost):
            self.wake()

    # Both.

    def _connected(self) -> QueueClient:
        """The client, made on first use (``QueueError`` while Redis does not answer)."""
        with self._client_lock:
            if self._client is None:
                self._client = QueueClient(self._url)
            return self._client

    def _went_down(self, error: Exception) -> None:
        """Say once that Redis does not answer (each thread finds it out)."""
        with self._client_lock:
            said, self._down = self._down, True
        if not said:
            _say(
                f"the Redis at {redact(self._url)} does not answer ({type(error).__name__}); "
                "submissions wait in the database until it does"
            )

    def _came_back(self) -> None:
        """After a round trip that worked: say so if Redis was down."""
        with self._client_lock:
            said, self._down = self._down, False
        if said:
            _say(f"the Redis at {redact(self._url)} answers again")

    def _pause(self, seconds: float, wake: bool = False) -> bool:
        """Wait ``seconds`` (less if stopped or, with ``wake``, woken); False once
        stopping."""
        with self._changed:
            if not self._stopping and not (wake and self._woken):
                self._changed.wait(seconds)
            if wake:
                self._woken = False
            return not self._stopping


SWEEP_S = 3.0
"""How often the gatherer reads every watched job's status, pushes or not."""


def _report_of(result: Finished, submission_id: str) -> dict[str, Any] | None:
    """The worker's report under the submission's id, or None if it is not a
    ``judge-report/1`` (the API would fail on it at every read)."""
    try:
        Report.from_dict(result.report)
    except (KeyError, ValueError, TypeError, AttributeError):
        return None
    return dict(result.report, submission=submission_id)


def _by_problem(submissions: list[Submission]) -> Iterator[tuple[str, list[Submission]]]:
    """``submissions`` grouped by problem, each group in the order given."""
    groups: dict[str, list[Submission]] = {}
    for submission in submissions:
        groups.setdefault(submission.problem, []).append(submission)
    yield from groups.items()


def _check_credentials(url: str) -> None:
    """At start: a bad URL or a refused password is the operator's to fix now
    (``QueueError``); a Redis not up yet is only said, and waited for (as a worker
    waits: ``judge.cluster.connect.wait_for``)."""
    client = connect(url, check=False)
    try:
        ping(client, url)
    except CredentialsRefused:
        raise  # waiting will not change the password
    except QueueError:
        _say(
            f"cannot reach the Redis at {redact(url)} yet; submissions wait in the "
            "database until it answers"
        )
    finally:
        client.close()


def _say(message: str) -> None:
    """A line on the server's log (stderr)."""
    print(f"judge serve: {message}", file=sys.stderr, flush=True)
