"""Everything a student needs to act on a test that did not pass, as plain text.

The message first; then, for a property or stress check, its diagnosis in one sentence
and the graph that shows the mistake (the test's ``diagnosis`` and
``counterexample``, as ``judge.report.text`` shows them too).
"""

from __future__ import annotations

import textwrap

from judge.results import TestResult
from judge.submission import where

# What "advisory" means, wherever an advisory test that did not pass is shown.
ADVISORY_NOTE = (
    "advisory checks are worth 0 points: they never change the score or the status, "
    "but say what would break on bigger graphs (fix them if you can)"
)


def points(value: float) -> str:
    """A score as every writer shows it: ``1``, ``0.5``, ``27``."""
    return f"{value:g}"


def test_label(name: str, hidden: bool, max_score: float) -> str:
    """A test's name as every writer shows it, with ``(hidden)`` and ``(advisory)``
    (worth 0 points) after it; the writer escapes it for its medium."""
    return name + (" (hidden)" if hidden else "") + (" (advisory)" if max_score == 0 else "")


def place(test: TestResult) -> str:
    """Where in the submission a test points (``line 30``, or ``cell 3, line 4`` in a
    notebook), or "" when it names no line."""
    return "" if test.line is None else where(test.cell, test.line)


def graph_code(test: TestResult) -> str:
    """The code of the test's failing graph, for the text writers, or "".  A case's
    message already quotes its program (its counterexample is there for the HTML
    drawing), so only property and stress checks show it."""
    example = test.counterexample
    return "" if example is None or test.kind == "case" else example.code


def explanation(test: TestResult) -> str:
    """The diagnosis and the failing graph of a test, or "".  (A student's view of a
    hidden test has neither: ``judge.report.audience`` removed them.)"""
    parts = []
    diagnosis = test.diagnosis
    if diagnosis is not None and diagnosis.hint:
        where = f"{diagnosis.op} ({diagnosis.phase}), node {diagnosis.node}"
        parts.append(f"diagnosis: {where}: {diagnosis.hint}")
    code = graph_code(test)
    if code:
        title = "smallest failing graph:" if test.kind == "property" else "graph:"
        parts.append(f"{title}\n{textwrap.indent(code.rstrip(), '    ')}")
    return "\n".join(parts)


def full_message(test: TestResult) -> str:
    """The test's message followed by its explanation, if any."""
    return "\n".join(part for part in (test.message, explanation(test)) if part)
