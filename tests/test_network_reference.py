"""The reference network (judge/engine/network.py) against central finite differences,
PyTorch when installed, and PyPI's micrograd 0.1.0 given the same injected weights."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from judge.engine.network import (
    MLP,
    Layer,
    NetworkError,
    Neuron,
    hinge_loss,
    inject,
    squared_error,
    train,
)
from judge.engine.reference import Value
from tests import micrograd_package, network_driver

# What hypothesis draws: small shapes, numbers of order 1 away from nothing in particular.
numbers = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


@st.composite
def networks(draw: st.DrawFn) -> tuple[int, list[int], list[float], list[list[float]]]:
    """A shape (1-3 inputs, 1-3 layers of 2-4 neurons, the last of 1-2), its weights
    and 1-3 inputs; shrinks toward one input, one layer, zero weights."""
    nin = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(2, 4), max_size=2))
    nouts = [*hidden, draw(st.integers(1, 2))]
    count = len(MLP(nin, nouts).parameters())
    params = draw(st.lists(numbers, min_size=count, max_size=count))
    inputs = draw(st.lists(st.lists(numbers, min_size=nin, max_size=nin), min_size=1, max_size=3))
    return nin, nouts, params, inputs


def _targets(nouts: list[int], count: int) -> list[float | list[float]]:
    last = nouts[-1]
    return [0.5 * i - 0.25 if last == 1 else [0.5 * i, -0.5] for i in range(count)]


def _loss(nin: int, nouts: list[int], params: list[float], inputs: list[list[float]]) -> Value:
    model = MLP(nin, nouts)
    inject(model, params)
    return squared_error([model(x) for x in inputs], _targets(nouts, len(inputs)))


def _smallest_preactivation(nin: int, nouts: list[int], params: list[float], inputs) -> float:
    """How close any ReLU's input comes to its kink, where the slope jumps."""
    model = MLP(nin, nouts)
    inject(model, params)
    closest = math.inf
    for x in inputs:
        values = [float(v) for v in x]
        for layer in model.layers:
            acts = [
                n.b.data + sum(w.data * v for w, v in zip(n.w, values, strict=True))
                for n in layer.neurons
            ]
            if layer.neurons[0].nonlin:
                closest = min(closest, *(abs(a) for a in acts))
                acts = [max(a, 0.0) for a in acts]
            values = acts
    return closest


@settings(max_examples=80, deadline=None)
@given(networks())
def test_gradients_match_finite_differences(case) -> None:
    nin, nouts, params, inputs = case
    h = 1e-6
    # Within h of a kink the two one-sided slopes differ: no single right answer.
    assume(_smallest_preactivation(nin, nouts, params, inputs) > 1e-3)
    model = MLP(nin, nouts)
    inject(model, params)
    squared_error([model(x) for x in inputs], _targets(nouts, len(inputs))).backward()
    analytic = [p.grad for p in model.parameters()]
    for i in range(len(params)):
        up, down = list(params), list(params)
        up[i] += h
        down[i] -= h
        numeric = (_loss(nin, nouts, up, inputs).data - _loss(nin, nouts, down, inputs).data) / (
            2 * h
        )
        assert math.isclose(analytic[i], numeric, rel_tol=1e-4, abs_tol=1e-5), (
            i,
            analytic[i],
            numeric,
        )


def test_hinge_loss_gradient_matches_finite_differences() -> None:
    params = network_driver.weights(
        len(MLP(2, [4, 1]).parameters()), seed=network_driver.HINGE_SEED
    )

    def loss(values: list[float]) -> Value:
        model = MLP(2, [4, 1])
        inject(model, values)
        scores = [model(x) for x in network_driver.HINGE_XS]
        return hinge_loss(scores, network_driver.HINGE_YS, model.parameters(), alpha=0.01)

    model = MLP(2, [4, 1])
    inject(model, params)
    hinge_loss(
        [model(x) for x in network_driver.HINGE_XS],
        network_driver.HINGE_YS,
        model.parameters(),
        0.01,
    ).backward()
    h = 1e-6
    for i, p in enumerate(model.parameters()):
        up, down = list(params), list(params)
        up[i] += h
        down[i] -= h
        numeric = (loss(up).data - loss(down).data) / (2 * h)
        assert math.isclose(p.grad, numeric, rel_tol=1e-4, abs_tol=1e-6), (i, p.grad, numeric)


def test_interface_is_micrographs() -> None:
    assert isinstance(Layer(3, 1)([1.0, 2.0, 3.0]), Value)
    assert len(Layer(3, 2)([1.0, 2.0, 3.0])) == 2
    model = MLP(3, [4, 4, 1])
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]
    assert len(model.parameters()) == 41
    # Layer by layer, neuron by neuron, the weights then the bias.
    first = model.layers[0].neurons[0]
    assert model.parameters()[:4] == [*first.w, first.b]
    assert model.parameters()[-1] is model.layers[-1].neurons[0].b
    assert repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"


def test_zero_grad_and_accumulation() -> None:
    model = MLP(2, [3, 1])
    inject(model, network_driver.weights(13, seed=3))
    once = model([1.0, -2.0])
    once.backward()
    first = [p.grad for p in model.parameters()]
    model([1.0, -2.0]).backward()
    assert [p.grad for p in model.parameters()] == [2 * g for g in first]
    model.zero_grad()
    assert all(p.grad == 0.0 and p.grad_scale == 0.0 for p in model.parameters())


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Neuron(3)([1.0, 2.0]), "the input has 2 numbers; the neuron takes 3"),
        (lambda: inject(MLP(2, [2, 1]), [0.0] * 5), "5 numbers given for 9 parameters"),
        (lambda: MLP(2, [1, 3]), "a hidden layer of one neuron cannot feed the next"),
        (lambda: MLP(2, []), "an MLP needs at least one layer"),
        (lambda: squared_error([Value(1.0)], [1.0, 2.0]), "1 outputs for 2 targets"),
        (lambda: train(MLP(1, [1]), [[1.0]], [1.0], [0.1], loss="mse"), "unknown loss 'mse'"),
    ],
)
def test_bad_shapes_are_named(build, message: str) -> None:
    with pytest.raises(NetworkError, match=message):
        build()


def test_train_is_the_drivers_loop() -> None:
    """network.train gives, bit for bit, what the corpus driver's plain loop gives on the
    reference classes: the corpus is held to the same trajectory the judge computes."""
    observed = network_driver.observe("mlp-training", network_driver.reference_network())
    model = MLP(*network_driver.MLP_SHAPE)
    inject(model, network_driver.weights(41, seed=network_driver.MLP_SEED))
    run = train(
        model, network_driver.MLP_INPUTS, network_driver.TRAIN_YS, network_driver.TRAIN_RATES
    )
    assert list(run.losses) == [observed[f"squared-error.loss[{k}]"] for k in range(5)]
    assert list(run.parameters) == [observed[f"squared-error.p{i}.data"] for i in range(41)]
    assert run.losses[-1] < run.losses[0] / 2  # it learns: the steps go downhill
    assert all(s >= abs(v) for s, v in zip(run.parameter_scales, run.parameters, strict=True))

    model = MLP(2, [4, 1])
    inject(model, network_driver.weights(17, seed=network_driver.HINGE_SEED))
    run = train(
        model,
        network_driver.HINGE_XS,
        network_driver.HINGE_YS,
        network_driver.HINGE_RATES,
        loss="hinge",
        alpha=network_driver.HINGE_ALPHA,
    )
    assert list(run.losses) == [observed[f"hinge.loss[{k}]"] for k in range(4)]
    assert list(run.parameters) == [observed[f"hinge.p{i}.data"] for i in range(17)]


@pytest.mark.parametrize("problem", network_driver.PROBLEMS)
def test_micrograd_agrees(problem: str, tmp_path: Path) -> None:
    """PyPI's micrograd 0.1.0 (its installed engine.py + nn.py, as a student's package
    folder) with the same injected weights: the same shapes, outputs, gradients,
    zero_grad, losses and trajectories.  Forward values agree to the last bit (both sum
    from the bias); gradients within rounding, as micrograd keeps a node's children in
    a set, so its backward adds them up in another order."""
    expected = network_driver.observe(problem, network_driver.reference_network())
    with network_driver.load(micrograd_package.student_folder(tmp_path)) as ns:
        assert ns.Value.__module__ == "micrograd.engine"
        got = network_driver.observe(problem, ns)
    assert "error" not in got
    assert network_driver.disagreements(expected, got) == []
    outputs = [key for key in expected if key.endswith(".out") or ".out" in key]
    assert outputs or problem == "mlp-training"
    assert [got[key] for key in outputs] == [expected[key] for key in outputs]


def _torch_mlp(torch, nin: int, nouts: list[int], params: list[float]):
    """The same MLP as tensors: per layer W (nout x nin) and b, in parameters() order."""
    layers, at, sizes = [], 0, [nin, *nouts]
    for a, b in itertools.pairwise(sizes):
        rows = []
        for _ in range(b):
            rows.append(params[at : at + a + 1])
            at += a + 1
        block = torch.tensor(rows, dtype=torch.float64)
        layers.append((block[:, :a].clone().requires_grad_(), block[:, a].clone().requires_grad_()))
    return layers


def _torch_forward(torch, layers, x):
    out = torch.tensor(x, dtype=torch.float64)
    for i, (w, b) in enumerate(layers):
        out = w @ out + b
        if i != len(layers) - 1:
            out = torch.relu(out)
    return out


def _torch_flat(layers, field: str) -> list[float]:
    flat = []
    for w, b in layers:
        for row in range(w.shape[0]):
            source = (w.grad, b.grad) if field == "grad" else (w.detach(), b.detach())
            flat += [*source[0][row].tolist(), source[1][row].item()]
    return flat


def test_matches_pytorch_gradients_and_training() -> None:
    torch = pytest.importorskip("torch")
    nin, nouts = network_driver.MLP_SHAPE
    params = network_driver.weights(41, seed=network_driver.MLP_SEED)
    xs, ys = network_driver.MLP_INPUTS, network_driver.TRAIN_YS

    model = MLP(nin, nouts)
    inject(model, params)
    squared_error([model(x) for x in xs], ys).backward()
    layers = _torch_mlp(torch, nin, nouts, params)
    loss = sum((_torch_forward(torch, layers, x)[0] - y) ** 2 for x, y in zip(xs, ys, strict=True))
    loss.backward()
    assert [p.grad for p in model.parameters()] == pytest.approx(
        _torch_flat(layers, "grad"), rel=1e-12, abs=1e-15
    )

    # Five steps of gradient descent: the same trajectory and final parameters.
    model = MLP(nin, nouts)
    inject(model, params)
    run = train(model, xs, ys, network_driver.TRAIN_RATES)
    layers = _torch_mlp(torch, nin, nouts, params)
    losses = []
    for rate in network_driver.TRAIN_RATES:
        loss = sum(
            (_torch_forward(torch, layers, x)[0] - y) ** 2 for x, y in zip(xs, ys, strict=True)
        )
        losses.append(loss.item())
        for w, b in layers:
            w.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            for w, b in layers:
                w -= rate * w.grad
                b -= rate * b.grad
    assert list(run.losses) == pytest.approx(losses, rel=1e-12)
    assert list(run.parameters) == pytest.approx(_torch_flat(layers, "data"), rel=1e-10, abs=1e-13)
