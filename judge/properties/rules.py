"""Which graphs are fair: graphs on which every correct implementation agrees with the
reference, whatever its summation order, int or float data, or traversal order.

A graph is built one node at a time on the reference engine; a node is refused when it
would put an input at a domain edge or a kink, or make it depend on rounding:

* every operand is *exact* (built from leaves by ``+ - *`` and negation only, which give
  the same bits in every correct implementation, int or float) or *well conditioned*
  (the magnitude of the terms summed into it is at most ``MAX_CONDITION`` times its
  value), so that a different rounding cannot move it across a kink;
* ``log`` gets at least ``MIN_LOG``; a divisor is at least ``MIN_DIVISOR`` away from 0;
  a negative or fractional power has a base of at least ``MIN_POWER_BASE`` (positive,
  for a fractional exponent); ``exp`` gets at most ``MAX_EXP`` in magnitude (each op's
  ``fair`` rule and these limits are in its record, ``judge.program.ops``);
* ``relu`` of exactly 0 only when the 0 is exact (on purpose); otherwise the input is
  well conditioned, hence clearly on one side;
* every value stays within ``MAX_MAGNITUDE`` and every gradient within ``MAX_GRAD``.

The strategies build graphs with ``GraphBuilder``; the shrinker checks its candidates
with ``fair``; so a smaller graph is never less fair than the one it came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from judge.engine.evaluate import Reference, ReferenceError, evaluate
from judge.engine.reference import Value
from judge.program.model import Instruction, Operand, Program
from judge.program.ops import LEAF, OPS
from judge.runner.interpreter import APPLY

MAX_LEAF = 1e3  # |x| of a leaf or a number operand
MAX_MAGNITUDE = 1e6  # |data| of every node: products of integers stay exact in a float
MAX_GRAD = 1e12  # |grad| of every node
MAX_CONDITION = 1e4  # scale / |data| of an operand that is not exact

# Operations whose result has the same bits in every correct implementation when their
# operands do (integer data stays below 2**53 thanks to MAX_MAGNITUDE).
EXACT_OPS = frozenset({LEAF, *(op.name for op in OPS.values() if op.exact)})


@dataclass(frozen=True)
class GraphShape:
    """What random graphs a problem asks for: its ops, sizes and leaf values."""

    ops: tuple[str, ...]
    min_nodes: int = 2
    max_nodes: int = 12
    low: float = -3.0
    high: float = 3.0
    numbers: bool = True  # plain numbers beside Values (a + 2; 2 * a when reflected ops)


def node_name(index: int) -> str:
    """``a`` ... ``z``, then ``n26``, ``n27`` ...: short, and never a Python keyword."""
    return chr(ord("a") + index) if index < 26 else f"n{index}"


@dataclass
class GraphBuilder:
    """A graph under construction on the reference engine, refusing unfair nodes."""

    instructions: list[Instruction] = field(default_factory=list)
    values: dict[str, Value] = field(default_factory=dict)
    exact: dict[str, bool] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.instructions)

    @property
    def names(self) -> list[str]:
        return [i.target for i in self.instructions]

    def data(self, name: str) -> float:
        return self.values[name].data

    def add(self, op: str, args: tuple[Operand, ...], target: str | None = None) -> str | None:
        """Append ``target = op(*args)`` if it is fair; its name, or None if refused."""
        if not self.operands_fair(op, args):
            return None
        operands = [self.values[a] if isinstance(a, str) else a for a in args]
        try:
            out = APPLY[op](Value, *operands)
        except (ArithmeticError, ValueError, TypeError):
            return None
        if not (isinstance(out.data, float) and abs(out.data) <= MAX_MAGNITUDE):
            return None  # also refuses NaN
        name = target if target is not None else node_name(self.size)
        self.instructions.append(Instruction(name, op, args))
        self.values[name] = out
        self.exact[name] = op in EXACT_OPS and all(
            self.exact[a] for a in args if isinstance(a, str)
        )
        return name

    def operands_fair(self, op: str, args: tuple[Operand, ...]) -> bool:
        """Whether ``op(*args)`` keeps every operand away from edges, kinks and rounding."""
        for arg in args:
            if isinstance(arg, str):
                if arg not in self.values or not self.well_conditioned(arg):
                    return False
            elif not (math.isfinite(arg) and abs(arg) <= MAX_LEAF):
                return False
        nodes = [self.values[a].data if isinstance(a, str) else float(a) for a in args]
        rule = OPS[op].fair if op in OPS else None  # the op's own rule, from its record
        return rule is None or rule(args, nodes)

    def well_conditioned(self, name: str) -> bool:
        """Exact, or far enough from 0 relative to its terms that rounding cannot matter."""
        if self.exact[name]:
            return True
        node = self.values[name]
        return node.data != 0 and node.scale <= MAX_CONDITION * abs(node.data)

    def program(self, backward: str | None = None) -> Program:
        """The graph so far, with ``backward`` on ``backward`` (default: the last node)."""
        if backward is None and self.instructions:
            backward = self.instructions[-1].target
        return Program(tuple(self.instructions), backward)


def gradients_fair(reference: Reference) -> bool:
    """Every gradient finite and within MAX_GRAD."""
    return all(abs(g) <= MAX_GRAD for g in reference.grad.values())


def fair(program: Program) -> Reference | None:
    """The reference values of ``program`` if it is fair, else None."""
    builder = GraphBuilder()
    for instruction in program.instructions:
        if builder.add(instruction.op, instruction.args, instruction.target) is None:
            return None
    try:
        reference = evaluate(program)
    except ReferenceError:
        return None
    return reference if gradients_fair(reference) else None
