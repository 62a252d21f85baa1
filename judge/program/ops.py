"""The operations a graph program may use, and how each is written in Python.

This table is shared by the compiler (which reads Python syntax), the renderer (which
writes a program back as a runnable snippet), the reference engine and the harness.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Form(Enum):
    """How an operation appears in source code."""

    LEAF = "leaf"  # Value(2.0)
    BINARY = "binary"  # a + b, a + 2
    REFLECTED = "reflected"  # 2 + a
    POWER = "power"  # a ** 2  (number exponent only)
    UNARY = "unary"  # -a
    METHOD = "method"  # a.relu()


@dataclass(frozen=True)
class Op:
    """One operation: its spec name, its form, and the Python spelling.

    ``method`` is the attribute the submission's class must define for it (so a missing
    one is reported as missing, not as a crash).
    """

    name: str
    form: Form
    symbol: str
    method: str
    description: str


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("add", Form.BINARY, "+", "__add__", "addition (a + b, a + 2)"),
        Op("sub", Form.BINARY, "-", "__sub__", "subtraction (a - b, a - 2)"),
        Op("mul", Form.BINARY, "*", "__mul__", "multiplication (a * b, a * 2)"),
        Op("div", Form.BINARY, "/", "__truediv__", "division (a / b, a / 2)"),
        Op("radd", Form.REFLECTED, "+", "__radd__", "a number plus a Value (2 + a)"),
        Op("rsub", Form.REFLECTED, "-", "__rsub__", "a number minus a Value (2 - a)"),
        Op("rmul", Form.REFLECTED, "*", "__rmul__", "a number times a Value (2 * a)"),
        Op("rdiv", Form.REFLECTED, "/", "__rtruediv__", "a number divided by a Value (2 / a)"),
        Op("pow", Form.POWER, "**", "__pow__", "a power with a number exponent (a ** 2)"),
        Op("neg", Form.UNARY, "-", "__neg__", "negation (-a)"),
        Op("relu", Form.METHOD, "relu", "relu", "relu (a.relu())"),
        Op("tanh", Form.METHOD, "tanh", "tanh", "tanh (a.tanh())"),
        Op("exp", Form.METHOD, "exp", "exp", "exp (a.exp())"),
        Op("log", Form.METHOD, "log", "log", "natural logarithm (a.log())"),
        Op("sigmoid", Form.METHOD, "sigmoid", "sigmoid", "sigmoid (a.sigmoid())"),
    )
}

# The leaf is not an operation a problem lists; every program may create leaves.
LEAF = "value"

BINARY_SYMBOLS = {op.symbol: op.name for op in OPS.values() if op.form is Form.BINARY}
REFLECTED_SYMBOLS = {op.symbol: op.name for op in OPS.values() if op.form is Form.REFLECTED}
METHODS = {op.symbol: op.name for op in OPS.values() if op.form is Form.METHOD}
