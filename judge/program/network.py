"""A compiled network program: plain data that both the judge and the worker read.

A network case builds one of the student's modules (``Neuron``, ``Layer`` or ``MLP``,
micrograd's interface), injects its parameters in ``parameters()`` order, and runs a
list of steps on it: forward passes over fixed inputs, a loss, ``backward``,
``zero_grad``, gradient-descent steps, loops of them, and the readings that are
compared with the reference network (outputs, the loss, every parameter's data or
grad, the parameter count).  The spec writes it as data (``judge.spec.network``
compiles it); the worker and the reference run it with the same interpreter
(``judge.runner.interpreter.run_network``).  Nothing here is executed as Python.

``render`` writes the program as the micrograd code it means, for a student to run.
"""

from __future__ import annotations

from dataclasses import dataclass

# The steps a program may take, with what each does (the spec's documentation and its
# did-you-mean read this table; the worker's interpreter implements each).
STEPS: dict[str, str] = {
    "forward": "call the model on every input (outs); reads each output's data",
    "loss": "the loss of the last outputs against the targets; reads its data",
    "backward": "backward() on the loss, else on the output (one input) or sum(outs)",
    "grads": "reads every parameter's grad (and the inputs' grads when they are Values)",
    "params": "reads every parameter's data",
    "count": "reads len(parameters()) and how many distinct Values it holds",
    "zero_grad": "model.zero_grad()",
    "inputs": "checks the last forward left every input list as it was",
}
# Steps written as a mapping: {step: LR} or {step: {lr: LR, decay: D}}, {repeat: K, do: [...]}.
KEYED_STEPS = ("step", "repeat")
MODELS = ("Neuron", "Layer", "MLP")
LOSSES = ("squared-error", "hinge")

# Bounds that keep a case's work and its answer small (a spec is data, not a program).
MAX_INPUTS = 64  # samples
MAX_WIDTH = 64  # inputs of a neuron, neurons of a layer
MAX_LAYERS = 8
MAX_REPEAT = 1000
MAX_READINGS = 20_000  # numbers read back from the worker per case


@dataclass(frozen=True)
class Model:
    """The module a case builds: ``kind`` is one of ``MODELS``; ``sizes`` is ``(nout,)``
    for a layer, the layer sizes for an MLP, ``()`` for a neuron."""

    kind: str
    nin: int
    sizes: tuple[int, ...] = ()
    nonlin: bool = True

    @property
    def outputs(self) -> int:
        """How many numbers one call gives (1: a Value, not a list)."""
        return self.sizes[-1] if self.sizes else 1

    @property
    def parameter_count(self) -> int:
        """``len(parameters())``: every neuron's weights, then its bias."""
        count, nin = 0, self.nin
        for size in self.sizes or (1,):
            count += size * (nin + 1)
            nin = size
        return count

    def source(self) -> str:
        """The model as Python: ``MLP(3, [4, 4, 1])``."""
        flag = "" if self.nonlin else ", nonlin=False"
        if self.kind == "Neuron":
            return f"Neuron({self.nin}{flag})"
        if self.kind == "Layer":
            return f"Layer({self.nin}, {self.sizes[0]}{flag})"
        return f"MLP({self.nin}, {list(self.sizes)})"


@dataclass(frozen=True)
class Step:
    """One step.  ``name`` is one of ``STEPS`` or ``KEYED_STEPS``; a ``step`` has its
    learning rate and decay (the rate at iteration k is ``lr - decay * k``); a
    ``repeat`` has its count and body.  ``line`` is its line in the spec file."""

    name: str
    lr: float = 0.0
    decay: float = 0.0
    times: int = 0
    body: tuple[Step, ...] = ()
    line: int = 0

    def to_wire(self) -> list[object]:
        if self.name == "step":
            return ["step", self.lr, self.decay]
        if self.name == "repeat":
            return ["repeat", self.times, [step.to_wire() for step in self.body]]
        return [self.name]


Target = float | tuple[float, ...]


@dataclass(frozen=True)
class NetworkProgram:
    """A network case, checked: its model, the weights injected in ``parameters()``
    order, the inputs (passed as Values when ``values``), the loss and its targets
    (labels for the hinge loss, weighted by ``alpha``), and the steps."""

    model: Model
    weights: tuple[float, ...]
    inputs: tuple[tuple[float, ...], ...]
    steps: tuple[Step, ...]
    values: bool = False
    loss: str | None = None
    targets: tuple[Target, ...] = ()
    alpha: float = 0.0

    @property
    def backward(self) -> str | None:
        """Whether gradients are read (named so ``Program.backward``'s readers agree)."""
        return "backward" if _uses(self.steps, "backward") else None

    def to_wire(self, read: list[str] | None = None) -> dict[str, object]:
        """The form sent to the worker.  ``ops`` is empty (no graph program), so every
        reader of a graph program's wire form sees a program with no operations;
        ``read`` names the readings the judge keeps."""
        model = [self.model.kind, self.model.nin, list(self.model.sizes), self.model.nonlin]
        return {
            "ops": [],
            "backward": None,
            "read": list(read or []),
            "network": {
                "model": model,
                "weights": list(self.weights),
                "inputs": [list(x) for x in self.inputs],
                "values": self.values,
                "loss": self.loss,
                "targets": [list(t) if isinstance(t, tuple) else t for t in self.targets],
                "alpha": self.alpha,
                "steps": [step.to_wire() for step in self.steps],
            },
        }

    def render(self) -> str:
        """The program as the micrograd code it runs (what a student can paste and run)."""
        return _Renderer(self).text()


class _Renderer:
    """Writes a network program as micrograd code.  It follows the steps in order, as
    the interpreter does, to know what ``backward`` is called on: the loss only after a
    loss step since the last forward."""

    def __init__(self, program: NetworkProgram) -> None:
        self.program = program
        self.lossed = False

    def text(self) -> str:
        program = self.program
        lines = [
            f"model = {program.model.source()}",
            f"weights = {list(program.weights)}  # in parameters() order",
            "for p, w in zip(model.parameters(), weights):",
            "    p.data = w",
        ]
        inputs = [list(x) for x in program.inputs]
        if program.values:
            lines.append(f"xs = [[Value(v) for v in x] for x in {inputs}]")
        else:
            lines.append(f"xs = {inputs}")
        if program.loss is not None:
            targets = [list(t) if isinstance(t, tuple) else t for t in program.targets]
            lines.append(f"ys = {targets}")
        for number, step in enumerate(program.steps, 1):
            lines.extend(self.step(step, f"step {number}", ""))
        return "\n".join(lines) + "\n"

    def step(self, step: Step, label: str, indent: str) -> list[str]:
        comment = f"{indent}# {label}: {step.name}"
        if step.name == "repeat":
            lines = [comment, f"{indent}for k in range({step.times}):"]
            for number, inner in enumerate(step.body, 1):
                lines.extend(self.step(inner, f"{label}.{number}", indent + "    "))
            return lines
        if step.name == "step":
            rate = f"{step.lr!r} - {step.decay!r} * k" if step.decay else repr(step.lr)
            code = ["for p in model.parameters():", f"    p.data -= ({rate}) * p.grad"]
        else:
            self.lossed = step.name == "loss" or (step.name != "forward" and self.lossed)
            code = self.code(step.name)
        return [comment, *(indent + line for line in code)]

    def backward_of(self) -> str:
        """What ``backward`` is called on, as the interpreter chooses it."""
        program = self.program
        if self.lossed:
            return "loss"
        if program.model.outputs == 1 and len(program.inputs) == 1:
            return "outs[0]"
        if program.model.outputs > 1:
            return "sum(o for out in outs for o in out)"
        return "sum(outs)"

    def code(self, name: str) -> list[str]:
        program = self.program
        if name == "loss":
            if program.loss == "hinge":
                return [
                    "losses = [(1 + -y * s).relu() for y, s in zip(ys, outs)]",
                    "data_loss = sum(losses) * (1.0 / len(losses))",
                    f"reg_loss = {program.alpha!r} * sum(p * p for p in model.parameters())",
                    "loss = data_loss + reg_loss",
                ]
            if program.model.outputs == 1:
                return ["loss = sum((out - y) ** 2 for out, y in zip(outs, ys))"]
            return ["loss = sum((o - t) ** 2 for out, y in zip(outs, ys) for o, t in zip(out, y))"]
        return {
            "forward": ["outs = [model(list(x)) for x in xs]"],
            "backward": [f"{self.backward_of()}.backward()"],
            "grads": ["print([p.grad for p in model.parameters()])"],
            "params": ["print([p.data for p in model.parameters()])"],
            "count": ["print(len(model.parameters()))"],
            "zero_grad": ["model.zero_grad()"],
            "inputs": ["# the calls must leave each list in xs unchanged"],
        }[name]


def _uses(steps: tuple[Step, ...], name: str) -> bool:
    return any(step.name == name or _uses(step.body, name) for step in steps)
