"""A tiny in-process driver for network implementations (trusted test files only).

``load`` imports a network in any of the three layouts a student hands in: one file,
a folder with ``engine.py`` + ``nn.py`` (``from engine import Value``), or the package
layout ``micrograd/engine.py`` + ``micrograd/nn.py``.  ``observe`` runs one of issue
13's problems on it the way the judge will (build, inject the weights in
``parameters()`` order, forward, loss, ``backward``, ``zero_grad``, steps) and records
everything as named numbers and facts, so a student's observation is compared with the
reference network's key by key (``disagreements``).  A crash is recorded too: a failing
network is data here, as in the judge.

This runs the code in the test process, so it is for the repository's own corpus and
for PyPI's micrograd; submissions are graded in the sandbox.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import math
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from judge.engine import network, reference

PROBLEMS = ("neuron", "mlp", "mlp-training")

# The names a student's layout may take, evicted while one is loaded (the installed
# micrograd included) so that each load sees only its own files.
_MODULE_NAMES = ("engine", "nn", "micrograd", "micrograd.engine", "micrograd.nn")

# The same summation in another order differs in the last bits (~1e-16 relative); a
# wrong network differs at the first digits.  A training trajectory over a few steps
# keeps well inside 1e-9 on these data (no cancellation near zero).
REL, ABS = 1e-9, 1e-12

Observation = dict[str, Any]


def reference_network() -> SimpleNamespace:
    """The reference network's classes, as a namespace like a loaded student's."""
    return SimpleNamespace(
        Value=reference.Value, Neuron=network.Neuron, Layer=network.Layer, MLP=network.MLP
    )


@contextlib.contextmanager
def load(path: Path) -> Iterator[SimpleNamespace]:
    """Import the network at ``path`` (a file or a folder in either layout) and yield
    its ``Value``, ``Neuron``, ``Layer`` and ``MLP``; the imports are undone after."""
    saved_path = list(sys.path)
    saved = {name: sys.modules.pop(name) for name in _MODULE_NAMES if name in sys.modules}
    before = set(sys.modules)
    try:
        if path.is_file():
            spec = importlib.util.spec_from_file_location(f"network_{path.stem}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        elif (path / "nn.py").is_file():
            sys.path.insert(0, str(path))
            module = importlib.import_module("nn")
        elif (path / "micrograd" / "nn.py").is_file():
            sys.path.insert(0, str(path))
            module = importlib.import_module("micrograd.nn")
        else:
            raise FileNotFoundError(f"{path}: no nn.py nor micrograd/nn.py")
        # A name the network lacks is left out: a problem that needs it fails on it.
        yield SimpleNamespace(
            **{name: getattr(module, name) for name in network_names() if hasattr(module, name)}
        )
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - before:
            del sys.modules[name]
        sys.modules.update(saved)


def network_names() -> tuple[str, ...]:
    """What a network module must define."""
    return ("Value", "Neuron", "Layer", "MLP")


def weights(count: int, seed: int) -> list[float]:
    """``count`` fixed weights in [-1, 1], two decimals (readable in a failure)."""
    rng = random.Random(seed)
    return [round(rng.uniform(-1.0, 1.0), 2) for _ in range(count)]


def _inject(model: Any, numbers: list[float]) -> None:
    """Assign ``p.data`` in ``parameters()`` order, as the judge does; a count that
    differs is an error here (the judge reports it)."""
    params = list(model.parameters())
    if len(params) != len(numbers):
        raise ValueError(f"parameters() gave {len(params)}, expected {len(numbers)}")
    for p, number in zip(params, numbers, strict=True):
        p.data = number


def _number(x: Any) -> Any:
    """A float for a number, else a description (None, a list, ...)."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    return f"<{type(x).__name__}>"


def _kind(ns: SimpleNamespace, out: Any) -> str:
    if isinstance(out, ns.Value):
        return "Value"
    return type(out).__name__


def _call(ns: SimpleNamespace, obs: Observation, key: str, model: Any, x: list[Any]) -> Any:
    """Call the model on ``x``; record the output's kind and whether ``x`` survived."""
    before = [(id(v), v.data if isinstance(v, ns.Value) else v) for v in x]
    length = len(x)
    out = model(x)
    after = [(id(v), v.data if isinstance(v, ns.Value) else v) for v in x]
    obs[f"{key}.inputs-unchanged"] = len(x) == length and before == after
    obs[f"{key}.kind"] = _kind(ns, out)
    return out


def _record_params(obs: Observation, key: str, model: Any, field: str) -> None:
    for i, p in enumerate(model.parameters()):
        obs[f"{key}.p{i}.{field}"] = _number(getattr(p, field))


# The neuron problem: one neuron, 3 inputs.  The cases keep the pre-activation away
# from 0 and put it on both sides, so a missing ReLU shows in the forward values.
NEURON_WEIGHTS = [0.5, -1.25, 2.0, 0.75]  # w0, w1, w2, b
NEURON_INPUTS = [[2.0, -1.0, 0.25], [3.0, 2.0, -1.0], [-1.5, 0.5, 1.0], [1, 2, 3]]


def _neuron(ns: SimpleNamespace, obs: Observation) -> None:
    for nonlin in (True, False):
        for case, numbers in enumerate(NEURON_INPUTS):
            key = f"neuron{'' if nonlin else '-linear'}[{case}]"
            n = ns.Neuron(3) if nonlin else ns.Neuron(3, nonlin=False)
            obs[f"{key}.count"] = len(list(n.parameters()))
            _inject(n, NEURON_WEIGHTS)
            # The third case passes Values, whose gradients are checked too.
            x = [ns.Value(v) for v in numbers] if case == 2 else list(numbers)
            out = _call(ns, obs, key, n, x)
            obs[f"{key}.out"] = _number(out.data)
            out.backward()
            _record_params(obs, key, n, "grad")
            if case == 2:
                for i, v in enumerate(x):
                    obs[f"{key}.x{i}.grad"] = _number(v.grad)


# The mlp problem: layers' shapes and outputs, an MLP's every gradient, zero_grad, and
# gradients accumulating over two backward passes until zero_grad.
MLP_SHAPE = (3, [4, 4, 1])
# Seeds of weights() chosen so that outputs fall on both sides of 0 (a ReLU where none
# belongs shows) and the training goes smoothly downhill (no step jumps over a kink).
MLP_SEED = 21
LAYER_SEEDS = {2: 2, 1: 5}
HINGE_SEED = 7
MLP_INPUTS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]


def _mlp(ns: SimpleNamespace, obs: Observation) -> None:
    for nout in (2, 1):
        layer = ns.Layer(3, nout)
        obs[f"layer{nout}.count"] = len(list(layer.parameters()))
        _inject(layer, weights(4 * nout, seed=LAYER_SEEDS[nout]))
        out = _call(ns, obs, f"layer{nout}", layer, list(MLP_INPUTS[0]))
        for i, o in enumerate(out if isinstance(out, (list, tuple)) else [out]):
            obs[f"layer{nout}.out{i}"] = _number(o.data)
    nin, nouts = MLP_SHAPE
    model = ns.MLP(nin, nouts)
    obs["mlp.count"] = len(list(model.parameters()))
    obs["mlp.distinct"] = len({id(p) for p in model.parameters()})
    _inject(model, weights(obs["mlp.count"], seed=MLP_SEED))

    def forward_backward(key: str) -> None:
        outs = [_call(ns, obs, f"{key}[{i}]", model, list(x)) for i, x in enumerate(MLP_INPUTS)]
        for i, out in enumerate(outs):
            obs[f"{key}[{i}].out"] = _number(out.data)
        sum(outs).backward()

    forward_backward("mlp")
    _record_params(obs, "mlp", model, "grad")
    model.zero_grad()
    _record_params(obs, "zeroed", model, "grad")
    forward_backward("twice-a")
    forward_backward("twice-b")
    _record_params(obs, "twice", model, "grad")


# The mlp-training problem: micrograd's README data set, K steps of each loss.
TRAIN_YS = [1.0, -1.0, -1.0, 1.0]
TRAIN_RATES = [0.05] * 5
HINGE_XS = [[1.0, 2.0], [-1.5, 0.5], [2.0, -1.0], [-0.5, -2.0], [0.25, 1.5]]
HINGE_YS = [1.0, -1.0, 1.0, -1.0, 1.0]
HINGE_RATES = [1.0 - 0.9 * k / 100 for k in range(4)]
HINGE_ALPHA = 1e-4


def _step(model: Any, rate: float) -> None:
    for p in model.parameters():
        p.data -= rate * p.grad


def _training(ns: SimpleNamespace, obs: Observation) -> None:
    model = ns.MLP(*MLP_SHAPE)
    _inject(model, weights(len(list(model.parameters())), seed=MLP_SEED))
    for k, rate in enumerate(TRAIN_RATES):
        outs = [model(list(x)) for x in MLP_INPUTS]
        loss = sum((out - y) ** 2 for out, y in zip(outs, TRAIN_YS, strict=True))
        obs[f"squared-error.loss[{k}]"] = _number(loss.data)
        model.zero_grad()
        loss.backward()
        _step(model, rate)
    _record_params(obs, "squared-error", model, "data")

    model = ns.MLP(2, [4, 1])
    _inject(model, weights(len(list(model.parameters())), seed=HINGE_SEED))
    for k, rate in enumerate(HINGE_RATES):
        scores = [model(list(x)) for x in HINGE_XS]
        losses = [(1 + -y * s).relu() for y, s in zip(HINGE_YS, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        total = data_loss + HINGE_ALPHA * sum(p * p for p in model.parameters())
        obs[f"hinge.loss[{k}]"] = _number(total.data)
        model.zero_grad()
        total.backward()
        _step(model, rate)
    _record_params(obs, "hinge", model, "data")


_SCENARIOS: dict[str, Callable[[SimpleNamespace, Observation], None]] = {
    "neuron": _neuron,
    "mlp": _mlp,
    "mlp-training": _training,
}


def observe(problem: str, ns: SimpleNamespace) -> Observation:
    """Everything the problem looks at, by name; a crash ends it as ``error``."""
    obs: Observation = {}
    try:
        _SCENARIOS[problem](ns, obs)
    except Exception as error:  # a failing network is data
        obs["error"] = f"{type(error).__name__}: {error}"
    return obs


def disagreements(expected: Observation, got: Observation) -> list[str]:
    """Each key where ``got`` is not ``expected`` (numbers within REL/ABS)."""
    problems = []
    for key in sorted(expected.keys() | got.keys()):
        want, have = expected.get(key, "<missing>"), got.get(key, "<missing>")
        both_numbers = isinstance(want, float) and isinstance(have, float)
        if both_numbers and (math.isfinite(want) and math.isfinite(have)):
            if not math.isclose(want, have, rel_tol=REL, abs_tol=ABS):
                problems.append(f"{key}: expected {want!r}, got {have!r}")
        elif want != have:
            problems.append(f"{key}: expected {want!r}, got {have!r}")
    return problems
