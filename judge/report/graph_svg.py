"""A failing graph drawn as inline SVG, the way micrograd's ``draw_dot`` draws one.

Each node is a box with its name, ``data`` and ``grad``; each operation an ellipse
between its inputs and its output; edges run left to right, from the leaves to the
node ``backward`` starts from.  The wrong fields are marked (a red box, the field
with what was expected and what came back), so a student sees where the numbers
went wrong.  The layout is a small layered one written here, a column per depth, so
no graphviz binary is needed and the drawing is the same on every machine.

The values shown are the reference engine's (``judge.engine.evaluate``): a field that
is not marked came back within tolerance of it; a marked one shows both numbers.
Every piece of text goes through ``judge.report.escape``; nothing the drawing holds
loads anything (no link, no image, no script).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from judge.engine.evaluate import ReferenceError, evaluate
from judge.program.compile import ProgramError, compile_program
from judge.program.model import Instruction, Program
from judge.program.ops import LEAF, OPS, Form
from judge.report.escape import html_inline
from judge.results import TestResult

__all__ = ["MAX_DRAWN", "Wrong", "drawing_of", "failing_graph", "graph_svg"]

# Past this many nodes a drawing is a wall of boxes (the deep-chain stress check has
# 2,000): the report shows the code alone.
MAX_DRAWN = 60

_BOX_W, _BOX_H = 180, 62  # a value node
_OP_RX, _OP_RY = 30, 16  # an operation's ellipse
_COLUMN = 64  # the gap between a value's column and its operation's
_ROW = 84
_MARGIN = 12

# ``node.field`` -> (expected, got), as a report's counterexample carries them.
Wrong = Mapping[str, tuple[Any, Any]]


@dataclass(frozen=True)
class _Placed:
    name: str
    x: float
    y: float


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _op_label(instruction: Instruction) -> str:
    """The operation as micrograd's drawing names it, with a number operand inline
    (``* 2``, ``2 -``, ``** 3``)."""
    op = OPS[instruction.op]
    numbers = [_number(a) for a in instruction.args if not isinstance(a, str)]
    if op.form is Form.REFLECTED and numbers:
        return f"{numbers[0]} {op.symbol}"
    if op.form in (Form.BINARY, Form.POWER) and numbers:
        return f"{op.symbol} {numbers[0]}"
    return op.symbol


def _layout(program: Program) -> tuple[dict[str, _Placed], dict[str, _Placed], float, float]:
    """A column per depth (a leaf is 0, a node one more than its deepest input), nodes
    in program order down each column; each operation's ellipse half-way before its
    output."""
    depth: dict[str, int] = {}
    leaves = {i.target for i in program.instructions if i.op == LEAF}
    for instruction in program.instructions:
        inputs = [a for a in instruction.args if isinstance(a, str)]
        depth[instruction.target] = 1 + max((depth[a] for a in inputs), default=-1)
    # A leaf sits just before its first use, not at the far left, so its edge does not
    # run behind the boxes of the columns in between (its users' depths stay the same).
    first_use: dict[str, int] = {}
    for instruction in program.instructions:
        for name in (a for a in instruction.args if isinstance(a, str) and a in leaves):
            column = depth[instruction.target] - 1
            first_use[name] = min(first_use.get(name, column), column)
    depth.update(first_use)
    rows: dict[int, int] = {}
    values: dict[str, _Placed] = {}
    ops: dict[str, _Placed] = {}
    for instruction in program.instructions:
        column = depth[instruction.target]
        row = rows.get(column, 0)
        rows[column] = row + 1
        x = _MARGIN + column * (_BOX_W + 2 * _COLUMN)
        y = _MARGIN + row * _ROW
        values[instruction.target] = _Placed(instruction.target, x, y)
        if instruction.op != LEAF:
            ops[instruction.target] = _Placed(instruction.target, x - _COLUMN, y + _BOX_H / 2)
    width = _MARGIN * 2 + (max(depth.values()) + 1) * (_BOX_W + 2 * _COLUMN) - 2 * _COLUMN
    height = _MARGIN * 2 + max(rows.values()) * _ROW - (_ROW - _BOX_H)
    return values, ops, width, height


def _field_line(name: str, field: str, values: Mapping[str, float] | None, wrong: Wrong) -> str:
    key = f"{name}.{field}"
    if key in wrong:
        expected, got = wrong[key]
        return f"{field} {_number(got)} (expected {_number(expected)})"
    if values is None or name not in values:
        return f"{field} ?"
    return f"{field} {_number(values[name])}"


def graph_svg(program: Program, wrong: Wrong, title: str = "") -> str:
    """``program``'s graph as an ``<svg>`` element: a box per node with its data and
    grad (the reference's, or for a ``node.field`` in ``wrong`` what came back and what
    was expected), marked ``class="node wrong"`` with ``data-wrong`` naming the fields
    when any field of it is wrong; an ellipse per operation; edges from inputs to
    outputs."""
    try:
        reference = evaluate(program)
        data: Mapping[str, float] | None = reference.data
        grad: Mapping[str, float] | None = reference.grad if program.backward else None
    except ReferenceError:
        data = grad = None
    values, ops, width, height = _layout(program)
    label = html_inline(title or "the failing graph")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">',
        f"<title>{label}</title>",
    ]
    for instruction in program.instructions:
        if instruction.op == LEAF:
            continue
        op = ops[instruction.target]
        for source in dict.fromkeys(a for a in instruction.args if isinstance(a, str)):
            start = values[source]
            x0, y0 = start.x + _BOX_W, start.y + _BOX_H / 2
            x1 = op.x - _OP_RX
            parts.append(_edge(x0, y0, x1, op.y))
        out = values[instruction.target]
        parts.append(_edge(op.x + _OP_RX, op.y, out.x, out.y + _BOX_H / 2))
        parts.append(
            f'<g class="op"><ellipse cx="{op.x:.0f}" cy="{op.y:.0f}" rx="{_OP_RX}" '
            f'ry="{_OP_RY}"/><text x="{op.x:.0f}" y="{op.y + 5:.0f}" text-anchor="middle">'
            f"{html_inline(_op_label(instruction))}</text></g>"
        )
    for name, place in values.items():
        fields = [f for f in ("data", "grad") if f"{name}.{f}" in wrong]
        mark = ' class="node wrong"' if fields else ' class="node"'
        wrong_attribute = f' data-wrong="{" ".join(fields)}"' if fields else ""
        lines = [
            name + (" (output)" if name == program.backward else ""),
            _field_line(name, "data", data, wrong),
            _field_line(name, "grad", grad, wrong),
        ]
        texts = []
        for row, (line, field) in enumerate(zip(lines, ("", "data", "grad"), strict=True)):
            bad = ' class="bad"' if field in fields else ""
            y = place.y + 18 + 18 * row
            texts.append(f'<text x="{place.x + 8:.0f}" y="{y:.0f}"{bad}>{html_inline(line)}</text>')
        parts.append(
            f'<g{mark} data-node="{html_inline(name)}"{wrong_attribute}>'
            f'<rect x="{place.x:.0f}" y="{place.y:.0f}" width="{_BOX_W}" height="{_BOX_H}" '
            f'rx="4"/>{"".join(texts)}</g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(x0: float, y0: float, x1: float, y1: float) -> str:
    middle = (x0 + x1) / 2
    return (
        f'<path class="edge" d="M{x0:.0f},{y0:.0f} C{middle:.0f},{y0:.0f} '
        f'{middle:.0f},{y1:.0f} {x1:.0f},{y1:.0f}"/>'
    )


# ``x = Value(1.0)``: the class a counterexample's snippet builds its leaves with.
_ENTRY = re.compile(r"^\s*[A-Za-z_]\w*\s*=\s*([A-Za-z_]\w*)\(", re.MULTILINE)


def failing_graph(test: TestResult) -> tuple[Program, dict[str, tuple[Any, Any]]] | None:
    """The graph a test's counterexample holds (a case's program, the random graphs'
    smallest failing one) and its wrong ``node.field`` values, or None when it has
    none that can be drawn: no counterexample (a student's view of a hidden test),
    code outside the program subset (a stress check's loop), or over ``MAX_DRAWN``
    nodes."""
    example = test.counterexample
    if example is None or not example.code or example.nodes > MAX_DRAWN:
        return None
    found = _ENTRY.search(example.code)
    try:
        program = compile_program(example.code, found.group(1) if found else "Value")
    except ProgramError:
        return None
    if len(program.instructions) > MAX_DRAWN:
        return None
    expected, got = example.expected or {}, example.got or {}
    wrong = {key: (expected[key], got.get(key, "?")) for key in expected if "." in key}
    return program, wrong


def drawing_of(test: TestResult) -> str:
    """The drawing of ``test``'s failing graph, or "" when it has none to draw."""
    found = failing_graph(test)
    if found is None:
        return ""
    program, wrong = found
    return graph_svg(program, wrong, f"the failing graph of {test.name}")
