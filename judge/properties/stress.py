"""Stress graphs: shapes that break implementations which are right on small graphs.

* **deep chain**: ``v = v + x`` 2,000 times, twice the worker's recursion limit
  (``stress_checks.DEEP_CHAIN``).  A recursive topological sort exceeds it.
* **many paths**: ``v = v + v`` 20 times: 21 nodes but 2**20 paths from the output to
  the leaf.  A backward pass that walks every path instead of every node takes a
  million steps (and over-counts).
* **wide**: one leaf used by 1,024 products, summed pairwise (2,048 nodes): every node
  has many siblings, nothing is deep.  A visited *list* (``v in list``) makes it
  quadratic, so its CPU time may be at most ``TIMES_REFERENCE`` times the reference's
  on the same graph (``allowed_seconds``).
* **linear time**: 100,000 nodes in 195 layers of 256 averages of two nodes of the
  layer before (a butterfly, so the output depends on every node), and the same graph
  eight times smaller: the submission's CPU time for the whole answer must grow about
  as the number of nodes does, not as its square (see ``allowed_growth``), and stay
  within ``TIMES_REFERENCE`` times the reference's on the full graph (see
  ``allowed_seconds``).  It is only 390 deep, so a recursive sort is not penalised
  twice.

Each graph is plain data; only a sample of its nodes is read back from the worker.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from dataclasses import dataclass
from typing import Any

import msgspec

from judge.engine.evaluate import Reference
from judge.engine.reference import Value
from judge.fingerprint import code_fingerprint
from judge.program.stress_checks import CHECKS, WIDTH, Ops, Timing
from judge.properties.corpus import cached_file, save
from judge.runner.interpreter import answer, execute, paused_gc
from judge.spec.model import StressSpec

SAMPLE = 40  # nodes read back from a big graph, besides leaves and the output
# The linear-time check's design (docs/properties.md, "Timing"): the submission answers
# the graph and one GROWTH times smaller in the same worker, timed in its CPU seconds,
# and its time may grow at most as the node count to the power GROWTH_EXPONENT (22.6
# times for 8 times the nodes) or ``factor`` times the reference's own growth, whichever
# is more.  Measured here: correct engines grow 4.5 to 5 times from 25,000 to 100,000
# nodes and 10 to 11 times from 12,500 (the cost per node rises as the graph outgrows
# the caches); quadratic ones 16 to 21 times and 60 to 130 times.
GROWTH = 8
GROWTH_EXPONENT = 1.5  # halfway between linear (1) and quadratic (2)
REFERENCE_RUNS = 3  # the reference's small graph is timed this many times (the best counts)
# A ratio of times can be bent: an engine that burns a constant on every big graph (or
# shapes its padding to each size) makes its growth look linear, but it cannot make the
# full graph take less than its real work.  So the full graph may take at most this
# many times the reference's own time on it, measured the same way (the whole request,
# in CPU time).  Measured here, both cores busy: 24 correct engines of every style took
# 0.77 to 1.6 times the reference; quadratic ones (insert(0, ...), padded or not, lazy or
# forging their figures) 4.7 to 6 times.  Ratios between sizes, in which a constant
# cancels, were tried and dropped: see docs/properties.md.
TIMES_REFERENCE = 3.0


@dataclass(frozen=True)
class StressGraph:
    """A stress check ready to run: the graph, the reference values of the nodes read
    back, the graph written as a short loop, and for linear time the same graph
    ``GROWTH`` times smaller (``small``, of ``small_nodes`` nodes) with the reference's
    CPU seconds on both (``reference_s``: small, then full size) on this machine."""

    spec: StressSpec
    title: str
    wire: dict[str, Any]
    reference: Reference
    code: str
    nodes: int
    small: dict[str, Any] | None = None
    small_nodes: int = 0
    reference_s: tuple[float, float] = (0.0, 0.0)

    @property
    def read(self) -> list[str]:
        return list(self.wire["read"])

    @property
    def reference_growth(self) -> float:
        """How many times longer the reference took on the full graph than on the small."""
        small, full = self.reference_s
        return full / small if small > 0 else 0.0

    def allowed_growth(self, factor: float) -> float:
        """The most the submission's time may grow from the small graph to the full one:
        the node ratio to the power ``GROWTH_EXPONENT``, or ``factor`` times the
        reference's growth where this machine's caches make linear code grow faster."""
        ratio = self.nodes / self.small_nodes if self.small_nodes else 1.0
        return max(ratio**GROWTH_EXPONENT, factor * self.reference_growth)

    @property
    def allowed_seconds(self) -> float:
        """The most CPU seconds the submission may take on the full graph:
        ``TIMES_REFERENCE`` times the reference's."""
        return TIMES_REFERENCE * self.reference_s[1]


def _sample(ops: Ops, output: str) -> list[str]:
    """The leaves, the output and an even sample of the rest (at most a few hundred)."""
    names = [op[0] for op in ops]
    leaves = [op[0] for op in ops if op[1] == "value"][:WIDTH]
    step = max(1, len(names) // SAMPLE)
    return list(dict.fromkeys([*leaves, *names[::step], output]))


class _StoredReference(msgspec.Struct, frozen=True):
    key: str
    data: dict[str, float]
    grad: dict[str, float]
    data_scale: dict[str, float]
    grad_scale: dict[str, float]


def _evaluate(ops: Ops, output: str, read: list[str]) -> Reference:
    """Reference values of the ``read`` nodes."""
    with paused_gc():
        nodes = execute(ops, None, Value)
        nodes[output].backward()
    return Reference(
        data={n: nodes[n].data for n in read},
        grad={n: nodes[n].grad for n in read},
        data_scale={n: nodes[n].scale for n in read},
        grad_scale={n: nodes[n].grad_scale for n in read},
    )


def reference_seconds(wire: dict[str, Any], runs: int = 1) -> float:
    """The reference's CPU seconds for the whole request ``wire`` (best of ``runs``), on
    a graph built afresh each time, timed as the judge times the worker (see
    ``session._kernel_cpu``): decoding the request, the answer (``interpreter.answer``,
    with the cycle collector paused, as in the worker) and encoding the reply."""
    line = json.dumps({"id": 1, "program": wire, "seconds": 60.0})
    best = math.inf
    for _ in range(runs):
        started = time.process_time()
        request = json.loads(line)
        with paused_gc():
            data, grad, cpu_s = answer(Value, request["program"])
        json.dumps({"status": "ok", "data": data, "grad": grad, "cpu_s": cpu_s, "id": 1})
        best = min(best, time.process_time() - started)
    return best


def _cached_reference(ops: Ops, output: str, read: list[str], key: str) -> Reference:
    path = cached_file(f"stress-{key[:20]}.json")
    try:
        if path is not None:
            stored = msgspec.json.decode(path.read_bytes(), type=_StoredReference)
            if stored.key == key:
                return Reference(stored.data, stored.grad, stored.data_scale, stored.grad_scale)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        pass
    reference = _evaluate(ops, output, read)
    record = _StoredReference(
        key, reference.data, reference.grad, reference.data_scale, reference.grad_scale
    )
    save(path, msgspec.json.encode(record))
    return reference


def size_of(spec: StressSpec) -> int:
    """The size the stress graph ``spec`` asks for: its own, or its check's default."""
    return spec.size or CHECKS[spec.check].default_size


def stress_reference(spec: StressSpec) -> Reference:
    """The reference values of the nodes read back from the stress graph ``spec`` asks
    for, computed now (what ``build`` caches, and the built-in problems ship)."""
    ops, output, _ = CHECKS[spec.check].build(size_of(spec))
    return _evaluate(ops, output, _sample(ops, output))


def build(
    spec: StressSpec, fingerprint: str | None = None, *, known: Reference | None = None
) -> StressGraph:
    """The stress graph ``spec`` asks for, with its reference values (``known``: the
    shipped ones, else cached on disk, keyed on ``fingerprint``, by default the judge's
    code) and, for linear time, the reference's time on this machine (a
    ``Timing.REFERENCE`` graph's is measured only when it is needed: ``check``)."""
    check = CHECKS[spec.check]  # its record: builder, sizes, title, timing
    size = size_of(spec)
    ops, output, code = check.build(size)
    read = _sample(ops, output)
    wire = {"ops": ops, "backward": output, "read": read}
    if known is None:
        parts = [spec.check, size, fingerprint or code_fingerprint()]
        key = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
        known = _cached_reference(ops, output, read, key)
    reference = known
    title = check.title.format(n=len(ops), levels=size)
    graph = StressGraph(spec, title, wire, reference, code, len(ops))
    if check.timing is not Timing.GROWTH:
        return graph
    small_ops, small_output, _ = check.build(max(WIDTH * 3, size // GROWTH))
    small = {"ops": small_ops, "backward": small_output, "read": _sample(small_ops, small_output)}
    seconds = (reference_seconds(small, REFERENCE_RUNS), reference_seconds(wire))
    return dataclasses.replace(graph, small=small, small_nodes=len(small_ops), reference_s=seconds)
