"""A student's engine: Kahn's algorithm (use counts per node), closures stored as backward_step.

Bug: __add__'s backward assigns (=).
"""

import math
from collections import deque


class Value:
    def __init__(self, data, children=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self.children = tuple(children)
        self.op = op
        self.backward_step = None

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    @staticmethod
    def lift(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value.lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def step():
            self.grad = out.grad
            other.grad = out.grad

        out.backward_step = step
        return out

    def __sub__(self, other):
        other = Value.lift(other)
        out = Value(self.data - other.data, (self, other), "-")

        def step():
            self.grad += out.grad
            other.grad += -out.grad

        out.backward_step = step
        return out

    def __mul__(self, other):
        other = Value.lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def step():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out.backward_step = step
        return out

    def __truediv__(self, other):
        other = Value.lift(other)
        out = Value(self.data / other.data, (self, other), "/")

        def step():
            self.grad += out.grad / other.data
            other.grad += -out.data / other.data * out.grad

        out.backward_step = step
        return out

    def __radd__(self, other):
        return Value.lift(other) + self

    def __rsub__(self, other):
        return Value.lift(other) - self

    def __rmul__(self, other):
        return Value.lift(other) * self

    def __rtruediv__(self, other):
        return Value.lift(other) / self

    def __pow__(self, n):
        out = Value(self.data**n, (self,), "pow")

        def step():
            self.grad += n * self.data ** (n - 1) * out.grad

        out.backward_step = step
        return out

    def __neg__(self):
        out = Value(-self.data, (self,), "neg")

        def step():
            self.grad -= out.grad

        out.backward_step = step
        return out

    def _unary(self, value, slope, op):
        out = Value(value, (self,), op)

        def step():
            self.grad += slope * out.grad

        out.backward_step = step
        return out

    def relu(self):
        return self._unary(max(self.data, 0.0), 1.0 if self.data > 0 else 0.0, "relu")

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    def exp(self):
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self):
        return self._unary(math.log(self.data), 1.0 / self.data, "log")

    def sigmoid(self):
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            z = math.exp(x)
            s = z / (1.0 + z)
        return self._unary(s, s * (1.0 - s), "sigmoid")

    def backward(self):
        # Pass 1: how many uses (edges from a parent) each node has in the graph.
        uses = {}
        found = {id(self)}
        stack = [self]
        while stack:
            node = stack.pop()
            for child in node.children:
                uses[id(child)] = uses.get(id(child), 0) + 1
                if id(child) not in found:
                    found.add(id(child))
                    stack.append(child)
        # Pass 2: release a node once all of its users have pushed their gradient.
        self.grad = 1.0
        ready = deque([self])
        while ready:
            node = ready.popleft()
            if node.backward_step is not None:
                node.backward_step()
            for child in node.children:
                uses[id(child)] -= 1
                if uses[id(child)] == 0:
                    ready.append(child)
