"""The mlp problem: a Value, Neuron, Layer and MLP in one file (micrograd's interface)."""

import random


class Value:
    __slots__ = ("data", "grad", "_children", "_backward")

    def __init__(self, data, children=()):
        self.data = float(data)
        self.grad = 0.0
        self._children = list(children)
        self._backward = None

    @staticmethod
    def wrap(x):
        return x if isinstance(x, Value) else Value(x)

    def __add__(self, other):
        other = Value.wrap(other)
        out = Value(self.data + other.data, [self, other])

        def backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    __radd__ = __add__

    def __mul__(self, other):
        other = Value.wrap(other)
        out = Value(self.data * other.data, [self, other])

        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    __rmul__ = __mul__

    def __pow__(self, n):
        out = Value(self.data ** n, [self])

        def backward():
            self.grad += n * self.data ** (n - 1) * out.grad

        out._backward = backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Value.wrap(other))

    def __rsub__(self, other):
        return Value.wrap(other) - self

    def __truediv__(self, other):
        return self * Value.wrap(other) ** -1

    def __rtruediv__(self, other):
        return Value.wrap(other) * self ** -1

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, [self])

        def backward():
            if out.data > 0:
                self.grad += out.grad

        out._backward = backward
        return out

    def backward(self):
        # iterative DFS so deep graphs do not hit the recursion limit
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                for child in node._children:
                    stack.append((child, False))
        self.grad = 1.0
        for node in reversed(order):
            if node._backward is not None:
                node._backward()

    def __repr__(self):
        return f"Value({self.data}, grad={self.grad})"



class Neuron:
    def __init__(self, nin, nonlin=True):
        self.w = tuple(Value(random.uniform(-1, 1)) for _ in range(nin))
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, xs):
        act = sum(w * x for w, x in zip(self.w, xs)) + self.b
        if self.nonlin:
            act = act.relu()
        return act

    def parameters(self):
        return list(self.w) + [self.b]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class Layer:
    def __init__(self, nin, nout, nonlin=True):
        self.neurons = tuple(Neuron(nin, nonlin=nonlin) for _ in range(nout))

    def __call__(self, xs):
        outs = [neuron(xs) for neuron in self.neurons]
        if len(outs) == 1:
            return outs[0]
        return outs

    def parameters(self):
        params = []
        for neuron in self.neurons:
            params.extend(neuron.parameters())
        return params

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class MLP:
    def __init__(self, nin, nouts):
        sizes = [nin] + list(nouts)
        last = len(nouts) - 1
        self.layers = tuple(
            Layer(a, b, nonlin=(i < last)) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))
        )

    def __call__(self, xs):
        for layer in self.layers:
            xs = layer(xs)
        return xs

    def parameters(self):
        params = []
        for layer in self.layers:
            params += layer.parameters()
        return params

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0
