"""One record per operation (judge.program.ops): the tables that cannot be derived from
it, the worker's (stdlib only) and the reference engine's, agree with it on every op,
and every table derived from it covers every op.  A new record without its worker
lines or reference method fails here, not later as a KeyError."""

from __future__ import annotations

import math
from typing import Any

import pytest

from judge.engine.reference import Value
from judge.program.ops import LEAF, OPS, Form, Op
from judge.properties import localise
from judge.properties.engines import Engine
from judge.properties.rules import EXACT_OPS, GraphBuilder
from judge.runner import interpreter

NAMES = sorted(OPS)


def _probe_class() -> type:
    """A class with every op's method, each recording its own name."""
    calls: list[str] = []

    def recorder(method: str) -> Any:
        def call(self: Any, *args: Any) -> str:
            calls.append(method)
            return method

        return call

    methods = {op.method: recorder(op.method) for op in OPS.values()}
    cls = type("Recorder", (), {"__init__": lambda self, x=0.0: None, **methods})
    cls.calls = calls  # type: ignore[attr-defined]
    return cls


def _operands(op: Op, value: Any, number: float) -> tuple[Any, ...]:
    """Arguments of ``interpreter.APPLY[op.name]``: a Value where the op takes one."""
    if op.form is Form.REFLECTED:
        return (number, value)
    if op.form in (Form.BINARY, Form.POWER):
        return (value, number)
    return (value,)


def test_the_worker_has_every_op_and_nothing_else() -> None:
    assert set(interpreter.APPLY) == {LEAF, *OPS}
    assert set(interpreter.METHOD) == {LEAF, *OPS}
    assert interpreter.METHOD[LEAF] == "__init__"
    for name, op in OPS.items():
        assert interpreter.METHOD[name] == op.method, name


@pytest.mark.parametrize("name", NAMES)
def test_the_worker_applies_each_op_with_its_method(name: str) -> None:
    """APPLY calls exactly the method the record names (a swapped lambda would not)."""
    op = OPS[name]
    cls = _probe_class()
    result = interpreter.APPLY[name](cls, *_operands(op, cls(), 2.0))
    assert cls.calls == [op.method]  # type: ignore[attr-defined]
    assert result == op.method


def _inputs(op: Op) -> list[tuple[float, ...]]:
    """Numbers to try the op on: its edges that are fair and a few ordinary ones."""
    ordinary = [(1.5, 2.0), (0.75, -1.25)] if op.arity == 2 else [(0.5,), (1.25,)]
    if op.form is Form.POWER:
        ordinary = [(1.5, 2), (0.75, 3)]
    tried = [*op.edges, *ordinary]
    return [x for x in tried if op.fair is None or op.fair(tuple(x), [float(v) for v in x])]


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_engine_agrees_with_each_record(name: str) -> None:
    """Forward and local derivatives of the record match the reference engine's method
    (reached through the worker's APPLY, as programs reach it)."""
    op = OPS[name]
    assert callable(getattr(Value, op.method, None)), f"reference Value lacks {op.method}"
    for numbers in _inputs(op):
        if op.form is Form.REFLECTED:
            n, x = numbers
            leaf = Value(x)
            out = interpreter.APPLY[name](Value, n, leaf)
            values = [leaf]
        elif op.form is Form.POWER:
            x, n = numbers
            leaf = Value(x)
            out = interpreter.APPLY[name](Value, leaf, n)
            values = [leaf]
        else:
            values = [Value(x) for x in numbers]
            out = interpreter.APPLY[name](Value, *values)
        expected = op.forward(*numbers)
        assert math.isclose(out.data, expected, rel_tol=1e-12, abs_tol=1e-300), (name, numbers)
        out.backward()
        slopes = op.local(*numbers, out.data)
        assert len(slopes) == len(values), name
        for leaf, slope in zip(values, slopes, strict=True):
            assert math.isclose(leaf.grad, slope, rel_tol=1e-12, abs_tol=1e-300), (name, numbers)


@pytest.mark.parametrize("name", NAMES)
def test_every_table_derived_from_the_records_covers_each_op(name: str) -> None:
    op = OPS[name]
    assert localise.FORMULAS[name] == op.formula
    assert localise.SLOPES[name] == op.slope
    assert localise.method_name(name) == op.method
    assert (name in EXACT_OPS) is op.exact
    assert all(built in OPS for built in op.built_from)
    if op.primitive:
        assert Engine.FORWARD[name] is op.forward
        assert Engine.LOCAL[name] is op.local
    assert callable(getattr(Engine, op.method, None)), f"Engine lacks {op.method}"
    if op.form in (Form.UNARY, Form.METHOD, Form.POWER):
        assert op.edges, f"{name} has no edge inputs to be checked alone on"


def test_a_fairness_rule_is_read_from_the_record() -> None:
    """The builder refuses what the op's own rule refuses (log of 0.05 and a divisor of
    0.1, both under the record's limits), and accepts what it accepts."""
    builder = GraphBuilder()
    small = builder.add(LEAF, (0.05,))
    big = builder.add(LEAF, (2.0,))
    assert small is not None and big is not None
    assert builder.add("log", (small,)) is None
    assert builder.add("log", (big,)) is not None
    assert builder.add("div", (big, small)) is None
    assert builder.add("div", (small, big)) is not None
