import random

from engine import Value


class Module:
    def parameters(self):
        return []

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    def __init__(self, nin, nonlin=True):
        self.w = []
        for i in range(nin):
            self.w.append(Value(random.uniform(-1.0, 1.0)))
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = Value(0)
        for i in range(len(self.w)):
            act = act + self.w[i] * x[i]
        act = act + self.b
        if self.nonlin:
            return act.relu()
        return act

    def parameters(self):
        params = []
        for w in self.w:
            params.append(w)
        params.append(self.b)
        return params


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = []
        for _ in range(nout):
            self.neurons.append(Neuron(nin, **kwargs))

    def __call__(self, x):
        outs = []
        for neuron in self.neurons:
            outs.append(neuron(x))
        if len(outs) == 1:
            return outs[0]
        return outs

    def parameters(self):
        params = []
        for neuron in self.neurons:
            for p in neuron.parameters():
                params.append(p)
        return params


class MLP(Module):
    def __init__(self, nin, nouts):
        self.layers = []
        size = nin
        for i, nout in enumerate(nouts):
            is_last = i == len(nouts) - 1
            self.layers.append(Layer(size, nout, nonlin=not is_last))
            size = nout

    def __call__(self, x):
        out = x
        for layer in self.layers:
            out = layer(out)
        return out

    def parameters(self):
        params = []
        for layer in self.layers:
            params = params + layer.parameters()
        return params
