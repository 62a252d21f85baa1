"""What crosses the queue (issue 16): a request survives JSON as it is, a worker's
answer becomes the batch outcome it stands for (a malformed one a judge failure, never
a crash), and the sandbox level a worker grades with never weakens a strict side."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from judge.batch.outcome import Aborted, Graded, JudgeFailed, Unreadable
from judge.batch.run import not_graded
from judge.cluster import task
from judge.cluster.request import (
    MAX_EXAMPLES,
    MIN_SECONDS,
    decode,
    encode,
    outcome_of,
    request_for,
    result_of,
)
from judge.grading.grade import Options
from judge.grading.plan import prepare
from judge.spec.catalog import Catalog


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return prepare(Catalog.with_extra([]).get("basic-autograd"))


def test_a_request_survives_json_byte_for_byte(plan) -> None:  # type: ignore[no-untyped-def]
    content = bytes(range(256)) + "é\r\n".encode()
    request = request_for("class/bob.py", content, plan.problem, Options(timeout=2.5), seed=7)
    again = decode(json.loads(json.dumps(encode(request))))
    assert again == request
    assert again.content == content
    assert again.spec == plan.problem.digest
    assert again.options() == Options(timeout=2.5)


@pytest.mark.parametrize(
    "field, value",
    [("examples", 10**9), ("examples", 0), ("budget", 0.0), ("timeout", -1.0), ("color", 1)],
)
def test_a_request_out_of_bounds_is_refused(plan, field: str, value: object) -> None:  # type: ignore[no-untyped-def]
    """A job written into Redis is checked as the command line checks its options: a
    billion random graphs would be drawn by the worker itself, unsandboxed, for good."""
    payload = encode(request_for("a.py", b"", plan.problem, Options())) | {field: value}
    with pytest.raises(msgspec.ValidationError, match=field):
        decode(payload)


def test_a_requests_bounds_are_the_command_lines() -> None:
    from judge.cli import cli

    options = {option.name: option for option in cli.commands["run"].params}
    examples = options["examples"].type
    assert (examples.min, examples.max) == (1, MAX_EXAMPLES)  # type: ignore[attr-defined]
    assert options["timeout"].type.min == options["budget"].type.min == MIN_SECONDS  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["grade", "", "RUN"])
def test_an_unknown_mode_is_refused(plan, mode: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="mode"):
        request_for("a.py", b"", plan.problem, Options(), mode=mode)


def test_each_answer_is_the_outcome_it_stands_for(plan) -> None:  # type: ignore[no-untyped-def]
    path = Path("class/bob.py")
    failed = not_graded(path, plan, "why")
    graded = json.loads(json.dumps(result_of(Graded(failed), failed)))
    outcome = outcome_of(graded, "here/bob.py")
    assert isinstance(outcome, Graded) and outcome.report.submission == "here/bob.py"
    for sent in (Unreadable("not UTF-8"), JudgeFailed("a bug"), Aborted("no sandbox", 2)):
        answer = json.loads(json.dumps(result_of(sent, failed)))
        assert answer["report"]["status"] == "error"  # a reader of reports only gets one
        assert outcome_of(answer, str(path)) == sent


@pytest.mark.parametrize(
    "answer",
    [
        None,
        "text",
        {},
        {"kind": "graded"},
        {"kind": "graded", "report": {"schema": 1}},
        {"kind": "odd", "report": {}},
    ],
)
def test_a_malformed_answer_is_a_judge_failure(answer: object) -> None:
    outcome = outcome_of(answer, "bob.py")
    assert isinstance(outcome, JudgeFailed)
    assert "malformed" in outcome.message


@pytest.mark.parametrize(
    ("worker", "requested", "graded_with"),
    [
        ("auto", "auto", "auto"),
        ("basic", "auto", "basic"),
        ("auto", "basic", "basic"),
        ("strict", "basic", "strict"),
        ("basic", "strict", "strict"),
        ("strict", "auto", "strict"),
    ],
)
def test_strict_on_either_side_holds(worker: str, requested: str, graded_with: str) -> None:
    previous = task._sandbox
    try:
        task.set_sandbox(worker)
        assert task.sandbox_for(requested) == graded_with
    finally:
        task.set_sandbox(previous)
