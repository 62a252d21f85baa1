"""The interpreter of graph programs: what the worker runs, and the judge runs too.

A graph program (``judge.program``) is a list of ops; ``execute`` builds its graph with
an entry class and calls backward, ``answer`` also reads the nodes back as numbers and
times all of it.  The worker runs them on the submission's class; the judge runs them
on its reference engine and its broken engines, so that both sides interpret a program
identically and time it the same way.

Standard library only, and nothing of the judge: the worker (``harness.py``) loads
this file by path, with only this folder on ``sys.path`` and no site-packages, before
the submission runs (``judge.runner.process.STARTER``), and the sandbox lets it read
this file and the harness, nothing else of the judge (``process.harness_files``).  The
texts' lengths below are the worker's promise; the judge cuts its answers to the same
lengths (``judge.runner.protocol``), since it cannot trust the worker.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import numbers
import sys
import time

TYPE_CHECKING = False  # typing costs the worker 2 ms to import; only annotations use it
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

# How each op is applied.  ``cls`` is the entry class, used only by the leaf.
APPLY: dict[str, Callable[..., Any]] = {
    "value": lambda cls, x: cls(x),
    "add": lambda cls, a, b: a + b,
    "sub": lambda cls, a, b: a - b,
    "mul": lambda cls, a, b: a * b,
    "div": lambda cls, a, b: a / b,
    "radd": lambda cls, n, a: n + a,
    "rsub": lambda cls, n, a: n - a,
    "rmul": lambda cls, n, a: n * a,
    "rdiv": lambda cls, n, a: n / a,
    "pow": lambda cls, a, n: a**n,
    "neg": lambda cls, a: -a,
    "relu": lambda cls, a: a.relu(),
    "tanh": lambda cls, a: a.tanh(),
    "exp": lambda cls, a: a.exp(),
    "log": lambda cls, a: a.log(),
    "sigmoid": lambda cls, a: a.sigmoid(),
}

# The attribute each op needs on the entry class (mirrors judge.program.ops).
METHOD = {
    "value": "__init__",
    "add": "__add__",
    "sub": "__sub__",
    "mul": "__mul__",
    "div": "__truediv__",
    "radd": "__radd__",
    "rsub": "__rsub__",
    "rmul": "__rmul__",
    "rdiv": "__rtruediv__",
    "pow": "__pow__",
    "neg": "__neg__",
    "relu": "relu",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "sigmoid": "sigmoid",
}

OUTPUT_KEEP = 4096  # characters of a test's output sent back to the judge
# What the worker sends of the texts a submission controls, so that no answer costs the
# judge more than a few KiB per node (a class named with 400,000 characters once cost it
# 2.4 GB).  The judge cuts again to the same lengths (judge.runner.protocol): it cannot
# trust this side, which runs beside the submission.
TYPE_NAME_KEEP = 100  # characters of a type's name
REPR_KEEP = 80  # characters of the repr of something that is not a number
MESSAGE_KEEP = 500  # characters of an exception's message
LINE_KEEP = 200  # characters of a source line quoted from the submission
FRAMES_KEEP = 20  # innermost submission frames of a traceback (a recursion has 1,000)
CLASSES_KEEP = 50  # names of the classes listed when the entry class is missing


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Keep the cycle collector out of a graph's construction and backward pass.

    A graph's nodes reference each other in cycles, so the collector would rescan all of
    them again and again while a large graph is built (30-60 times slower at 10,000
    nodes).  Nothing a program makes becomes garbage before it ends; the next collection
    after it frees the graph.  The judge times its reference engine the same way.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class WrongReturn(Exception):
    """An operation returned something that is not a new node: ``None`` (a forgotten
    ``return out``), a plain number, a tuple, or an operand it changed in place.

    ``op`` is the op's name, ``what`` the judge's words for what came back.
    """

    def __init__(self, op: str, what: str) -> None:
        super().__init__(f"{METHOD[op]} returned {what}")
        self.op = op
        self.what = what


def returned_what(result: Any, operands: list[Any], before: list[Any]) -> str | None:
    """Why ``result`` is not the new node an op must return (None if it may be one).

    An operand returned unchanged is allowed (``relu`` of a positive node may return
    it, and the numbers then say whether that is right); an operand whose ``data`` the
    op changed is not: the op computed in place.
    """
    if result is None:
        return "None"
    if isinstance(result, (bool, numbers.Number)):
        return f"a plain number ({type_name(type(result))})"
    if isinstance(result, (tuple, list)):
        return f"a {type_name(type(result))}"
    for operand, data in zip(operands, before, strict=True):
        if result is operand and _changed(getattr(result, "data", data), data):
            return "self, changed in place"
    if isinstance(result, (str, bytes, dict, set)) or not hasattr(result, "data"):
        return f"a {type_name(type(result))}, which has no data"
    return None


def _changed(now: Any, before: Any) -> bool:
    """Whether a node's data differs from what it was (False if that cannot be told)."""
    try:
        return bool(now is not before and now != before)
    except Exception:
        return False


def execute(ops: list[Any], backward: str | None, cls: type) -> dict[str, Any]:
    """Build the graph ``ops`` describes with ``cls`` and call ``backward``.

    Returns every node by name.  Operands that are strings name earlier nodes; numbers
    are passed as they are, so ``a + 2`` reaches the class exactly as Python would.
    Raises ``WrongReturn`` when an op's result cannot be a node (see ``returned_what``),
    where it happens rather than later as an ``AttributeError`` of ``None``.
    """
    nodes: dict[str, Any] = {}
    for target, op, args in ops:
        values = [nodes[a] if isinstance(a, str) else a for a in args]
        if op == "value":
            nodes[target] = cls(*values)
            continue
        operands = [nodes[a] for a in args if isinstance(a, str)]
        before = [getattr(node, "data", None) for node in operands]
        result = nodes[target] = APPLY[op](cls, *values)
        if (
            result is None
            or any(result is node for node in operands)
            or not hasattr(result, "data")
        ):
            what = returned_what(result, operands, before)
            if what is not None:
                raise WrongReturn(op, what)
    if backward is not None:
        nodes[backward].backward()
    return nodes


def answer(
    cls: type, program: dict[str, Any], clock: Callable[[], float] = time.process_time
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Build ``program``'s graph with ``cls``, call its backward, and read back data and
    grad of the nodes it reads (every node if it names none), as ``number``s; with the
    ``clock`` seconds all of it took.

    The whole answer is timed, reading included: an engine that defers its work to the
    first read of ``.grad`` (or ``.data``) is timed doing it.  The worker times the
    submission with this function and the judge times its reference with it, so both
    are measured the same way.
    """
    started = clock()
    network = program.get("network")
    if network is not None:  # a network program (judge.program.network)
        data, grad = network_answer(cls, network)
        return data, grad, clock() - started
    nodes = execute(program["ops"], program["backward"], cls)
    read = program.get("read") or list(nodes)
    data = {name: number(nodes[name].data) for name in read}
    grad = {name: number(nodes[name].grad) for name in read}
    return data, grad, clock() - started


def number(value: Any) -> Any:
    """``value`` as a JSON number if it is a real number; else a description of it.

    ints and floats pass as they are (an int too large for a float becomes an infinity);
    other real types (numpy's scalars, Fractions) are converted with ``float``, and a
    numpy array of no dimensions (``np.array(2.0)``) by its one real element.  Anything
    else (a complex, a Value, a string, a bool) is described, and the judge fails it.
    """
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return value if abs(value) < 1 << 1000 else float("inf") if value > 0 else float("-inf")
    if kind is not bool and isinstance(value, numbers.Real):
        with contextlib.suppress(Exception):
            return float(value)
    if getattr(kind, "__module__", None) == "numpy":
        with contextlib.suppress(Exception):
            if value.shape == ():
                item = value.item()
                if type(item) in (int, float):
                    return number(item)
    try:
        text = repr(value)[:REPR_KEEP]
    except Exception:
        text = "<unprintable>"
    return {"type": type_name(kind), "repr": text}


def type_name(kind: type) -> str:
    """The name of ``kind``, cut to TYPE_NAME_KEEP characters.

    Read through ``type`` itself: a metaclass can answer ``__name__`` with anything.
    """
    name: str = type.__dict__["__name__"].__get__(kind)
    return name[:TYPE_NAME_KEEP]


# Network programs (judge.program.network): a module of the submission's, built, given
# its weights and run through steps.  The same function runs the reference network in
# the judge (judge.engine.evaluate.evaluate_network), so both sides build, call, sum the
# loss and step in the same order, to the bit.


class ContractBroken(Exception):
    """The network broke micrograd's interface where the judge checks it directly: a
    class missing, ``parameters()`` of the wrong length, a call's output of the wrong
    shape (a list for one output), an input list changed by the call."""


class Fixed:
    """A reading that is a plain number (a count), read like a node: ``.data``."""

    __slots__ = ("data", "scale")

    def __init__(self, data: int) -> None:
        self.data = data
        self.scale = 0.0


def network_classes(cls: type) -> dict[str, Any]:
    """The classes a network program may build: the entry class's module's names."""
    module = sys.modules.get(getattr(cls, "__module__", "") or "")
    names = dict(vars(module)) if module is not None else {}
    names.setdefault(type_name(cls), cls)
    return names


def _set_weights(model: Any, weights: list[float]) -> None:
    for p, w in zip(model.parameters(), weights, strict=True):
        p.data = w


def _descend(parameters: list[Any], rate: float) -> None:
    for p in parameters:
        p.data -= rate * p.grad


def _snapshot(x: list[Any]) -> list[tuple[int, Any]]:
    return [(id(v), getattr(v, "data", v)) for v in x]


class NetworkRun:
    """One network program's run: ``observe(name, field, node)`` is called for every
    reading, when it is taken (a parameter's data changes with the steps)."""

    def __init__(
        self,
        network: dict[str, Any],
        classes: dict[str, Any],
        observe: Callable[[str, str, Any], None],
        inject: Callable[[Any, list[float]], None] = _set_weights,
        descend: Callable[[list[Any], float], None] = _descend,
    ) -> None:
        self.network = network
        self.observe = observe
        self.descend = descend
        kind, nin, sizes, nonlin = network["model"]
        self.outputs = sizes[-1] if sizes else 1
        build = self.need(classes, kind)
        flag = {} if nonlin else {"nonlin": False}
        if kind == "Neuron":
            self.model = build(nin, **flag)
        elif kind == "Layer":
            self.model = build(nin, sizes[0], **flag)
        else:
            self.model = build(nin, list(sizes))
        shape = {"Neuron": "", "Layer": f", {sizes[0]}" if sizes else "", "MLP": f", {sizes}"}
        self.described = f"{kind}({nin}{shape.get(kind, '')})"
        weights = network["weights"]
        self.count = len(weights)
        count = len(self.parameters(checked=False))
        if count != len(weights):
            gave = f"more than {len(weights)}" if count > len(weights) else str(count)
            raise ContractBroken(
                f"{self.described}.parameters() gave {gave} values; it has {len(weights)} "
                "parameters (each neuron's weights, then its bias, neuron by neuron, layer "
                "by layer), as a flat list"
            )
        inject(self.model, weights)
        if network["values"]:
            value = self.need(classes, "Value")
            self.xs = [[value(v) for v in x] for x in network["inputs"]]
        else:
            self.xs = [list(x) for x in network["inputs"]]
        self.given: list[list[Any]] = []
        self.before: list[list[tuple[int, Any]]] = []
        self.outs: list[Any] | None = None
        self.loss: Any = None

    def parameters(self, checked: bool = True) -> list[Any]:
        """``model.parameters()``, one more than the injected count at most (a network
        whose list grows cannot make the worker read without end); ``checked``: it must
        still hold as many parameters as were injected."""
        params = list(itertools.islice(self.model.parameters(), self.count + 1))
        if checked and len(params) != self.count:
            raise ContractBroken(
                f"{self.described}.parameters() now gives {len(params)} values; it gave "
                f"{self.count} when it was built"
            )
        return params

    @staticmethod
    def need(classes: dict[str, Any], name: str) -> Any:
        found = classes.get(name)
        if not isinstance(found, type):
            raise ContractBroken(
                f"no class named {name!r} in your submission (micrograd's nn defines "
                "Value, Neuron, Layer and MLP)"
            )
        return found

    def run(self, steps: list[Any], label: str = "step ", k: int = 0) -> None:
        """Run ``steps``; readings are named after the step (``step 3: p7``)."""
        for number, step in enumerate(steps, 1):
            where = f"{label}{number}" + (f" (k={k})" if label != "step " else "")
            name = step[0]
            if name == "repeat":
                for iteration in range(step[1]):
                    self.run(step[2], f"{label}{number}.", iteration)
            elif name == "step":
                self.descend(self.parameters(), step[1] - step[2] * k)
            else:
                getattr(self, "do_" + name)(where)

    def do_forward(self, where: str) -> None:
        self.given = [list(x) for x in self.xs]  # a fresh list per call, as a caller makes
        self.before = [_snapshot(x) for x in self.given]
        self.outs = [self.model(x) for x in self.given]
        self.loss = None
        for i, out in enumerate(self.outs):
            if self.outputs == 1:
                if isinstance(out, (list, tuple)):
                    raise ContractBroken(
                        f"{self.described} returned a {type_name(type(out))} for one output; "
                        "micrograd's Layer returns the Value itself when nout == 1 "
                        "(out[0] if len(out) == 1 else out)"
                    )
                self.observe(f"{where}: out[{i}]", "data", out)
                continue
            if not isinstance(out, (list, tuple)) or len(out) != self.outputs:
                raise ContractBroken(
                    f"{self.described} must return a list of {self.outputs} Values, "
                    f"one per output neuron; it returned a {type_name(type(out))}"
                )
            for j, o in enumerate(out):
                self.observe(f"{where}: out[{i}][{j}]", "data", o)

    def last_outputs(self, step: str) -> list[Any]:
        if self.outs is None:
            raise ContractBroken(f"the spec's {step} step comes before any forward step")
        return self.outs

    def do_loss(self, where: str) -> None:
        outs, targets = self.last_outputs("loss"), self.network["targets"]
        if self.network["loss"] == "hinge":
            # micrograd's demo, in its order: the mean hinge, then the L2 regularisation.
            losses = [(1 + -y * s).relu() for y, s in zip(targets, outs, strict=True)]
            data_loss = sum(losses) * (1.0 / len(losses))
            alpha = self.network["alpha"]
            reg_loss = alpha * sum(p * p for p in self.parameters())
            self.loss = data_loss + reg_loss
        elif self.outputs == 1:
            self.loss = sum((out - y) ** 2 for out, y in zip(outs, targets, strict=True))
        else:
            self.loss = sum(
                (o - t) ** 2
                for out, y in zip(outs, targets, strict=True)
                for o, t in zip(out, y, strict=True)
            )
        self.observe(f"{where}: loss", "data", self.loss)

    def do_backward(self, where: str) -> None:
        outs = self.last_outputs("backward")
        if self.loss is not None:
            self.loss.backward()
        elif self.outputs == 1 and len(outs) == 1:
            outs[0].backward()
        else:
            sum(o for out in outs for o in (out if self.outputs > 1 else [out])).backward()

    def do_grads(self, where: str) -> None:
        for i, p in enumerate(self.parameters()):
            self.observe(f"{where}: p{i}", "grad", p)
        if self.network["values"]:
            for i, x in enumerate(self.xs):
                for j, v in enumerate(x):
                    self.observe(f"{where}: x[{i}][{j}]", "grad", v)

    def do_params(self, where: str) -> None:
        for i, p in enumerate(self.parameters()):
            self.observe(f"{where}: p{i}", "data", p)

    def do_count(self, where: str) -> None:
        params = self.parameters(checked=False)
        self.observe(f"{where}: parameters", "data", Fixed(len(params)))
        self.observe(f"{where}: distinct parameters", "data", Fixed(len({id(p) for p in params})))

    def do_zero_grad(self, where: str) -> None:
        self.model.zero_grad()

    def do_inputs(self, where: str) -> None:
        self.last_outputs("inputs")
        for i, (x, before) in enumerate(zip(self.given, self.before, strict=True)):
            if _snapshot(x) != before:
                raise ContractBroken(
                    f"calling {self.described} changed the list it was given (input {i}); "
                    "a network must leave its input as it is: build a new list instead"
                )


def network_answer(cls: type, network: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a network program on the submission's classes (the entry class's module) and
    read back every reading, as ``number``s: data and grad maps, by reading's name."""
    data: dict[str, Any] = {}
    grad: dict[str, Any] = {}

    def observe(name: str, field: str, node: Any) -> None:
        (data if field == "data" else grad)[name] = number(getattr(node, field))

    run = NetworkRun(network, network_classes(cls), observe)
    run.run(network["steps"])
    return data, grad
