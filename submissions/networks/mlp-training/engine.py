"""engine.py: the scalar autograd Value."""

import math


class Value:
    def __init__(self, data, parents=(), op=""):
        self.data = data
        self.grad = 0.0
        self.parents = parents
        self.op = op
        self.grad_fn = lambda: None

    def __repr__(self):
        return "Value(%r)" % (self.data,)

    def __add__(self, other):
        if not isinstance(other, Value):
            other = Value(other)
        result = Value(self.data + other.data, (self, other), "+")

        def grad_fn():
            self.grad += result.grad
            other.grad += result.grad

        result.grad_fn = grad_fn
        return result

    def __mul__(self, other):
        if not isinstance(other, Value):
            other = Value(other)
        result = Value(self.data * other.data, (self, other), "*")

        def grad_fn():
            self.grad += other.data * result.grad
            other.grad += self.data * result.grad

        result.grad_fn = grad_fn
        return result

    def __pow__(self, k):
        result = Value(self.data ** k, (self,), "**")

        def grad_fn():
            self.grad += k * (self.data ** (k - 1)) * result.grad

        result.grad_fn = grad_fn
        return result

    def relu(self):
        result = Value(max(0.0, self.data), (self,), "relu")

        def grad_fn():
            self.grad += (1.0 if self.data > 0 else 0.0) * result.grad

        result.grad_fn = grad_fn
        return result

    def tanh(self):
        t = math.tanh(self.data)
        result = Value(t, (self,), "tanh")

        def grad_fn():
            self.grad += (1 - t * t) * result.grad

        result.grad_fn = grad_fn
        return result

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        return self * (other ** -1)

    def backward(self):
        ordered = []
        visited = set()

        def visit(node):
            if id(node) in visited:
                return
            visited.add(id(node))
            for parent in node.parents:
                visit(parent)
            ordered.append(node)

        visit(self)
        self.grad = 1.0
        for node in ordered[::-1]:
            node.grad_fn()
