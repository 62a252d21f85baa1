"""A student's engine: no closures: one dispatch on the op's name in _chain.

Bug: no __rmul__: 2 * a fails.
"""

import math


class Value:
    def __init__(self, data, args=(), op="leaf", param=None):
        self.data = data
        self.grad = 0.0
        self.args = tuple(args)
        self.op = op
        self.param = param  # the exponent, for "pow"

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # ----- forward ------------------------------------------------------------------

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), "add")

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data - other.data, (self, other), "sub")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), "mul")

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data / other.data, (self, other), "div")

    def __radd__(self, other):
        return Value(other) + self

    def __rsub__(self, other):
        return Value(other) - self

    def __rtruediv__(self, other):
        return Value(other) / self

    def __pow__(self, n):
        return Value(self.data**n, (self,), "pow", n)

    def __neg__(self):
        return Value(-self.data, (self,), "neg")

    def relu(self):
        return Value(self.data if self.data > 0 else 0, (self,), "relu")

    def tanh(self):
        return Value(math.tanh(self.data), (self,), "tanh")

    def exp(self):
        return Value(math.exp(self.data), (self,), "exp")

    def log(self):
        return Value(math.log(self.data), (self,), "log")

    def sigmoid(self):
        if self.data >= 0:
            return Value(1 / (1 + math.exp(-self.data)), (self,), "sigmoid")
        z = math.exp(self.data)
        return Value(z / (1 + z), (self,), "sigmoid")

    # ----- backward -----------------------------------------------------------------

    def _chain(self):
        """Add this node's gradient, times each local derivative, to its inputs."""
        g, op, y = self.grad, self.op, self.data
        if op == "leaf":
            return
        if op in ("add", "sub", "mul", "div"):
            a, b = self.args
            if op == "add":
                a.grad += g
                b.grad += g
            elif op == "sub":
                a.grad += g
                b.grad -= g
            elif op == "mul":
                a.grad += b.data * g
                b.grad += a.data * g
            else:
                a.grad += g / b.data
                b.grad -= g * a.data / b.data**2
            return
        (x,) = self.args
        if op == "pow":
            local = self.param * x.data ** (self.param - 1)
        elif op == "neg":
            local = -1
        elif op == "relu":
            local = 1 if x.data > 0 else 0
        elif op == "tanh":
            local = 1 - y * y
        elif op == "exp":
            local = y
        elif op == "log":
            local = 1 / x.data
        elif op == "sigmoid":
            local = y * (1 - y)
        else:
            raise ValueError(f"unknown op {op}")
        x.grad += local * g

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for arg in node.args:
                stack.append((arg, False))
        self.grad = 1.0
        for node in reversed(order):
            node._chain()
