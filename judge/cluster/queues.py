"""The queues' names and the defaults every worker and client of them shares."""

from __future__ import annotations

INTERACTIVE = "judge:interactive"
"""Runs and submissions from the problem site: a worker always takes these first."""
BATCH = "judge:batch"
"""A class graded or regraded with ``judge grade --queue``."""
PRIORITIES = {"interactive": INTERACTIVE, "batch": BATCH}
ORDER = (INTERACTIVE, BATCH)  # the order a worker listens in: strict priority

TASK = "judge.cluster.task.grade_request"
"""The one function a job may name: a worker refuses any other (judge.cluster.worker)."""

ATTEMPTS = 3
"""Times a job is started before it is given up as crashed: its grading process died
(or its worker vanished) every time."""
RESULT_TTL_S = 24 * 3600
"""How long a finished job and its report stay in Redis for a client to collect."""

HEARTBEAT_S = 5
"""How often a busy worker says it is alive (RQ's job monitoring interval)."""
HEARTBEAT_GRACE_S = 5
"""How long after a missed heartbeat a job counts as abandoned (RQ waits 60 s)."""
MAINTENANCE_S = 5
"""How often a worker looks for abandoned jobs and requeues them.  With the two above,
a job whose worker was killed is started again within about 15 s."""

NOTIFY_PREFIX = "judge:done:"
NOTIFY_KEY = NOTIFY_PREFIX + "{client}"
"""A client's wake-up list: a worker pushes a job's id there when it ends (and on no
other key a job names: a queue's own list would run the job again, forever)."""
NOTIFY_TTL_S = 24 * 3600


def job_id(prefix: str, key: str) -> str:
    """A job id of the caller's choosing, so that enqueueing twice is harmless."""
    return f"{prefix}-{key}"
