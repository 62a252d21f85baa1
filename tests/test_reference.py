"""The reference engine against central finite differences, and PyTorch when installed."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judge.engine.reference import Value

# Each function takes leaves (x, y) and builds a scalar; inputs keep away from kinks
# and domain edges (log of a positive number, division away from zero).
FUNCTIONS: dict[str, Callable[[Value, Value], Value]] = {
    "add_mul": lambda x, y: x * y + x * 3.0 + 2.0,
    "sub_neg": lambda x, y: (x - y) * (-x) - 1.5,
    "div": lambda x, y: x / (y * y + 1.0) + 2.0 / (x * x + 0.5),
    "pow": lambda x, y: (x * x + 1.0) ** 1.5 + (y**3) * 0.1 + x**-2,
    "tanh_exp": lambda x, y: (x * 0.5).tanh() * (y * 0.3).exp(),
    "log_sigmoid": lambda x, y: (x * x + 0.1).log() + (x * y).sigmoid(),
    "relu": lambda x, y: (x * y).relu() + (x + 0.25).relu() * 2.0,
    "reflected": lambda x, y: 2.0 - x + 3.0 * y + 1.0 / (1.0 + y * y) + (5.0 + x),
    "shared": lambda x, y: (x * y) * (x * y) + x * x * x,
}

values = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False).filter(lambda v: abs(v) > 0.05)


def _gradient(function: Callable[[Value, Value], Value], x: float, y: float) -> tuple[float, float]:
    a, b = Value(x), Value(y)
    function(a, b).backward()
    return a.grad, b.grad


def _finite_difference(
    function: Callable[[Value, Value], Value], x: float, y: float, h: float = 1e-6
) -> tuple[float, float]:
    def at(p: float, q: float) -> float:
        return function(Value(p), Value(q)).data

    return (
        (at(x + h, y) - at(x - h, y)) / (2 * h),
        (at(x, y + h) - at(x, y - h)) / (2 * h),
    )


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@settings(max_examples=60, deadline=None)
@given(x=values, y=values)
def test_gradients_match_finite_differences(name: str, x: float, y: float) -> None:
    function = FUNCTIONS[name]
    if name == "relu" and (abs(x * y) < 1e-3 or abs(x + 0.25) < 1e-3):
        return  # at a kink the two one-sided slopes differ
    analytic = _gradient(function, x, y)
    numeric = _finite_difference(function, x, y)
    for a, n in zip(analytic, numeric, strict=True):
        assert math.isclose(a, n, rel_tol=1e-4, abs_tol=1e-5), (analytic, numeric)


def test_relu_gradient_at_zero_is_zero() -> None:
    x = Value(0.0)
    x.relu().backward()
    assert x.grad == 0.0


def test_tanh_and_sigmoid_do_not_overflow() -> None:
    x, y = Value(400.0), Value(-800.0)
    x.tanh().backward()
    y.sigmoid().backward()
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_deep_chain_needs_no_recursion() -> None:
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0


def test_scale_measures_cancellation() -> None:
    a, b = Value(1e8), Value(1.0)
    c = a + b - a
    assert c.data == 1.0
    assert c.scale == pytest.approx(2e8 + 1)


def test_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for name, function in FUNCTIONS.items():
        for x, y in [(0.7, -1.3), (-1.1, 0.4), (1.9, 1.2)]:
            ours = _gradient(function, x, y)
            # The functions use only operators and methods that tensors share with Value.
            tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
            function(tx, ty).backward()
            assert ours == pytest.approx((tx.grad.item(), ty.grad.item()), rel=1e-12), name
