"""The classic network mistakes, each as the reference network with that one flaw.

A student's network that fails a case is compared with these: when the reference
network with one flaw reproduces what the student's network gave on that case (the
same readings within rounding, or the same broken contract or exception), the flaw is
named with its fix (``judge.grading.network_diagnosis``).  Recognising by running the
flaw, rather than by reading the student's code, works for every style of writing it
and can never name a mistake that does not explain the numbers.

``MISTAKES`` is the one table of the mistakes: id, where it is, the fix.  ``FLAWS``
lists the ways each is written (an id may have several: the bias first, or a layer's
weights then its biases, are both parameters in another order), in the order they are
tried.  ``flawed_classes(flaw)`` builds micrograd's classes with that flaw on the
reference ``Value``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from judge.engine.reference import Value


@dataclass(frozen=True)
class NetworkMistake:
    """A classic mistake: its ``id`` (the report's ``diagnosis.mistake``), the method it
    is in (``where``), and the ``fix`` a student reads."""

    id: str
    where: str
    fix: str


MISTAKES: dict[str, NetworkMistake] = {
    m.id: m
    for m in (
        NetworkMistake(
            "bias-not-in-parameters",
            "Neuron.parameters",
            "parameters() leaves out the bias, so it cannot be set and training never "
            "moves it: return self.w + [self.b]",
        ),
        NetworkMistake(
            "parameters-out-of-order",
            "parameters",
            "parameters() lists them in another order than micrograd's, so the injected "
            "weights land in the wrong places: in each neuron the weights then the bias, "
            "neuron by neuron, layer by layer (Neuron: self.w + [self.b]; Layer: "
            "[p for n in self.neurons for p in n.parameters()])",
        ),
        NetworkMistake(
            "nonlinearity-on-last-layer",
            "MLP.__init__",
            "the last layer has a ReLU too, so the network's output is never negative: a "
            "ReLU on every layer but the last (nonlin=i != len(nouts) - 1)",
        ),
        NetworkMistake(
            "no-nonlinearity",
            "Neuron.__call__",
            "no neuron applies its ReLU, so the whole network is linear: end the call "
            "with return act.relu() if self.nonlin else act",
        ),
        NetworkMistake(
            "zero-grad-missing",
            "Module.zero_grad",
            "zero_grad() is not defined, so gradients pile up from one step to the next: "
            "def zero_grad(self): for p in self.parameters(): p.grad = 0 (in a Module "
            "base class that Neuron, Layer and MLP inherit)",
        ),
        NetworkMistake(
            "zero-grad-weights-only",
            "Module.zero_grad",
            "zero_grad() resets the weights' gradients but not the biases', which pile up "
            "from one step to the next: for p in self.parameters(): p.grad = 0",
        ),
        NetworkMistake(
            "zero-grad-sets-none",
            "Module.zero_grad",
            "zero_grad() sets grad to None, and the next backward() cannot add to it: "
            "set p.grad = 0",
        ),
        NetworkMistake(
            "layer-list-for-one-output",
            "Layer.__call__",
            "a Layer of one neuron returns a list of one Value; micrograd's returns the "
            "Value itself: return out[0] if len(out) == 1 else out",
        ),
        NetworkMistake(
            "bias-ignored-in-forward",
            "Neuron.__call__",
            "the neuron's output leaves out its bias: add self.b to the weighted sum "
            "(sum((wi * xi for wi, xi in zip(self.w, x)), self.b))",
        ),
        NetworkMistake(
            "weights-shared",
            "Layer.__init__",
            "the layer holds one neuron several times ([Neuron(nin)] * nout repeats one "
            "object), so its neurons share their weights: a new Neuron for each output "
            "([Neuron(nin, **kwargs) for _ in range(nout)])",
        ),
        NetworkMistake(
            "weights-plain-numbers",
            "Neuron.__init__",
            "the weights are plain numbers, not Values, so no gradient reaches them and "
            "they cannot be set: make each one a Value (Value(random.uniform(-1, 1)))",
        ),
        NetworkMistake(
            "parameters-not-flattened",
            "parameters",
            "parameters() returns lists inside a list; it must be one flat list of "
            "Values: [p for n in self.neurons for p in n.parameters()] in Layer, the "
            "same over the layers in MLP",
        ),
        NetworkMistake(
            "inputs-mutated",
            "Neuron.__call__",
            "the call changes the list it is given (it writes into the caller's inputs): "
            "leave it as it is and build a new list for what you compute",
        ),
    )
}

# flaw -> mistake id, in the order they are tried (the first that explains a case wins).
FLAWS: dict[str, str] = {
    "bias-not-in-parameters": "bias-not-in-parameters",
    "bias-first": "parameters-out-of-order",
    "layer-weights-then-biases": "parameters-out-of-order",
    "nonlinearity-on-last-layer": "nonlinearity-on-last-layer",
    "no-nonlinearity": "no-nonlinearity",
    "zero-grad-missing": "zero-grad-missing",
    "zero-grad-weights-only": "zero-grad-weights-only",
    "zero-grad-sets-none": "zero-grad-sets-none",
    "layer-list-for-one-output": "layer-list-for-one-output",
    "bias-ignored-in-forward": "bias-ignored-in-forward",
    "weights-shared": "weights-shared",
    "weights-plain-numbers": "weights-plain-numbers",
    "layer-parameters-nested": "parameters-not-flattened",
    "mlp-parameters-nested": "parameters-not-flattened",
    "inputs-mutated": "inputs-mutated",
}

if set(FLAWS.values()) != set(MISTAKES):  # the two tables cannot drift apart
    raise ImportError("network_mistakes: every mistake needs a flaw and every flaw a mistake")


def flawed_classes(flaw: str) -> dict[str, Any]:
    """micrograd's ``Value``, ``Neuron``, ``Layer`` and ``MLP`` on the reference ``Value``,
    written with ``flaw`` (a key of ``FLAWS``) and otherwise as the reference network
    (``judge.engine.network``): every parameter starts at 0 and is injected."""
    if flaw not in FLAWS:
        raise KeyError(flaw)

    class Module:
        def zero_grad(self) -> None:
            for n in self.neurons_of():
                for p in n.w if flaw == "zero-grad-weights-only" else n.parameters_flat():
                    p.grad = None if flaw == "zero-grad-sets-none" else 0.0
                    p.grad_scale = 0.0

        def neurons_of(self) -> list[Neuron]:
            return []

        def parameters(self) -> list[Any]:
            return []

    if flaw == "zero-grad-missing":
        del Module.zero_grad  # a class with no zero_grad at all, as the student's

    class Neuron(Module):
        def __init__(self, nin: int, nonlin: bool = True) -> None:
            plain = flaw == "weights-plain-numbers"
            self.w: list[Any] = [0.0 if plain else Value(0.0) for _ in range(nin)]
            self.b = Value(0.0)
            self.nonlin = nonlin

        def __call__(self, x: list[Any]) -> Value:
            if flaw == "inputs-mutated":
                for i, xi in enumerate(x):
                    if not isinstance(xi, Value):
                        x[i] = Value(xi)
            start: Any = 0 if flaw == "bias-ignored-in-forward" else self.b
            act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), start)
            relu = self.nonlin and flaw != "no-nonlinearity"
            return act.relu() if relu else act

        def neurons_of(self) -> list[Neuron]:
            return [self]

        def parameters_flat(self) -> list[Any]:
            return [*self.w, self.b]

        def parameters(self) -> list[Any]:
            if flaw == "bias-not-in-parameters":
                return list(self.w)
            if flaw == "bias-first":
                return [self.b, *self.w]
            return self.parameters_flat()

    class Layer(Module):
        def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
            if flaw == "weights-shared":
                self.neurons = [Neuron(nin, **kwargs)] * nout
            else:
                self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

        def __call__(self, x: list[Any]) -> Any:
            out = [n(x) for n in self.neurons]
            one = len(out) == 1 and flaw != "layer-list-for-one-output"
            return out[0] if one else out

        def neurons_of(self) -> list[Neuron]:
            return self.neurons

        def parameters(self) -> list[Any]:
            if flaw == "layer-weights-then-biases":
                return [w for n in self.neurons for w in n.w] + [n.b for n in self.neurons]
            if flaw == "layer-parameters-nested":
                return [n.parameters() for n in self.neurons]
            return [p for n in self.neurons for p in n.parameters()]

    class MLP(Module):
        def __init__(self, nin: int, nouts: Sequence[int]) -> None:
            sizes = [nin, *nouts]
            last = len(nouts) - 1
            self.layers = [
                Layer(
                    sizes[i], sizes[i + 1], nonlin=flaw == "nonlinearity-on-last-layer" or i != last
                )
                for i in range(len(nouts))
            ]

        def __call__(self, x: list[Any]) -> Any:
            out: Any = x
            for layer in self.layers:
                out = layer(out)
            return out

        def neurons_of(self) -> list[Neuron]:
            return [n for layer in self.layers for n in layer.neurons]

        def parameters(self) -> list[Any]:
            if flaw == "mlp-parameters-nested":
                return [layer.parameters() for layer in self.layers]
            return [p for layer in self.layers for p in layer.parameters()]

    return {"Value": Value, "Neuron": Neuron, "Layer": Layer, "MLP": MLP}
