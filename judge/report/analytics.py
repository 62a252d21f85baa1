"""Class analytics: what a gradebook says about the class as a whole.

Which tests most students fail (pass rate per test), how the scores spread (the
gradebook's distribution), and which mistakes the diagnosis recognised most often.
Computed from the gradebook a writer is given, that is after ``judge.report.audience``
cut it: in a student's view a hidden test still has its verdict, so its pass rate is
counted, but its diagnosis is gone, so its mistakes are not.

Pass rates count the submissions that were graded: one that could not be loaded at
all (status ``error``) failed every test for the same reason, which says nothing about
any test.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from judge.program.ops import OPS
from judge.properties.mistakes import BY_ID
from judge.report.gradebook import Gradebook
from judge.results import Status, TestResult

# How many of the most common mistakes a gradebook lists.
TOP_MISTAKES = 10
_Key = tuple[str | None, str | None, str | None]  # (mistake id, op, phase)


@dataclass(frozen=True)
class TestStats:
    """One test across the class: how many graded submissions passed it, and the mean
    points they earned (``max_score`` 0: an advisory test)."""

    name: str
    kind: str
    hidden: bool
    max_score: float
    passed: int
    graded: int
    mean_points: float

    @property
    def pass_rate(self) -> float:
        """The fraction of graded submissions that passed (0 when none was graded)."""
        return self.passed / self.graded if self.graded else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON gradebook's ``analytics.tests`` entry."""
        return {
            "name": self.name,
            "kind": self.kind,
            "hidden": self.hidden,
            "max_score": self.max_score,
            "passed": self.passed,
            "graded": self.graded,
            "pass_rate": round(self.pass_rate, 4),
            "mean_points": round(self.mean_points, 4),
        }


@dataclass(frozen=True)
class MistakeCount:
    """A diagnosed mistake and the submissions it was found in (each counted once).

    ``mistake`` is the classic mistake's id (``judge.properties.mistakes``) when one was
    recognised; otherwise the diagnosis only located the fault (``op``, ``phase``).
    """

    label: str
    mistake: str | None
    op: str | None
    phase: str | None
    students: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON gradebook's ``analytics.mistakes`` entry."""
        return {
            "label": self.label,
            "mistake": self.mistake,
            "op": self.op,
            "phase": self.phase,
            "submissions": len(self.students),
            "students": list(self.students),
        }


@dataclass(frozen=True)
class ClassAnalytics:
    """Per-test statistics in the problem's order, the most common mistakes first."""

    graded: int
    tests: tuple[TestStats, ...]
    mistakes: tuple[MistakeCount, ...]

    def to_dict(self, book: Gradebook) -> dict[str, Any]:
        """The JSON gradebook's ``analytics`` object."""
        return {
            "graded": self.graded,
            "distribution": [
                {"score": label, "submissions": count} for label, count in book.distribution()
            ],
            "tests": [t.to_dict() for t in self.tests],
            "mistakes": [m.to_dict() for m in self.mistakes],
        }


def analyse(book: Gradebook) -> ClassAnalytics:
    """The class analytics of ``book`` (as its reader may see it)."""
    graded = [e for e in book.entries if e.report.status is not Status.ERROR]
    results: dict[str, list[TestResult]] = {}
    for entry in graded:
        for test in entry.report.tests:
            results.setdefault(test.name, []).append(test)
    tests = tuple(_stats(name, runs) for name, runs in results.items())
    found: dict[_Key, list[str]] = {}
    for entry in graded:
        # Each mistake once per submission, however many tests show it.
        for key in dict.fromkeys(_mistakes(entry.report.tests)):
            found.setdefault(key, []).append(entry.name)
    counts = Counter({key: len(names) for key, names in found.items()})
    mistakes = tuple(
        MistakeCount(_label(*key), *key, tuple(found[key]))
        for key, _ in counts.most_common(TOP_MISTAKES)
    )
    return ClassAnalytics(len(graded), tests, mistakes)


def _stats(name: str, runs: list[TestResult]) -> TestStats:
    first = runs[0]
    return TestStats(
        name,
        first.kind,
        first.hidden,
        first.max_score,
        sum(1 for t in runs if t.passed),
        len(runs),
        sum(t.score for t in runs) / len(runs),
    )


def _mistakes(tests: tuple[TestResult, ...]) -> list[_Key]:
    """``(mistake id, op, phase)`` of every diagnosis among ``tests`` that did not pass."""
    keys: list[_Key] = []
    for test in tests:
        diagnosis = test.diagnosis
        if test.passed or diagnosis is None:
            continue
        if diagnosis.mistake is not None:
            keys.append((diagnosis.mistake, None, None))  # one mistake, whichever op showed it
        else:
            keys.append((None, diagnosis.op, diagnosis.phase))
    return keys


def _label(mistake: str | None, op: str | None, phase: str | None) -> str:
    """``gradients are assigned (=) instead of accumulated (+=)``, or where an
    unrecognised fault is: ``wrong backward step in __mul__``, ``wrong value from
    __add__``."""
    if mistake is not None:
        known = BY_ID.get(mistake)
        return known.title if known is not None else mistake  # a report from an older judge
    if op == "backward":
        return "wrong backward()"
    if op == "value":
        return "wrong __init__"
    method = OPS[op].method if op in OPS else op
    if phase == "backward":
        return f"wrong backward step in {method}"
    return f"wrong value from {method}"
