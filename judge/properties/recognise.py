"""Recognise a classic mistake from a submission's numbers.

Recognition runs the broken engines of ``mistakes`` here, in the judge, on graphs that
are already small (the shrunk counterexample); an engine whose numbers depend on the
order the graph is walked is tried under every child order of the graph.  The engines
that fit the small graph are then checked on variations of it (other numbers, run in
the submission), and those that do not fit its answers there drop out, even a lone one;
if several still remain, the one that fits the most of the other graphs the submission
answered wins.  A mistake is
named only when exactly one is left, and never for a right answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from judge.compare import check_number, close_enough
from judge.engine.evaluate import Reference
from judge.program.model import Instruction, Program
from judge.properties.engines import Engine, StepLimit, variant
from judge.properties.mistakes import LIBRARY, Mistake
from judge.runner.interpreter import execute
from judge.spec.model import Tolerance

MAX_FLIPPED = 6  # binary nodes whose child order is varied: 2**6 orders at most
MAX_OTHERS = 100  # graphs used to choose between mistakes that fit the small graph
MAX_PROBES = 24  # variations of the small graph run to tell mistakes apart
PROBE_NUMBERS: tuple[int | float, ...] = (1, -1, 2, -2, 0, 3, 0.5, -0.5)

Answer = tuple[dict[str, Any], dict[str, Any]]  # a submission's (data, grad) by node


def engine_answer(engine: type[Engine], program: Program | dict[str, Any]) -> Answer | None:
    """What ``engine`` computes for every node, or None if it cannot (it raises)."""
    wire: dict[str, Any] = program.to_wire() if isinstance(program, Program) else program
    try:
        nodes = execute(wire["ops"], wire["backward"], engine)
    except (ArithmeticError, ValueError, TypeError, StepLimit, RecursionError):
        return None
    return (
        {name: node.data for name, node in nodes.items()},
        {name: node.grad for name, node in nodes.items()},
    )


def _orders(
    program: Program, order_dependent: bool, exhaustive: bool
) -> Iterator[tuple[bool, int]]:
    """(dedupe, flips) pairs to try: with ``exhaustive``, every child order of the first
    binary nodes; else children as given or all reversed, as a list or as a set."""
    if not order_dependent:
        yield False, 0
        return
    if not exhaustive:
        for dedupe in (False, True):
            yield dedupe, 0
            yield dedupe, -1  # every bit set: every binary node reversed
        return
    binaries = sum(1 for i in program.instructions if len(i.args) == 2)
    for dedupe in (False, True):
        for flips in range(1 << min(binaries, MAX_FLIPPED)):
            yield dedupe, flips


def same_answer(
    answer: Answer, expected: Answer, reference: Reference, tolerance: Tolerance
) -> bool:
    """Whether ``answer`` equals ``expected`` at every node, within the tolerance the
    reference's scales give."""
    for got_values, want_values, scales in (
        (answer[0], expected[0], reference.data_scale),
        (answer[1], expected[1], reference.grad_scale),
    ):
        for name, want in want_values.items():
            got, _ = check_number(got_values.get(name))
            if got is None or not math.isfinite(want):
                return False
            if not close_enough(got, want, max(scales[name], abs(want)), tolerance):
                return False
    return True


def fits(
    mistake: Mistake,
    program: Program,
    answer: Answer,
    reference: Reference,
    tolerance: Tolerance,
    exhaustive: bool = True,
) -> bool:
    """Whether ``mistake``'s engine gives ``answer`` on ``program`` under some order of
    walking the graph (every order of a small graph if ``exhaustive``, else a few)."""
    for dedupe, flips in _orders(program, mistake.order_dependent, exhaustive):
        computed = engine_answer(variant(mistake.engine, dedupe, flips), program)
        if computed is not None and same_answer(answer, computed, reference, tolerance):
            return True
    return False


@dataclass(frozen=True)
class Observation:
    """A graph and what the submission answered on it."""

    program: Program
    reference: Reference
    answer: Answer


def probes(program: Program) -> Iterator[Program]:
    """``program`` with one number changed (to 1, -1, 2, -2, 0, 3, 0.5 or -0.5): small
    experiments that tell apart mistakes which agree on ``program`` itself."""
    count = 0
    for index, instruction in enumerate(program.instructions):
        for slot, value in enumerate(instruction.args):
            if isinstance(value, str):
                continue
            for number in PROBE_NUMBERS:
                new = float(number) if isinstance(value, float) else number
                if repr(new) == repr(value):
                    continue
                args = list(instruction.args)
                args[slot] = new
                instructions = list(program.instructions)
                instructions[index] = Instruction(instruction.target, instruction.op, tuple(args))
                yield Program(tuple(instructions), program.backward)
                count += 1
                if count >= MAX_PROBES:
                    return


def recognise(
    failing: Observation,
    others: Sequence[Observation],
    tolerance: Tolerance,
    probe: Callable[[Program], Observation | None] | None = None,
    library: Iterable[Mistake] = LIBRARY,
) -> Mistake | None:
    """The one mistake whose engine explains the submission, or None.

    ``failing`` is the small failing graph.  When several mistakes fit it, ``probe``
    (which runs the submission on a graph) runs variations of it with other numbers,
    and ``others`` (the rest of what the submission answered) decide what is left.
    """
    reference = failing.reference
    if same_answer(failing.answer, (reference.data, reference.grad), reference, tolerance):
        return None  # nothing to explain: the answer is right
    candidates = [
        m for m in library if fits(m, failing.program, failing.answer, failing.reference, tolerance)
    ]
    if candidates and probe is not None:
        # Every candidate must also explain the submission's answers to variations of
        # the graph, even a lone one: a mistake that fits one graph by coincidence of
        # its numbers (a visited set keyed by value tripping inside a sigmoid built
        # from exp) does not fit the same graph with other numbers.
        for variation in probes(failing.program):
            seen = probe(variation)
            if seen is not None:
                candidates = [
                    m
                    for m in candidates
                    if fits(m, seen.program, seen.answer, seen.reference, tolerance)
                    or engine_answer(m.engine, seen.program) is None
                ]
            if not candidates:
                break
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    sample = others[:MAX_OTHERS]
    scores = {
        m.id: sum(
            fits(m, seen.program, seen.answer, seen.reference, tolerance, exhaustive=False)
            for seen in sample
        )
        for m in candidates
    }
    best = max(scores.values())
    winners = [m for m in candidates if scores[m.id] == best]
    return winners[0] if len(winners) == 1 else None
