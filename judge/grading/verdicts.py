"""Turn an outcome that is not a set of numbers into a verdict and a message."""

from __future__ import annotations

from typing import Any

from judge.program.ops import OPS
from judge.report.model import Verdict
from judge.runner.outcome import Kind, Outcome

# The messages of tests the submission's time budget left unrun, or stopped (see
# judge.grading.grade, which counts them for the report's note).
NOT_RUN_BUDGET = "not run: the submission's time budget was spent"
STOPPED_BUDGET = "stopped: the submission's time budget was spent while it ran"

_VERDICTS = {
    Kind.RAISED: Verdict.ERROR,
    Kind.MISSING: Verdict.ERROR,
    Kind.TIMEOUT: Verdict.TIMEOUT,
    Kind.MEMORY: Verdict.MEMORY,
    Kind.FORBIDDEN: Verdict.FORBIDDEN,
    Kind.CRASHED: Verdict.CRASHED,
}


def describe_exception(details: dict[str, Any]) -> str:
    """``TypeError: ... (line 12: return self.data + other.data)``."""
    text = f"{details.get('type', 'Exception')}: {details.get('message', '')}".rstrip(": ")
    frames = details.get("frames") or []
    if frames:
        line, source = frames[-1]
        text += f"\n  at line {line} of your file: {source}"
    elif details.get("type") == "RecursionError":
        text += "\n  (a recursive topological sort runs out of stack on deep graphs)"
    return text


def exception_line(details: dict[str, Any]) -> int | None:
    """The submission line where an exception was raised, if it lies in the file."""
    frames = details.get("frames") or []
    return int(frames[-1][0]) if frames else None


def judge_outcome(outcome: Outcome, timeout: float) -> tuple[Verdict, str, dict[str, Any]]:
    """Verdict, message and extra report fields for an outcome that is not ``OK``."""
    kind, details = outcome.kind, outcome.details
    extra: dict[str, Any] = {}
    if kind is Kind.RAISED:
        message = describe_exception(details)
        line = exception_line(details)
        if line is not None:
            extra["line"] = line
    elif kind is Kind.MISSING:
        missing = [OPS[op].description for op in details.get("ops", [])]
        methods = ", ".join(OPS[op].method for op in details.get("ops", []))
        message = f"your Value does not implement {'; '.join(missing)}: define {methods}"
    elif kind is Kind.TIMEOUT:
        limit = details.get("limit_s", timeout)
        if details.get("overall"):
            message = NOT_RUN_BUDGET
        elif details.get("cut"):
            message = f"{STOPPED_BUDGET} (after {limit:.2g} s of this test)"
        elif details.get("after_timeout"):
            message = (
                f"took longer than {limit:.2g} s, the limit of every test after one times out "
                "(an endless loop, or far too slow)"
            )
        else:
            message = f"took longer than {limit:g} s (an endless loop, or far too slow)"
    elif kind is Kind.MEMORY:
        message = "ran out of memory"
    elif kind is Kind.FORBIDDEN:
        message = f"stopped by the sandbox: {details.get('message', 'a forbidden action')}"
        line = details.get("line")
        if isinstance(line, int):
            extra["line"] = line
    else:
        message = f"the worker crashed: {details.get('message', 'unknown reason')}"
    return _VERDICTS[kind], message, extra
