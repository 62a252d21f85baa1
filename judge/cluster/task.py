"""The job a worker runs: grade one request, exactly as ``judge run`` would.

RQ runs it in a work horse, a process forked for the job.  The worker prepares the
plan (``plan_of``) before it forks, so a horse starts with it in memory and a problem's
reference values are computed once per worker, not once per job.  Every failure of the
grading is a value in the answer (``judge.batch.run.grade_one``), so a job fails, and is
retried, only when its horse dies or Redis fails it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from judge.batch.outcome import Aborted
from judge.batch.run import grade_one, not_graded
from judge.cachedir import cache_dir
from judge.cluster.request import GradeRequest, decode, fetch_spec, result_of
from judge.errors import UnsafeCache
from judge.grading.grade import Options
from judge.grading.modes import plan_for
from judge.grading.plan import Plan
from judge.spec import compiled
from judge.version import __version__

if TYPE_CHECKING:
    import redis

PlanKey = tuple[str, str, int | None, int | None]
_plans: dict[PlanKey, Plan] = {}  # this worker's plans, inherited by its horses
_sandbox = "auto"  # the worker's own --sandbox, set by judge.cluster.worker


def set_sandbox(level: str) -> None:
    """The sandbox level this worker grades with when a request leaves it to the worker
    (``auto``); ``strict`` here also holds a request for ``basic`` to strict."""
    global _sandbox
    _sandbox = level


def sandbox_for(requested: str) -> str:
    """The level to grade a request with: strict if either side asks for it, else the
    request's own level, else the worker's."""
    if "strict" in (requested, _sandbox):
        return "strict"
    return requested if requested != "auto" else _sandbox


def plan_key(request: GradeRequest) -> PlanKey:
    """What a plan depends on besides the code: spec, mode and random graphs."""
    return (request.spec, request.mode, request.seed, request.examples)


def plan_of(connection: redis.Redis, request: GradeRequest) -> Plan:
    """The plan for ``request``, made once per worker from the spec on the queue."""
    key = plan_key(request)
    if key not in _plans:
        problem = compiled.load(_spec_file(connection, request.spec))
        if problem.digest != request.spec:  # another worker rewrote the file meanwhile
            raise LookupError(f"the problem's spec {request.spec[:12]} changed as it was read")
        _plans[key] = plan_for(problem, request.mode, request.seed, request.examples)
    return _plans[key]


def _spec_file(connection: redis.Redis, digest: str) -> Path:
    """The spec as a file of this worker's (the loader reads files and caches by them)."""
    content = fetch_spec(connection, digest)
    try:
        folder = cache_dir("queue-specs")
    except (OSError, UnsafeCache):
        folder = Path(tempfile.mkdtemp(prefix="judge-specs-"))
    path = folder / f"{digest}.yaml"
    if not path.is_file() or path.read_bytes() != content:
        # Whole or not at all: the workers of one machine share the folder.
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as part:
            part.write(content)
        os.replace(part.name, path)
    return path


def grade_request(payload: Any) -> dict[str, Any]:
    """Grade the request ``payload`` and return the answer (``GradeResult`` as a dict).

    A request from another version of the judge is answered with an error report
    saying so rather than graded.  One that is not a request, or whose spec is missing
    from the queue, fails the job (another worker tries it, up to its attempts), saying
    why: another version's request that this one cannot read says which versions.
    """
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        raise RuntimeError("grade_request runs as an RQ job")
    try:
        request = decode(payload)
    except msgspec.ValidationError as error:
        version = payload.get("judge_version") if isinstance(payload, dict) else None
        if isinstance(version, str) and version != __version__:
            raise RuntimeError(f"{_other_version(version)} ({error})") from None
        raise
    path = Path(request.name)
    try:
        plan = plan_of(job.connection, request)
    except LookupError as error:
        raise RuntimeError(f"{error}; the client that enqueued it must publish it") from None
    if request.judge_version != __version__:
        message = _other_version(request.judge_version)
        return result_of(Aborted(message, 2), not_graded(path, plan, message))
    options = Options(
        timeout=request.timeout, budget=request.budget, sandbox=sandbox_for(request.sandbox)
    )
    outcome = grade_one(path, plan, options, request.content)
    message = getattr(outcome, "message", "")
    return result_of(outcome, not_graded(path, plan, message))


def _other_version(version: str) -> str:
    return (
        f"this worker runs judge {__version__}, and the request came from judge "
        f"{version}: run the same version on both sides"
    )
