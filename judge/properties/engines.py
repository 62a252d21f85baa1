"""A micrograd engine as tables, so that a broken engine is a one-line override.

``Engine`` computes what the reference computes (a test holds it to that) but is built
to be broken on purpose: each primitive's forward value and local derivatives come
from the class tables ``FORWARD`` and ``LOCAL``, every output is made with
``type(self)``, and the backward pass is split into overridable steps (``send``,
``visit_key``, ``topological_order``, ``backward``).  Derived operators follow micrograd
and the usual student code: ``a - b`` is ``a + (-b)``, ``n - a`` is ``(-a) + n``,
``n + a`` is ``a + n``, ``n * a`` is ``a * n``, ``n / a`` is ``Value(n) / a``.

A broken engine whose numbers depend on the order in which the graph is walked
(gradients assigned instead of accumulated, no topological sort...) gives different
numbers for different, equally valid, child orders.  ``variant`` makes a subclass that
keeps the children as a set (``a + a`` has one child) and/or lists the children of
chosen binary nodes reversed, so recognition can try every order on a small graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from judge.program.ops import OPS

Number = int | float


class StepLimit(Exception):
    """A broken backward pass took too many steps (it walks every path of a big graph)."""


class Engine:
    """A scalar autograd value; see the module docstring."""

    # Forward values and local derivatives ((inputs..., output) -> one slope per Value
    # input) of the primitives, from their records; a broken engine overrides entries.
    FORWARD: ClassVar[dict[str, Callable[..., float]]] = {
        op.name: op.forward for op in OPS.values() if op.primitive
    }
    LOCAL: ClassVar[dict[str, Callable[..., tuple[float, ...]]]] = {
        op.name: op.local for op in OPS.values() if op.primitive
    }
    INITIAL_GRAD: ClassVar[float] = 0.0
    MAX_STEPS: ClassVar[int] = 200_000

    # The traversal variant (see ``variant``).
    dedupe: ClassVar[bool] = False
    flips: ClassVar[int] = 0
    binaries: ClassVar[list[int]] = [0]

    def __init__(self, data: Number, children: tuple[Engine, ...] = ()):
        self.data = float(data)
        self.grad = self.INITIAL_GRAD
        self.children = children
        self.step: Callable[[], None] | None = None
        self.flipped = False
        if len(children) == 2:
            counter = type(self).binaries
            self.flipped = bool(self.flips >> counter[0] & 1)
            counter[0] += 1

    # -- building ----------------------------------------------------------------------
    def lift(self, other: Engine | Number) -> Engine:
        return other if isinstance(other, Engine) else type(self)(other)

    def primitive(self, op: str, inputs: tuple[Engine, ...], *numbers: Number) -> Engine:
        """The output of ``op`` on Value ``inputs`` (and number parameters, for pow)."""
        values = [i.data for i in inputs]
        out = type(self)(self.FORWARD[op](*values, *numbers), inputs)

        def step() -> None:
            slopes = self.LOCAL[op](*values, *numbers, out.data)
            for child, slope in zip(inputs, slopes, strict=False):
                out.send(child, slope)

        out.step = step
        return out

    def __add__(self, other: Engine | Number) -> Engine:
        return self.primitive("add", (self, self.lift(other)))

    def __mul__(self, other: Engine | Number) -> Engine:
        return self.primitive("mul", (self, self.lift(other)))

    def __truediv__(self, other: Engine | Number) -> Engine:
        return self.primitive("div", (self, self.lift(other)))

    def __pow__(self, exponent: Number) -> Engine:
        return self.primitive("pow", (self,), exponent)

    def __neg__(self) -> Engine:
        return self.primitive("neg", (self,))

    def relu(self) -> Engine:
        return self.primitive("relu", (self,))

    def tanh(self) -> Engine:
        return self.primitive("tanh", (self,))

    def exp(self) -> Engine:
        return self.primitive("exp", (self,))

    def log(self) -> Engine:
        return self.primitive("log", (self,))

    def sigmoid(self) -> Engine:
        return self.primitive("sigmoid", (self,))

    def __sub__(self, other: Engine | Number) -> Engine:
        return self + (-other)

    def __radd__(self, other: Number) -> Engine:
        return self + other

    def __rsub__(self, other: Number) -> Engine:
        return (-self) + other

    def __rmul__(self, other: Number) -> Engine:
        return self * other

    def __rtruediv__(self, other: Number) -> Engine:
        return type(self)(other) / self

    # -- backward ----------------------------------------------------------------------
    def send(self, child: Engine, slope: float) -> None:
        """Chain rule: add ``slope * self.grad`` to the child's gradient."""
        child.grad += slope * self.grad

    def inputs(self) -> tuple[Engine, ...]:
        """The children in the order this variant walks them."""
        children = self.children[::-1] if self.flipped else self.children
        if self.dedupe:
            children = tuple(dict.fromkeys(children))
        return children

    def visit_key(self) -> Any:
        """What the topological sort's visited set holds for this node."""
        return id(self)

    def topological_order(self) -> list[Engine]:
        """Every node this one depends on, each after its inputs: the post-order of the
        classic recursive ``build_topo``, computed with an explicit stack."""
        order: list[Engine] = []
        visited = {self.visit_key()}
        stack: list[tuple[Engine, Iterator[Engine]]] = [(self, iter(self.inputs()))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child.visit_key() not in visited:
                    visited.add(child.visit_key())
                    stack.append((child, iter(child.inputs())))
                    break
            else:
                stack.pop()
                order.append(node)
        return order

    def run_step(self) -> None:
        if self.step is not None:
            self.step()

    def backward(self) -> None:
        order = self.topological_order()
        self.grad = 1.0
        for node in reversed(order):
            node.run_step()


def variant(engine: type[Engine], dedupe: bool, flips: int) -> type[Engine]:
    """A subclass of ``engine`` that walks children as a set (``dedupe``) and reverses
    the children of the binary nodes whose creation index is a set bit of ``flips``."""
    attributes = {"dedupe": dedupe, "flips": flips, "binaries": [0]}
    return type(engine.__name__, (engine,), attributes)
