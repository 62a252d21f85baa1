"""Random networks: a problem's ``networks:`` check (issue 13).

Networks of random shapes, weights and inputs are drawn from the spec's seed, the same
for every submission (``random.Random(seed)``: fair and reproducible, and no
hypothesis import on the grading path); each is run on the student's classes as a
network case is (built, weights injected in ``parameters()`` order, called,
``backward``, every gradient read, the inputs checked unchanged) and compared with the
reference network, reading by reading, within the problem's tolerance.

On a failure the first failing network is shrunk: a layer, a neuron, an input or a
sample dropped, Values passed as numbers, numbers made 1 or whole, each kept when the
smaller network still fails the same way, within a bounded number of worker runs.  The
report shows the smallest as micrograd code a student can paste under their classes,
and names the classic mistake that explains it (``network_diagnosis``).
"""

from __future__ import annotations

import random
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from judge.compare import Expect, compare_readings
from judge.engine.evaluate import Reference, ReferenceError, evaluate_network
from judge.grading.network_diagnosis import diagnose_network
from judge.grading.session import Session
from judge.program.network import Model, NetworkProgram, Step
from judge.results import TestResult, Verdict
from judge.runner.outcome import Kind, Outcome, Raised
from judge.spec.model import Problem, RandomNetworksSpec
from judge.verdicts import judge_outcome

TEST_NAME = "random networks"
SHRINK_RUNS = 60  # worker runs a shrink may take: ~1 ms each for networks this small
STEPS = (Step("count"), Step("forward"), Step("inputs"), Step("backward"), Step("grads"))
SPAN = 2.0  # weights and inputs in [-SPAN, SPAN], two decimals: readable snippets

Neuron = tuple[float, ...]  # its weights, then its bias


@dataclass(frozen=True)
class Net:
    """A random network, in a form that shrinks: each layer's neurons, each neuron's
    weights then bias; ``inputs`` are the samples it is called on."""

    kind: str
    nin: int
    layers: tuple[tuple[Neuron, ...], ...]
    inputs: tuple[tuple[float, ...], ...]
    values: bool
    nonlin: bool = True

    def program(self) -> NetworkProgram:
        """The network case this network is."""
        sizes = () if self.kind == "Neuron" else tuple(len(layer) for layer in self.layers)
        weights = tuple(w for layer in self.layers for neuron in layer for w in neuron)
        model = Model(self.kind, self.nin, sizes, self.nonlin)
        return NetworkProgram(model, weights, self.inputs, STEPS, self.values)


def _number(rng: random.Random) -> float:
    return round(rng.uniform(-SPAN, SPAN), 2)


def draw(spec: RandomNetworksSpec, rng: random.Random) -> Net:
    """One network of ``spec``'s kind and bounds.  An MLP's hidden layers have at least
    two neurons (a hidden layer of one gives a Value the next cannot read, as in
    micrograd), its last one or two."""
    nin = rng.randint(*spec.nin)
    low, high = spec.width
    if spec.model == "Neuron":
        sizes = [1]
    elif spec.model == "Layer":
        sizes = [rng.randint(low, high)]
    else:
        hidden = [
            rng.randint(max(2, low), max(2, high)) for _ in range(rng.randint(*spec.layers) - 1)
        ]
        sizes = [*hidden, rng.randint(1, min(2, high))]
    layers, fan_in = [], nin
    for size in sizes:
        layers.append(tuple(tuple(_number(rng) for _ in range(fan_in + 1)) for _ in range(size)))
        fan_in = size
    samples = tuple(tuple(_number(rng) for _ in range(nin)) for _ in range(rng.randint(1, 3)))
    nonlin = spec.model == "MLP" or rng.random() < 0.7
    return Net(spec.model, nin, tuple(layers), samples, rng.random() < 0.5, nonlin)


def networks(spec: RandomNetworksSpec) -> list[Net]:
    """The ``examples`` networks every submission is checked on (seeded)."""
    rng = random.Random(spec.seed)
    return [draw(spec, rng) for _ in range(spec.examples)]


def _wire(program: NetworkProgram, reference: Reference) -> dict[str, object]:
    return program.to_wire([*reference.data, *reference.grad])


def _failure(outcome: Outcome, reference: Reference, problem: Problem) -> str | None:
    """How the outcome fails (its kind, or the first mismatch), or None if it passes."""
    if outcome.kind is not Kind.OK:
        raised = outcome.details
        return (
            f"{outcome.kind.value} {raised.type}"
            if isinstance(raised, Raised)
            else outcome.kind.value
        )
    mismatches = compare_readings(
        reference, Expect(), outcome.data, outcome.grad, problem.tolerance
    )
    return mismatches[0].describe() if mismatches else None


def _same_way(first: str, again: str) -> bool:
    """A smaller network must fail as the first did: the same exception, or wrong numbers."""

    def kind(text: str) -> str:
        return (
            text
            if text.startswith(("raised", "timeout", "memory", "crashed", "forbidden", "missing"))
            else "wrong"
        )

    return kind(first) == kind(again)


def _drop_column(layer: tuple[Neuron, ...], column: int) -> tuple[Neuron, ...]:
    return tuple(neuron[:column] + neuron[column + 1 :] for neuron in layer)


def _fit(layer: tuple[Neuron, ...], fan_in: int) -> tuple[Neuron, ...]:
    """``layer``'s neurons reading ``fan_in`` inputs: weights cut or padded with 0."""
    return tuple((*(neuron[:-1] + (0.0,) * fan_in)[:fan_in], neuron[-1]) for neuron in layer)


def smaller(net: Net) -> Iterator[Net]:
    """Networks one step smaller or simpler than ``net``, the biggest cuts first."""
    layers = net.layers
    if net.kind == "MLP":
        for i in range(len(layers) - 1, -1, -1):
            if len(layers) > 1:
                rest = list(layers[:i] + layers[i + 1 :])
                if i < len(rest):
                    rest[i] = _fit(rest[i], len(layers[i - 1]) if i else net.nin)
                yield replace(net, layers=tuple(rest))
    for i, layer in enumerate(layers):
        least = 2 if net.kind == "MLP" and i < len(layers) - 1 else 1
        if net.kind == "Neuron" or len(layer) <= least:
            continue
        for j in range(len(layer)):
            cut = list(layers)
            cut[i] = layer[:j] + layer[j + 1 :]
            if i + 1 < len(cut):
                cut[i + 1] = _drop_column(cut[i + 1], j)
            yield replace(net, layers=tuple(cut))
    if net.nin > 1:
        for j in range(net.nin):
            narrower = (_drop_column(layers[0], j), *layers[1:])
            inputs = tuple(x[:j] + x[j + 1 :] for x in net.inputs)
            yield replace(net, nin=net.nin - 1, layers=narrower, inputs=inputs)
    for k in range(len(net.inputs) if len(net.inputs) > 1 else 0):
        yield replace(net, inputs=net.inputs[:k] + net.inputs[k + 1 :])
    if net.values:
        yield replace(net, values=False)
    yield from _simpler_numbers(net)


def _simpler_numbers(net: Net) -> Iterator[Net]:
    """``net`` with one number made 1 or whole, never 0: zeros put every ReLU on its
    kink, where too many different mistakes give the same numbers to tell them apart."""
    for i, layer in enumerate(net.layers):
        for j, neuron in enumerate(layer):
            for k, w in enumerate(neuron):
                for simple in _simple(w):
                    if simple != w:
                        new = (*neuron[:k], simple, *neuron[k + 1 :])
                        cut = list(net.layers)
                        cut[i] = (*layer[:j], new, *layer[j + 1 :])
                        yield replace(net, layers=tuple(cut))
    for s, x in enumerate(net.inputs):
        for k, v in enumerate(x):
            for simple in _simple(v):
                if simple != v:
                    sample = (*x[:k], simple, *x[k + 1 :])
                    yield replace(net, inputs=(*net.inputs[:s], sample, *net.inputs[s + 1 :]))


def _simple(number: float) -> list[float]:
    return [s for s in dict.fromkeys((1.0, float(round(number)))) if s not in (0.0, number)]


@dataclass
class _Shrink:
    problem: Problem
    session: Session
    timeout: float
    runs: int = 0

    def attempt(self, net: Net) -> tuple[Outcome, Reference, str] | None:
        """Run ``net``; its outcome, reference and failure when it fails, else None."""
        program = net.program()
        try:
            reference = evaluate_network(program)
        except ReferenceError:
            return None
        self.runs += 1
        outcome = self.session.run(_wire(program, reference), self.timeout)
        failure = _failure(outcome, reference, self.problem)
        return None if failure is None else (outcome, reference, failure)

    def shrink(self, net: Net, found: tuple[Outcome, Reference, str]) -> tuple[Net, Outcome, str]:
        """The smallest network reached that still fails as ``net`` does."""
        outcome, _, failure = found
        progress = True
        while progress and self.runs < SHRINK_RUNS:
            progress = False
            for candidate in smaller(net):
                if self.runs >= SHRINK_RUNS:
                    break
                again = self.attempt(candidate)
                if again is not None and _same_way(failure, again[2]):
                    net, (outcome, _, failure), progress = candidate, again, True
                    break
        return net, outcome, failure


def check_random_networks(problem: Problem, session: Session, timeout: float) -> TestResult:
    """The ``random networks`` test of a problem with a ``networks:`` section."""
    spec = problem.networks
    if spec is None:
        raise ValueError(f"problem {problem.id!r} draws no random networks")
    nets = [net for net in networks(spec)]
    programs = [net.program() for net in nets]
    references = [evaluate_network(program) for program in programs]
    wires = [_wire(p, r) for p, r in zip(programs, references, strict=True)]
    failed: list[tuple[Net, Outcome, Reference, str]] = []
    for net, reference, outcome in zip(
        nets, references, session.run_many(wires, timeout), strict=True
    ):
        failure = _failure(outcome, reference, problem)
        if failure is not None:
            failed.append((net, outcome, reference, failure))

    def result(status: Verdict, message: str, **fields: Any) -> TestResult:
        score = spec.points if status is Verdict.PASSED else 0.0
        return TestResult(
            name=TEST_NAME,
            kind="property",
            status=status,
            score=score,
            max_score=spec.points,
            hidden=False,
            message=message,
            seed=spec.seed,
            **fields,
        )

    if not failed:
        return result(Verdict.PASSED, "")
    net, first, reference, failure = failed[0]
    # The mistake is named from the network that failed first: its random numbers tell
    # the mistakes apart better than a shrunk one's, where fewer numbers coincide.
    diagnosis = diagnose_network(net.program(), first, problem.tolerance)
    small, outcome, failure = _Shrink(problem, session, timeout).shrink(
        net, (first, reference, failure)
    )
    program = small.program()
    where = f"{len(failed)} of {len(nets)} random networks failed (seed {spec.seed})"
    fields: dict[str, Any] = {}
    if outcome.kind is Kind.OK:
        verdict, what = Verdict.FAILED, failure
    else:
        verdict, what, fields = judge_outcome(outcome, timeout)
    diagnosis = diagnosis or diagnose_network(program, outcome, problem.tolerance)
    if diagnosis is not None:
        fields["diagnosis"] = diagnosis
    snippet = textwrap.indent(program.render().rstrip(), "    ")
    message = (
        f"{what.splitlines()[0] if what else verdict.value}\n{where}; the smallest failing one, "
        f"{program.model.source()}, as code to run under your classes:\n{snippet}"
    )
    return result(verdict, message, output=outcome.output, **fields)


def not_run_networks(problem: Problem, message: str) -> tuple[TestResult, ...]:
    """The random-networks test as an error that never ran (the submission did not load)."""
    if problem.networks is None:
        return ()
    points = problem.networks.points
    return (
        TestResult(
            name=TEST_NAME,
            kind="property",
            status=Verdict.ERROR,
            score=0.0,
            max_score=points,
            hidden=False,
            message=message,
        ),
    )
