"""What goes over the queue: a grade request, and what a worker sends back.

A job carries what a worker needs and nothing more: the submission's name and bytes,
the digest of its problem's spec (the spec itself is stored once per digest, and a
worker checks the bytes it reads against it), the mode, the grading options and the
judge version that asked.  Both directions are JSON (RQ's ``JSONSerializer``): nothing
read from Redis is unpickled, so whoever can write to Redis can make a wrong grade, at
worst, but cannot run code on a worker.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec
from msgspec import Meta

from judge.batch.outcome import Aborted, Graded, JudgeFailed, Outcome, Unreadable
from judge.errors import QueueError
from judge.grading.grade import Options
from judge.grading.modes import MODES
from judge.results import Report
from judge.spec.model import Problem
from judge.version import __version__

if TYPE_CHECKING:
    import redis

MAX_EXAMPLES = 100_000
"""The most random graphs a request may ask for (``judge run --examples``' bound, which
a test keeps equal): a worker draws them before it forks the job's sandboxed grading, so
a job written into Redis asking for a billion would hold the worker for good."""
MIN_SECONDS = 0.01  # the least --timeout and --budget take

SPEC_KEY = "judge:spec:{digest}"
SPEC_TTL_S = 30 * 24 * 3600  # renewed each time a client publishes the spec


class GradeRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One submission to grade.  ``name``: what the report calls it (its path for
    ``judge grade``, ``submission.py`` for the site); ``content``: its bytes as
    ``judge.submission.read`` gives them (a file, a notebook, a packed folder), base64
    in the JSON; ``spec``: the sha256 of the problem's YAML; ``mode``: ``run`` (visible
    cases) or ``submit``; the rest as ``judge run``'s options."""

    name: str
    content: bytes
    spec: str
    mode: str = "submit"
    seed: int | None = None
    examples: Annotated[int, Meta(ge=1, le=MAX_EXAMPLES)] | None = None
    timeout: Annotated[float, Meta(ge=MIN_SECONDS)] | None = None
    budget: Annotated[float, Meta(ge=MIN_SECONDS)] | None = None
    sandbox: str = "auto"
    judge_version: str = __version__

    def options(self) -> Options:
        """The grading options the request asks for."""
        return Options(timeout=self.timeout, budget=self.budget, sandbox=self.sandbox)


def request_for(
    name: str,
    content: bytes,
    problem: Problem,
    options: Options,
    *,
    mode: str = "submit",
    seed: int | None = None,
    examples: int | None = None,
) -> GradeRequest:
    """The request to grade ``content`` (called ``name``) against ``problem``, whose
    spec ``publish_spec`` has stored."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {MODES}")
    return GradeRequest(
        name=name,
        content=content,
        spec=problem.digest,
        mode=mode,
        seed=seed,
        examples=examples,
        timeout=options.timeout,
        budget=options.budget,
        sandbox=options.sandbox,
    )


def encode(request: GradeRequest) -> dict[str, Any]:
    """The request as the JSON-ready dict a job carries."""
    payload: dict[str, Any] = msgspec.to_builtins(request)
    return payload


def decode(payload: Any) -> GradeRequest:
    """The request a job carries; ``msgspec.ValidationError`` if it is not one."""
    return msgspec.convert(payload, GradeRequest)


def publish_spec(connection: redis.Redis, problem: Problem) -> str:
    """Store ``problem``'s YAML under its digest for the workers (once: a spec already
    there is not written again, only kept longer) and return the digest."""
    try:
        content = Path(problem.path).read_bytes()
    except OSError as error:
        raise QueueError(f"cannot read the spec {problem.path}: {error.strerror}") from None
    if hashlib.sha256(content).hexdigest() != problem.digest:
        raise QueueError(
            f"the spec {problem.path} changed while the judge was using it; run the command again"
        )
    key = SPEC_KEY.format(digest=problem.digest)
    connection.set(key, content, nx=True)
    connection.expire(key, SPEC_TTL_S)
    return problem.digest


def fetch_spec(connection: redis.Redis, digest: str) -> bytes:
    """The YAML stored under ``digest``, checked against it; ``LookupError`` if it is
    missing or is not what the digest says."""
    content = connection.get(SPEC_KEY.format(digest=digest))
    if not isinstance(content, bytes):
        raise LookupError(f"the problem's spec {digest[:12]} is not on the queue")
    if hashlib.sha256(content).hexdigest() != digest:
        raise LookupError(f"the problem's spec stored as {digest[:12]} does not match its digest")
    return content


# What a worker sends back: the outcome of ``judge.batch.run.grade_one``, and always a
# report (an error report when the submission was not graded), so that a reader that
# only wants the report (the problem site) needs nothing else.
Kind = Literal["graded", "unreadable", "failed", "aborted"]


class GradeResult(msgspec.Struct, frozen=True):
    """A worker's answer: ``kind`` of outcome, the ``judge-report/1`` dict, and for an
    outcome that is not a grade, the message and the exit code it stops a batch with."""

    kind: Kind
    report: dict[str, Any]
    message: str = ""
    exit_code: int = 0


def result_of(outcome: Outcome, not_graded: Report) -> dict[str, Any]:
    """The JSON-ready answer for ``outcome``; ``not_graded`` is the report to send when
    it is not a grade."""
    if isinstance(outcome, Graded):
        result = GradeResult("graded", outcome.report.to_dict())
    elif isinstance(outcome, Unreadable):
        result = GradeResult("unreadable", not_graded.to_dict(), outcome.message)
    elif isinstance(outcome, JudgeFailed):
        result = GradeResult("failed", not_graded.to_dict(), outcome.message)
    elif isinstance(outcome, Aborted):
        result = GradeResult("aborted", not_graded.to_dict(), outcome.message, outcome.exit_code)
    else:  # Cancelled: a work horse ignores Ctrl-C, so it cannot be interrupted
        result = GradeResult("failed", not_graded.to_dict(), "the grading was interrupted")
    answer: dict[str, Any] = msgspec.to_builtins(result)
    return answer


def graded(answer: Any) -> bool:
    """Whether ``answer`` is a grade, which a rerun may take as it is (as the results
    cache keeps only grades): not a refusal to grade that a fixed worker would not
    repeat (another judge version, a sandbox it lacks, a fault of its own)."""
    return isinstance(answer, dict) and answer.get("kind") == "graded"


def outcome_of(answer: Any, name: str) -> Outcome:
    """The outcome a worker's ``answer`` says, its report naming ``name`` (this side's
    path for the submission); ``JudgeFailed`` for an answer that is not one."""
    try:
        result = msgspec.convert(answer, GradeResult)
        if result.kind == "graded":
            report = Report.from_dict(result.report)
            return Graded(dataclasses.replace(report, submission=name))
    except (msgspec.ValidationError, KeyError, TypeError, ValueError, AttributeError) as error:
        return JudgeFailed(f"internal error in the judge: a worker's answer is malformed ({error})")
    if result.kind == "unreadable":
        return Unreadable(result.message)
    if result.kind == "aborted":
        return Aborted(result.message, result.exit_code or 3)
    return JudgeFailed(result.message)
