"""End to end through the real worker: every implementation in tests/corpus gets the
verdict tests/corpus/expected.yaml gives it, on every problem listed there."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from judge.grading.grade import grade
from judge.grading.plan import Plan, prepare
from judge.results import Status
from judge.spec.catalog import Catalog

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, dict[str, str]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
CASES = [
    (path, problem, verdict)
    for path, verdicts in sorted(EXPECTED.items())
    for problem, verdict in sorted(verdicts.items())
]


@functools.cache
def plan_for(problem_id: str) -> Plan:
    return prepare(Catalog.with_extra([]).get(problem_id))


def test_corpus_lists_every_file() -> None:
    files = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.py")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize(
    ("path", "problem", "verdict"), CASES, ids=[f"{p}-{q}" for p, q, _ in CASES]
)
def test_verdict(path: str, problem: str, verdict: str) -> None:
    report = grade(CORPUS / path, plan_for(problem))
    failing = [f"{t.name}: {t.status.value}: {t.message}" for t in report.tests if not t.passed]
    if verdict == "passed":
        assert report.status is Status.PASSED, failing
        assert report.score == report.max_score
    else:
        assert report.status is not Status.PASSED
        assert report.score < report.max_score
        # Every failure says something a student can act on.
        assert all(t.message for t in report.tests if not t.passed and t.max_score > 0)
