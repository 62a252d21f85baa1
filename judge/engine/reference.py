"""The reference scalar autograd engine.

Like micrograd, each operation computes its output and defines its backward closure
beside it.  Two differences: ``backward`` sorts the graph iteratively (no recursion
limit), and every value and gradient carries a *scale*: the sum of the magnitudes of
the terms that produced it.  A float computation of the same graph, in any summation
order, differs from ``data`` by at most a small multiple of ``eps * scale``; the
comparison uses it so that cancellation (``1e8 + 1 - 1e8``) is not mistaken for a bug.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

Number = int | float


def _noop() -> None:
    return None


class Value:
    """A float64 scalar with its gradient and the scales of both."""

    __slots__ = ("_backward", "_children", "data", "grad", "grad_scale", "op", "scale")

    def __init__(
        self,
        data: Number,
        children: Iterable[Value] = (),
        op: str = "",
        scale: float | None = None,
    ):
        self.data = float(data)
        self.grad = 0.0
        self.scale = abs(self.data) if scale is None else scale
        self.grad_scale = 0.0
        self._children = tuple(children)
        self._backward: Callable[[], None] = _noop
        self.op = op

    def _send(self, child: Value, local: float) -> None:
        """Chain rule: pass ``local * self.grad`` down to ``child``."""
        child.grad += local * self.grad
        child.grad_scale += abs(local) * self.grad_scale

    def __add__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "add", self.scale + other.scale)

        def backward() -> None:
            out._send(self, 1.0)
            out._send(other, 1.0)

        out._backward = backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "mul", self.scale * other.scale)

        def backward() -> None:
            out._send(self, other.data)
            out._send(other, self.data)

        out._backward = backward
        return out

    def __truediv__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        quotient = self.data / other.data
        # A rounding error in either operand moves the quotient: a/b and (a/b)(db/b).
        scale = (self.scale + abs(quotient) * other.scale) / abs(other.data)
        out = Value(quotient, (self, other), "div", scale)

        def backward() -> None:
            out._send(self, 1.0 / other.data)
            out._send(other, -quotient / other.data)

        out._backward = backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        if not isinstance(exponent, (int, float)):
            return NotImplemented
        result = self.data**exponent
        scale = abs(exponent) * self.scale * abs(self.data) ** (exponent - 1) if self.data else 0.0
        out = Value(result, (self,), "pow", max(abs(result), scale))

        def backward() -> None:
            out._send(self, exponent * self.data ** (exponent - 1))

        out._backward = backward
        return out

    def __neg__(self) -> Value:
        out = Value(-self.data, (self,), "neg", self.scale)
        out._backward = lambda: out._send(self, -1.0)
        return out

    def _unary(self, op: str, result: float, derivative: float) -> Value:
        """An elementwise function with the given local derivative."""
        out = Value(result, (self,), op, abs(result) + abs(derivative) * self.scale)
        out._backward = lambda: out._send(self, derivative)
        return out

    def relu(self) -> Value:
        # The gradient at exactly 0 is 0, as in PyTorch and micrograd.
        return self._unary("relu", max(self.data, 0.0), 1.0 if self.data > 0 else 0.0)

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return self._unary("tanh", t, 1.0 - t * t)

    def exp(self) -> Value:
        e = math.exp(self.data)
        return self._unary("exp", e, e)

    def log(self) -> Value:
        return self._unary("log", math.log(self.data), 1.0 / self.data)

    def sigmoid(self) -> Value:
        # Written so that neither branch overflows for large |x|.
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            z = math.exp(self.data)
            s = z / (1.0 + z)
        return self._unary("sigmoid", s, s * (1.0 - s))

    # Derived operators, on top of the primitives above.
    def __sub__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        return self + (-other)

    def __radd__(self, other: Number) -> Value:
        return Value(other) + self

    def __rsub__(self, other: Number) -> Value:
        return Value(other) + (-self)

    def __rmul__(self, other: Number) -> Value:
        return Value(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return Value(other) / self

    def topological_order(self) -> list[Value]:
        """Every node this one depends on, each after all of its inputs (iterative DFS)."""
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._children if id(child) not in visited)
        return order

    def backward(self) -> None:
        """Fill ``grad`` (and ``grad_scale``) of every node this one depends on."""
        self.grad = 1.0
        self.grad_scale = 1.0
        for node in reversed(self.topological_order()):
            node._backward()

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"
