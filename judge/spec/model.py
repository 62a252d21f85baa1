"""The typed form of a problem spec.  Everything after the loader trusts these."""

from __future__ import annotations

from typing import Literal

import msgspec

from judge.program.model import Program

Difficulty = Literal["easy", "medium", "hard"]


class Tolerance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How close a number must be: ``|got - expected| <= abs + rel * scale``.

    ``scale`` is the larger of ``|expected|`` and the sum of the magnitudes of the terms
    that produced it, so cancellation does not fail a correct float implementation.
    """

    rel: float = 1e-6
    abs: float = 1e-9


class Expect(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Written-down expected values for some nodes (the reference supplies the rest)."""

    data: dict[str, float] = {}
    grad: dict[str, float] = {}


class CaseSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One hand-written case as it appears in the YAML."""

    name: str
    program: str
    topic: str = ""
    points: float = 1.0
    hidden: bool = True
    expect: Expect | None = None


class ProblemSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A problem as it appears in the YAML, before programs are compiled."""

    id: str
    title: str
    description: str
    starter: str
    ops: list[str]
    cases: list[CaseSpec]
    difficulty: Difficulty = "medium"
    entry: str = "Value"
    tolerance: Tolerance = Tolerance()
    time_limit: float = 5.0


class Case(msgspec.Struct, frozen=True):
    """A case ready to grade: its compiled program and its written expectations."""

    name: str
    topic: str
    points: float
    hidden: bool
    source: str
    program: Program
    expect: Expect
    line: int


class Problem(msgspec.Struct, frozen=True):
    """A validated problem.  ``path`` is the YAML file it came from."""

    id: str
    title: str
    difficulty: Difficulty
    description: str
    starter: str
    entry: str
    ops: tuple[str, ...]
    tolerance: Tolerance
    time_limit: float
    cases: tuple[Case, ...]
    path: str
    digest: str  # sha256 of the spec file, for caches and reports

    @property
    def max_score(self) -> float:
        return sum(case.points for case in self.cases)
