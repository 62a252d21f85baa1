"""What to run for a problem, prepared once and shared by every submission graded.

Preparing compiles nothing new (the spec did that) but evaluates every program on the
reference engine, so a batch of a hundred submissions pays for it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from judge.engine.evaluate import Reference, evaluate
from judge.spec.model import Case, Problem


@dataclass(frozen=True)
class PreparedCase:
    """A hand-written case with its reference values."""

    case: Case
    reference: Reference


@dataclass(frozen=True)
class Plan:
    """Everything a grading run needs besides the submission.

    ``extra`` is recorded in every report made from this plan (the seed, for example).
    """

    problem: Problem
    cases: tuple[PreparedCase, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return self.problem.max_score


def prepare(problem: Problem) -> Plan:
    """Evaluate every case of ``problem`` on the reference engine."""
    cases = tuple(PreparedCase(case, evaluate(case.program)) for case in problem.cases)
    return Plan(problem, cases)
