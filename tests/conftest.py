"""Shared fixtures: small spec folders and submissions written into a temp dir."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

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


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented text to a file under tmp_path and return its path."""

    def writer(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return writer


@pytest.fixture
def mini_dir(tmp_path: Path) -> Path:
    """A folder holding the spec of the small problem ``mini``."""
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "mini.yaml").write_text(MINI_SPEC, encoding="utf-8")
    return folder


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A correct submission for ``mini``."""
    path = tmp_path / "good.py"
    path.write_text(GOOD_VALUE, encoding="utf-8")
    return path
