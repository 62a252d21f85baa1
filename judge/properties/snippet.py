"""Write a graph program back as Python a student can paste and run.

``compile_program(render(p))`` gives ``p`` back (up to line numbers), so a counterexample
shown to a student is exactly the graph the judge ran.
"""

from __future__ import annotations

from collections.abc import Iterable

from judge.program.model import Instruction, Operand, Program
from judge.program.ops import LEAF, OPS, Form


def _number(value: Operand) -> str:
    return repr(value)


def _operand(value: Operand) -> str:
    return value if isinstance(value, str) else _number(value)


def expression(instruction: Instruction, entry: str = "Value") -> str:
    """The right-hand side of one instruction: ``a + b``, ``2 * a``, ``a.relu()``."""
    op, args = instruction.op, instruction.args
    if op == LEAF:
        return f"{entry}({_number(args[0])})"
    spec = OPS[op]
    if spec.form in (Form.BINARY, Form.REFLECTED, Form.POWER):
        return f"{_operand(args[0])} {spec.symbol} {_operand(args[1])}"
    if spec.form is Form.UNARY:
        return f"{spec.symbol}{_operand(args[0])}"
    return f"{_operand(args[0])}.{spec.symbol}()"


def render(program: Program, entry: str = "Value", comments: Iterable[str] = ()) -> str:
    """The program as source, one assignment per node, then ``out.backward()`` and
    ``# comment`` lines."""
    lines = [f"{i.target} = {expression(i, entry)}" for i in program.instructions]
    if program.backward is not None:
        lines.append(f"{program.backward}.backward()")
    lines.extend(f"# {comment}" for comment in comments)
    return "\n".join(lines) + "\n"
