"""nn.py -- Neuron / Layer / MLP for the autograd assignment"""
import random
from functools import reduce

from engine import *


class Module:
    def zero_grad(self):
        for param in self.parameters():
            param.grad = 0.0

    def parameters(self):
        return []


class Neuron(Module):
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(random.uniform(-1, 1))
        self.nonlin = nonlin

    def __call__(self, x):
        # fold the products onto the bias
        act = reduce(lambda acc, pair: acc + pair[0] * pair[1], zip(self.w, x), self.b)
        if not self.nonlin:
            return act
        return act.relu()

    def parameters(self):
        return self.w + [self.b]


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        outs = [neuron(x) for neuron in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return sum((neuron.parameters() for neuron in self.neurons), [])


class MLP(Module):
    def __init__(self, nin, nouts):
        dims = [nin] + nouts
        self.layers = []
        for i in range(len(nouts)):
            self.layers.append(Layer(dims[i], dims[i + 1], nonlin=i != len(nouts) - 1))

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return sum((layer.parameters() for layer in self.layers), [])
