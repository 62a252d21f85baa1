"""The library of classic mistakes, each one a deliberately broken engine.

When a submission's numbers on its failing graph are exactly what one of these engines
computes (see ``recognise``), the report names the mistake in plain words and says how
to fix it.  Each entry is tested: its engine is recognised, and a correct engine never
is.  To add one, write its engine (often a one-line override of ``Engine``'s tables)
and a ``Mistake``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from judge.properties.engines import Engine, StepLimit


# -- the broken engines ---------------------------------------------------------------
class GradAssigned(Engine):
    def send(self, child: Engine, slope: float) -> None:
        child.grad = slope * self.grad


class UpstreamIgnored(Engine):
    def send(self, child: Engine, slope: float) -> None:
        child.grad += slope


class DataForGrad(Engine):
    def send(self, child: Engine, slope: float) -> None:
        child.grad += slope * self.data


class NoTopologicalSort(Engine):
    def backward(self) -> None:
        self.grad = 1.0
        stack: list[Engine] = [self]
        steps = 0
        while stack:  # propagate(v): v._backward(); for c in v._prev: propagate(c)
            node = stack.pop()
            node.run_step()
            stack.extend(reversed(node.inputs()))
            steps += 1
            if steps > self.MAX_STEPS:
                raise StepLimit


class OrderNotReversed(Engine):
    def backward(self) -> None:
        order = self.topological_order()
        self.grad = 1.0
        for node in order:
            node.run_step()


class OutputNotSeeded(Engine):
    def backward(self) -> None:
        for node in reversed(self.topological_order()):
            node.run_step()


class GradStartsAtOne(Engine):
    INITIAL_GRAD = 1.0


class VisitedByValue(Engine):
    def visit_key(self) -> Any:
        return self.data


class NegDetached(Engine):
    def __neg__(self) -> Engine:
        return type(self)(-self.data)


def _override(
    name: str,
    forward: dict[str, Callable[..., float]] | None = None,
    local: dict[str, Callable[..., tuple[float, ...]]] | None = None,
) -> type[Engine]:
    """An engine with some table entries replaced."""
    tables = {
        "FORWARD": {**Engine.FORWARD, **(forward or {})},
        "LOCAL": {**Engine.LOCAL, **(local or {})},
    }
    return type(name, (Engine,), tables)


class SubReversed(Engine):
    def __sub__(self, other: Engine | float) -> Engine:
        return self.lift(other) + (-self)


class SubGradSign(Engine):
    def __sub__(self, other: Engine | float) -> Engine:
        other = self.lift(other)
        out = type(self)(self.data - other.data, (self, other))

        def step() -> None:
            out.send(self, 1.0)
            out.send(other, 1.0)

        out.step = step
        return out


class RsubReversed(Engine):
    def __rsub__(self, other: float) -> Engine:
        return self - other


class RdivReversed(Engine):
    def __rtruediv__(self, other: float) -> Engine:
        return self / other


class AddForgetsOther(Engine):
    def __add__(self, other: Engine | float) -> Engine:
        other = self.lift(other)
        out = type(self)(self.data + other.data, (self, other))
        out.step = lambda: out.send(self, 1.0)
        return out


@dataclass(frozen=True)
class Mistake:
    """A classic mistake: a short title, the fix in plain words, and its engine.

    ``order_dependent``: its numbers depend on the order the graph is walked.
    ``op`` and ``phase``: where the mistake lives (an operation; ``backward`` for the
    backward pass itself, ``value`` for the constructor), which the diagnosis then
    names whatever operation the small graph happened to show it through (a bug in
    ``__pow__`` shows in a division built on it); None for a mistake made in every
    operation alike (``=`` for ``+=``), which the diagnosis locates.
    """

    id: str
    title: str
    fix: str
    engine: type[Engine]
    order_dependent: bool = False
    op: str | None = None
    phase: str = "backward"

    @property
    def hint(self) -> str:
        return f"This looks like a classic mistake: {self.title}. {self.fix}"


LIBRARY: tuple[Mistake, ...] = (
    Mistake(
        "grad-assigned",
        "gradients are assigned (=) instead of accumulated (+=)",
        "A node used more than once must receive the sum of every contribution: write "
        "`x.grad += ...` in every backward step, never `x.grad = ...`.",
        GradAssigned,
        order_dependent=True,
    ),
    Mistake(
        "no-topological-sort",
        "backward() calls each node's backward step while walking down from the output, "
        "without a topological order, so a node reached along two paths passes its "
        "gradient on before it has all of it, and once per path",
        "Build a topological order first (every node after all of its inputs, each node "
        "once), then call the backward steps in reverse order.",
        NoTopologicalSort,
        order_dependent=True,
        op="backward",
    ),
    Mistake(
        "order-not-reversed",
        "backward() walks the topological order from the inputs to the output",
        "Walk it reversed (`for v in reversed(topo)`), so that every node has its whole "
        "gradient before it passes it on.",
        OrderNotReversed,
        order_dependent=True,
        op="backward",
    ),
    Mistake(
        "output-not-seeded",
        "backward() never sets the output's own gradient to 1, so nothing flows",
        "Set `self.grad = 1` on the output at the start of backward().",
        OutputNotSeeded,
        op="backward",
    ),
    Mistake(
        "grad-starts-at-one",
        "every Value starts with grad = 1 instead of 0",
        "Start `self.grad = 0` in __init__; backward() sets the output's gradient to 1.",
        GradStartsAtOne,
        op="value",
    ),
    Mistake(
        "visited-by-value",
        "the topological sort's visited set holds values (v.data), so two different "
        "nodes holding the same number count as one",
        "Put the nodes themselves (or id(v)) in the visited set, not their data.",
        VisitedByValue,
        order_dependent=True,
        op="backward",
    ),
    Mistake(
        "upstream-ignored",
        "the backward steps add only the local slope, without multiplying by the output's gradient",
        "Apply the chain rule: `self.grad += local_slope * out.grad`.",
        UpstreamIgnored,
    ),
    Mistake(
        "data-for-grad",
        "the backward steps multiply by the output's data instead of its gradient",
        "Use `out.grad`, not `out.data`: `self.grad += local_slope * out.grad`.",
        DataForGrad,
    ),
    Mistake(
        "add-forgets-other",
        "add's backward step gives a gradient to the left operand only",
        "Both operands of a + b get the output's gradient: also `other.grad += out.grad`.",
        AddForgetsOther,
        op="add",
    ),
    Mistake(
        "relu-no-mask",
        "relu's backward passes the gradient through even where the input is negative",
        "Multiply by the mask: `self.grad += (out.data > 0) * out.grad`.",
        _override("ReluNoMask", local={"relu": lambda x, z: (1.0,)}),
        op="relu",
    ),
    Mistake(
        "relu-slope-at-zero",
        "relu's backward gives slope 1 at exactly 0 (it tests >= 0)",
        "The slope of relu at 0 is 0 here, as in PyTorch and micrograd: test `> 0`.",
        _override("ReluSlopeAtZero", local={"relu": lambda x, z: (1.0 if x >= 0 else 0.0,)}),
        op="relu",
    ),
    Mistake(
        "mul-grads-swapped",
        "mul's backward gives each operand its own value as slope",
        "The slope of a * b for a is b, and for b it is a: "
        "`self.grad += other.data * out.grad; other.grad += self.data * out.grad`.",
        _override("MulGradsSwapped", local={"mul": lambda x, y, z: (x, y)}),
        op="mul",
    ),
    Mistake(
        "mul-forward-adds",
        "mul's forward pass adds the operands instead of multiplying them",
        "Compute `self.data * other.data` in __mul__.",
        _override("MulForwardAdds", forward={"mul": lambda x, y: x + y}),
        op="mul",
        phase="forward",
    ),
    Mistake(
        "pow-no-exponent",
        "pow's backward drops the exponent factor: x ** (n - 1) instead of n * x ** (n - 1)",
        "d(x ** n)/dx = n * x ** (n - 1): `self.grad += n * self.data ** (n - 1) * out.grad`.",
        _override("PowNoExponent", local={"pow": lambda x, n, z: (x ** (n - 1),)}),
        op="pow",
    ),
    Mistake(
        "div-denominator-sign",
        "division's backward gives the denominator +a / b**2",
        "d(a / b)/db = -a / b**2: the denominator's gradient has a minus sign.",
        _override("DivDenominatorSign", local={"div": lambda x, y, z: (1.0 / y, x / y**2)}),
        op="div",
    ),
    Mistake(
        "sub-reversed",
        "__sub__ computes other - self",
        "a - b is `self.data - other.data` (or `self + (-other)`).",
        SubReversed,
        op="sub",
        phase="forward",
    ),
    Mistake(
        "sub-grad-sign",
        "sub's backward gives the right operand +out.grad",
        "d(a - b)/db = -1: `other.grad -= out.grad` (or build a - b as a + (-b)).",
        SubGradSign,
        op="sub",
    ),
    Mistake(
        "rsub-reversed",
        "__rsub__ computes self - other, but n - a calls a.__rsub__(n)",
        "Return `other - self` in __rsub__ (for example `(-self) + other`).",
        RsubReversed,
        op="rsub",
        phase="forward",
    ),
    Mistake(
        "rdiv-reversed",
        "__rtruediv__ computes self / other, but n / a calls a.__rtruediv__(n)",
        "Return `other / self` in __rtruediv__ (for example `Value(other) / self`).",
        RdivReversed,
        op="rdiv",
        phase="forward",
    ),
    Mistake(
        "neg-detached",
        "__neg__ returns a new Value with no link to its input, so no gradient flows "
        "back through -a (nor through a subtraction built on it)",
        "Return a node with a backward step: d(-a)/da = -1 "
        "(`self.grad -= out.grad`), or write -a as a * -1.",
        NegDetached,
        op="neg",
    ),
    Mistake(
        "exp-slope-from-input",
        "exp's backward uses the input x as the slope",
        "d exp(x)/dx = exp(x), the output: `self.grad += out.data * out.grad`.",
        _override("ExpSlopeFromInput", local={"exp": lambda x, z: (x,)}),
        op="exp",
    ),
    Mistake(
        "tanh-slope-linear",
        "tanh's backward uses 1 - t instead of 1 - t**2",
        "d tanh(x)/dx = 1 - tanh(x)**2: `self.grad += (1 - t**2) * out.grad`.",
        _override("TanhSlopeLinear", local={"tanh": lambda x, z: (1.0 - z,)}),
        op="tanh",
    ),
    Mistake(
        "tanh-slope-from-input",
        "tanh's backward uses the input: 1 - x**2 instead of 1 - t**2",
        "The slope uses the output t = tanh(x): `self.grad += (1 - t**2) * out.grad`.",
        _override("TanhSlopeFromInput", local={"tanh": lambda x, z: (1.0 - x * x,)}),
        op="tanh",
    ),
    Mistake(
        "sigmoid-slope-from-input",
        "sigmoid's backward uses the input: x * (1 - x) instead of s * (1 - s)",
        "The slope uses the output s = sigmoid(x): `self.grad += s * (1 - s) * out.grad`.",
        _override("SigmoidSlopeFromInput", local={"sigmoid": lambda x, z: (x * (1.0 - x),)}),
        op="sigmoid",
    ),
    Mistake(
        "sigmoid-forward-sign",
        "sigmoid for x >= 0 computes 1 / (1 + exp(x)), with the wrong sign in the exponent",
        "sigmoid(x) = 1 / (1 + exp(-x)) (and exp(x) / (1 + exp(x)) for x < 0).",
        _override(
            "SigmoidForwardSign",
            # 1 / (1 + exp(x)) for x >= 0, written as sigmoid(-x) so that it cannot overflow
            forward={"sigmoid": lambda x: _sig(-x) if x >= 0 else _sig(x)},
        ),
        op="sigmoid",
        phase="forward",
    ),
    Mistake(
        "log-slope-from-output",
        "log's backward uses 1 / log(x) instead of 1 / x",
        "d log(x)/dx = 1 / x: `self.grad += out.grad / self.data`.",
        _override("LogSlopeFromOutput", local={"log": lambda x, z: (1.0 / z,)}),
        op="log",
    ),
)


def _sig(x: float) -> float:
    z = math.exp(x)
    return z / (1.0 + z)


BY_ID = {mistake.id: mistake for mistake in LIBRARY}
