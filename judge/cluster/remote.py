"""Grade a batch's work on the job queue (``judge grade --queue URL``) instead of a
local pool: each submission a job on the batch queue, its id the submission's cache key,
the outcomes delivered as the workers finish them, the same as a pool's.
``QueueGrader`` is what ``judge.batch.run.grade_batch`` is given as its ``remote``.

The cache key as job id makes a rerun cheap: a job a first run left finished in Redis
is gathered, not graded again, and one still queued or running is waited for.  Ctrl-C
cancels the jobs still queued; those running finish, for the next run to gather.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence

import redis

from judge.batch.outcome import JudgeFailed, Outcome
from judge.batch.pool import Deliver, Job
from judge.cluster.client import Crashed, Finished, Lost, QueueClient
from judge.cluster.connect import hide, redact
from judge.cluster.queues import ATTEMPTS, job_id
from judge.cluster.request import outcome_of, request_for
from judge.errors import QueueError
from judge.grading.grade import Options
from judge.grading.plan import Plan

PRIORITY = "batch"  # behind the problem site's runs and submissions


NO_WORKER_S = 10.0
"""How long a batch waits with nothing ended before it looks for a live worker, and
says so if there is none (then at most once in as long again)."""


class QueueGrader:
    """The batch grader of the queue at ``url``: connects at once, so that a bad URL or
    a Redis that is down is an error before anything is read (``QueueError``).  ``say``
    tells the user what the batch waits for (no worker on the queue).  ``fresh`` grades
    again what a run before left finished (``--no-cache``: the reports the queue keeps a
    day are a cache too)."""

    def __init__(
        self, url: str, say: Callable[[str], None] = lambda text: None, *, fresh: bool = False
    ):
        self.client = QueueClient(url)
        self.say = say
        self.fresh = fresh

    def grade(
        self,
        work: Sequence[Job],
        plan: Plan,
        options: Options,
        deliver: Deliver,
        *,
        fresh: bool = False,
    ) -> None:
        """``grade_on_queue`` on this queue."""
        fresh = fresh or self.fresh
        grade_on_queue(work, plan, options, self.client, deliver, fresh=fresh, say=self.say)

    def close(self) -> None:
        """Drop the connection (the jobs stay: a rerun gathers them)."""
        self.client.close()


def grade_on_queue(
    work: Sequence[Job],
    plan: Plan,
    options: Options,
    client: QueueClient,
    deliver: Deliver,
    *,
    fresh: bool = False,
    say: Callable[[str], None] = lambda text: None,
) -> None:
    """Enqueue ``work`` and deliver each outcome in this thread as a worker ends it.

    ``fresh`` grades again what a run before left finished in Redis (``--regrade``).
    ``say`` is told when nothing has ended for ``NO_WORKER_S`` and no worker is alive
    on the queue (the batch waits on: one may start).
    A job lost from Redis is enqueued again, ``ATTEMPTS`` times at most; one whose
    grading process died on every attempt is delivered as ``JudgeFailed`` saying it
    crashed.  Any exception here or from ``deliver`` (Ctrl-C included) cancels the jobs
    still queued and is raised.
    """
    if not work:
        return
    jobs: dict[str, Job] = {}
    for job in work:
        if job.key is None or job.content is None:  # never: work is read and keyed
            raise ValueError(f"{job.submission.path} was not read before grading")
        jobs[job_id("grade", job.key)] = job
    requests = {
        name: request_for(
            str(job.submission.path),
            job.content or b"",
            plan.problem,
            options,
            seed=plan.extra.get("seed"),
            examples=plan.extra.get("examples"),
        )
        for name, job in jobs.items()
    }
    pending = set(jobs)
    lost = dict.fromkeys(jobs, 0)

    def enqueue(names: list[str], fresh: bool) -> None:
        try:
            client.enqueue(
                plan.problem,
                [requests[name] for name in names],
                priority=PRIORITY,
                ids=names,
                fresh=fresh,
            )
        except redis.RedisError as error:
            raise QueueError(
                f"cannot enqueue on the Redis at {redact(client.url)}: "
                f"{hide(str(error), client.url)}; run the command again once it answers"
            ) from None

    idle = _NoWorkerNotice(client, say, lambda: len(pending))
    try:
        enqueue(list(jobs), fresh)
        while pending:
            again: list[str] = []
            for name, result in client.results(sorted(pending), on_wait=idle.check):
                idle.reset()
                job = jobs[name]
                if isinstance(result, Lost) and lost[name] + 1 < ATTEMPTS:
                    lost[name] += 1
                    again.append(name)
                    continue
                pending.discard(name)
                deliver(job, _outcome(result, str(job.submission.path)))
            if again:
                enqueue(again, fresh=False)
    except BaseException:
        with contextlib.suppress(redis.RedisError):  # a Redis gone keeps them: a rerun finds them
            client.cancel(sorted(pending))
        raise


def _outcome(result: Finished | Crashed | Lost, name: str) -> Outcome:
    """The batch outcome of a job's result."""
    if isinstance(result, Finished):
        return outcome_of(result.answer, name)
    return JudgeFailed(
        f"internal error in the judge: {result.message}; rerun it alone with judge run {name}"
    )


class _NoWorkerNotice:
    """Says, at most once every ``NO_WORKER_S``, that no worker is alive on the batch
    queue while nothing ends: otherwise ``judge grade --queue`` waits in silence."""

    def __init__(self, client: QueueClient, say: Callable[[str], None], left: Callable[[], int]):
        self.client = client
        self.say = say
        self.left = left
        self.reset()

    def reset(self) -> None:
        """Something ended: the wait starts again."""
        self.since = time.monotonic()

    def check(self) -> None:
        """Look for a live worker if nothing has ended for ``NO_WORKER_S``."""
        if time.monotonic() - self.since < NO_WORKER_S:
            return
        self.reset()
        try:
            if self.client.live_workers(PRIORITY):
                return
        except redis.RedisError:
            return  # gone again: the results loop waits for it
        self.say(
            f"no judge worker is taking jobs from {redact(self.client.url)}: "
            f"{self.left()} submission(s) wait on the queue until one starts "
            "('judge worker' with the same URL), or Ctrl-C"
        )
