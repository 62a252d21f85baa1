"""Everything a student needs to act on a test that did not pass, as plain text.

The message first; then, for a property or stress check, its diagnosis in one sentence
and the graph that shows the mistake (``extra["diagnosis"]`` and
``extra["counterexample"]``, as ``judge.report.text`` shows them too).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from judge.results import TestResult
from judge.submission import where

# What "advisory" means, wherever an advisory test that did not pass is shown.
ADVISORY_NOTE = (
    "advisory checks are worth 0 points: they never change the score or the status, "
    "but say what would break on bigger graphs (fix them if you can)"
)


def place(extra: Mapping[str, Any]) -> str:
    """Where in the submission a test's ``extra`` points (``line 30``, or ``cell 3, line
    4`` in a notebook), or "" when it names no line."""
    line, cell = extra.get("line"), extra.get("cell")
    if type(line) is not int:
        return ""
    return where(cell if type(cell) is int else None, line)


def explanation(test: TestResult) -> str:
    """The diagnosis and the failing graph of a test, or "".  (A student's view of a
    hidden test has neither: ``judge.report.audience`` removed them.)"""
    parts = []
    diagnosis = test.extra.get("diagnosis")
    if isinstance(diagnosis, dict) and diagnosis.get("hint"):
        where = f"{diagnosis.get('op')} ({diagnosis.get('phase')}), node {diagnosis.get('node')}"
        parts.append(f"diagnosis: {where}: {diagnosis['hint']}")
    example = test.extra.get("counterexample")
    if isinstance(example, dict) and example.get("code"):
        title = "smallest failing graph:" if test.kind == "property" else "graph:"
        parts.append(f"{title}\n{textwrap.indent(str(example['code']).rstrip(), '    ')}")
    return "\n".join(parts)


def full_message(test: TestResult) -> str:
    """The test's message followed by its explanation, if any."""
    return "\n".join(part for part in (test.message, explanation(test)) if part)
