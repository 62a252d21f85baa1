"""Cheat: backward() returns at once; the work is done on the first read of ``.grad``,
with a quadratic topological sort (``insert(0, ...)``).

Timing ``backward()`` alone, the judge once saw it as the fastest engine of all and gave
it full marks on autograd-at-scale; the same engine doing the same work eagerly failed
the linear-time check.  Timing the whole answer, reading included, catches it.
"""


class Value:
    def __init__(self, data, children=()):
        self.data = data
        self._grad = 0.0
        self._prev = children
        self._backward = lambda: None
        self._pending = None  # the output whose backward pass is still owed

    @property
    def grad(self):
        if self._pending is not None:
            self._pending._settle()
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value

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
        seen, stack = {self}, [self]
        while stack:  # linear: only mark who is owed a pass
            node = stack.pop()
            node._pending = self
            for child in node._prev:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        self._grad = 1.0

    def _settle(self):
        order = self._order()
        for node in order:
            node._pending = None
        for node in order:
            node._backward()
