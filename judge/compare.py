"""Compare what a submission returned with the reference, node by node.

A spec's ``tolerance:`` and ``expect:`` are this comparison's parameters, so they are
defined here, below the spec package that parses them (``judge.spec.model`` uses them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from judge.engine.evaluate import Reference


class Tolerance(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How close a number must be: ``|got - expected| <= abs + rel * scale``.

    ``scale`` is the larger of ``|expected|`` and the sum of the magnitudes of the terms
    that produced it, so cancellation does not fail a correct float implementation.
    """

    rel: float = 1e-6
    abs: float = 1e-9


class Expect(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Written-down expected values for some nodes (the reference supplies the rest)."""

    data: dict[str, float] = {}
    grad: dict[str, float] = {}


def close_enough(got: float, expected: float, scale: float, tolerance: Tolerance) -> bool:
    """``|got - expected| <= abs + rel * max(|expected|, scale)``.

    ``scale`` is the magnitude of the terms that were summed to make the value, so a
    correct implementation that sums in another order (and loses the low bits of a
    cancellation differently) still passes.
    """
    bound = tolerance.abs + tolerance.rel * max(abs(expected), scale)
    return abs(got - expected) <= bound


@dataclass(frozen=True)
class Mismatch:
    """One node's data or grad that is not what it should be.

    ``got`` is the number the submission returned, or a description when it returned
    something that is not a finite real number (``reason`` then says what).
    """

    node: str
    field: str  # "data" or "grad"
    expected: float
    got: Any
    reason: str = ""

    def describe(self) -> str:
        """``a.grad: expected 2.0, got 1.0`` (with the reason for non-numbers)."""
        got = self.got if not isinstance(self.got, dict) else self.got.get("repr", "?")
        text = f"{self.node}.{self.field}: expected {_show(self.expected)}, got {_show(got)}"
        return f"{text} ({self.reason})" if self.reason else text


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return f"{value:.1f}"
    return repr(value) if isinstance(value, (int, float)) else str(value)


def check_number(got: Any) -> tuple[float | None, str]:
    """The submission's value as a float, or None and why it is not acceptable."""
    if isinstance(got, dict):
        kind = got.get("type", "object")
        if kind == "complex":
            return None, "a complex number, not a real one"
        if kind in ("Value", "tuple", "list"):
            return None, f"a {kind}, where a number belongs"
        return None, f"a {kind}, not a number"
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return None, "not a number"
    number = float(got)
    if math.isnan(number):
        return None, "NaN"
    if math.isinf(number):
        return None, "infinite"
    return number, ""


def compare(
    reference: Reference,
    expect: Expect,
    data: dict[str, Any],
    grad: dict[str, Any],
    names: tuple[str, ...],
    tolerance: Tolerance,
    check_grad: bool,
) -> list[Mismatch]:
    """Every mismatch among ``names``: written expectations first, else the reference."""
    mismatches = _field_mismatches(
        "data", names, data, expect.data, reference.data, reference.data_scale, tolerance
    )
    if check_grad:
        mismatches += _field_mismatches(
            "grad", names, grad, expect.grad, reference.grad, reference.grad_scale, tolerance
        )
    return mismatches


def compare_readings(
    reference: Reference,
    expect: Expect,
    data: dict[str, Any],
    grad: dict[str, Any],
    tolerance: Tolerance,
) -> list[Mismatch]:
    """Every mismatch among a network program's readings (``judge.program.network``):
    each reading the reference took, data or grad, within the same tolerance as a
    node's; written expectations first."""
    return [
        *_field_mismatches(
            "data",
            reference.data,
            data,
            expect.data,
            reference.data,
            reference.data_scale,
            tolerance,
        ),
        *_field_mismatches(
            "grad",
            reference.grad,
            grad,
            expect.grad,
            reference.grad,
            reference.grad_scale,
            tolerance,
        ),
    ]


def _field_mismatches(
    field: str,
    names: Iterable[str],
    got_values: Mapping[str, Any],
    written: Mapping[str, float],
    computed: Mapping[str, float],
    scales: Mapping[str, float],
    tolerance: Tolerance,
) -> list[Mismatch]:
    """Every mismatch of one ``field`` (data or grad) among ``names``: each value got
    against its written expectation, else the reference's ``computed`` one."""
    mismatches = []
    for name in names:
        expected = written.get(name, computed[name])
        if name not in got_values:
            mismatches.append(Mismatch(name, field, expected, "nothing", "not returned"))
            continue
        number, problem = check_number(got_values[name])
        if number is None:
            mismatches.append(Mismatch(name, field, expected, got_values[name], problem))
        elif not close_enough(number, expected, scales[name], tolerance):
            mismatches.append(Mismatch(name, field, expected, got_values[name]))
    return mismatches
