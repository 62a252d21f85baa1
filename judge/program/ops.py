"""The operations a graph program may use: one record each, and every table derived.

An ``Op`` holds every fact about one operation: how it is written in Python, the
submission's method it needs, its forward value and local derivatives on plain
numbers, its formula and slope in words (for a student's diagnosis), the inputs it is
always checked alone on (its edges), when its operands are fair, and the ops a student
often builds it from.  The compiler, the renderer, the broken engines
(``judge.properties.engines``), the fairness rules, the fixed graphs and the diagnosis
all read these records.  Two tables cannot: the worker's ``APPLY`` and ``METHOD``
(``judge/runner/interpreter.py`` imports nothing of the judge) and the reference engine,
written micrograd-style with its rounding scales; ``tests/test_ops_record.py`` checks
both against these records and fails on any gap.

This module is standard library only, so a stdlib-only tool may load it by path.
Adding an operation is one record here plus its method on the reference engine and
its two lines in the worker (docs/architecture.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

# What makes an operand fair (see judge.properties.rules): away from a domain edge, a
# pole or an overflow, so that every correct implementation agrees.
MIN_DIVISOR = 0.25
MIN_LOG = 0.1
MIN_POWER_BASE = 0.25
MAX_POWER = 4  # |n| in a ** n
MAX_EXP = 6.0


class Form(Enum):
    """How an operation appears in source code."""

    LEAF = "leaf"  # Value(2.0)
    BINARY = "binary"  # a + b, a + 2
    REFLECTED = "reflected"  # 2 + a
    POWER = "power"  # a ** 2  (number exponent only)
    UNARY = "unary"  # -a
    METHOD = "method"  # a.relu()


# A fairness rule: the operands as written (node names or numbers) and their values.
FairRule = Callable[[tuple[object, ...], list[float]], bool]


@dataclass(frozen=True)
class Op:
    """One operation and everything the judge knows about it.

    ``method`` is the attribute the submission's class must define for it (so a missing
    one is reported as missing, not as a crash).  ``forward`` takes the operands'
    numbers; ``local`` takes them and the output and gives one slope per Value operand
    (a reflected op's number and a power's exponent get none).  A ``primitive`` op is
    built by the broken engines directly; the others are built from primitives as
    micrograd and most students do (``a - b`` is ``a + (-b)``).  An ``exact`` op gives
    the same bits in every correct implementation when its operands do.  ``edges`` are
    the operands it is always checked alone on (one tuple per graph), beside its form's
    usual graphs; ``fair`` refuses operands at an edge, a pole or an overflow;
    ``built_from`` are the ops a fault found in it may lie in (``a / b`` as
    ``a * b**-1``).
    """

    name: str
    form: Form
    symbol: str
    method: str
    description: str
    formula: str
    slope: str
    forward: Callable[..., float]
    local: Callable[..., tuple[float, ...]]
    primitive: bool = True
    exact: bool = False
    edges: tuple[tuple[float, ...], ...] = ()
    fair: FairRule | None = None
    built_from: tuple[str, ...] = ()

    @property
    def arity(self) -> int:
        """How many operands it takes (Values and numbers)."""
        return 2 if self.form in (Form.BINARY, Form.REFLECTED, Form.POWER) else 1


def _sigmoid(x: float) -> float:
    # Written so that neither branch overflows for large |x|.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _is_integer(number: object) -> bool:
    return isinstance(number, int) or (isinstance(number, float) and number.is_integer())


def _fair_power(args: tuple[object, ...], numbers: list[float]) -> bool:
    """A number exponent, not 0, at most MAX_POWER; a base away from 0 when the
    exponent is negative and positive when it is fractional."""
    base, exponent = numbers
    if isinstance(args[1], str) or exponent == 0 or abs(exponent) > MAX_POWER:
        return False
    if not _is_integer(args[1]):
        return base >= MIN_POWER_BASE
    return exponent > 0 or abs(base) >= MIN_POWER_BASE


def _fair_divisor(args: tuple[object, ...], numbers: list[float]) -> bool:
    return abs(numbers[1]) >= MIN_DIVISOR


# fmt: off
OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op(
            "add", Form.BINARY, "+", "__add__", "addition (a + b, a + 2)",
            formula="a + b",
            slope="each operand gets out.grad",
            forward=lambda x, y: x + y,
            local=lambda x, y, z: (1.0, 1.0),
            exact=True,
        ),
        Op(
            "sub", Form.BINARY, "-", "__sub__", "subtraction (a - b, a - 2)",
            formula="a - b",
            slope="a gets out.grad and b gets -out.grad",
            forward=lambda x, y: x - y,
            local=lambda x, y, z: (1.0, -1.0),
            primitive=False,
            exact=True,
            built_from=("neg",),
        ),
        Op(
            "mul", Form.BINARY, "*", "__mul__", "multiplication (a * b, a * 2)",
            formula="a * b",
            slope="a gets b * out.grad and b gets a * out.grad",
            forward=lambda x, y: x * y,
            local=lambda x, y, z: (y, x),
            exact=True,
        ),
        Op(
            "div", Form.BINARY, "/", "__truediv__", "division (a / b, a / 2)",
            formula="a / b",
            slope="a gets out.grad / b and b gets -a / b**2 * out.grad",
            forward=lambda x, y: x / y,
            local=lambda x, y, z: (1.0 / y, -x / y**2),
            fair=_fair_divisor,
            built_from=("pow",),
        ),
        Op(
            "radd", Form.REFLECTED, "+", "__radd__", "a number plus a Value (2 + a)",
            formula="n + a",
            slope="a gets out.grad",
            forward=lambda n, x: n + x,
            local=lambda n, x, z: (1.0,),
            primitive=False,
            exact=True,
        ),
        Op(
            "rsub", Form.REFLECTED, "-", "__rsub__", "a number minus a Value (2 - a)",
            formula="n - a",
            slope="a gets -out.grad",
            forward=lambda n, x: n - x,
            local=lambda n, x, z: (-1.0,),
            primitive=False,
            exact=True,
            built_from=("neg",),
        ),
        Op(
            "rmul", Form.REFLECTED, "*", "__rmul__", "a number times a Value (2 * a)",
            formula="n * a",
            slope="a gets n * out.grad",
            forward=lambda n, x: n * x,
            local=lambda n, x, z: (n,),
            primitive=False,
            exact=True,
        ),
        Op(
            "rdiv", Form.REFLECTED, "/", "__rtruediv__", "a number divided by a Value (2 / a)",
            formula="n / a",
            slope="a gets -n / a**2 * out.grad",
            forward=lambda n, x: n / x,
            local=lambda n, x, z: (-n / x**2,),
            primitive=False,
            fair=_fair_divisor,
            built_from=("pow",),
        ),
        Op(
            "pow", Form.POWER, "**", "__pow__", "a power with a number exponent (a ** 2)",
            formula="a ** n",
            slope="a gets n * a**(n - 1) * out.grad",
            forward=lambda x, n: x**n,
            local=lambda x, n, z: (n * x ** (n - 1),),
            edges=((1.5, 2), (-2.0, 3), (1.5, -1), (2.5, 0.5)),
            fair=_fair_power,
        ),
        Op(
            "neg", Form.UNARY, "-", "__neg__", "negation (-a)",
            formula="-a",
            slope="a gets -out.grad",
            forward=lambda x: -x,
            local=lambda x, z: (-1.0,),
            exact=True,
            edges=((1.5,), (-2.0,)),
            built_from=("mul",),
        ),
        Op(
            "relu", Form.METHOD, "relu", "relu", "relu (a.relu())",
            formula="max(a, 0)",
            slope="a gets out.grad where a > 0, and nothing where a <= 0",
            forward=lambda x: x if x > 0 else 0.0,
            local=lambda x, z: (1.0 if x > 0 else 0.0,),
            edges=((1.5,), (-1.5,), (0.0,)),
        ),
        Op(
            "tanh", Form.METHOD, "tanh", "tanh", "tanh (a.tanh())",
            formula="tanh(a)",
            slope="a gets (1 - t**2) * out.grad, with t = tanh(a)",
            forward=math.tanh,
            local=lambda x, z: (1.0 - z * z,),
            edges=((0.5,), (-1.5,), (800.0,), (-800.0,)),
            built_from=("exp",),
        ),
        Op(
            "exp", Form.METHOD, "exp", "exp", "exp (a.exp())",
            formula="exp(a)",
            slope="a gets exp(a) * out.grad",
            forward=math.exp,
            local=lambda x, z: (z,),
            edges=((0.5,), (-1.5,)),
            fair=lambda args, numbers: abs(numbers[0]) <= MAX_EXP,
        ),
        Op(
            "log", Form.METHOD, "log", "log", "natural logarithm (a.log())",
            formula="log(a)",
            slope="a gets out.grad / a",
            forward=math.log,
            local=lambda x, z: (1.0 / x,),
            edges=((0.5,), (2.5,)),
            fair=lambda args, numbers: numbers[0] >= MIN_LOG,
        ),
        Op(
            "sigmoid", Form.METHOD, "sigmoid", "sigmoid", "sigmoid (a.sigmoid())",
            formula="1 / (1 + exp(-a))",
            slope="a gets s * (1 - s) * out.grad, with s = sigmoid(a)",
            forward=_sigmoid,
            local=lambda x, z: (z * (1.0 - z),),
            edges=((0.5,), (-1.5,), (800.0,), (-800.0,)),
            built_from=("exp",),
        ),
    )
}
# fmt: on

# The leaf is not an operation a problem lists; every program may create leaves.
LEAF = "value"
LEAF_FORMULA = "x (Value(x) keeps x as its data)"

BINARY_SYMBOLS = {op.symbol: op.name for op in OPS.values() if op.form is Form.BINARY}
REFLECTED_SYMBOLS = {op.symbol: op.name for op in OPS.values() if op.form is Form.REFLECTED}
METHODS = {op.symbol: op.name for op in OPS.values() if op.form is Form.METHOD}
