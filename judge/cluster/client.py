"""The side that asks for grades: enqueue requests, gather what the workers answer.

A job's id is the caller's (a submission's id, a cache key), so enqueueing the same
request twice makes one job, and a client that restarts finds its jobs by id.  Results
are gathered as they end: a worker pushes each finished job's id on the client's
wake-up list, and a sweep of every pending job's status every few seconds catches what
a lost push would have missed (a Redis restart between the two, a job failed by another
worker's clean-up), so a result is never lost and never given twice.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from rq.worker_registration import WORKERS_BY_QUEUE_KEY

from judge.cluster.connect import connect, redact
from judge.cluster.queues import (
    ATTEMPTS,
    NOTIFY_KEY,
    PRIORITIES,
    RESULT_TTL_S,
    TASK,
)
from judge.cluster.request import GradeRequest, encode, graded, publish_spec
from judge.grading.modes import deadline_s
from judge.spec.model import Problem

SWEEP_S = 3.0  # how often every pending job's status is read, pushes or not
OUTAGE_MAX_S = 5.0  # the longest wait between two tries while Redis is down
ORPHAN_S = 10.0  # a job taken from its queue is held by its worker within milliseconds


@dataclass(frozen=True)
class Finished:
    """The job ran to its end: ``answer`` is the worker's ``GradeResult`` as a dict
    (``answer["report"]`` the ``judge-report/1`` dict, whatever the outcome)."""

    answer: dict[str, Any]

    @property
    def report(self) -> dict[str, Any]:
        """The report the worker sent (an error report if it could not grade)."""
        report: dict[str, Any] = self.answer["report"]
        return report


@dataclass(frozen=True)
class Crashed:
    """The job failed on every attempt: its grading process died (or its worker
    vanished) each time.  ``message`` says so, with the last reason."""

    message: str


@dataclass(frozen=True)
class Lost:
    """Redis holds no such job (never enqueued, cancelled, expired, or lost with a
    Redis that kept no data): enqueue it again if it is still wanted."""

    message: str


Result = Finished | Crashed | Lost


@dataclass(frozen=True)
class Look:
    """What one look at a set of jobs found: those that ended, with what they came to,
    and those a worker has started."""

    ended: tuple[tuple[str, Result], ...]
    started: tuple[str, ...]


_ENDED = {JobStatus.FINISHED.value, JobStatus.FAILED.value, JobStatus.STOPPED.value}
_ENDED |= {JobStatus.CANCELED.value}
QUEUED = JobStatus.QUEUED.value


class QueueClient:
    """A client of the queue at ``url`` (see ``judge.cluster.connect``), with its own
    wake-up list."""

    def __init__(self, url: str, *, name: str | None = None):
        self.url = url
        self.redis = connect(url)
        self.name = name or uuid.uuid4().hex
        self.notify_key = NOTIFY_KEY.format(client=self.name)
        self._queues = {
            priority: Queue(queue, connection=self.redis, serializer=JSONSerializer)
            for priority, queue in PRIORITIES.items()
        }
        self._unlisted: dict[str, float] = {}  # queued jobs in no queue's list, since when

    def __repr__(self) -> str:
        return f"QueueClient({redact(self.url)!r})"

    def enqueue(
        self,
        problem: Problem,
        requests: Sequence[GradeRequest],
        *,
        priority: str,
        ids: Sequence[str],
        fresh: bool = False,
        attempts: int = ATTEMPTS,
    ) -> list[str]:
        """Enqueue each request for ``problem`` under its id on the ``priority`` queue
        (``interactive`` or ``batch``), to be started ``attempts`` times at most before
        it is given up as crashed; return the ids enqueued now.

        The problem's spec is stored first, every time: a job is never on the queue
        without the spec its worker reads (a Redis that came back empty lost both).  A
        job already there is left as it is, unless it ended without a grade (failed,
        cancelled, or answered that it could not grade: another judge version, a
        sandbox its worker lacks) or ``fresh`` asks to grade again what finished: so
        enqueueing twice grades once, and a rerun gathers what a first run graded.
        """
        queue = self._queues[priority]
        existing = self._statuses(ids)
        todo = [
            (request, job_id)
            for request, job_id in zip(requests, ids, strict=True)
            if not self._keep(job_id, existing.get(job_id), fresh)
        ]
        if not todo:
            return []
        publish_spec(self.redis, problem)
        with self.redis.pipeline() as pipe:
            for request, job_id in todo:
                if existing.get(job_id) is not None:
                    self._delete(job_id)
                queue.enqueue_call(
                    TASK,
                    args=(encode(request),),
                    job_id=job_id,
                    timeout=int(job_timeout_s(problem, request)),
                    result_ttl=RESULT_TTL_S,
                    failure_ttl=RESULT_TTL_S,
                    retry=Retry(max=attempts - 1) if attempts > 1 else None,
                    description=f"grade {request.mode} {job_id}",
                    meta={"notify": self.notify_key, "attempts": attempts},
                    pipeline=pipe,
                )
            pipe.execute()
        return [job_id for _, job_id in todo]

    def _keep(self, job_id: str, status: str | None, fresh: bool) -> bool:
        """Whether the job already under ``job_id`` stands: waiting, running, or
        finished with a grade (unless ``fresh``)."""
        if status in (JobStatus.QUEUED.value, JobStatus.STARTED.value):
            return True
        if status != JobStatus.FINISHED.value or fresh:
            return False
        result = self._result(job_id, status)
        return isinstance(result, Finished) and graded(result.answer)

    def results(
        self,
        ids: Iterable[str],
        *,
        poll_s: float = 1.0,
        on_wait: Callable[[], None] | None = None,
    ) -> Iterator[tuple[str, Result]]:
        """Each job of ``ids`` as it ends, once: ``Finished``, ``Crashed`` or ``Lost``.

        Waits as long as jobs are pending, calling ``on_wait`` after each look that
        found none ended (about every ``poll_s``); a Redis that goes away is waited for
        (trying again every few seconds), not an error.
        """
        pending = set(ids)
        next_sweep = 0.0
        delay = 0.5
        while pending:
            everything = time.monotonic() >= next_sweep
            try:
                found = self.look(pending, wait_s=poll_s, everything=everything)
            except (redis.ConnectionError, redis.TimeoutError):
                time.sleep(delay)  # the Redis is restarting, or the network is down
                delay = min(delay * 2, OUTAGE_MAX_S)
                next_sweep = 0.0  # pushes made meanwhile may be lost: look at everything
                continue
            delay = 0.5
            if everything:
                next_sweep = time.monotonic() + SWEEP_S
            for job_id, result in found.ended:
                pending.discard(job_id)
                yield job_id, result
            if not found.ended and on_wait is not None:
                on_wait()

    def look(self, ids: Collection[str], *, wait_s: float, everything: bool) -> Look:
        """One look at the jobs of ``ids``: those pushed on the wake-up list within
        ``wait_s`` (every one of ``ids`` when ``everything``), sorted into ended and
        started.  For a caller whose set of jobs grows as it waits (the problem site);
        ``results`` is built on it.  Raises ``redis.ConnectionError`` or
        ``redis.TimeoutError`` while Redis is down: the caller backs off and looks at
        everything once it answers, since pushes made meanwhile may be lost."""
        pushed = self._woken(wait_s)  # drained either way, so the list cannot grow
        looked = sorted(ids) if everything else sorted(pushed & set(ids))
        ended: list[tuple[str, Result]] = []
        started: list[str] = []
        statuses = self._statuses(looked)
        for job_id, status in statuses.items():
            result = self._result(job_id, status)
            if result is not None:
                ended.append((job_id, result))
            elif status == JobStatus.STARTED.value:
                started.append(job_id)
        if everything:
            queued = [job_id for job_id, status in statuses.items() if status == QUEUED]
            for job_id in self._orphaned(queued):
                self._delete(job_id)  # so that enqueueing it again makes a new job
                ended.append((job_id, Lost(f"job {job_id} was taken by a worker that stopped")))
        return Look(tuple(ended), tuple(started))

    def _orphaned(self, queued: Sequence[str]) -> list[str]:
        """The jobs of ``queued`` (status ``queued``) that have been in no queue's list
        for ``ORPHAN_S``: taken by a worker (RQ's ``BLPOP`` over its two queues) that
        stopped before it held them, in the milliseconds between.  Nothing else would
        ever run them; the caller enqueues them again."""
        if not queued:
            self._unlisted.clear()
            return []
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in queued:
                pipe.hget(Job.key_for(job_id), "origin")
            origins = {_text(origin) for origin in pipe.execute() if origin is not None}
        listed: set[str] = set()
        for queue in self._queues.values():
            if queue.name in origins:  # only the lists our queued jobs wait in
                listed.update(_text(item) for item in self.redis.lrange(queue.key, 0, -1))
        now = time.monotonic()
        unlisted = {job_id: self._unlisted.get(job_id, now) for job_id in queued}
        self._unlisted = {
            job_id: since for job_id, since in unlisted.items() if job_id not in listed
        }
        return [job_id for job_id, since in self._unlisted.items() if now - since >= ORPHAN_S]

    def cancel(self, ids: Iterable[str]) -> int:
        """Remove the jobs of ``ids`` still waiting in a queue; those started run to
        their end (and a later ``results`` finds them).  The number removed."""
        removed = 0
        statuses = self._statuses(list(ids))
        for job_id, status in statuses.items():
            if status == JobStatus.QUEUED.value:
                self._delete(job_id)  # out of its queue too
                removed += 1
        return removed

    def live_workers(self, priority: str) -> int:
        """How many workers listening on the ``priority`` queue are alive (registered,
        and their registration not expired: a worker killed outright leaves its name in
        the queue's set until another's clean-up)."""
        names = self.redis.smembers(WORKERS_BY_QUEUE_KEY % PRIORITIES[priority])
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.exists(name)
            return sum(pipe.execute())

    def missing(self, ids: Iterable[str]) -> list[str]:
        """The ids of ``ids`` Redis holds no job for."""
        statuses = self._statuses(list(ids))
        return [job_id for job_id, status in statuses.items() if status is None]

    def close(self) -> None:
        """Drop the wake-up list and the connection."""
        with contextlib.suppress(redis.RedisError):
            self.redis.delete(self.notify_key)
        self.redis.close()

    def _delete(self, job_id: str) -> None:
        """Delete a job, its results and its places in the queue and registries."""
        with contextlib.suppress(NoSuchJobError):
            Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer).delete()

    def _woken(self, poll_s: float) -> set[str]:
        """The ids pushed on the wake-up list, waiting up to ``poll_s`` for the first."""
        first = self.redis.blpop([self.notify_key], timeout=max(poll_s, 0.01))
        if first is None:
            return set()
        woken = {_text(first[1])}
        more = self.redis.lpop(self.notify_key, 1000)
        woken.update(_text(item) for item in more or ())
        return woken

    def _statuses(self, ids: Sequence[str]) -> dict[str, str | None]:
        """Each job's status (None: no such job), in one round trip."""
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in ids:
                pipe.hget(Job.key_for(job_id), "status")
            replies = pipe.execute()
        return {
            job_id: reply.decode() if isinstance(reply, bytes) else None
            for job_id, reply in zip(ids, replies, strict=True)
        }

    def _result(self, job_id: str, status: str | None) -> Result | None:
        """What the job came to, or None while it is still to run or running."""
        if status is None:
            return Lost(f"the queue holds no job {job_id}")
        if status not in _ENDED:
            return None
        try:
            job = Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer)
        except NoSuchJobError:
            return Lost(f"the queue holds no job {job_id}")
        latest = job.latest_result()
        if status == JobStatus.FINISHED.value and latest is not None:
            answer = latest.return_value
            if isinstance(answer, dict) and "report" in answer:
                return Finished(answer)
            return Crashed("its worker sent no report")
        reason = _last_line(latest.exc_string if latest is not None else "") or status
        attempts = int(job.meta.get("attempts", ATTEMPTS))
        died = attempts - int(job.retries_left or 0)
        times = "once" if died == 1 else f"{died} times"
        return Crashed(f"its grading process crashed {times} (the last: {reason})")


def _text(item: object) -> str:
    return item.decode() if isinstance(item, bytes) else str(item)


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def job_timeout_s(problem: Problem, request: GradeRequest) -> float:
    """How long a job grading ``request`` may run before RQ stops it."""
    return deadline_s(problem, request.budget, request.timeout)
