"""The results of a batch: one entry per submission, read by every gradebook writer.

A gradebook holds reports and nothing about how they were obtained (wall time, cache
hits), so that the same results always render to the same files.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from judge.report.roster import Roster
from judge.results import Report, Status

SCHEMA = "judge-gradebook/1"

# Score distribution buckets: [low, high) fractions of the maximum; full marks stand alone.
_BUCKETS = tuple((i / 10, (i + 1) / 10) for i in range(10))


@dataclass(frozen=True)
class Entry:
    """One submission of a batch: who it belongs to and its report.

    ``name`` is the student: the file's stem (``alice.py``) or the folder's name
    (``alice/value.py``).
    """

    name: str
    report: Report

    @property
    def failed_tests(self) -> tuple[str, ...]:
        """Names of the scoring tests that did not pass (advisory ones never count).
        Empty when the submission could not be graded at all: ``message`` says why."""
        if self.report.status is Status.ERROR:
            return ()
        return tuple(t.name for t in self.report.tests if not t.passed and t.max_score > 0)

    def row(self) -> dict[str, Any]:
        """The gradebook row: what a spreadsheet needs about this submission."""
        report = self.report
        return {
            "name": self.name,
            "submission": report.submission,
            "score": report.score,
            "max_score": report.max_score,
            "status": report.status.value,
            "duration_s": round(report.duration_s, 4),
            "failed_tests": list(self.failed_tests),
            "message": report.message,
        }


@dataclass(frozen=True)
class Gradebook:
    """Every submission of a batch graded against one problem, in a stable order.

    ``audience`` is who its reports were cut for (see ``judge.report.audience``), or ""
    for the full reports as graded.  ``roster``, when given, adds the students' ids to
    the writers' rows and says who did not submit (``judge.report.roster``).
    """

    problem: str
    max_score: float
    entries: tuple[Entry, ...]
    audience: str = ""
    roster: Roster | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The students' names, in the gradebook's order."""
        return tuple(e.name for e in self.entries)

    def count(self, status: Status) -> int:
        """How many submissions ended with ``status``."""
        return sum(1 for e in self.entries if e.report.status is status)

    @property
    def all_passed(self) -> bool:
        return bool(self.entries) and self.count(Status.PASSED) == len(self.entries)

    @property
    def mean_score(self) -> float:
        return statistics.fmean(e.report.score for e in self.entries) if self.entries else 0.0

    @property
    def median_score(self) -> float:
        return statistics.median(e.report.score for e in self.entries) if self.entries else 0.0

    def distribution(self) -> list[tuple[str, int]]:
        """``(label, count)`` from full marks down to the lowest tenth of the maximum."""
        full = [e for e in self.entries if e.report.score >= self.max_score]
        rows = [("100%", len(full))]
        for low, high in reversed(_BUCKETS):
            count = sum(
                1
                for e in self.entries
                if e.report.score < self.max_score
                and low <= _fraction(e.report.score, self.max_score) < high
            )
            rows.append((f"{low * 100:.0f}-<{high:.0%}", count))
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The ``judge-gradebook/1`` JSON: totals, a row per submission with its report."""
        return {
            "schema": SCHEMA,
            **({"audience": self.audience} if self.audience else {}),
            "problem": self.problem,
            "max_score": self.max_score,
            "submissions": len(self.entries),
            "passed": self.count(Status.PASSED),
            "failed": self.count(Status.FAILED),
            "errors": self.count(Status.ERROR),
            "mean_score": round(self.mean_score, 4),
            "median_score": round(self.median_score, 4),
            "rows": [{**e.row(), "report": e.report.to_dict()} for e in self.entries],
        }


def _fraction(score: float, max_score: float) -> float:
    return score / max_score if max_score > 0 else 0.0
