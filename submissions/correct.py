"""A scalar autograd engine in the style of micrograd: the reference solution.

Every ``Value`` remembers the values it was computed from (``_prev``) and a small
function (``_backward``) that applies the chain rule for the operation that made it:
it takes this node's gradient and adds each input's share to that input's ``grad``.

``backward()`` then only has to call those functions in the right order: a node may
pass its gradient on only once every node that uses it has passed theirs to it, so
we visit the graph in reverse topological order.

Solves ``autograd-activations`` and therefore also ``micrograd-ops`` and
``basic-autograd``.
"""

import math


class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # ----- arithmetic -------------------------------------------------------------

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            # d(a + b)/da = 1, d(a + b)/db = 1.  Always +=: a node used twice
            # (a + a) receives both contributions.
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            # d(a * b)/da = b, d(a * b)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent):
        assert isinstance(exponent, (int, float)), "only number exponents are supported"
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward():
            # d(a ** n)/da = n * a ** (n - 1)
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):  # -a
        return self * -1

    def __sub__(self, other):  # a - b
        return self + (-other)

    def __truediv__(self, other):  # a / b
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            # d(a / b)/da = 1 / b, d(a / b)/db = -a / b**2
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data**2 * out.grad

        out._backward = _backward
        return out

    # A number on the left (2 + a, 2 - a, 2 * a, 2 / a): Python calls these on `a`.
    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return (-self) + other

    def __rmul__(self, other):
        return self * other

    def __rtruediv__(self, other):
        return Value(other) / self

    # ----- activations and elementwise functions ---------------------------------

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward():
            # The slope is 1 where the input is positive and 0 elsewhere,
            # including at exactly 0.
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        # math.tanh is exact and never overflows; (exp(2x) - 1) / (exp(2x) + 1)
        # overflows for x > 354.
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward():
            # d(e^x)/dx = e^x: the output itself.
            self.grad += e * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def sigmoid(self):
        # Evaluate exp only of a non-positive number, so it can never overflow.
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            z = math.exp(self.data)
            s = z / (1.0 + z)
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    # ----- backpropagation ------------------------------------------------------------

    def backward(self):
        # Topological order: every node after all the nodes it was computed from.
        # Iterative depth-first search, so deep graphs do not hit the recursion limit.
        topo = []
        visited = set()
        stack = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                topo.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                for child in node._prev:
                    if child not in visited:
                        stack.append((child, False))

        # Seed d(self)/d(self) = 1 and apply the chain rule from the output back.
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()
