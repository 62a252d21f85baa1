"""The stress checks a problem may list: one record each (name, sizes, the ops it
needs, the builder of its graph, its title, its advice and how it is timed).

The spec's model and loader read the names, sizes and ops from here; the properties
read the builder, title, advice and timing (``judge.properties.stress`` builds and
caches the graph, ``judge.properties.check`` runs it).  ``judge.spec.model`` checks
its ``StressCheck`` names against ``CHECKS`` when it is imported.  Adding a stress
check is one record and its builder here, plus its tests (docs/architecture.md).

Each builder gives the graph as a list of ``[target, op, args]`` in the worker's wire
format, the output's name, and the graph written as a short loop for the report; what
each shape catches is in ``judge.properties.stress``'s docstring.

Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

WIDTH = 256  # nodes per layer of the linear-time graph
MIX = 8  # log2(WIDTH)
# The worker runs the submission under Python's default recursion limit (it never sets
# one; tests/test_stress_cost.py checks it).  A recursive topological sort takes at
# least one frame a node, so a chain twice as deep as the limit exceeds it wherever the
# sort starts; 10,000 nodes did the same at five times the cost (issue 14).
RECURSION_LIMIT = 1_000
DEEP_CHAIN = 2 * RECURSION_LIMIT


class Timing(Enum):
    """How a stress check judges the time its graph took, besides the time limit."""

    LIMIT = "limit"  # only the time limit: the graph is slow only for a wrong engine
    SECONDS = "seconds"  # at most a few CPU seconds (judge.properties.check)
    GROWTH = "growth"  # against the same graph at smaller sizes (stress.Growth)
    REFERENCE = "reference"  # at most stress.TIMES_REFERENCE times the reference's time


class AdviceOn(Enum):
    """Which endings the check's advice explains (a TypeError gets no advice)."""

    RECURSION = "recursion"  # a RecursionError, or a crash (the stack overflowed)
    TIMEOUT = "timeout"  # the time limit


Ops = list[list[Any]]


def _deep_chain(size: int) -> tuple[Ops, str, str]:
    ops: Ops = [["x", "value", [0.5]], ["v0", "value", [1.0]]]
    for i in range(1, size - 1):
        ops.append([f"v{i}", "add", [f"v{i - 1}", "x"]])
    code = (
        "x = Value(0.5)\n"
        "v = Value(1.0)\n"
        f"for _ in range({size - 2}):\n"
        "    v = v + x\n"
        "v.backward()\n"
    )
    return ops, ops[-1][0], code


def _many_paths(levels: int) -> tuple[Ops, str, str]:
    ops: Ops = [["v0", "value", [1.0]]]
    for i in range(1, levels + 1):
        ops.append([f"v{i}", "add", [f"v{i - 1}", f"v{i - 1}"]])
    code = f"v = Value(1.0)\nfor _ in range({levels}):\n    v = v + v\nv.backward()\n"
    return ops, ops[-1][0], code


def _wide(size: int) -> tuple[Ops, str, str]:
    terms = max(2, size // 2)
    ops: Ops = [["x", "value", [0.5]]]
    level = []
    for i in range(terms):
        ops.append([f"t{i}", "mul", ["x", i % 5 + 1]])
        level.append(f"t{i}")
    count = 0
    while len(level) > 1:
        merged = []
        for i in range(0, len(level) - 1, 2):
            ops.append([f"s{count}", "add", [level[i], level[i + 1]]])
            merged.append(f"s{count}")
            count += 1
        if len(level) % 2:
            merged.append(level[-1])
        level = merged
    code = (
        "x = Value(0.5)\n"
        f"level = [x * (i % 5 + 1) for i in range({terms})]\n"
        "while len(level) > 1:\n"
        "    pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]\n"
        "    level = pairs + level[len(pairs) * 2 :]\n"
        "level[0].backward()\n"
    )
    return ops, level[0], code


def _layers(size: int) -> tuple[Ops, str, str]:
    layers = max(1, math.ceil((size - WIDTH) / (2 * WIDTH)))
    ops: Ops = [[f"x{j}", "value", [float(1 + j % 3)]] for j in range(WIDTH)]
    previous = [f"x{j}" for j in range(WIDTH)]
    for layer in range(layers):
        current = []
        step = 1 << (layer % MIX)  # a butterfly: after MIX layers, each node sees every leaf
        for j in range(WIDTH):
            total, mean = f"s{layer}_{j}", f"m{layer}_{j}"
            ops.append([total, "add", [previous[j], previous[j ^ step]]])
            ops.append([mean, "mul", [total, 0.5]])
            current.append(mean)
        previous = current
    code = (
        f"level = [Value(float(1 + j % 3)) for j in range({WIDTH})]\n"
        f"for layer in range({layers}):\n"
        f"    step = 1 << (layer % {MIX})\n"
        f"    level = [(level[j] + level[j ^ step]) * 0.5 for j in range({WIDTH})]\n"
        "level[0].backward()\n"
    )
    return ops, previous[0], code


@dataclass(frozen=True)
class StressCheck:
    """One stress check.  ``size`` is its node count (levels for many paths), up to
    ``max_size``; ``needs`` are the ops its graph uses, which the problem must list;
    ``build(size)`` gives the graph's ops, its output and its code; ``title`` is
    formatted with ``n`` (nodes) and ``levels`` (the size)."""

    name: str
    default_size: int
    max_size: int
    needs: tuple[str, ...]
    build: Callable[[int], tuple[Ops, str, str]]
    title: str
    advice: str
    advice_on: AdviceOn
    timing: Timing


CHECKS: dict[str, StressCheck] = {
    check.name: check
    for check in (
        StressCheck(
            "deep-chain",
            default_size=DEEP_CHAIN,
            max_size=1_000_000,
            needs=("add",),
            build=_deep_chain,
            title="deep chain ({n:,} nodes)",
            advice="a recursive topological sort runs out of stack on a deep graph: build "
            "the order with an explicit stack (a list) instead of recursion",
            advice_on=AdviceOn.RECURSION,
            timing=Timing.LIMIT,
        ),
        StressCheck(
            "many-paths",
            default_size=20,
            max_size=60,
            needs=("add",),
            build=_many_paths,
            title="many paths ({levels} levels of v = v + v)",
            advice="backward() must visit each node once, not once per path",
            advice_on=AdviceOn.TIMEOUT,
            timing=Timing.SECONDS,
        ),
        StressCheck(
            "wide",
            # A visited list makes it quadratic: at 2,048 nodes about 12 times the
            # reference's CPU time, where correct engines take 0.8 to 1.3 times; under
            # the time limit alone, even at 4,096 nodes (0.37 s), it passed (issue 14).
            default_size=2_048,
            max_size=1_000_000,
            needs=("add", "mul"),
            build=_wide,
            title="wide graph ({n:,} nodes)",
            advice="a visited *list* (`v in visited`) is slow on a wide graph: use a set",
            advice_on=AdviceOn.TIMEOUT,
            timing=Timing.REFERENCE,
        ),
        StressCheck(
            "linear-time",
            default_size=100_000,
            max_size=1_000_000,
            needs=("add", "mul"),
            build=_layers,
            title="linear-time backward ({n:,} nodes)",
            advice="backward() must take time proportional to the number of nodes: use a "
            "set for visited nodes, append then reverse (not insert(0, ...)), and visit "
            "each node once",
            advice_on=AdviceOn.TIMEOUT,
            timing=Timing.GROWTH,
        ),
    )
}
