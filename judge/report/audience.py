"""Who a report is written for, and the one rule for what a student sees of it.

A hidden test exists to check what a student cannot tune against, so nothing the
submission controls may come back out of it: not its exception's type or message, not
what it printed, not the values it answered, not a path or argument the sandbox quotes
when it stops it, not a source line, line number, counterexample or diagnosis derived
from its answers.  Any of these can carry the hidden graph's values (a ``backward()``
that raises with its leaves' values in the message; an ``open()`` of a path that spells
them).  A student is told a hidden test's verdict, score and topic, and nothing else.

The rule is applied once, to the report, before any writer runs
(``judge.report.formats``), so every format takes the same decision; writers render
what they are given.  Instructors get the full report, marked as theirs.  Results are
cached in full and viewed when rendered, so an instructor can re-render a batch.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum
from typing import TYPE_CHECKING

from judge.results import Report, TestResult, Verdict

if TYPE_CHECKING:  # a type only: a single report's run need not import the gradebook's
    from judge.report.gradebook import Gradebook


class Audience(str, Enum):
    """Who a report is for: ``student`` (the default everywhere) or ``instructor``."""

    STUDENT = "student"
    INSTRUCTOR = "instructor"


AUDIENCES = tuple(audience.value for audience in Audience)

# How a hidden test's verdict is told, in words the judge chose.
_VERDICT_WORDS = {
    Verdict.PASSED: "passed",
    Verdict.FAILED: "failed (a wrong value)",
    Verdict.ERROR: "failed (an error)",
    Verdict.TIMEOUT: "failed (out of time)",
    Verdict.MEMORY: "failed (out of memory)",
    Verdict.FORBIDDEN: "failed (stopped by the sandbox)",
    Verdict.CRASHED: "failed (the worker crashed)",
    Verdict.FLAKY: "failed (different answers to the same graph)",
}
if set(_VERDICT_WORDS) != set(Verdict):  # a verdict added later must be worded here
    raise RuntimeError("judge.report.audience: every Verdict needs its words")


def hidden_message(test: TestResult) -> str:
    """What a student reads of a hidden test: its kind, verdict and topic, from the spec
    and the judge alone (``hidden case failed (a wrong value): a node used twice``)."""
    if test.passed:
        return ""
    topic = f": {test.topic}" if test.topic else ""
    return f"hidden {test.kind} {_VERDICT_WORDS[test.status]}{topic}"


def student_view(test: TestResult) -> TestResult:
    """``test`` as a student may see it: a hidden test keeps its name, kind, verdict,
    score and topic, and loses everything the submission produced."""
    if not test.hidden:
        return test
    return TestResult(
        name=test.name,
        kind=test.kind,
        status=test.status,
        score=test.score,
        max_score=test.max_score,
        hidden=True,
        message=hidden_message(test),
        topic=test.topic,
    )


def for_audience(report: Report, audience: Audience | str) -> Report:
    """``report`` as ``audience`` may see it, with ``"audience"`` recorded in it.

    For a student every hidden test is cut to ``student_view``; an instructor gets the
    report whole.  Raises ``ValueError`` when asked to widen a student's view (the
    cut parts are gone) or for an unknown audience.
    """
    audience = Audience(audience)
    if audience is Audience.INSTRUCTOR and report.extra.get("audience") == "student":
        raise ValueError("a report cut for a student cannot be shown as the instructor's")
    tests = report.tests
    if audience is Audience.STUDENT:
        tests = tuple(student_view(test) for test in report.tests)
    return replace(report, tests=tests, extra={**report.extra, "audience": audience.value})


def gradebook_for_audience(book: Gradebook, audience: Audience | str) -> Gradebook:
    """``book`` with every report as ``audience`` may see it (see ``for_audience``)."""
    audience = Audience(audience)
    entries = tuple(replace(e, report=for_audience(e.report, audience)) for e in book.entries)
    return replace(book, entries=entries, audience=audience.value)
