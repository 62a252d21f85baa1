"""What to run for a problem, prepared once and shared by every submission graded.

Preparing compiles nothing new (the spec did that) but evaluates every program on the
reference engine, so a batch of a hundred submissions pays for it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from judge.engine.evaluate import Reference, evaluate_case
from judge.properties.prepare import PreparedProperties, prepare_properties
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
    properties: PreparedProperties | None = None  # random and stress graphs, if any

    @property
    def max_score(self) -> float:
        return self.problem.max_score


def prepare(problem: Problem, seed: int | None = None, examples: int | None = None) -> Plan:
    """Evaluate every case of ``problem`` on the reference engine, and load its random
    graphs (``seed`` and ``examples`` override the spec's) and stress graphs."""
    cases = tuple(PreparedCase(case, evaluate_case(case.program)) for case in problem.cases)
    if problem.properties is None:
        return Plan(problem, cases)
    properties = prepare_properties(problem, problem.properties, seed, examples)
    extra = {"seed": properties.seed, "examples": properties.examples}
    return Plan(problem, cases, extra, properties)
