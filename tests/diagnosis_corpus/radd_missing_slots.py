"""A student's engine: __slots__, children in a list, recursive sort keyed by id().

Bug: no __radd__: 2 + a fails.
"""

import math


class Value:
    __slots__ = ("data", "grad", "_prev", "_backward")

    def __init__(self, data, prev=()):
        self.data = float(data)
        self.grad = 0.0
        self._prev = list(prev)
        self._backward = None

    def __repr__(self):
        return f"Value({self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, [self, other])

        def backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, [self, other])

        def backward():
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = backward
        return out

    def __rsub__(self, other):
        return Value(other) - self

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, [self, other])

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def __rmul__(self, other):
        return Value(other) * self

    def __truediv__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data / other.data, [self, other])

        def backward():
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data**2

        out._backward = backward
        return out

    def __rtruediv__(self, other):
        return Value(other) / self

    def __pow__(self, power):
        out = Value(self.data**power, [self])

        def backward():
            self.grad += power * self.data ** (power - 1) * out.grad

        out._backward = backward
        return out

    def __neg__(self):
        out = Value(-self.data, [self])

        def backward():
            self.grad -= out.grad

        out._backward = backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, [self])

        def backward():
            if self.data > 0:
                self.grad += out.grad

        out._backward = backward
        return out

    def tanh(self):
        out = Value(math.tanh(self.data), [self])

        def backward():
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), [self])

        def backward():
            self.grad += out.data * out.grad

        out._backward = backward
        return out

    def log(self):
        out = Value(math.log(self.data), [self])

        def backward():
            self.grad += out.grad / self.data

        out._backward = backward
        return out

    def sigmoid(self):
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        out = Value(s, [self])

        def backward():
            self.grad += out.data * (1.0 - out.data) * out.grad

        out._backward = backward
        return out

    def backward(self):
        order = []
        done = set()

        def visit(node):
            if id(node) in done:
                return
            done.add(id(node))
            for child in node._prev:
                visit(child)
            order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            if node._backward is not None:
                node._backward()
