"""Numbers compare by value within the problem's tolerance, whatever their type."""

from __future__ import annotations

from typing import Any

import pytest

from judge.compare import check_number, close_enough, compare
from judge.engine.evaluate import evaluate
from judge.program.compile import compile_program
from judge.spec.model import Expect, Tolerance

TOLERANCE = Tolerance(rel=1e-6, abs=1e-9)


def test_ints_and_floats_compare_equal() -> None:
    assert close_enough(2, 2.0, 2.0, TOLERANCE)
    assert close_enough(0.1 + 0.2, 0.3, 0.3, TOLERANCE)
    assert not close_enough(2.01, 2.0, 2.0, TOLERANCE)


def test_cancellation_is_judged_against_the_terms_summed() -> None:
    # 1e8 + 1 - 1e8 in another order may lose the 1 entirely; the scale allows it.
    assert close_enough(0.0, 1.0, 2e8 + 1, TOLERANCE)
    assert not close_enough(0.0, 1.0, 1.0, TOLERANCE)


@pytest.mark.parametrize(
    ("got", "reason"),
    [
        (float("nan"), "NaN"),
        (float("inf"), "infinite"),
        ({"type": "complex", "repr": "(1+2j)"}, "complex"),
        ({"type": "Value", "repr": "Value(data=1)"}, "where a number belongs"),
        ({"type": "str", "repr": "'1'"}, "not a number"),
        (True, "not a number"),
    ],
)
def test_non_numbers_fail_with_a_reason(got: Any, reason: str) -> None:
    number, problem = check_number(got)
    assert number is None
    assert reason in problem


def test_compare_reports_each_wrong_node_and_uses_written_expectations() -> None:
    program = compile_program("a = Value(3.0)\nb = a * a\nb.backward()")
    reference = evaluate(program)
    got_data = {"a": 3, "b": 9}
    got_grad = {"a": 3.0, "b": 1}
    mismatches = compare(reference, Expect(), got_data, got_grad, program.names, TOLERANCE, True)
    assert [m.describe() for m in mismatches] == ["a.grad: expected 6.0, got 3.0"]
    # A written expectation takes precedence over the reference.
    written = Expect(grad={"a": 3.0})
    assert compare(reference, written, got_data, got_grad, program.names, TOLERANCE, True) == []


def test_missing_node_is_a_mismatch() -> None:
    program = compile_program("a = Value(3.0)")
    [mismatch] = compare(evaluate(program), Expect(), {}, {}, ("a",), TOLERANCE, False)
    assert mismatch.reason == "not returned"
