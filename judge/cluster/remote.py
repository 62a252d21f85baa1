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
from collections.abc import Sequence

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


class QueueGrader:
    """The batch grader of the queue at ``url``: connects at once, so that a bad URL or
    a Redis that is down is an error before anything is read (``QueueError``)."""

    def __init__(self, url: str):
        self.client = QueueClient(url)

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
        grade_on_queue(work, plan, options, self.client, deliver, fresh=fresh)

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
) -> None:
    """Enqueue ``work`` and deliver each outcome in this thread as a worker ends it.

    ``fresh`` grades again what a run before left finished in Redis (``--regrade``).
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

    try:
        enqueue(list(jobs), fresh)
        while pending:
            again: list[str] = []
            for name, result in client.results(sorted(pending)):
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
