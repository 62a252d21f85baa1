"""Hypothesis strategies for fair random graphs over a problem's operations.

Each strategy is a module-level function returning a ``SearchStrategy``; its docstring
says what it draws, within which bounds, and what it shrinks toward.  This module
imports hypothesis (about 200 ms), so only the corpus generator and the tests import
it; a run whose corpus is cached never does.

A graph is built step by step with ``rules.GraphBuilder``: each step draws an operation
and its operands, favouring the patterns that catch autograd bugs: a node used by
several later nodes, a node used twice by one operation (``a + a``), diamonds, chains,
wide sums, numbers on either side, relu of an exact 0, tanh and sigmoid of inputs far
in their flat tails.  A step the rules refuse is retried on fresh leaves drawn from the
operation's safe range, so drawing never needs to filter.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from hypothesis import strategies as st

from judge.program.model import Operand, Program
from judge.program.ops import LEAF, OPS, Form
from judge.properties.rules import GraphBuilder, GraphShape, fair

Draw = Callable[[st.SearchStrategy[object]], object]


@functools.cache
def leaf_numbers(low: float, high: float) -> st.SearchStrategy[int | float]:
    """Numbers for ``Value(x)``: integers, multiples of 0.25 and two-decimal floats in
    ``[low, high]``.  Shrinks toward integers, then toward 0."""
    ints = st.integers(math.ceil(low), math.floor(high))
    quarters = st.integers(math.ceil(low * 4), math.floor(high * 4)).map(lambda k: k / 4)
    decimals = st.integers(math.ceil(low * 100), math.floor(high * 100)).map(lambda k: k / 100)
    return st.one_of(ints, quarters, decimals)


@functools.cache
def operand_numbers() -> st.SearchStrategy[int | float]:
    """Plain numbers beside a Value (``a + 2``, ``3 * a``): small integers and halves in
    [-2, 10], 0 included (``a * 0`` makes an exact 0).  Shrinks toward 2."""
    return st.sampled_from([2, 1, 3, -1, 0.5, -2, 0, 1.5, -0.5, 10])


@functools.cache
def exponents() -> st.SearchStrategy[int | float]:
    """Exponents for ``a ** n``: integers in [-2, 3] but 0, and the halves 0.5, 1.5 and
    -0.5.  Shrinks toward 2."""
    return st.sampled_from([2, 3, -1, 0.5, 1, -2, 1.5, -0.5])


@functools.cache
def far_numbers() -> st.SearchStrategy[float]:
    """Inputs deep in the flat tails of tanh and sigmoid: plus or minus 800 (where a
    naive formula's exp overflows) or 30.  Shrinks toward -800."""
    return st.sampled_from([-800.0, 800.0, -30.0, 30.0])


@functools.cache
def safe_leaves(op: str) -> st.SearchStrategy[int | float]:
    """A fresh operand on which ``op`` is always fair: in [0.5, 3] for log, powers and
    division (either sign for a divisor), [-2, 2] for exp, else in [-3, 3].  Shrinks
    toward 1 (toward 0 for the last)."""
    if op in ("log", "pow"):
        return st.sampled_from([1, 2, 0.5, 1.5, 3, 2.5])
    if op in ("div", "rdiv"):
        return st.sampled_from([1, 2, -1, 0.5, -2, 1.5, -0.5, 3])
    if op == "exp":
        return st.sampled_from([1, 0, -1, 0.5, 2, -2, 1.5])
    return leaf_numbers(-3, 3)


@functools.cache
def _below(count: int) -> st.SearchStrategy[int]:
    """An integer in [0, count); made once per bound (building strategies is not free)."""
    return st.integers(0, count - 1)


@functools.cache
def _choice(ops: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from(ops)


def _chance(draw: Draw, one_in: int) -> bool:
    """True about once in ``one_in`` draws; shrinks toward False."""
    return draw(_below(one_in)) == one_in - 1


def _pick(draw: Draw, builder: GraphBuilder) -> str:
    """An existing node, the most recent ones likelier; shrinks toward the latest
    (a chain)."""
    names = builder.names
    back = draw(_below(len(names)))
    return names[-1 - int(back)]  # type: ignore[call-overload]


def _leaf(draw: Draw, builder: GraphBuilder, numbers: st.SearchStrategy[int | float]) -> str:
    name = builder.add(LEAF, (draw(numbers),))  # type: ignore[arg-type]
    if name is None:  # a leaf is always fair; this would be a bug in the rules
        raise RuntimeError("a leaf was refused: the rules are broken")
    return name


def _operands(draw: Draw, builder: GraphBuilder, shape: GraphShape, op: str) -> tuple[Operand, ...]:
    """Operands for one step of ``op``, before any fallback."""
    form = OPS[op].form
    if form is Form.BINARY:
        left = _pick(draw, builder)
        if _chance(draw, 6):
            return (left, left)  # the same node on both sides: a + a, a * a
        if shape.numbers and _chance(draw, 4):
            return (left, draw(operand_numbers()))  # type: ignore[return-value]
        return (left, _pick(draw, builder))
    if form is Form.REFLECTED:
        return (draw(operand_numbers()), _pick(draw, builder))  # type: ignore[return-value]
    if form is Form.POWER:
        return (_pick(draw, builder), draw(exponents()))  # type: ignore[return-value]
    if op == "relu" and _chance(draw, 2):
        return (_zero(draw, builder, shape),)  # relu at exactly 0, on purpose
    if op in ("tanh", "sigmoid") and _chance(draw, 3):
        return (_leaf(draw, builder, far_numbers()),)
    return (_pick(draw, builder),)


_ZERO = st.just(0)


def _zero(draw: Draw, builder: GraphBuilder, shape: GraphShape) -> str:
    """A node that is exactly 0 in every implementation: a leaf 0, or ``x * 0``."""
    if "mul" in shape.ops and shape.numbers and _chance(draw, 2):
        name = builder.add("mul", (_pick(draw, builder), 0))
        if name is not None:
            return name
    return _leaf(draw, builder, _ZERO)


def _step(draw: Draw, builder: GraphBuilder, shape: GraphShape, op: str) -> None:
    """Add one node of ``op``, on fresh safe leaves if the drawn operands are unfair."""
    if op == LEAF:
        _leaf(draw, builder, leaf_numbers(shape.low, shape.high))
        return
    if op == "add" and _chance(draw, 5):
        _wide_sum(draw, builder)
        return
    args = _operands(draw, builder, shape, op)
    if builder.add(op, args) is not None:
        return
    fresh = tuple(
        _leaf(draw, builder, safe_leaves(op)) if isinstance(arg, str) else arg for arg in args
    )
    builder.add(op, fresh)


def _wide_sum(draw: Draw, builder: GraphBuilder) -> None:
    """``s = x1 + x2 + ... + xk`` over existing nodes, one add node per term."""
    total = _pick(draw, builder)
    for _ in range(2 + int(draw(_below(4)))):  # type: ignore[call-overload]
        name = builder.add("add", (total, _pick(draw, builder)))
        if name is None:
            return
        total = name


@st.composite
def _graphs(draw: Draw, shape: GraphShape) -> Program:
    builder = GraphBuilder()
    size = int(draw(st.integers(shape.min_nodes, shape.max_nodes)))  # type: ignore[call-overload]
    # Half the graphs end with a sum of every node nothing uses yet, so that every
    # node's backward step runs; the others keep dead nodes, whose grad must stay 0.
    gather = "add" in shape.ops and size >= 4 and _chance(draw, 2)
    body = size - size // 3 if gather else size
    for _ in range(int(draw(st.integers(1, max(1, min(3, body - 1)))))):  # type: ignore[call-overload]
        _leaf(draw, builder, leaf_numbers(shape.low, shape.high))
    for _ in range(4 * body):
        if builder.size >= body:
            break
        op = LEAF if _chance(draw, 8) else str(draw(_choice(shape.ops)))
        _step(draw, builder, shape, op)
    if gather:
        _gather(builder, size)
    return _fair_prefix(builder, shape.max_nodes)


def _gather(builder: GraphBuilder, size: int) -> None:
    """Add the nodes nothing uses into the last one, newest first, up to ``size`` nodes."""
    used = {a for i in builder.instructions for a in i.args if isinstance(a, str)}
    total = builder.names[-1]
    for name in reversed(builder.names[:-1]):
        if builder.size >= size:
            return
        if name not in used:
            total = builder.add("add", (total, name)) or total


def _fair_prefix(builder: GraphBuilder, most: int) -> Program:
    """The graph's longest prefix of at most ``most`` nodes whose gradients stay within
    bounds (its last node becomes the output)."""
    for end in range(min(builder.size, most), 0, -1):
        program = builder.program() if end == builder.size else _prefix(builder, end)
        if fair(program) is not None:
            return program
    raise RuntimeError("a single leaf is always fair: the rules are broken")


def _prefix(builder: GraphBuilder, end: int) -> Program:
    instructions = tuple(builder.instructions[:end])
    return Program(instructions, instructions[-1].target)


def graphs(shape: GraphShape) -> st.SearchStrategy[Program]:
    """Fair straight-line graphs over ``shape.ops`` with ``shape.min_nodes`` to
    ``shape.max_nodes`` nodes, leaves included (fewer when a step is refused); the last
    node is the output and gets ``backward()``.  Leaves lie in ``[shape.low,
    shape.high]``, plus far tails for tanh and sigmoid and safe fresh operands where a
    drawn one is unfair.  Half the graphs end by summing every node nothing uses into
    the output.

    Shrinks toward fewer nodes, earlier ops in ``shape.ops``, chains (each node using
    the one before it) and leaves that are small integers."""
    return _graphs(shape)
