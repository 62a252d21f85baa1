"""The most likely cause of a failing report, in one line a student can act on.

Every writer opens a failing report with it, before the list of tests, and the JSON
carries it as ``cause``.  It is found in the report as its reader may see it (after
``judge.report.audience`` cut the hidden tests for a student), so it can say nothing
a hidden test's own text would not: for a student, a hidden test gives its verdict
and topic only.

The order is what is most certain and most useful first: an op that returned
something not a Value (the worker saw it); a method that is not defined; the random
graphs' diagnosis when it recognised a classic mistake; an exception, grouped over the
tests it broke ("the same TypeError in 13 tests, first at line 30"); a timeout, with
the line that was running; any other diagnosis; then the first failing test's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from judge.program.ops import OPS
from judge.report.details import place
from judge.results import Report, Status, TestResult, Verdict

PREFIX = "Most likely cause: "
_MISSING = "your Value does not implement"
_MISTAKE = "This looks like a classic mistake: "


@dataclass(frozen=True)
class Cause:
    """The first line of a failing report: ``text`` in the student's words; ``op``
    and ``phase`` as the diagnosis names them (``op`` may be ``backward`` or
    ``value``), ``line`` in the submission, ``fix`` what to do, ``tests`` how many
    tests it explains."""

    text: str
    tests: int
    op: str | None = None
    phase: str | None = None
    line: int | None = None
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The report's ``cause`` field (JSON)."""
        fields: dict[str, Any] = {"text": self.text, "tests": self.tests}
        for key in ("op", "phase", "line"):
            if getattr(self, key) is not None:
                fields[key] = getattr(self, key)
        if self.fix:
            fields["fix"] = self.fix
        return fields


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def _group(tests: Sequence[TestResult], first: TestResult) -> list[TestResult]:
    """The tests whose message opens like ``first``'s (up to " on ", where the random
    graphs add where they failed)."""
    head = _first_line(first.message).split(" on ", 1)[0]
    return [t for t in tests if _first_line(t.message).split(" on ", 1)[0] == head]


def _times(count: int, what: str) -> str:
    return "" if count < 2 else f" (the same {what} in {count} tests)"


def _from_diagnosis(test: TestResult, count: int) -> Cause | None:
    diagnosis = test.diagnosis
    if diagnosis is None:
        return None
    op, phase = diagnosis.op, diagnosis.phase
    at = f" ({place(test)})" if test.line is not None else ""  # a notebook's: cell, line
    fix = diagnosis.hint.removeprefix(_MISTAKE)
    text = f"in {_where(op, phase)}{at}: {fix}"
    return Cause(text, count, op, phase, test.line, fix)


def _where(op: str, phase: str) -> str:
    """``__pow__'s backward step``, ``backward()``, ``__init__``, ``relu (forward)``."""
    if op == "backward":
        return "backward()"
    if op == "value":
        return "__init__"
    method = OPS[op].method if op in OPS else op
    return f"{method}'s backward step" if phase == "backward" else f"{method}"


def find_cause(report: Report) -> Cause | None:
    """The most likely cause of ``report``'s failures, or None when it passed."""
    if report.status is Status.PASSED:
        return None
    if report.status is Status.ERROR:
        line = report.extra.get("line")
        text = _first_line(report.message) or "the submission could not be graded"
        return Cause(text, len(report.tests), line=line if type(line) is int else None)
    failing = [t for t in report.tests if not t.passed]
    scored = [t for t in failing if t.max_score > 0] or failing
    # What the submission said about itself: a hidden test cut for a student has none.
    telling = [t for t in scored if not (t.hidden and not t.optional_fields() and not t.output)]
    telling = [t for t in telling if not t.message.startswith("hidden ")]
    returned = [t for t in telling if t.returned is not None]
    if returned:
        first = returned[0]
        group = _group(telling, first)
        text = _first_line(first.message).split(" on ", 1)[0]
        op = first.returned.op if first.returned is not None else None
        fix = text.split(": ", 1)[-1]
        return Cause(
            text + _times(len(group), "wrong return"), len(group), op, "forward", first.line, fix
        )
    missing = [t for t in telling if t.message.startswith(_MISSING)]
    if missing:
        group = _group(telling, missing[0])
        text = _first_line(missing[0].message).split(" on ", 1)[0]
        ops = missing[0].missing
        needed = ops[0] if ops else None
        return Cause(text + _times(len(group), "missing method"), len(group), needed, "forward")
    diagnosed = [t for t in telling if t.diagnosis is not None]
    recognised = [t for t in diagnosed if t.diagnosis is not None and t.diagnosis.mistake]
    if recognised:
        return _from_diagnosis(recognised[0], len(scored))
    raised = [t for t in telling if t.status is Verdict.ERROR and t.kind == "case"]
    raised = raised or [t for t in telling if t.status is Verdict.ERROR]
    if raised:
        return _raised(telling, raised[0], diagnosed)
    timeouts = [t for t in telling if t.status is Verdict.TIMEOUT and t.line is not None]
    if timeouts:
        group = [t for t in telling if t.status is Verdict.TIMEOUT]
        line = timeouts[0].line
        at = place(timeouts[0])
        text = f"your code did not finish in time: it was running {at}"
        # "... at line 12 of your file: <source>" ("cell 3, line 4 of your notebook: ")
        _, found, rest = timeouts[0].message.partition(f"{at} of your ")
        if found and ": " in rest:
            text += f" ({rest.split(': ', 1)[1].strip()})"
        diagnosis = next((t.diagnosis for t in diagnosed if t in group), None)
        return Cause(
            text + " (an endless loop?)" + _times(len(group), "timeout"),
            len(group),
            diagnosis.op if diagnosis is not None else None,
            diagnosis.phase if diagnosis is not None else None,
            line,
            "a loop must move on to another node each time round, and stop",
        )
    if diagnosed:
        return _from_diagnosis(diagnosed[0], len(scored))
    # Only hidden tests failed and one names a classic mistake: this is an instructor's
    # report, since a student's has no hidden diagnosis (judge.report.audience cuts it).
    named = [t for t in scored if t.diagnosis is not None and t.diagnosis.mistake]
    if not telling and named:
        return _from_diagnosis(named[0], len(scored))
    if telling:
        first = telling[0]
        what = _first_line(first.message) or first.status.value
        return Cause(f"{first.name}: {what}", 1, line=first.line)
    topics = "; ".join(dict.fromkeys(t.topic or t.name for t in scored))
    return Cause(f"{len(scored)} hidden tests failed: {topics}", len(scored))


def _raised(telling: list[TestResult], first: TestResult, diagnosed: list[TestResult]) -> Cause:
    """An exception, grouped over the tests whose message opens the same way."""
    group = _group(telling, first)
    message = _first_line(first.message).split(" on ", 1)[0]
    kind = message.split(":", 1)[0]
    line = first.line
    where = f", first at {place(first)}" if line is not None else ""
    if len(group) > 1:
        text = f"the same {kind} in {len(group)} tests{where}: {message}"
    else:
        text = message + (f" ({place(first)})" if line is not None else "")
    diagnosis = next((t.diagnosis for t in diagnosed), None)
    if diagnosis is None:
        return Cause(text, len(group), line=line)
    hint = diagnosis.hint
    return Cause(f"{text}; {hint}", len(group), diagnosis.op, diagnosis.phase, line, hint)


def with_cause(report: Report) -> Report:
    """``report`` with its ``cause`` field (see ``find_cause``), for every writer."""
    cause = find_cause(report)
    if cause is None:
        return report
    return replace(report, extra={**report.extra, "cause": cause.to_dict()})
