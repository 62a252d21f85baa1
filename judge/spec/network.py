"""Check a case's ``network:`` section and compile it into a ``NetworkProgram``.

Every problem is gathered with the keys of the YAML node it lies at (below the case),
so the loader reports each at its line.  The model is written as Python
(``MLP(3, [4, 4, 1])``) and parsed with ``ast``, never run.
"""

from __future__ import annotations

import ast
import difflib
import math
import random
from dataclasses import dataclass, field

from judge.program.network import (
    KEYED_STEPS,
    LOSSES,
    MAX_INPUTS,
    MAX_LAYERS,
    MAX_REPEAT,
    MAX_WIDTH,
    MODELS,
    STEPS,
    Model,
    NetworkProgram,
    Step,
    Target,
)
from judge.spec.model import NetworkSpec, RateSpec, StepSpec, WeightSeed

Keys = list[str | int]
MODEL_FORMS = "Neuron(nin), Neuron(nin, nonlin=False), Layer(nin, nout), MLP(nin, [sizes])"


def seeded(count: int, seed: int) -> tuple[float, ...]:
    """``count`` weights in [-1, 1] with two decimals (readable in a failure), drawn
    from ``random.Random(seed)``: the same on every machine and Python version."""
    rng = random.Random(seed)
    return tuple(round(rng.uniform(-1.0, 1.0), 2) for _ in range(count))


def _hint(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"did you mean {close[0]!r}?" if close else f"one of: {', '.join(choices)}"


@dataclass
class NetworkChecker:
    """Checks one ``network:`` section; ``problems`` gathers (message, keys)."""

    spec: NetworkSpec
    problems: list[tuple[str, Keys]] = field(default_factory=list)

    def error(self, message: str, keys: Keys) -> None:
        self.problems.append((message, ["network", *keys]))

    def compile(self) -> NetworkProgram | None:
        """The program, or None when ``problems`` says why not."""
        spec = self.spec
        model = self.model(spec.model)
        inputs = self.inputs(model)
        weights = self.weights(model)
        targets = self.targets(model, len(spec.inputs))
        steps = tuple(self.steps(spec.steps, ["steps"], forwarded=False)[0])
        if not steps:
            self.error("a network case needs at least one step", ["steps"])
        if self.problems or model is None:
            return None
        return NetworkProgram(
            model=model,
            weights=weights,
            inputs=inputs,
            steps=steps,
            values=spec.values,
            loss=spec.loss,
            targets=targets,
            alpha=spec.alpha,
        )

    def model(self, text: str) -> Model | None:
        where: Keys = ["model"]
        try:
            tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            self.error(f"model: {text!r} is not a call; write one of {MODEL_FORMS}", where)
            return None
        if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)):
            self.error(f"model: {text!r} is not a call; write one of {MODEL_FORMS}", where)
            return None
        kind = tree.func.id
        if kind not in MODELS:
            self.error(f"model: unknown class {kind!r}; {_hint(kind, list(MODELS))}", where)
            return None
        try:
            args = [ast.literal_eval(arg) for arg in tree.args]
            keywords = {k.arg: ast.literal_eval(k.value) for k in tree.keywords}
        except ValueError:
            self.error(f"model: the arguments of {kind} must be literal numbers", where)
            return None
        nonlin = keywords.pop("nonlin", True)
        wanted = {"Neuron": "nin", "Layer": "nin, nout", "MLP": "nin, [sizes]"}[kind]
        shape_ok = (
            (kind == "Neuron" and len(args) == 1)
            or (kind == "Layer" and len(args) == 2 and type(args[1]) is int)
            or (kind == "MLP" and len(args) == 2 and isinstance(args[1], list) and args[1])
        )
        if keywords or type(nonlin) is not bool or (kind == "MLP" and nonlin is not True):
            extra = ", ".join(map(str, keywords)) or "nonlin"
            self.error(
                f"model: {kind} takes {wanted}"
                + (", nonlin=False" if kind != "MLP" else "")
                + f"; not {extra}",
                where,
            )
            return None
        if not shape_ok or type(args[0]) is not int:
            self.error(f"model: {kind} takes {wanted} (whole numbers)", where)
            return None
        sizes = (args[1],) if kind == "Layer" else tuple(args[1]) if kind == "MLP" else ()
        if not all(type(size) is int for size in sizes):
            self.error(f"model: the layer sizes of {kind} must be whole numbers", where)
            return None
        if not all(1 <= n <= MAX_WIDTH for n in (args[0], *sizes)) or len(sizes) > MAX_LAYERS:
            self.error(
                f"model: inputs and layer sizes between 1 and {MAX_WIDTH}, "
                f"at most {MAX_LAYERS} layers",
                where,
            )
            return None
        if kind == "MLP" and 1 in sizes[:-1]:
            self.error(
                "model: a hidden layer of one neuron returns a Value, which the next layer "
                "cannot read (micrograd fails the same way); give it 2 neurons or more",
                where,
            )
            return None
        return Model(kind, args[0], sizes, nonlin)

    def inputs(self, model: Model | None) -> tuple[tuple[float, ...], ...]:
        inputs = self.spec.inputs
        if not 1 <= len(inputs) <= MAX_INPUTS:
            self.error(f"inputs: between 1 and {MAX_INPUTS} samples", ["inputs"])
        for index, x in enumerate(inputs):
            if model is not None and len(x) != model.nin:
                self.error(
                    f"inputs: sample {index} has {len(x)} numbers; {model.source()} takes "
                    f"{model.nin}",
                    ["inputs", index],
                )
            if not all(math.isfinite(v) for v in x):
                self.error("inputs: numbers must be finite", ["inputs", index])
        return tuple(tuple(x) for x in inputs)

    def weights(self, model: Model | None) -> tuple[float, ...]:
        written = self.spec.weights
        count = model.parameter_count if model is not None else 0
        if isinstance(written, WeightSeed):
            return seeded(count, written.seed)
        if model is not None and len(written) != count:
            self.error(
                f"weights: {model.source()} has {count} parameters (each neuron's weights "
                f"then its bias, neuron by neuron, layer by layer); {len(written)} written. "
                "Or write weights: {seed: N}",
                ["weights"],
            )
        if not all(math.isfinite(w) for w in written):
            self.error("weights: numbers must be finite", ["weights"])
        return tuple(written)

    def targets(self, model: Model | None, samples: int) -> tuple[Target, ...]:
        spec = self.spec
        if spec.loss is None:
            if spec.targets:
                self.error("targets are for a loss; add loss: squared-error or hinge", ["targets"])
            if spec.alpha:
                self.error(
                    "alpha weighs the hinge loss's regularisation; add loss: hinge", ["alpha"]
                )
            return ()
        if spec.loss not in LOSSES:
            self.error(
                f"loss: unknown loss {spec.loss!r}; {_hint(spec.loss, list(LOSSES))}", ["loss"]
            )
            return ()
        if spec.alpha and spec.loss != "hinge":
            self.error("alpha weighs the hinge loss's regularisation; remove it", ["alpha"])
        if not math.isfinite(spec.alpha) or spec.alpha < 0:
            self.error("alpha must be a finite number, 0 or more", ["alpha"])
        if len(spec.targets) != samples:
            self.error(
                f"targets: one per input, {samples}; {len(spec.targets)} written", ["targets"]
            )
            return ()
        outputs = model.outputs if model is not None else 1
        if spec.loss == "hinge" and outputs != 1:
            self.error("loss: the hinge loss needs one output (a score) per sample", ["loss"])
        kept: list[Target] = []
        for index, target in enumerate(spec.targets):
            if isinstance(target, list):
                if outputs == 1 or len(target) != outputs:
                    self.error(
                        f"targets: the model gives {outputs} output(s) per sample; write "
                        + ("one number" if outputs == 1 else f"a list of {outputs} numbers"),
                        ["targets", index],
                    )
                kept.append(tuple(target))
            else:
                if outputs != 1:
                    self.error(
                        f"targets: the model gives {outputs} outputs per sample; write a "
                        f"list of {outputs} numbers",
                        ["targets", index],
                    )
                kept.append(target)
        return tuple(kept)

    def steps(
        self, written: list[str | StepSpec], keys: Keys, forwarded: bool
    ) -> tuple[list[Step], bool]:
        """The steps, checked; and whether a forward step has run by their end."""
        steps: list[Step] = []
        names = [*STEPS, *KEYED_STEPS]
        for index, item in enumerate(written):
            where = [*keys, index]
            if isinstance(item, str):
                if item not in STEPS:
                    hint = _hint(item, names)
                    if item in KEYED_STEPS:
                        hint = "write it as a mapping: {step: 0.05} or {repeat: 5, do: [...]}"
                    self.error(f"unknown step {item!r}; {hint}", where)
                    continue
                if item in ("loss", "backward", "inputs") and not forwarded:
                    self.error(f"step {item!r} needs a forward step before it", where)
                if item == "loss" and self.spec.loss is None:
                    self.error("step 'loss' needs the case's loss: squared-error or hinge", where)
                forwarded = forwarded or item == "forward"
                steps.append(Step(item))
                continue
            if (item.step is None) == (item.repeat is None):
                self.error("a step mapping is {step: LR} or {repeat: K, do: [...]}", where)
                continue
            if item.step is not None:
                rate = item.step if isinstance(item.step, RateSpec) else RateSpec(item.step)
                if item.do:
                    self.error("do: belongs to a repeat, not a step", [*where, "do"])
                if not (math.isfinite(rate.lr) and math.isfinite(rate.decay)):
                    self.error("step: the learning rate must be finite", [*where, "step"])
                steps.append(Step("step", lr=rate.lr, decay=rate.decay))
                continue
            times = item.repeat or 0
            if not 1 <= times <= MAX_REPEAT:
                self.error(f"repeat: between 1 and {MAX_REPEAT} times", [*where, "repeat"])
            if not item.do:
                self.error("repeat: needs do: [steps...]", where)
            body, forwarded = self.steps(item.do, [*where, "do"], forwarded)
            steps.append(Step("repeat", times=times, body=tuple(body)))
        return steps, forwarded
