"""What a grade covers in each mode, and how long one may take: shared by the problem
site's graders and the queue's workers."""

from __future__ import annotations

import msgspec

from judge.grading.plan import Plan, prepare
from judge.spec.model import Problem

RUN = "run"
"""The visible cases only: a student's own look before submitting."""
SUBMIT = "submit"
"""Every test: hidden cases, random graphs and networks."""
MODES = (RUN, SUBMIT)


def plan_for(
    problem: Problem, mode: str, seed: int | None = None, examples: int | None = None
) -> Plan:
    """What to grade for ``mode``: every test to submit; the visible cases only to run
    (no hidden case, random graph or network: a run is for the student's own look).
    ``seed`` and ``examples`` override the spec's random graphs, as ``prepare``'s do."""
    if mode == RUN:
        visible = tuple(case for case in problem.cases if not case.hidden)
        problem = msgspec.structs.replace(problem, cases=visible, properties=None, networks=None)
    return prepare(problem, seed, examples)


def deadline_s(
    problem: Problem, budget: float | None = None, timeout: float | None = None
) -> float:
    """Seconds a grade may take before its process is killed: the budget (the
    problem's, or ``budget`` given for this grade; after it the judge itself stops its
    tests) twice over, and time to start."""
    return 2 * max(budget or problem.budget, timeout or problem.time_limit) + 30.0
