"""Samples the test modules share: submissions, specs, hostile cells and small helpers.

Kept here, not in one test module imported by others, so that running one module never
collects another's tests and each sample is defined once.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from judge.results import TestResult, Verdict

ROOT = Path(__file__).resolve().parent.parent

# A correct, compact Value for the ops add, mul, relu (and numbers on the right).
GOOD_VALUE = """
class Value:
    def __init__(self, data, children=()):
        self.data = data
        self.grad = 0.0
        self._children = children
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))
        def backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))
        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = backward
        return out

    def relu(self):
        out = Value(max(self.data, 0), (self,))
        def backward():
            self.grad += (out.data > 0) * out.grad
        out._backward = backward
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
                stack.extend((c, False) for c in node._children)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()
"""

MINI_SPEC = """\
id: mini
title: A small problem
description: Implement add, mul and relu.
starter: |
  class Value:
      pass
ops: [add, mul, relu]
time_limit: 3
cases:
  - name: visible affine relu
    hidden: false
    program: |
      a = Value(2.0)
      b = Value(-3.0)
      c = Value(10.0)
      d = a + b * c
      e = d.relu()
      e.backward()
    expect:
      data: {d: -28.0, e: 0.0}
      grad: {a: 0.0, b: 0.0, c: 0.0, d: 0.0, e: 1.0}
  - name: used twice
    topic: a node used twice by one op
    program: |
      a = Value(3.0)
      b = a * a
      c = b + a
      c.backward()
  - name: numbers on the right
    topic: numbers mixed in
    points: 2
    program: |
      a = Value(-1.5)
      b = (a * 2 + 1).relu() + a
      b.backward()
"""

WRONG_VALUE = GOOD_VALUE.replace("self.grad += other.data", "self.grad = other.data")
HANGING_VALUE = GOOD_VALUE.replace("self.grad = 1.0", "while True: pass")


def touch(path: Path, text: str = "") -> Path:
    """Write ``text`` to ``path``, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# Spreadsheet formulas and their look-alikes: no gradebook cell may start one.
FORMULAS = [
    '=HYPERLINK("http://evil")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "\n=1+1",
    " =1+1",
    "   @x",
    "\u00a0=1+1",  # no-break space
    "\u2003=1",  # em space
    "\u3000=1",  # ideographic space
    "\u200b=1",  # zero-width space
    "\ufeff=1",  # byte order mark
    "\uff1d1+1",  # full-width equals
    "\uff0b1",
    "\uff0d1",
    "\uff20x",
    "\ufe661",  # small equals
    "\u22121",  # minus sign
]
ROSTER_NAMES = ["alice", "Bob Smith", "o'brien", "zoë", "李雷", "smith-jones", "a.b_c", "x=1"]


def leftover_processes(folder: Path, wait: float = 2.0) -> list[int]:
    """Processes whose working directory lies in ``folder`` (every worker's does)."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cwd = os.readlink(entry / "cwd")
                except OSError:
                    continue
                if cwd.startswith(str(folder)):
                    found.append(int(entry.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def result(
    name: str,
    kind: str,
    status: Verdict,
    score: float,
    max_score: float,
    hidden: bool,
    message: str = "",
    output: str = "",
    **fields: Any,
) -> TestResult:
    """A TestResult written in the order of the format tests' tables (TestResult itself
    takes keywords only); ``fields``: its optional ones (``line``, ``diagnosis``...)."""
    return TestResult(
        name=name,
        kind=kind,
        status=status,
        score=score,
        max_score=max_score,
        hidden=hidden,
        message=message,
        output=output,
        **fields,
    )


def worker_switches() -> dict[str, str]:
    """The switches of how the judge starts its workers, passed on from this process's
    environment to a judge run in a minimal one: ``JUDGE_WARM_WORKERS=1 pytest ...``
    runs the hostile suites through prestarted workers (tests/test_warm.py)."""
    return {"JUDGE_WARM_WORKERS": os.environ.get("JUDGE_WARM_WORKERS", "")}
