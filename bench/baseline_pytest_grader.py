"""Baseline for bench/run_all.py: the grader a course would otherwise write by hand.

    JUDGE_BENCH_SUBMISSION=submissions/correct.py \\
        python -m pytest -q -p no:cacheprovider bench/baseline_pytest_grader.py

pytest + hypothesis, everything in one process: it imports the submission, runs a few
fixed graphs, 200 hypothesis-generated random graphs (``@given``, 2 to 12 nodes of
``+``, ``*``, relu and numbers on the right, values in [-3, 3]) and three large
graphs like the judge's stress checks, and compares every node's ``data`` and ``grad``
with a small reference engine written in this file.  No isolation, no time or memory
limits, no diagnosis beyond pytest's assertion message.

It lives in ``bench/``, not ``tests/``: the project's test run collects ``tests/`` only.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.setrecursionlimit(100_000)  # a hand-written grader would let recursive solutions run

PATH = os.environ.get("JUDGE_BENCH_SUBMISSION", "submissions/correct.py")
_spec = importlib.util.spec_from_file_location("submission", PATH)
assert _spec is not None and _spec.loader is not None
submission = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(submission)
Student = submission.Value


class Ref:
    """The reference: a minimal scalar autograd, iterative topological sort."""

    def __init__(self, data, children=(), back=None):
        self.data = float(data)
        self.grad = 0.0
        self.children = children
        self.back = back

    def __add__(self, other):
        other = other if isinstance(other, Ref) else Ref(other)
        out = Ref(self.data + other.data, (self, other))
        out.back = lambda: (_acc(self, out.grad), _acc(other, out.grad))
        return out

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Ref) else Ref(other)
        out = Ref(self.data * other.data, (self, other))
        out.back = lambda: (
            _acc(self, other.data * out.grad),
            _acc(other, self.data * out.grad),
        )
        return out

    __rmul__ = __mul__

    def relu(self):
        out = Ref(max(self.data, 0.0), (self,))
        out.back = lambda: _acc(self, (self.data > 0) * out.grad)
        return out

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((c, False) for c in node.children)
        self.grad = 1.0
        for node in reversed(order):
            if node.back is not None:
                node.back()


def _acc(node, amount):
    node.grad += amount


APPLY = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "addn": lambda a, b: a + b,
    "muln": lambda a, b: a * b,
    "relu": lambda a, b: a.relu(),
}


def build(cls, leaves, ops):
    nodes = [cls(x) for x in leaves]
    for op, i, j, number in ops:
        other = number if op in ("addn", "muln") else nodes[j % len(nodes)]
        nodes.append(APPLY[op](nodes[i % len(nodes)], other))
    nodes[-1].backward()
    return nodes


def compare(leaves, ops):
    expected = build(Ref, leaves, ops)
    actual = build(Student, leaves, ops)
    for k, (e, a) in enumerate(zip(expected, actual, strict=True)):
        scale = 1.0 + abs(e.data) + abs(e.grad)
        assert math.isclose(a.data, e.data, rel_tol=1e-9, abs_tol=1e-9 * scale), f"data {k}"
        assert math.isclose(a.grad, e.grad, rel_tol=1e-9, abs_tol=1e-9 * scale), f"grad {k}"


numbers = st.floats(-3, 3, allow_nan=False).map(lambda x: round(x, 3))
graphs = st.tuples(
    st.lists(numbers, min_size=1, max_size=3),
    st.lists(
        st.tuples(st.sampled_from(sorted(APPLY)), st.integers(0, 11), st.integers(0, 11), numbers),
        min_size=1,
        max_size=9,
    ),
)


@settings(
    max_examples=200,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(graphs)
def test_random_graphs(graph):
    compare(*graph)


def test_readme_example():
    compare([2.0, -3.0, 10.0], [("mul", 1, 2, 0), ("add", 0, 3, 0), ("relu", 4, 0, 0)])


def test_value_used_twice():
    compare([3.0], [("add", 0, 0, 0), ("mul", 1, 0, 0), ("addn", 2, 0, 2.0)])


def test_relu_at_zero():
    compare([0.0], [("relu", 0, 0, 0), ("muln", 1, 0, 3.0)])


def test_deep_chain():
    compare([0.5], [("muln", k, 0, 1.0) for k in range(10_000)])


def test_many_paths():
    compare([1.0], [("add", k, k, 0) for k in range(20)])


def test_wide():
    leaves = [0.001 * k for k in range(2_048)]
    compare(leaves, [("add", k, k + 1, 0) for k in range(0, 4_094, 2)])
