"""The library of classic mistakes, each one a deliberately broken engine.

When a submission's numbers on its failing graph are exactly what one of these engines
computes, the report names the mistake in plain words and says how to fix it.  Each
entry is tested: its engine is recognised, and a correct engine never is.

Recognition runs the broken engines here, in the judge, on graphs that are already
small (the shrunk counterexample); an engine whose numbers depend on the order the
graph is walked is tried under every child order of the graph.  When several engines
fit the small graph, the submission is run on variations of it (other numbers) and the
engines that do not fit those answers drop out; if several still remain, the one that
fits the most of the other graphs the submission answered wins.  A mistake is named
only when exactly one is left.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from judge.compare import check_number, close_enough
from judge.engine.evaluate import Reference
from judge.program.model import Instruction, Program
from judge.properties.engines import Engine, StepLimit, variant
from judge.runner.harness import execute
from judge.spec.model import Tolerance

MAX_FLIPPED = 6  # binary nodes whose child order is varied: 2**6 orders at most
MAX_OTHERS = 100  # graphs used to choose between mistakes that fit the small graph
MAX_PROBES = 24  # variations of the small graph run to tell mistakes apart
PROBE_NUMBERS: tuple[int | float, ...] = (1, -1, 2, -2, 0, 3, 0.5, -0.5)


# -- the broken engines ---------------------------------------------------------------
class GradAssigned(Engine):
    def send(self, child: Engine, slope: float) -> None:
        child.grad = slope * self.grad


class UpstreamIgnored(Engine):
    def send(self, child: Engine, slope: float) -> None:
        child.grad += slope


class DataForGrad(Engine):
    def send(self, child: Engine, slope: float) -> None:
        child.grad += slope * self.data


class NoTopologicalSort(Engine):
    def backward(self) -> None:
        self.grad = 1.0
        stack: list[Engine] = [self]
        steps = 0
        while stack:  # propagate(v): v._backward(); for c in v._prev: propagate(c)
            node = stack.pop()
            node.run_step()
            stack.extend(reversed(node.inputs()))
            steps += 1
            if steps > self.MAX_STEPS:
                raise StepLimit


class OrderNotReversed(Engine):
    def backward(self) -> None:
        order = self.topological_order()
        self.grad = 1.0
        for node in order:
            node.run_step()


class OutputNotSeeded(Engine):
    def backward(self) -> None:
        for node in reversed(self.topological_order()):
            node.run_step()


class GradStartsAtOne(Engine):
    INITIAL_GRAD = 1.0


class VisitedByValue(Engine):
    def visit_key(self) -> Any:
        return self.data


class NegDetached(Engine):
    def __neg__(self) -> Engine:
        return type(self)(-self.data)


def _override(
    name: str,
    forward: dict[str, Callable[..., float]] | None = None,
    local: dict[str, Callable[..., tuple[float, ...]]] | None = None,
) -> type[Engine]:
    """An engine with some table entries replaced."""
    tables = {
        "FORWARD": {**Engine.FORWARD, **(forward or {})},
        "LOCAL": {**Engine.LOCAL, **(local or {})},
    }
    return type(name, (Engine,), tables)


class SubReversed(Engine):
    def __sub__(self, other: Engine | float) -> Engine:
        return self.lift(other) + (-self)


class SubGradSign(Engine):
    def __sub__(self, other: Engine | float) -> Engine:
        other = self.lift(other)
        out = type(self)(self.data - other.data, (self, other))

        def step() -> None:
            out.send(self, 1.0)
            out.send(other, 1.0)

        out.step = step
        return out


class RsubReversed(Engine):
    def __rsub__(self, other: float) -> Engine:
        return self - other


class RdivReversed(Engine):
    def __rtruediv__(self, other: float) -> Engine:
        return self / other


class AddForgetsOther(Engine):
    def __add__(self, other: Engine | float) -> Engine:
        other = self.lift(other)
        out = type(self)(self.data + other.data, (self, other))
        out.step = lambda: out.send(self, 1.0)
        return out


@dataclass(frozen=True)
class Mistake:
    """A classic mistake: a short title, the fix in plain words, and its engine.

    ``order_dependent``: its numbers depend on the order the graph is walked.
    ``op``: where the mistake lives when it is not in one operation (``backward`` for
    the backward pass itself, ``value`` for the constructor), which the diagnosis then
    names whatever operation the small graph happened to show it through.
    """

    id: str
    title: str
    fix: str
    engine: type[Engine]
    order_dependent: bool = False
    op: str | None = None

    @property
    def hint(self) -> str:
        return f"This looks like a classic mistake: {self.title}. {self.fix}"


LIBRARY: tuple[Mistake, ...] = (
    Mistake(
        "grad-assigned",
        "gradients are assigned (=) instead of accumulated (+=)",
        "A node used more than once must receive the sum of every contribution: write "
        "`x.grad += ...` in every backward step, never `x.grad = ...`.",
        GradAssigned,
        order_dependent=True,
    ),
    Mistake(
        "no-topological-sort",
        "backward() calls each node's backward step while walking down from the output, "
        "without a topological order, so a node reached along two paths passes its "
        "gradient on before it has all of it, and once per path",
        "Build a topological order first (every node after all of its inputs, each node "
        "once), then call the backward steps in reverse order.",
        NoTopologicalSort,
        order_dependent=True,
        op="backward",
    ),
    Mistake(
        "order-not-reversed",
        "backward() walks the topological order from the inputs to the output",
        "Walk it reversed (`for v in reversed(topo)`), so that every node has its whole "
        "gradient before it passes it on.",
        OrderNotReversed,
        order_dependent=True,
        op="backward",
    ),
    Mistake(
        "output-not-seeded",
        "backward() never sets the output's own gradient to 1, so nothing flows",
        "Set `self.grad = 1` on the output at the start of backward().",
        OutputNotSeeded,
        op="backward",
    ),
    Mistake(
        "grad-starts-at-one",
        "every Value starts with grad = 1 instead of 0",
        "Start `self.grad = 0` in __init__; backward() sets the output's gradient to 1.",
        GradStartsAtOne,
        op="value",
    ),
    Mistake(
        "visited-by-value",
        "the topological sort's visited set holds values (v.data), so two different "
        "nodes holding the same number count as one",
        "Put the nodes themselves (or id(v)) in the visited set, not their data.",
        VisitedByValue,
        order_dependent=True,
        op="backward",
    ),
    Mistake(
        "upstream-ignored",
        "the backward steps add only the local slope, without multiplying by the output's gradient",
        "Apply the chain rule: `self.grad += local_slope * out.grad`.",
        UpstreamIgnored,
    ),
    Mistake(
        "data-for-grad",
        "the backward steps multiply by the output's data instead of its gradient",
        "Use `out.grad`, not `out.data`: `self.grad += local_slope * out.grad`.",
        DataForGrad,
    ),
    Mistake(
        "add-forgets-other",
        "add's backward step gives a gradient to the left operand only",
        "Both operands of a + b get the output's gradient: also `other.grad += out.grad`.",
        AddForgetsOther,
    ),
    Mistake(
        "relu-no-mask",
        "relu's backward passes the gradient through even where the input is negative",
        "Multiply by the mask: `self.grad += (out.data > 0) * out.grad`.",
        _override("ReluNoMask", local={"relu": lambda x, z: (1.0,)}),
    ),
    Mistake(
        "relu-slope-at-zero",
        "relu's backward gives slope 1 at exactly 0 (it tests >= 0)",
        "The slope of relu at 0 is 0 here, as in PyTorch and micrograd: test `> 0`.",
        _override("ReluSlopeAtZero", local={"relu": lambda x, z: (1.0 if x >= 0 else 0.0,)}),
    ),
    Mistake(
        "mul-grads-swapped",
        "mul's backward gives each operand its own value as slope",
        "The slope of a * b for a is b, and for b it is a: "
        "`self.grad += other.data * out.grad; other.grad += self.data * out.grad`.",
        _override("MulGradsSwapped", local={"mul": lambda x, y, z: (x, y)}),
    ),
    Mistake(
        "mul-forward-adds",
        "mul's forward pass adds the operands instead of multiplying them",
        "Compute `self.data * other.data` in __mul__.",
        _override("MulForwardAdds", forward={"mul": lambda x, y: x + y}),
    ),
    Mistake(
        "pow-no-exponent",
        "pow's backward drops the exponent factor: x ** (n - 1) instead of n * x ** (n - 1)",
        "d(x ** n)/dx = n * x ** (n - 1): `self.grad += n * self.data ** (n - 1) * out.grad`.",
        _override("PowNoExponent", local={"pow": lambda x, n, z: (x ** (n - 1),)}),
    ),
    Mistake(
        "div-denominator-sign",
        "division's backward gives the denominator +a / b**2",
        "d(a / b)/db = -a / b**2: the denominator's gradient has a minus sign.",
        _override("DivDenominatorSign", local={"div": lambda x, y, z: (1.0 / y, x / y**2)}),
    ),
    Mistake(
        "sub-reversed",
        "__sub__ computes other - self",
        "a - b is `self.data - other.data` (or `self + (-other)`).",
        SubReversed,
    ),
    Mistake(
        "sub-grad-sign",
        "sub's backward gives the right operand +out.grad",
        "d(a - b)/db = -1: `other.grad -= out.grad` (or build a - b as a + (-b)).",
        SubGradSign,
    ),
    Mistake(
        "rsub-reversed",
        "__rsub__ computes self - other, but n - a calls a.__rsub__(n)",
        "Return `other - self` in __rsub__ (for example `(-self) + other`).",
        RsubReversed,
    ),
    Mistake(
        "rdiv-reversed",
        "__rtruediv__ computes self / other, but n / a calls a.__rtruediv__(n)",
        "Return `other / self` in __rtruediv__ (for example `Value(other) / self`).",
        RdivReversed,
    ),
    Mistake(
        "neg-detached",
        "__neg__ returns a new Value with no link to its input, so no gradient flows "
        "back through -a (nor through a subtraction built on it)",
        "Return a node with a backward step: d(-a)/da = -1 "
        "(`self.grad -= out.grad`), or write -a as a * -1.",
        NegDetached,
    ),
    Mistake(
        "exp-slope-from-input",
        "exp's backward uses the input x as the slope",
        "d exp(x)/dx = exp(x), the output: `self.grad += out.data * out.grad`.",
        _override("ExpSlopeFromInput", local={"exp": lambda x, z: (x,)}),
    ),
    Mistake(
        "tanh-slope-linear",
        "tanh's backward uses 1 - t instead of 1 - t**2",
        "d tanh(x)/dx = 1 - tanh(x)**2: `self.grad += (1 - t**2) * out.grad`.",
        _override("TanhSlopeLinear", local={"tanh": lambda x, z: (1.0 - z,)}),
    ),
    Mistake(
        "tanh-slope-from-input",
        "tanh's backward uses the input: 1 - x**2 instead of 1 - t**2",
        "The slope uses the output t = tanh(x): `self.grad += (1 - t**2) * out.grad`.",
        _override("TanhSlopeFromInput", local={"tanh": lambda x, z: (1.0 - x * x,)}),
    ),
    Mistake(
        "sigmoid-slope-from-input",
        "sigmoid's backward uses the input: x * (1 - x) instead of s * (1 - s)",
        "The slope uses the output s = sigmoid(x): `self.grad += s * (1 - s) * out.grad`.",
        _override("SigmoidSlopeFromInput", local={"sigmoid": lambda x, z: (x * (1.0 - x),)}),
    ),
    Mistake(
        "sigmoid-forward-sign",
        "sigmoid for x >= 0 computes 1 / (1 + exp(x)), with the wrong sign in the exponent",
        "sigmoid(x) = 1 / (1 + exp(-x)) (and exp(x) / (1 + exp(x)) for x < 0).",
        _override(
            "SigmoidForwardSign",
            # 1 / (1 + exp(x)) for x >= 0, written as sigmoid(-x) so that it cannot overflow
            forward={"sigmoid": lambda x: _sig(-x) if x >= 0 else _sig(x)},
        ),
    ),
    Mistake(
        "log-slope-from-output",
        "log's backward uses 1 / log(x) instead of 1 / x",
        "d log(x)/dx = 1 / x: `self.grad += out.grad / self.data`.",
        _override("LogSlopeFromOutput", local={"log": lambda x, z: (1.0 / z,)}),
    ),
)


def _sig(x: float) -> float:
    z = math.exp(x)
    return z / (1.0 + z)


BY_ID = {mistake.id: mistake for mistake in LIBRARY}


# -- recognition ------------------------------------------------------------------------
Answer = tuple[dict[str, Any], dict[str, Any]]  # a submission's (data, grad) by node


def engine_answer(engine: type[Engine], program: Program | dict[str, Any]) -> Answer | None:
    """What ``engine`` computes for every node, or None if it cannot (it raises)."""
    wire: dict[str, Any] = program.to_wire() if isinstance(program, Program) else program
    try:
        nodes = execute(wire["ops"], wire["backward"], engine)
    except (ArithmeticError, ValueError, TypeError, StepLimit, RecursionError):
        return None
    return (
        {name: node.data for name, node in nodes.items()},
        {name: node.grad for name, node in nodes.items()},
    )


def _orders(
    program: Program, order_dependent: bool, exhaustive: bool
) -> Iterator[tuple[bool, int]]:
    """(dedupe, flips) pairs to try: with ``exhaustive``, every child order of the first
    binary nodes; else children as given or all reversed, as a list or as a set."""
    if not order_dependent:
        yield False, 0
        return
    if not exhaustive:
        for dedupe in (False, True):
            yield dedupe, 0
            yield dedupe, -1  # every bit set: every binary node reversed
        return
    binaries = sum(1 for i in program.instructions if len(i.args) == 2)
    for dedupe in (False, True):
        for flips in range(1 << min(binaries, MAX_FLIPPED)):
            yield dedupe, flips


def same_answer(
    answer: Answer, expected: Answer, reference: Reference, tolerance: Tolerance
) -> bool:
    """Whether ``answer`` equals ``expected`` at every node, within the tolerance the
    reference's scales give."""
    for got_values, want_values, scales in (
        (answer[0], expected[0], reference.data_scale),
        (answer[1], expected[1], reference.grad_scale),
    ):
        for name, want in want_values.items():
            got, _ = check_number(got_values.get(name))
            if got is None or not math.isfinite(want):
                return False
            if not close_enough(got, want, max(scales[name], abs(want)), tolerance):
                return False
    return True


def fits(
    mistake: Mistake,
    program: Program,
    answer: Answer,
    reference: Reference,
    tolerance: Tolerance,
    exhaustive: bool = True,
) -> bool:
    """Whether ``mistake``'s engine gives ``answer`` on ``program`` under some order of
    walking the graph (every order of a small graph if ``exhaustive``, else a few)."""
    for dedupe, flips in _orders(program, mistake.order_dependent, exhaustive):
        computed = engine_answer(variant(mistake.engine, dedupe, flips), program)
        if computed is not None and same_answer(answer, computed, reference, tolerance):
            return True
    return False


@dataclass(frozen=True)
class Observation:
    """A graph and what the submission answered on it."""

    program: Program
    reference: Reference
    answer: Answer


def probes(program: Program) -> Iterator[Program]:
    """``program`` with one number changed (to 1, -1, 2, -2, 0, 3, 0.5 or -0.5): small
    experiments that tell apart mistakes which agree on ``program`` itself."""
    count = 0
    for index, instruction in enumerate(program.instructions):
        for slot, value in enumerate(instruction.args):
            if isinstance(value, str):
                continue
            for number in PROBE_NUMBERS:
                new = float(number) if isinstance(value, float) else number
                if repr(new) == repr(value):
                    continue
                args = list(instruction.args)
                args[slot] = new
                instructions = list(program.instructions)
                instructions[index] = Instruction(instruction.target, instruction.op, tuple(args))
                yield Program(tuple(instructions), program.backward)
                count += 1
                if count >= MAX_PROBES:
                    return


def recognise(
    failing: Observation,
    others: Sequence[Observation],
    tolerance: Tolerance,
    probe: Callable[[Program], Observation | None] | None = None,
    library: Iterable[Mistake] = LIBRARY,
) -> Mistake | None:
    """The one mistake whose engine explains the submission, or None.

    ``failing`` is the small failing graph.  When several mistakes fit it, ``probe``
    (which runs the submission on a graph) runs variations of it with other numbers,
    and ``others`` (the rest of what the submission answered) decide what is left.
    """
    reference = failing.reference
    if same_answer(failing.answer, (reference.data, reference.grad), reference, tolerance):
        return None  # nothing to explain: the answer is right
    candidates = [
        m for m in library if fits(m, failing.program, failing.answer, failing.reference, tolerance)
    ]
    if len(candidates) > 1 and probe is not None:
        for variation in probes(failing.program):
            seen = probe(variation)
            if seen is not None:
                candidates = [
                    m
                    for m in candidates
                    if fits(m, seen.program, seen.answer, seen.reference, tolerance)
                ]
            if len(candidates) <= 1:
                break
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    sample = others[:MAX_OTHERS]
    scores = {
        m.id: sum(
            fits(m, seen.program, seen.answer, seen.reference, tolerance, exhaustive=False)
            for seen in sample
        )
        for m in candidates
    }
    best = max(scores.values())
    winners = [m for m in candidates if scores[m.id] == best]
    return winners[0] if len(winners) == 1 else None
