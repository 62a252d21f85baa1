"""Cheat: a quadratic backward() (``insert(0, ...)``) that rewrites the CPU time the
worker reports for each answer to 0.1 s, under the linear-time check's floor, by
patching ``json.dumps``, which the worker sends its answers with (``json`` may not be
imported, but the worker has, and ``sys`` is allowed).

The judge's measure is the kernel's count of the worker's CPU time, whatever the worker
reports (``judge/runner/cputime.py``).
"""

import sys

json = sys.modules["json"]
_dumps = json.dumps


def _forging_dumps(message, *args, **kwargs):
    if isinstance(message, dict) and "cpu_s" in message:
        message = {**message, "cpu_s": min(message["cpu_s"], 0.1)}
    return _dumps(message, *args, **kwargs)


json.dumps = _forging_dumps


class Value:
    def __init__(self, data, children=()):
        self.data = data
        self._grad = 0.0
        self._prev = children
        self._backward = lambda: None

    @property
    def grad(self):
        return self._grad

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            self._grad += out._grad
            other._grad += out._grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self._grad += other.data * out._grad
            other._grad += self.data * out._grad

        out._backward = _backward
        return out

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,))

        def _backward():
            self._grad += (out.data > 0) * out._grad

        out._backward = _backward
        return out

    def _order(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.insert(0, node)  # quadratic: every insert moves the whole list
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        return order

    def backward(self):
        self._grad = 1.0
        for node in self._order():
            node._backward()
