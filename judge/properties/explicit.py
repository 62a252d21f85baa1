"""The small graphs every corpus starts with, whatever the seed.

Random graphs reach a rare case (relu of exactly 0, sigmoid of -800) only now and
then, and a seed may miss it.  These graphs make sure every corpus has each of the
problem's operations alone on simple inputs and at its edges (its record's ``edges``),
applied to the same node twice (``a + a``), with numbers on either side, and the
classic shapes where a backward pass goes wrong: a node used again further down, a
diamond, two nodes with equal values.
"""

from __future__ import annotations

from judge.program.model import Operand, Program
from judge.program.ops import LEAF, OPS, Form
from judge.properties.rules import GraphBuilder, GraphShape

Step = tuple[str, tuple[Operand, ...]]


def _build(steps: list[Step]) -> Program | None:
    builder = GraphBuilder()
    for op, args in steps:
        if builder.add(op, args) is None:
            return None
    return builder.program()


def _alone(op: str, numbers: bool) -> list[list[Step]]:
    """``op`` on simple leaves (nodes are named a, b, c... in order)."""
    form = OPS[op].form
    if form is Form.BINARY:
        graphs: list[list[Step]] = [
            [(LEAF, (1.5,)), (LEAF, (-2.0,)), (op, ("a", "b"))],
            [(LEAF, (1.5,)), (op, ("a", "a"))],
        ]
        if numbers:
            graphs.append([(LEAF, (-2.5,)), (op, ("a", 3))])
        return graphs
    if form is Form.REFLECTED:
        return [[(LEAF, (1.5,)), (op, (3, "a"))], [(LEAF, (-2.0,)), (op, (0.5, "a"))]]
    if form is Form.POWER:
        return [[(LEAF, (base,)), (op, ("a", n))] for base, n in OPS[op].edges]
    return [[(LEAF, (x,)), (op, ("a",))] for (x,) in OPS[op].edges]


def _shapes(ops: tuple[str, ...]) -> list[list[Step]]:
    """Graphs where the walk over the graph matters."""
    graphs: list[list[Step]] = []
    if "add" in ops:
        # a node used by a later node and by the output: order and accumulation
        graphs.append([(LEAF, (1.0,)), ("add", ("a", "a")), ("add", ("a", "b"))])
    if "add" in ops and "mul" in ops:
        # a diamond below an operation: a topological order is needed
        graphs.append(
            [
                (LEAF, (2.0,)),
                (LEAF, (3.0,)),
                (LEAF, (4.0,)),
                ("mul", ("a", "b")),
                ("mul", ("d", "c")),
                ("add", ("d", "e")),
            ]
        )
        # two distinct nodes holding the same value (6): identity, not value
        graphs.append(
            [
                (LEAF, (2.0,)),
                (LEAF, (3.0,)),
                (LEAF, (1.0,)),
                (LEAF, (6.0,)),
                ("mul", ("a", "b")),
                ("mul", ("c", "d")),
                ("add", ("e", "f")),
            ]
        )
    return graphs


def explicit_graphs(shape: GraphShape) -> list[Program]:
    """The fixed graphs of ``shape``'s corpus: only its ops, and numbers beside a Value
    only where the shape allows them or the operation needs one (powers, 2 * a)."""
    steps = [s for op in shape.ops for s in _alone(op, shape.numbers)]
    steps += _shapes(shape.ops)
    built = (_build(graph) for graph in steps)
    return [program for program in built if program is not None]
