"""The classic network mistakes are named with their fix (issue 13).

Every wrong network of tests/network_corpus, graded through the real worker on each
problem it fails, gets expected.yaml's mistake id in a test's diagnosis and a most
likely cause whose fix holds expected.yaml's keyword.  The correct networks are never
diagnosed; a student's view of a report keeps no diagnosis of a hidden test; and every
flaw of judge.engine.network_mistakes shows on the three problems (a flaw no case can
tell from the reference could never be named).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from judge import api
from judge.engine.evaluate import evaluate_network
from judge.engine.network_mistakes import FLAWS, MISTAKES
from judge.grading.network_diagnosis import _run
from judge.program.network import NetworkProgram
from judge.report.audience import for_audience
from judge.report.cause import find_cause

CORPUS = Path(__file__).parent / "network_corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
PROBLEMS = ("neuron", "mlp", "mlp-training")
WRONG = sorted(name for name in EXPECTED if name.startswith("wrong/"))


@pytest.fixture(scope="module")
def problems() -> dict[str, api.Problem]:
    return {problem_id: api.problem(problem_id) for problem_id in PROBLEMS}


@pytest.mark.parametrize("entry", WRONG)
def test_each_wrong_network_is_named_with_its_fix(entry: str, problems: dict) -> None:
    expected = EXPECTED[entry]
    for problem_id in expected["fails"]:
        report = api.grade(CORPUS / entry, problems[problem_id])
        named = {t.diagnosis.mistake for t in report.tests if t.diagnosis is not None}
        assert named == {expected["mistake"]}, (entry, problem_id, named)
        cause = find_cause(report)
        assert cause is not None, (entry, problem_id)
        assert expected["fix"] in cause.fix, (entry, problem_id, cause.text)
        # A student's view names it only from a test the student may read in full.
        student = for_audience(report, "student")
        assert all(t.diagnosis is None for t in student.tests if t.hidden)


def test_correct_networks_are_never_diagnosed(problems: dict) -> None:
    for entry in sorted(name for name in EXPECTED if name.startswith("correct/")):
        for problem_id in PROBLEMS:
            report = api.grade(CORPUS / entry, problems[problem_id])
            assert all(t.diagnosis is None for t in report.tests), (entry, problem_id)


def test_every_flaw_shows_on_some_case(problems: dict) -> None:
    """Each flaw, run on the problems' cases, differs from the reference somewhere
    (different readings or an exception), so it can explain a failure."""
    shows = dict.fromkeys(FLAWS, False)
    for problem in problems.values():
        for case in problem.cases:
            if not isinstance(case.program, NetworkProgram):
                continue
            reference = evaluate_network(case.program)
            for flaw in FLAWS:
                answer = _run(case.program, flaw)
                if isinstance(answer, BaseException):
                    shows[flaw] = True
                    continue
                for (name, field), (value, _) in answer.items():
                    computed = reference.data if field == "data" else reference.grad
                    if name in computed and value != computed[name]:
                        shows[flaw] = True
    assert [flaw for flaw, seen in shows.items() if not seen] == []
    assert set(FLAWS.values()) == set(MISTAKES)
