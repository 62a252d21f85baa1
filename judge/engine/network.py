"""The reference neural network: micrograd's ``nn`` interface on the reference ``Value``.

The classes are micrograd's (``micrograd/nn.py``): ``Module`` with ``zero_grad()`` and
``parameters()``; ``Neuron(nin, nonlin=True)`` with ``w`` and ``b``; ``Layer(nin, nout,
**kwargs)`` whose call returns one Value when ``nout == 1``, else a list; ``MLP(nin,
nouts)`` with a ReLU on every layer but the last.  One difference: no weight is drawn at
random.  Every parameter starts at 0 and ``inject`` assigns them in ``parameters()``
order (layer by layer, neuron by neuron, the weights then the bias), the order a
student's network is injected in too, so both compute the same thing exactly.

The forward pass sums as micrograd does (``b + w0*x0 + w1*x1 + ...``, from the bias), so
micrograd itself agrees to the last bit; other orders agree within the rounding scale
that every reference ``Value`` carries.  ``descend`` carries that scale through an
update step, so a training trajectory's tolerance grows with the work done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from judge.engine.reference import Number, Value

# An input is numbers or Values; an output is one Value, or a list for several outputs.
Scalar = Value | Number
Output = Value | list[Value]


class NetworkError(ValueError):
    """A network was given data that does not fit its shape (an input or a parameter
    list of the wrong length, a target that does not match an output).  For a spec,
    the case must be changed to match the network it builds."""


class Module:
    """What every part of a network has: its parameters and a way to zero their grads."""

    def zero_grad(self) -> None:
        """Set every parameter's gradient (and its scale) back to 0."""
        for p in self.parameters():
            p.grad = 0.0
            p.grad_scale = 0.0

    def parameters(self) -> list[Value]:
        """The network's parameters, in the order weights are injected."""
        return []


class Neuron(Module):
    """``relu(b + sum(w_i * x_i))``, or without the ReLU when ``nonlin`` is false."""

    def __init__(self, nin: int, nonlin: bool = True):
        if nin < 1:
            raise NetworkError(f"a neuron needs at least one input, not {nin}")
        self.w = [Value(0.0) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Scalar]) -> Value:
        if len(x) != len(self.w):
            raise NetworkError(f"the input has {len(x)} numbers; the neuron takes {len(self.w)}")
        # Summed from the bias, as micrograd's sum(..., self.b) does.
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; ``nonlin`` is passed on to each."""

    def __init__(self, nin: int, nout: int, nonlin: bool = True):
        if nout < 1:
            raise NetworkError(f"a layer needs at least one neuron, not {nout}")
        self.neurons = [Neuron(nin, nonlin=nonlin) for _ in range(nout)]

    def __call__(self, x: Sequence[Scalar]) -> Output:
        out = [n(x) for n in self.neurons]
        # micrograd's contract: a single output is a Value, not a list of one.
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes ``nouts`` after ``nin`` inputs; every layer but the last has a ReLU."""

    def __init__(self, nin: int, nouts: Sequence[int]):
        if not nouts:
            raise NetworkError("an MLP needs at least one layer")
        if any(size == 1 for size in nouts[:-1]):
            # Its one output is a Value, not a list, and the next layer cannot read it
            # (micrograd fails the same way): a spec must not build one.
            raise NetworkError(f"a hidden layer of one neuron cannot feed the next: {list(nouts)}")
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Scalar]) -> Output:
        out: Sequence[Scalar] | Value = x
        for layer in self.layers:
            out = layer(out)  # type: ignore[arg-type]  # hidden layers give lists (__init__)
        return out  # type: ignore[return-value]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


def inject(module: Module, numbers: Sequence[float]) -> None:
    """Give the parameters these values, in ``parameters()`` order; their grads to 0."""
    params = module.parameters()
    if len(numbers) != len(params):
        raise NetworkError(f"{len(numbers)} numbers given for {len(params)} parameters")
    for p, number in zip(params, numbers, strict=True):
        p.data = float(number)
        p.scale = abs(p.data)
        p.grad = 0.0
        p.grad_scale = 0.0


def _pairs(output: Output, target: float | Sequence[float]) -> list[tuple[Value, float]]:
    """An output with its target, one pair per output neuron."""
    if isinstance(output, Value):
        if not isinstance(target, (int, float)):
            raise NetworkError("one output, but the target is not one number")
        return [(output, float(target))]
    if isinstance(target, (int, float)) or len(target) != len(output):
        raise NetworkError(f"{len(output)} outputs, but the target does not have {len(output)}")
    return [(o, float(t)) for o, t in zip(output, target, strict=True)]


def squared_error(outputs: Sequence[Output], targets: Sequence[float | Sequence[float]]) -> Value:
    """``sum((out - y)**2)`` over every sample and output, summed from 0 as in the demo."""
    if len(outputs) != len(targets):
        raise NetworkError(f"{len(outputs)} outputs for {len(targets)} targets")
    terms = [
        (o - y) ** 2 for out, t in zip(outputs, targets, strict=True) for o, y in _pairs(out, t)
    ]
    return sum(terms, Value(0.0))


def hinge_loss(
    scores: Sequence[Value], labels: Sequence[float], parameters: Sequence[Value], alpha: float
) -> Value:
    """micrograd's demo loss: the mean of ``(1 + -y*score).relu()`` plus
    ``alpha * sum(p*p)``, written in the demo's order so micrograd agrees exactly."""
    if not scores or len(scores) != len(labels):
        raise NetworkError(f"{len(scores)} scores for {len(labels)} labels")
    losses = [(1 + -y * score).relu() for y, score in zip(labels, scores, strict=True)]
    data_loss = sum(losses, Value(0.0)) * (1.0 / len(losses))
    reg_loss = alpha * sum((p * p for p in parameters), Value(0.0))
    return data_loss + reg_loss


def descend(parameters: Sequence[Value], learning_rate: float) -> None:
    """One gradient-descent step, ``p.data -= learning_rate * p.grad``.

    The new value's rounding scale is the old one plus the step's (``lr * grad_scale``),
    so later forward passes compare within a tolerance that grows with the training.
    """
    for p in parameters:
        p.data -= learning_rate * p.grad
        p.scale += abs(learning_rate) * p.grad_scale


LOSSES = ("squared-error", "hinge")


@dataclass(frozen=True)
class Trajectory:
    """A training run: the loss before each step, and every parameter after the last."""

    losses: tuple[float, ...]
    loss_scales: tuple[float, ...]
    parameters: tuple[float, ...]
    parameter_scales: tuple[float, ...]


def train(
    model: Neuron | Layer | MLP,
    inputs: Sequence[Sequence[Scalar]],
    targets: Sequence[float | Sequence[float]],
    learning_rates: Sequence[float],
    loss: str = "squared-error",
    alpha: float = 0.0,
) -> Trajectory:
    """One gradient-descent step per learning rate: forward every input, the loss,
    ``zero_grad``, ``backward``, ``descend`` (micrograd's demo loop).  ``loss`` is one of
    ``LOSSES``; ``alpha`` weighs the hinge loss's regularisation.  A constant rate is
    the same number K times; micrograd's demo decays it (``1.0 - 0.9*k/100``)."""
    if loss not in LOSSES:
        raise NetworkError(f"unknown loss {loss!r}: one of {', '.join(LOSSES)}")
    losses: list[Value] = []
    for rate in learning_rates:
        outputs = [model(x) for x in inputs]
        if loss == "hinge":
            scores = [o for o in outputs if isinstance(o, Value)]
            if len(scores) != len(outputs):
                raise NetworkError("the hinge loss needs one output (a score) per sample")
            total = hinge_loss(scores, [float(t) for t in targets], model.parameters(), alpha)  # type: ignore[arg-type]
        else:
            total = squared_error(outputs, targets)
        model.zero_grad()
        total.backward()
        descend(model.parameters(), rate)
        losses.append(total)
    params = model.parameters()
    return Trajectory(
        losses=tuple(v.data for v in losses),
        loss_scales=tuple(v.scale for v in losses),
        parameters=tuple(p.data for p in params),
        parameter_scales=tuple(p.scale for p in params),
    )
