"""Turn an outcome that is not a set of numbers into a verdict and a message.

Below both grading (hand-written cases) and property checks (random and stress graphs),
which judge their outcomes alike.
"""

from __future__ import annotations

from typing import Any

from judge.program.ops import OPS
from judge.results import Verdict
from judge.runner.outcome import Died, Forbidden, Kind, Missing, Outcome, Raised, TimedOut

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


# What to do about an op that returned the wrong thing, by what it returned (the words
# of judge.runner.interpreter.returned_what, up to the first space).
_RETURN_FIXES = {
    "None": "did you forget `return out`?",
    "a plain number": "build the result as a new Value (`out = Value(...)`) and return it, "
    "so that backward() can reach its inputs",
    "a tuple": "return the new Value alone (a trailing comma, or `return out, ...`?)",
    "a list": "return the new Value alone",
    "self, changed in place": "create a new Value for the result instead of changing an "
    "operand (`out = Value(...)`; `return out`)",
}


def describe_returned(raised: Raised) -> str | None:
    """``relu returned None (line 30): did you forget `return out`?``, for an op whose
    result was not a new Value (None if the exception is not that)."""
    returned = raised.returned
    if returned is None or returned.op not in OPS:
        return None
    op, what = OPS[returned.op], returned.what
    line = exception_line(raised)
    where = f" (line {line})" if line is not None else ""
    fix = next(
        (text for start, text in _RETURN_FIXES.items() if what.startswith(start)),
        "return a new Value",
    )
    return f"`{op.method}` returned {what}{where}: {fix}"


def did_you_mean(missing: Missing) -> str:
    """`` (did you mean `relu`? your class defines `rleu`)``, for each missing method
    whose name is close to one the class defines (the worker's ``close``)."""
    parts = [f"`{OPS[op].method}`, not `{name}`" for op, name in missing.close.items() if op in OPS]
    return f" (did you mean {' and '.join(parts)}?)" if parts else ""


def describe_exception(raised: Raised) -> str:
    """``TypeError: ... (line 12: return self.data + other.data)``; for an op that
    returned something that is not a Value, what it returned (``describe_returned``)."""
    returned = describe_returned(raised)
    if returned is not None:
        return returned
    text = f"{raised.type}: {raised.message}".rstrip(": ")
    if raised.frames:
        line, source = raised.frames[-1]
        text += f"\n  at line {line} of your file: {source}"
    elif raised.type == "RecursionError":
        text += "\n  (a recursive topological sort runs out of stack on deep graphs)"
    return text


def exception_line(raised: Raised) -> int | None:
    """The submission line where an exception was raised, if it lies in the file."""
    return raised.frames[-1].line if raised.frames else None


def judge_outcome(outcome: Outcome, timeout: float) -> tuple[Verdict, str, dict[str, Any]]:
    """Verdict, message and the optional fields of its ``TestResult`` (``line``,
    ``returned``, ``missing``) for an outcome that is not ``OK``."""
    kind, details = outcome.kind, outcome.details
    extra: dict[str, Any] = {}
    if isinstance(details, Raised):
        message = describe_exception(details)
        line = exception_line(details)
        if line is not None:
            extra["line"] = line
        if details.returned is not None:
            extra["returned"] = details.returned
    elif isinstance(details, Missing):
        missing = [OPS[op].description for op in details.ops]
        methods = ", ".join(OPS[op].method for op in details.ops)
        message = f"your Value does not implement {'; '.join(missing)}: define {methods}"
        message += did_you_mean(details)
        extra["missing"] = tuple(details.ops)
    elif isinstance(details, TimedOut):
        limit = details.limit_s if details.limit_s is not None else timeout
        if details.overall:
            message = NOT_RUN_BUDGET
        elif details.cut:
            message = f"{STOPPED_BUDGET} (after {limit:.2g} s of this test)"
        elif details.after_timeout:
            message = (
                f"took longer than {limit:.2g} s, the limit of every test after one times out "
                "(an endless loop, or far too slow)"
            )
        else:
            message = f"took longer than {limit:g} s (an endless loop, or far too slow)"
        if details.frames and not details.overall:  # where the worker's watchdog found it
            line, source = details.frames[-1]
            message += f"\n  it was running line {line} of your file: {source}"
            extra["line"] = line
    elif kind is Kind.MEMORY:
        message = "ran out of memory"
    elif isinstance(details, Forbidden):
        message = f"stopped by the sandbox: {details.message}"
        if details.line is not None:
            extra["line"] = details.line
    else:
        reason = details.message if isinstance(details, Died) else "unknown reason"
        message = f"the worker crashed: {reason}"
    return _VERDICTS[kind], message, extra
