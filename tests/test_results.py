"""The results model's typed optional fields, and the judge-report/1 entries they make."""

from __future__ import annotations

import json

import pytest

from judge.results import Counterexample, Diagnosis, Report, Returned, Verdict, summarize
from judge.results import TestResult as Result

CORE = ["name", "kind", "status", "score", "max_score", "hidden", "message", "output"]


def _every_field() -> Result:
    return Result(
        name="stress: a deep chain",
        kind="stress",
        status=Verdict.ERROR,
        score=0.0,
        max_score=1.0,
        hidden=False,
        message="`__add__` returned None (line 4): did you forget `return out`?",
        topic="deep graphs",
        line=4,
        cell=2,
        seed=7,
        graphs=200,
        failed_graphs=3,
        counterexample=Counterexample("v = Value(1.0)\n", 1, {"v.grad": 1.0}, {"v.grad": "nan"}),
        diagnosis=Diagnosis("add", "forward", "v", "return out", "no-return"),
        returned=Returned("add", "None"),
        missing=("relu",),
        timing={"cpu_s": 0.25, "growth": 11.5},
    )


def test_a_result_is_built_by_keyword_only() -> None:
    with pytest.raises(TypeError):
        Result("t", "case", Verdict.PASSED, 1.0, 1.0, False)  # type: ignore[misc]


def test_every_optional_field_survives_the_json() -> None:
    test = _every_field()
    report = summarize("s.py", "mini", [test], 1.0, 0.5)
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.tests == (test,)


def test_the_optional_fields_are_written_in_one_order_and_only_when_set() -> None:
    keys = list(_every_field().to_dict())
    optional = ["line", "cell", "seed", "graphs", "failed_graphs", "counterexample"]
    optional += ["diagnosis", "returned", "missing", "cpu_s", "growth"]
    assert keys == [*CORE, "topic", *optional]
    bare = Result(name="t", kind="case", status=Verdict.PASSED, score=1, max_score=1, hidden=True)
    assert list(bare.to_dict()) == CORE
    # An empty list of missing ops is still said (the worker named none), unlike unset.
    assert bare.to_dict() != Result(**{**vars(bare), "missing": ()}).to_dict()


def test_a_counterexample_without_numbers_writes_none() -> None:
    assert Counterexample("a = Value(1.0)\n", 1).to_dict() == {
        "code": "a = Value(1.0)\n",
        "nodes": 1,
    }


def test_a_diagnosis_without_a_mistake_writes_none() -> None:
    diagnosis = Diagnosis("mul", "backward", "c", "slopes swapped")
    assert "mistake" not in diagnosis.to_dict()
    assert Diagnosis.from_dict(diagnosis.to_dict()) == diagnosis
