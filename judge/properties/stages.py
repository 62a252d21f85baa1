"""The first stage of the random-graph check, and what every check shares.

``run_corpus`` runs every corpus graph on the submission and keeps what it answered
and which graphs failed; ``judge.properties.explain`` then explains the first failure,
and ``judge.properties.check`` turns both into a test result.  ``flaky`` reruns a
failing graph to tell an answer that changes from run to run from a wrong one; the
stress checks use it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from judge.compare import check_number, close_enough, compare
from judge.engine.evaluate import Reference
from judge.program.model import Program
from judge.properties.prepare import PreparedProperties
from judge.properties.runners import Runner, run_each
from judge.properties.shrink import Attempt
from judge.runner.outcome import Kind, Outcome, Raised
from judge.spec.model import Expect, Problem, Tolerance

FLAKY_RERUNS = 5
SHRINK_TIMEOUT = 1.0  # seconds per candidate graph while shrinking and experimenting
NO_EXPECT = Expect()


@dataclass(frozen=True)
class Context:
    """What every check needs: the problem, where to run graphs, the time per graph,
    and where the submission's methods are (for the report's ``line``): ``methods``
    from the worker, ``source`` the Python text it compiled."""

    problem: Problem
    runner: Runner
    timeout: float
    methods: Mapping[str, int]
    source: str | None

    @property
    def probe_timeout(self) -> float:
        """The time per graph while shrinking and experimenting."""
        return min(self.timeout, SHRINK_TIMEOUT)


@dataclass(frozen=True)
class CorpusRun:
    """What the submission did on the corpus: how many graphs ran, the outcomes of
    those it answered (by index in the corpus), and the graphs it failed, in order."""

    ran: int
    answered: tuple[tuple[int, Outcome], ...]
    failures: tuple[Attempt, ...]


def run_corpus(prepared: PreparedProperties, context: Context) -> CorpusRun:
    """Run every corpus graph, stopping early only when the worker was stopped (a
    timeout or a crash would cost as much again on every graph)."""
    answered: list[tuple[int, Outcome]] = []
    failures: list[Attempt] = []
    ran = 0
    # All the graphs at once (pipelined to the worker), compared as they come back.
    outcomes = run_each(context.runner, [graph.wire for graph in prepared.graphs], context.timeout)
    try:
        for index, (graph, outcome) in enumerate(zip(prepared.graphs, outcomes, strict=False)):
            ran += 1
            if outcome.kind is Kind.OK:
                answered.append((index, outcome))
                mismatches = compare(
                    graph.reference,
                    NO_EXPECT,
                    outcome.data,
                    outcome.grad,
                    graph.names,
                    context.problem.tolerance,
                    check_grad=True,
                )
                if mismatches:
                    attempt = Attempt(graph.program, graph.reference, outcome, tuple(mismatches))
                    failures.append(attempt)
            else:
                failures.append(Attempt(graph.program, graph.reference, outcome, ()))
                if outcome.kind not in (Kind.RAISED, Kind.MISSING):
                    break  # the worker was stopped: do not pay for it again on every graph
    finally:
        outcomes.close()  # stopped early: the graphs still in flight are dropped
    return CorpusRun(ran, tuple(answered), tuple(failures))


def flaky(
    program: Program | dict[str, Any],
    before: Outcome,
    reference: Reference,
    context: Context,
    reruns: int = FLAKY_RERUNS,
) -> bool:
    """Whether running a failing graph again gives a different answer."""
    for _ in range(reruns):
        again = context.runner.run(program, context.timeout)
        if _differs(before, again, reference, context.problem.tolerance):
            return True
    return False


def _differs(before: Outcome, again: Outcome, reference: Reference, tolerance: Tolerance) -> bool:
    if again.kind is not before.kind:
        return True
    if isinstance(again.details, Raised) and isinstance(before.details, Raised):
        return again.details.type != before.details.type
    if again.kind is not Kind.OK:
        return False
    for field, scales in (("data", reference.data_scale), ("grad", reference.grad_scale)):
        old, new = getattr(before, field), getattr(again, field)
        for name, value in old.items():
            a, _ = check_number(value)
            b, _ = check_number(new.get(name))
            if (a is None) != (b is None):
                return True
            if (
                a is not None
                and b is not None
                and not close_enough(b, a, max(scales.get(name, 0.0), abs(a)), tolerance)
            ):
                return True
    return False
