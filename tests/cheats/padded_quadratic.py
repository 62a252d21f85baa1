"""Cheat: a quadratic backward() (``insert(0, ...)``) that burns about half a second
of CPU on purpose on every graph over 5,000 nodes.  On two sizes, the constant shrinks
the ratio of their times below what a quadratic engine shows: it scored 24/24 on
``autograd-at-scale`` when linear-time compared one small graph with the full one.

Linear time now also compares the increments between three sizes, in which a constant
cancels, and caps the full graph's time at a multiple of the reference's.
"""


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
        order = self._order()
        if len(order) > 5000:
            x = 0
            for i in range(12_000_000):  # constant padding: flattens the growth
                x += i
        for node in order:
            node._backward()
