"""A student's engine: no closures: local derivatives stored in the forward pass, grads summed in a dict.

Bug: exp returns a float, not a Value.
"""

import math


class Value:
    def __init__(self, data, inputs=(), local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self.inputs = tuple(inputs)
        self.local_grads = tuple(local_grads)

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


def _v(x):
    return x if isinstance(x, Value) else Value(x)


def _add(a, b):
    return Value(a.data + b.data, (a, b), (1.0, 1.0))


def _mul(a, b):
    return Value(a.data * b.data, (a, b), (b.data, a.data))


def _div(a, b):
    q = a.data / b.data
    return Value(q, (a, b), (1.0 / b.data, -q / b.data))


Value.__add__ = lambda self, other: _add(self, _v(other))
Value.__radd__ = lambda self, other: _add(_v(other), self)
Value.__sub__ = lambda self, other: _add(self, -_v(other))
Value.__rsub__ = lambda self, other: _add(_v(other), -self)
Value.__mul__ = lambda self, other: _mul(self, _v(other))
Value.__rmul__ = lambda self, other: _mul(_v(other), self)
Value.__truediv__ = lambda self, other: _div(self, _v(other))
Value.__rtruediv__ = lambda self, other: _div(_v(other), self)
Value.__neg__ = lambda self: Value(-self.data, (self,), (-1.0,))


def _pow(self, n):
    return Value(self.data**n, (self,), (n * self.data ** (n - 1),))


def _relu(self):
    return Value(max(self.data, 0.0), (self,), (1.0 if self.data > 0 else 0.0,))


def _tanh(self):
    t = math.tanh(self.data)
    return Value(t, (self,), (1.0 - t * t,))


def _exp(self):
    return math.exp(self.data)
    e = math.exp(self.data)
    return Value(e, (self,), (e,))


def _log(self):
    return Value(math.log(self.data), (self,), (1.0 / self.data,))


def _sigmoid(self):
    z = math.exp(-abs(self.data))
    s = 1.0 / (1.0 + z) if self.data >= 0 else z / (1.0 + z)
    return Value(s, (self,), (s * (1.0 - s),))


def _backward(self):
    order = []
    seen = set()
    stack = [(self, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node.inputs)
    grads = {id(self): 1.0}
    for node in reversed(order):
        g = grads.get(id(node), 0.0)
        for child, local in zip(node.inputs, node.local_grads):
            grads[id(child)] = grads.get(id(child), 0.0) + local * g
    for node in order:
        node.grad += grads.get(id(node), 0.0)


Value.__pow__ = _pow
Value.relu = _relu
Value.tanh = _tanh
Value.exp = _exp
Value.log = _log
Value.sigmoid = _sigmoid
Value.backward = _backward
