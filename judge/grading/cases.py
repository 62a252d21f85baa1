"""Grade a problem's hand-written cases."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from judge.compare import Mismatch, compare, compare_readings
from judge.grading.network_diagnosis import diagnose_network
from judge.grading.plan import PreparedCase
from judge.grading.session import Session
from judge.program.model import Program
from judge.program.network import NetworkProgram
from judge.results import Counterexample, TestResult, Verdict
from judge.runner.outcome import Kind, Outcome
from judge.spec.model import Case, Problem
from judge.verdicts import judge_outcome

SHOWN_MISMATCHES = 6


def grade_cases(
    cases: Sequence[PreparedCase], problem: Problem, session: Session, timeout: float
) -> list[TestResult]:
    """Run the cases' programs in the worker and compare every named node of each.

    The programs go pipelined (``Session.run_many``: a few writes rather than a round
    trip a case), each with its own time limit: a case that hangs or crashes gets its
    own verdict and the cases after it still run, on a fresh worker.  Only programs are
    sent, never the expected values.  Every answer is in before any is judged, so that
    judging one (a failing network's diagnosis runs models in this process) never eats
    into the time of the case the worker is running meanwhile.
    """
    outcomes = list(session.run_many([_wire(prepared) for prepared in cases], timeout))
    return [
        judge_case(prepared, problem, outcome, timeout)
        for prepared, outcome in zip(cases, outcomes, strict=True)
    ]


def _wire(prepared: PreparedCase) -> Program | dict[str, Any]:
    """What the worker is sent for a case: its program (for a network, with the
    readings the judge keeps)."""
    program, reference = prepared.case.program, prepared.reference
    if isinstance(program, NetworkProgram):
        return program.to_wire([*reference.data, *reference.grad])
    return program


def judge_case(
    prepared: PreparedCase, problem: Problem, outcome: Outcome, timeout: float
) -> TestResult:
    """A case's result from the worker's ``outcome`` on its program."""
    case = prepared.case
    reference = prepared.reference

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
