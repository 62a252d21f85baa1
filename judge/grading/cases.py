"""Grade one hand-written case of a problem."""

from __future__ import annotations

import textwrap
from typing import Any

from judge.compare import Mismatch, compare, compare_readings
from judge.grading.network_diagnosis import diagnose_network
from judge.grading.plan import PreparedCase
from judge.grading.session import Session
from judge.program.network import NetworkProgram
from judge.results import Counterexample, TestResult, Verdict
from judge.runner.outcome import Kind
from judge.spec.model import Case, Problem
from judge.verdicts import judge_outcome

SHOWN_MISMATCHES = 6


def grade_case(
    prepared: PreparedCase, problem: Problem, session: Session, timeout: float
) -> TestResult:
    """Run the case's program in the worker and compare every named node."""
    case = prepared.case
    reference = prepared.reference
    if isinstance(case.program, NetworkProgram):  # the readings the judge keeps
        outcome = session.run(case.program.to_wire([*reference.data, *reference.grad]), timeout)
    else:
        outcome = session.run(case.program, timeout)

    def result(status: Verdict, message: str, **fields: Any) -> TestResult:
        score = case.points if status is Verdict.PASSED else 0.0
        return TestResult(
            name=case.name,
            kind="case",
            status=status,
            score=score,
            max_score=case.points,
            hidden=case.hidden,
            message=message,
            output=outcome.output,
            topic=case.topic,
            **fields,
        )

    if outcome.kind is not Kind.OK:
        verdict, message, extra = judge_outcome(outcome, timeout)
        if isinstance(case.program, NetworkProgram) and "diagnosis" not in extra:
            extra["diagnosis"] = diagnose_network(case.program, outcome, problem.tolerance)
        return result(verdict, message, **extra)
    if isinstance(case.program, NetworkProgram):
        mismatches = compare_readings(
            reference, case.expect, outcome.data, outcome.grad, problem.tolerance
        )
        if not mismatches:
            return result(Verdict.PASSED, "")
        # Which classic mistake gives these numbers (only a failing case pays for it).
        diagnosis = diagnose_network(case.program, outcome, problem.tolerance)
        return result(Verdict.FAILED, failure_message(case, mismatches), diagnosis=diagnosis)
    mismatches = compare(
        reference,
        case.expect,
        outcome.data,
        outcome.grad,
        case.program.names,
        problem.tolerance,
        check_grad=case.program.backward is not None,
    )
    if not mismatches:
        return result(Verdict.PASSED, "")
    example = case_graph(case.source, len(case.program.nodes), mismatches)
    return result(Verdict.FAILED, failure_message(case, mismatches), counterexample=example)


def case_graph(source: str, nodes: int, mismatches: list[Mismatch]) -> Counterexample:
    """The case's program with every wrong ``node.field``, expected and got: the data
    the HTML report draws the graph from (``judge.report.graph_svg``).  The message
    already quotes the program, so the text writers do not show its code again; a
    student's view of a hidden case drops it (``judge.report.audience``)."""
    expected: dict[str, Any] = {}
    got: dict[str, Any] = {}
    for mismatch in mismatches:
        key = f"{mismatch.node}.{mismatch.field}"
        expected[key] = mismatch.expected
        value = mismatch.got
        got[key] = value.get("repr", str(value)) if isinstance(value, dict) else value
    return Counterexample(source, nodes, expected, got)


def failure_message(case: Case, mismatches: list[Mismatch]) -> str:
    """What went wrong; for a hidden case, what kind of check, never the values."""
    wrong_data = any(m.field == "data" for m in mismatches)
    if case.hidden:
        count = len(mismatches)
        if wrong_data:
            what = "wrong forward value (data)" if count == 1 else "wrong forward values (data)"
        else:
            what = "wrong gradient" if count == 1 else "wrong gradients"
        return f"hidden case failed: {case.topic}; {count} {what}"
    shown = [m.describe() for m in mismatches[:SHOWN_MISMATCHES]]
    if len(mismatches) > SHOWN_MISMATCHES:
        shown.append(f"... and {len(mismatches) - SHOWN_MISMATCHES} more")
    program = textwrap.indent(case.source.rstrip(), "    ")
    return "\n".join(shown) + f"\nprogram:\n{program}"
