"""Correct for basic-autograd only (add, mul, relu): floats, children in a tuple,
iterative depth-first topological sort.
"""


class Value:
    def __init__(self, data, children=()):
        self.data = float(data)
        self.grad = 0.0
        self.children = tuple(children)
        self.backward_fn = None

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def backward_fn():
            self.grad += out.grad
            other.grad += out.grad

        out.backward_fn = backward_fn
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def backward_fn():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out.backward_fn = backward_fn
        return out

    def relu(self):
        out = Value(max(0.0, self.data), (self,))

        def backward_fn():
            if self.data > 0:
                self.grad += out.grad

        out.backward_fn = backward_fn
        return out

    def backward(self):
        order = []
        visited = set()
        stack = [(self, False)]
        while stack:
            node, ready = stack.pop()
            if ready:
                order.append(node)
            elif node not in visited:
                visited.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node.children)
        self.grad = 1.0
        for node in reversed(order):
            if node.backward_fn is not None:
                node.backward_fn()
