"""The results model: verdicts, test results, the report.

Every layer builds it (grading, property checks, batch) and every writer reads it, so it
sits below all of them and imports nothing of the judge (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

SCHEMA = "judge-report/1"


class Verdict(str, Enum):
    """The outcome of one test."""

    PASSED = "passed"
    FAILED = "failed"  # ran, but some number was wrong
    ERROR = "error"  # the submission raised, or lacks what the test needs
    TIMEOUT = "timeout"
    MEMORY = "memory"
    FORBIDDEN = "forbidden"  # the sandbox caught the submission doing something it may not
    CRASHED = "crashed"  # the worker died or broke the protocol
    FLAKY = "flaky"  # different answers on the same graph from one run to the next


class Status(str, Enum):
    """The outcome of a whole submission."""

    PASSED = "passed"  # full score
    FAILED = "failed"
    ERROR = "error"  # could not be loaded at all


@dataclass(frozen=True)
class TestResult:
    """One test's verdict and what a student needs to act on it.

    ``extra`` carries optional contract fields (``counterexample``, ``diagnosis``,
    ``line``, ``seed``...), written into the JSON as they are.  ``topic`` is what the
    test checks, in the spec's words: all a student is told of a hidden test besides
    its verdict (see ``judge.report.audience``).
    """

    name: str
    kind: str  # "case", "property", "stress"
    status: Verdict
    score: float
    max_score: float
    hidden: bool
    message: str = ""
    output: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    topic: str = ""

    @property
    def passed(self) -> bool:
        return self.status is Verdict.PASSED

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        """The inverse of ``Report.to_dict``'s test entries; other keys go to ``extra``."""
        return cls(
            str(data["name"]),
            str(data["kind"]),
            Verdict(data["status"]),
            float(data["score"]),
            float(data["max_score"]),
            bool(data["hidden"]),
            str(data.get("message", "")),
            str(data.get("output", "")),
            {k: v for k, v in data.items() if k not in _TEST_KEYS},
            str(data.get("topic", "")),
        )


@dataclass(frozen=True)
class Report:
    """The grading of one submission against one problem."""

    submission: str
    problem: str
    status: Status
    score: float
    max_score: float
    duration_s: float
    tests: tuple[TestResult, ...]
    message: str = ""  # why the run is an error, when it is one
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The inverse of ``to_dict``: keys outside the contract's core go to ``extra``.

        Raises ``KeyError``, ``ValueError`` or ``TypeError`` on a malformed dict.
        """
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} report: schema {data.get('schema')!r}")
        return cls(
            str(data["submission"]),
            str(data["problem"]),
            Status(data["status"]),
            float(data["score"]),
            float(data["max_score"]),
            float(data["duration_s"]),
            tuple(TestResult.from_dict(t) for t in data["tests"]),
            str(data.get("message", "")),
            {k: v for k, v in data.items() if k not in _REPORT_KEYS},
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``judge-report/1`` JSON contract."""
        return {
            "schema": SCHEMA,
            "submission": self.submission,
            "problem": self.problem,
            "status": self.status.value,
            "score": self.score,
            "max_score": self.max_score,
            "duration_s": round(self.duration_s, 4),
            **({"message": self.message} if self.message else {}),
            **self.extra,
            "tests": [
                {
                    "name": t.name,
                    "kind": t.kind,
                    "status": t.status.value,
                    "score": t.score,
                    "max_score": t.max_score,
                    "hidden": t.hidden,
                    "message": t.message,
                    "output": t.output,
                    **({"topic": t.topic} if t.topic else {}),
                    **t.extra,
                }
                for t in self.tests
            ],
        }


_REPORT_KEYS = frozenset(
    {"schema", "submission", "problem", "status", "score", "max_score", "duration_s"}
    | {"message", "tests"}
)
_TEST_KEYS = frozenset(
    {"name", "kind", "status", "score", "max_score", "hidden", "message", "output", "topic"}
)


def summarize(
    submission: str,
    problem: str,
    tests: list[TestResult],
    max_score: float,
    duration_s: float,
    extra: dict[str, Any] | None = None,
) -> Report:
    """A report whose status follows from its tests: passed only at full score."""
    score = round(sum(t.score for t in tests), 6)
    status = (
        Status.PASSED
        if score >= max_score and all(t.passed or t.max_score == 0 for t in tests)
        else Status.FAILED
    )
    return Report(
        submission, problem, status, score, max_score, duration_s, tuple(tests), extra=extra or {}
    )
