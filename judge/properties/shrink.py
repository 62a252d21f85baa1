"""Shrink a failing graph to a smallest one that still fails the same way.

The shrinker works on the graph itself rather than on hypothesis's choice sequence, so
it needs no hypothesis import and every step is a graph a student would recognise:
cut the graph after an earlier node, drop a node nothing uses, route around a node,
turn a node into a leaf of its value, let an operation reuse an earlier node (which
makes ``a + b`` into ``a + a``), make numbers simpler (toward 1, -1, 2, ...).  Every
candidate must be fair (``rules.fair``) and is run in the submission's worker; it is
kept when it fails the same way (wrong data, wrong gradients only, the same exception,
the same missing method).  Greedy, deterministic, and bounded by a number of runs and
a deadline.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from judge.compare import Mismatch, compare
from judge.engine.evaluate import Reference
from judge.program.model import Instruction, Operand, Program
from judge.program.ops import LEAF
from judge.properties.rules import fair, node_name
from judge.properties.runners import Runner
from judge.runner.outcome import Kind, Missing, Outcome, Raised
from judge.spec.model import Expect, Tolerance

MAX_RUNS = 800
MAX_SECONDS = 3.0
SIMPLE_NUMBERS: tuple[int | float, ...] = (1, -1, 2, -2, 0, 3, -3, 0.5, -0.5, 4, -4, 1.5, -1.5, 5)
_NO_EXPECT = Expect()


@dataclass(frozen=True)
class Attempt:
    """One graph run in the worker: its reference values, the outcome, the mismatches."""

    program: Program
    reference: Reference
    outcome: Outcome
    mismatches: tuple[Mismatch, ...]

    @property
    def signature(self) -> str | None:
        """How it fails: ``data``, ``grad``, ``raised:TypeError``, ``missing:radd``,
        ``timeout``...; None when it does not."""
        kind = self.outcome.kind
        if kind is Kind.OK:
            if not self.mismatches:
                return None
            return "data" if any(m.field == "data" for m in self.mismatches) else "grad"
        details = self.outcome.details
        if isinstance(details, Raised):
            return f"raised:{details.type}"
        if isinstance(details, Missing):
            return "missing:" + ",".join(sorted(details.ops))
        return kind.value

    @property
    def shrinkable(self) -> bool:
        return self.outcome.kind in (Kind.OK, Kind.RAISED, Kind.MISSING)


def judge_run(
    program: Program, reference: Reference, outcome: Outcome, tolerance: Tolerance
) -> Attempt:
    """Compare an outcome with the reference (every node, data and grad)."""
    mismatches: list[Mismatch] = []
    if outcome.kind is Kind.OK:
        mismatches = compare(
            reference,
            _NO_EXPECT,
            outcome.data,
            outcome.grad,
            program.nodes,
            tolerance,
            check_grad=program.backward is not None,
        )
    return Attempt(program, reference, outcome, tuple(mismatches))


def attempt(
    program: Program, runner: Runner, tolerance: Tolerance, timeout: float
) -> Attempt | None:
    """Run ``program`` if it is fair (None if it is not)."""
    reference = fair(program)
    if reference is None:
        return None
    return judge_run(program, reference, runner.run(program, timeout), tolerance)


@dataclass
class Budget:
    """How many more runs, and until when, the shrinker may spend."""

    runs: int = MAX_RUNS
    seconds: float = MAX_SECONDS
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def spend(self) -> bool:
        """Take one run from the budget; False when none is left."""
        if self.runs <= 0 or time.monotonic() >= self.deadline:
            return False
        self.runs -= 1
        return True


def number_cost(value: Operand) -> float:
    """How complicated a number looks: 1 is simplest, then -1, 2, -2, 0, 3..."""
    negative_zero = value == 0 and math.copysign(1.0, value) < 0
    for rank, simple in enumerate(SIMPLE_NUMBERS):
        if value == simple:
            return rank + (0.5 if negative_zero else 0)
    text = repr(value).lstrip("-")
    return len(SIMPLE_NUMBERS) + 10 * len(text) + min(abs(float(value)), 1e6) / 1e6


# A number on the left is less usual than on the right: 2 * a becomes a * 2.
COMMUTED = {"radd": "add", "rmul": "mul"}


def cost(program: Program) -> tuple[int, int, int, int, float]:
    """What the shrinker minimises, in order: nodes, operations, numbers on the left,
    how far back the operands reach (sharing an earlier node is simpler), and how
    complicated the numbers are."""
    position = {name: index for index, name in enumerate(program.nodes)}
    operations = sum(1 for i in program.instructions if i.op != LEAF)
    reflected = sum(1 for i in program.instructions if i.op in COMMUTED)
    reach = sum(position[a] for i in program.instructions for a in i.args if isinstance(a, str))
    numbers = sum(
        number_cost(a) for i in program.instructions for a in i.args if not isinstance(a, str)
    )
    return (len(program.instructions), operations, reflected, reach, numbers)


def _program(instructions: list[Instruction], backward: str | None) -> Program:
    return Program(tuple(instructions), backward)


def _replace_uses(program: Program, old: str, new: str) -> Program:
    """Every use of node ``old`` made a use of ``new``, and ``old`` removed."""
    instructions = [
        Instruction(i.target, i.op, tuple(new if a == old else a for a in i.args))
        for i in program.instructions
        if i.target != old
    ]
    backward = new if program.backward == old else program.backward
    return _program(instructions, backward)


def _with(instructions: list[Instruction], index: int, new: Instruction) -> list[Instruction]:
    """``instructions`` with the one at ``index`` replaced by ``new``."""
    changed = list(instructions)
    changed[index] = new
    return changed


def _used(program: Program) -> set[str]:
    return {a for i in program.instructions for a in i.args if isinstance(a, str)}


def _simpler_numbers(value: Operand) -> list[int | float]:
    """Numbers simpler than ``value``, of the same type, simplest first."""
    if isinstance(value, str):
        return []
    pool: list[int | float] = [*SIMPLE_NUMBERS, round(value), round(value, 1), round(value, 2)]
    if isinstance(value, float):
        pool = [float(p) for p in pool]
    else:
        pool = [int(p) for p in pool if float(p).is_integer()]
    current = number_cost(value)
    seen: dict[float, int | float] = {}
    for candidate in pool:
        if number_cost(candidate) < current and candidate not in seen:
            seen[candidate] = candidate
    return sorted(seen.values(), key=number_cost)


def candidates(
    program: Program, reference: Reference, ops: frozenset[str] = frozenset()
) -> Iterator[Program]:
    """Smaller variants of ``program``, the biggest cuts first; ``ops`` are the
    operations a candidate may use besides those already in ``program``."""
    instructions = list(program.instructions)
    count = len(instructions)
    # Cut the graph after an earlier node, which becomes the output.
    for end in range(1, count):
        yield _program(instructions[:end], instructions[end - 1].target)
    # Drop a node that nothing uses.
    used = _used(program)
    for index, instruction in enumerate(instructions):
        if instruction.target not in used and instruction.target != program.backward:
            yield _program(instructions[:index] + instructions[index + 1 :], program.backward)
    # Route around a node: its users use one of its inputs instead.
    for instruction in instructions:
        for name in dict.fromkeys(a for a in instruction.args if isinstance(a, str)):
            yield _replace_uses(program, instruction.target, name)
    # Turn an operation into a leaf holding its value.
    for index, instruction in enumerate(instructions):
        if instruction.op != LEAF:
            leaf = Instruction(instruction.target, LEAF, (reference.data[instruction.target],))
            yield _program(_with(instructions, index, leaf), program.backward)
    # Move a number to the right of a commutative operation (2 * a becomes a * 2).
    for index, instruction in enumerate(instructions):
        plain = COMMUTED.get(instruction.op)
        if plain is not None and plain in ops:
            number, value = instruction.args
            swapped = Instruction(instruction.target, plain, (value, number))
            yield _program(_with(instructions, index, swapped), program.backward)
    # Let an operand be an earlier node (a + b becomes a + a).
    position = {i.target: n for n, i in enumerate(instructions)}
    for index, instruction in enumerate(instructions):
        for slot, operand in enumerate(instruction.args):
            if not isinstance(operand, str):
                continue
            for earlier in instructions[: position[operand]]:
                shared: list[Operand] = list(instruction.args)
                shared[slot] = earlier.target
                changed = Instruction(instruction.target, instruction.op, tuple(shared))
                yield _program(_with(instructions, index, changed), program.backward)
    # Simpler numbers.
    for index, instruction in enumerate(instructions):
        for slot, operand in enumerate(instruction.args):
            for simpler in _simpler_numbers(operand):
                numbers: list[Operand] = list(instruction.args)
                numbers[slot] = simpler
                changed = Instruction(instruction.target, instruction.op, tuple(numbers))
                yield _program(_with(instructions, index, changed), program.backward)


def rename(program: Program) -> Program:
    """The nodes named ``a``, ``b``, ``c``... in order."""
    names = {i.target: node_name(n) for n, i in enumerate(program.instructions)}
    instructions = [
        Instruction(
            names[i.target], i.op, tuple(names[a] if isinstance(a, str) else a for a in i.args)
        )
        for i in program.instructions
    ]
    backward = names[program.backward] if program.backward is not None else None
    return _program(instructions, backward)


def shrink(
    start: Attempt,
    runner: Runner,
    tolerance: Tolerance,
    timeout: float,
    budget: Budget | None = None,
    ops: frozenset[str] = frozenset(),
) -> Attempt:
    """A smallest graph found that fails like ``start`` (``start`` itself if none);
    candidates may also use ``ops`` (the problem's operations)."""
    signature = start.signature
    if signature is None or not start.shrinkable:
        return start
    budget = budget or Budget()
    best = start
    tried = {_key(start.program)}
    progress = True
    while progress:
        progress = False
        best_cost = cost(best.program)
        for candidate in candidates(best.program, best.reference, ops):
            key = _key(candidate)
            if key in tried or cost(candidate) >= best_cost:
                continue
            tried.add(key)
            reference = fair(candidate)
            if reference is None:
                continue
            if not budget.spend():
                return _renamed(best, runner, tolerance, timeout, signature)
            result = judge_run(candidate, reference, runner.run(candidate, timeout), tolerance)
            if result.signature == signature:
                best, progress = result, True
                break
    return _renamed(best, runner, tolerance, timeout, signature)


def _key(program: Program) -> str:
    """Tells apart what ``==`` does not: 1 and 1.0, 0.0 and -0.0."""
    return repr((program.instructions, program.backward))


def _renamed(
    best: Attempt, runner: Runner, tolerance: Tolerance, timeout: float, signature: str
) -> Attempt:
    renamed = rename(best.program)
    if renamed == best.program:
        return best
    result = attempt(renamed, runner, tolerance, timeout)
    return result if result is not None and result.signature == signature else best
