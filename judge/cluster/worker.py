"""``judge worker``: take grade requests from the queue, one at a time, and answer them.

An RQ ``Worker`` listening on the interactive queue, then the batch one: it always
takes an interactive job first (strict priority).  Each job runs in a work horse, a
process forked for it, that dies with the worker (``PR_SET_PDEATHSIG``), so a worker
killed with SIGKILL leaves nothing grading behind, and a horse that dies is one failed
attempt, retried up to ``queues.ATTEMPTS`` times.  A worker's heartbeat lasts
``HEARTBEAT_S + HEARTBEAT_GRACE_S`` rather than RQ's minute, and every worker looks for
abandoned jobs every ``MAINTENANCE_S``, so another worker starts a killed worker's job
again within about 15 s.

SIGTERM (or one Ctrl-C) finishes the job under way and exits 0; a second one stops at
once.  A worker that loses Redis waits for it, with growing delays, and carries on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import redis
from rq import Worker
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.serializers import JSONSerializer

from judge.cluster import task
from judge.cluster.connect import connect, hide, wait_for
from judge.cluster.queues import (
    HEARTBEAT_GRACE_S,
    HEARTBEAT_S,
    MAINTENANCE_S,
    NOTIFY_PREFIX,
    NOTIFY_TTL_S,
    ORDER,
    RESULT_TTL_S,
    TASK,
)
from judge.cluster.request import decode
from judge.errors import QueueError
from judge.sandbox.lockdown.syscalls import die_with_parent

# Under RQ's worker logger, so that its handler and level (INFO) print the judge's lines too.
log = logging.getLogger("rq.worker.judge")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
RESTART_PAUSE_S = 1.0  # between a worker loop that ended on an error and the next


class GradeJob(Job):
    """A job as a worker sees it: only ever a grade request.

    RQ calls the function a job names, and the callbacks it names, by importing them: a
    job written into Redis by someone else could name ``os.system``.  Here the function
    is ``task.grade_request`` or the job fails, callbacks and webhooks are never run,
    and the arguments are JSON: writing to Redis cannot run code on a worker.
    """

    @property
    def func(self) -> Callable[..., Any]:
        """``task.grade_request``; ``UntrustedJob`` for a job naming anything else."""
        if self.func_name != TASK or self.instance is not None:
            raise UntrustedJob(f"job {self.id} names {self.func_name!r}, not a grade request")
        return task.grade_request

    @property
    def success_callback(self) -> None:
        return None

    @property
    def failure_callback(self) -> None:
        return None

    @property
    def stopped_callback(self) -> None:
        return None

    def send_webhooks(self, *args: Any, **kwargs: Any) -> None:
        """Never: a webhook's address would come from whoever wrote the job."""


class UntrustedJob(Exception):
    """A job on the queue that is not a grade request; it fails without running."""


class GradingWorker(Worker):
    """RQ's forking worker, with short heartbeats, horses that die with it, plans made
    before the fork, and a wake-up push to the client as each job ends."""

    heartbeat_grace_s = HEARTBEAT_GRACE_S
    stop_asked = False

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """Seconds until this job counts as abandoned unless the next heartbeat comes:
        the heartbeat's interval and a short grace (RQ's own: a minute)."""
        interval = float(self.job_monitoring_interval)
        if job.timeout and job.timeout > 0:
            interval = max(min(job.timeout - working_time, interval), 1.0)
        return int(interval) + self.heartbeat_grace_s

    def request_stop(self, signum: Any, frame: Any) -> None:
        """Warm shutdown: finish the job under way, then leave (exit 0)."""
        self.stop_asked = True
        super().request_stop(signum, frame)

    def prepare_execution(self, job: Job) -> Execution:
        """Hold the job as started, then make its plan here, before the fork, so that
        every later horse has it.  In that order, with heartbeats while the plan is
        made (seconds for a first job, minutes for many random graphs): a job taken
        from its queue is in no queue and no registry until it is held (in the started
        registry, with the started status), so a worker killed before would lose it for
        good; held, it is retried once its heartbeat lapses."""
        execution = super().prepare_execution(job)
        job.set_status(JobStatus.STARTED)  # what the clean-up retries (the horse sets it too)
        started = time.monotonic()
        with self._beating(job, execution):
            try:
                task.plan_of(self.connection, decode(job.args[0]))
            except Exception as error:  # the horse meets it again and its job says why
                log.warning("job %s: cannot prepare its plan: %s", job.id, error)
        took = time.monotonic() - started
        if took >= 1.0:  # a first job of a plan: worth a line for whoever sizes workers
            log.info("job %s: its plan took %.1f s to make", job.id, took)
        return execution

    @contextlib.contextmanager
    def _beating(self, job: Job, execution: Execution) -> Iterator[None]:
        """Keep the worker's and the job's heartbeats going while the block runs (the
        horse's monitor does it once the horse is forked)."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.job_monitoring_interval):
                try:
                    self.maintain_heartbeats(job, execution)
                except redis.RedisError as error:  # the horse's run will meet it too
                    log.warning("job %s: heartbeat failed: %s", job.id, error)

        beater = threading.Thread(target=beat, name="judge-heartbeat", daemon=True)
        beater.start()
        try:
            yield
        finally:
            done.set()
            beater.join()  # before the fork: a horse starts with one thread

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        """The horse: die with the worker, whatever kills it, then run the job."""
        die_with_parent()
        super().main_work_horse(job, queue)

    def handle_job_success(self, job: Job, queue: Queue, *args: Any, **kwargs: Any) -> None:
        """Store the answer, then wake the client waiting for it."""
        super().handle_job_success(job, queue, *args, **kwargs)
        self._notify(job)

    def handle_job_failure(self, job: Job, queue: Queue, *args: Any, **kwargs: Any) -> None:
        """Retry or fail the job, then wake its client (a retry's push is harmless: the
        client reads the status and waits on)."""
        super().handle_job_failure(job, queue, *args, **kwargs)
        self._notify(job)

    def _notify(self, job: Job) -> None:
        key = job.meta.get("notify")
        if not isinstance(key, str) or not key.startswith(NOTIFY_PREFIX):
            return
        try:
            with self.connection.pipeline() as pipe:
                pipe.rpush(key, job.id)
                pipe.expire(key, NOTIFY_TTL_S)
                pipe.execute()
        except redis.RedisError:
            pass  # the client's sweep finds the job all the same


def run_worker(
    url: str,
    *,
    sandbox: str = "auto",
    name: str | None = None,
    burst: bool = False,
    heartbeat_s: int = HEARTBEAT_S,
    maintenance_s: int = MAINTENANCE_S,
    say: Callable[[str], None] | None = None,
) -> int:
    """Grade jobs from the queue at ``url`` until stopped (SIGTERM, Ctrl-C) or, with
    ``burst``, until the queues are empty; the exit status (0).

    Waits for a Redis that is down at the start or goes away later.  ``QueueError``
    only for what waiting cannot fix: a bad URL or a refused password.
    """
    say = say or (lambda text: print(text, file=sys.stderr, flush=True))
    task.set_sandbox(sandbox)
    connection = connect(url, check=False)
    name = name or f"{socket.gethostname()}.{os.getpid()}"
    stopping = _StopFlag()
    while True:
        with stopping.installed():
            if not wait_for(connection, url, say, stop=stopping.is_set):
                return 0
        worker = GradingWorker(
            list(ORDER),
            name=name,
            connection=connection,
            serializer=JSONSerializer,
            job_class=GradeJob,
            job_monitoring_interval=heartbeat_s,
            maintenance_interval=maintenance_s,
            # An idle worker wakes to look for abandoned jobs this often (RQ's blocking
            # wait is worker_ttl - 15 s).
            worker_ttl=maintenance_s + 15,
            default_result_ttl=RESULT_TTL_S,
            log_job_description=False,  # a description would show the submission
        )
        try:
            _forget_past_life(connection, worker)
            worker.work(burst=burst, logging_level="INFO")
        except (redis.ConnectionError, redis.TimeoutError) as error:
            say(f"lost the Redis: {hide(str(error), url)}")
        except ValueError as error:  # RQ: "There exists an active worker named ..."
            if "active worker" not in str(error):
                raise
            raise QueueError(
                f"a worker named {name!r} is already at work on this queue; give this one "
                "another --name"
            ) from None
        if worker.stop_asked or burst or stopping.is_set():
            return 0
        say("the worker stopped on an error; it starts again once Redis answers")
        stopping.pause(RESTART_PAUSE_S)


def _forget_past_life(connection: redis.Redis, worker: GradingWorker) -> None:
    """Drop this worker's own registration left from before Redis went away (same
    name, host and process), which RQ would take for another worker of the name."""
    left = connection.hmget(worker.key, ["hostname", "pid"])
    if left == [str(worker.hostname).encode(), str(worker.pid).encode()]:
        connection.delete(worker.key)


class _StopFlag:
    """Whether SIGTERM or SIGINT came while the worker waited for Redis (RQ's own
    handlers hold while it works)."""

    def __init__(self) -> None:
        self.stopped = False

    def is_set(self) -> bool:
        return self.stopped

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Note the stop signals inside the block, instead of their handlers'."""

        def stop(signum: int, frame: Any) -> None:
            self.stopped = True

        previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less if a stop signal comes."""
        with self.installed():
            end = time.monotonic() + seconds
            while time.monotonic() < end and not self.stopped:
                time.sleep(0.1)
