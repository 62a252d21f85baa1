"""A student's engine: integers kept as given, iterative sort with a stack of iterators.

Bug: mul's backward swaps the operands.
"""

import math


def _wrap(x):
    return x if isinstance(x, Value) else Value(x)


class Value:
    def __init__(self, data, children=(), op=""):
        self.data = data
        self.grad = 0
        self._prev = list(children)
        self._op = op
        self._backward = lambda: None

    def __repr__(self):
        return f"Value({self.data!r}, grad={self.grad!r})"

    def _make(self, data, children, op, backward):
        out = Value(data, children, op)
        out._backward = lambda: backward(out.grad)
        return out

    def __add__(self, other):
        other = _wrap(other)

        def backward(g):
            self.grad += g
            other.grad += g

        return self._make(self.data + other.data, [self, other], "+", backward)

    def __radd__(self, other):
        return _wrap(other) + self

    def __sub__(self, other):
        other = _wrap(other)

        def backward(g):
            self.grad += g
            other.grad -= g

        return self._make(self.data - other.data, [self, other], "-", backward)

    def __rsub__(self, other):
        return _wrap(other) - self

    def __mul__(self, other):
        other = _wrap(other)

        def backward(g):
            self.grad += self.data * g
            other.grad += other.data * g

        return self._make(self.data * other.data, [self, other], "*", backward)

    def __rmul__(self, other):
        return _wrap(other) * self

    def __truediv__(self, other):
        other = _wrap(other)

        def backward(g):
            self.grad += g / other.data
            other.grad -= g * self.data / (other.data * other.data)

        return self._make(self.data / other.data, [self, other], "/", backward)

    def __rtruediv__(self, other):
        return _wrap(other) / self

    def __pow__(self, n):
        def backward(g):
            self.grad += n * self.data ** (n - 1) * g

        return self._make(self.data**n, [self], "**", backward)

    def __neg__(self):
        def backward(g):
            self.grad -= g

        return self._make(-self.data, [self], "neg", backward)

    def relu(self):
        positive = self.data > 0

        def backward(g):
            if positive:
                self.grad += g

        return self._make(self.data if positive else 0, [self], "relu", backward)

    def tanh(self):
        x = self.data
        e = math.exp(-2 * abs(x))  # in (0, 1]: never overflows
        t = (1 - e) / (1 + e)
        if x < 0:
            t = -t

        def backward(g):
            self.grad += (1 - t * t) * g

        return self._make(t, [self], "tanh", backward)

    def exp(self):
        e = math.exp(self.data)

        def backward(g):
            self.grad += e * g

        return self._make(e, [self], "exp", backward)

    def log(self):
        def backward(g):
            self.grad += g / self.data

        return self._make(math.log(self.data), [self], "log", backward)

    def sigmoid(self):
        x = self.data
        e = math.exp(-abs(x))
        s = 1 / (1 + e) if x >= 0 else e / (1 + e)

        def backward(g):
            self.grad += s * (1 - s) * g

        return self._make(s, [self], "sigmoid", backward)

    def backward(self):
        order = []
        seen = {id(self)}
        stack = [(self, iter(self._prev))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child._prev)))
                    break
            else:
                stack.pop()
                order.append(node)
        self.grad = 1
        for node in reversed(order):
            node._backward()
