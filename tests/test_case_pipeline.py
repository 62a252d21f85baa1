"""A problem's hand-written cases go to the worker pipelined (``grading.cases``), as its
random graphs do: a few writes, each case with its own time limit, so a case that hangs
gets its own verdict and the cases after it still run, hidden ones last."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.grading.grade import Options, grade
from judge.grading.plan import prepare
from judge.results import Verdict
from judge.runner.process import WorkerProcess
from judge.spec.catalog import Catalog
from tests.samples import GOOD_VALUE

# backward() hangs on an output of exactly 7 and raises on one of exactly 8.
TRAPPED_VALUE = GOOD_VALUE.replace(
    "        self.grad = 1.0\n",
    "        if self.data == 7.0:\n            while True: pass\n"
    "        if self.data == 8.0:\n            raise ValueError('eight')\n"
    "        self.grad = 1.0\n",
)
assert TRAPPED_VALUE != GOOD_VALUE


def _case(name: str, hidden: bool, start: float) -> str:
    program = f"a = Value({start})\n      b = a * 1.0 + a\n      b.backward()"
    return (
        f"  - name: {name}\n    hidden: {str(hidden).lower()}\n    topic: twice a value\n"
        f"    program: |\n      {program}\n"
    )


# Visible, a hang (b = 7), visible, a raise (b = 8), visible, then two hidden ones.
SPEC = (
    "id: piped\ntitle: Piped\ndescription: Cases in a row.\n"
    "starter: |\n  class Value:\n      pass\nops: [add, mul]\ntime_limit: 5\ncases:\n"
    + _case("one", False, 0.5)
    + _case("hangs", False, 3.5)
    + _case("after the hang", False, 1.0)
    + _case("raises", False, 4.0)
    + _case("last visible", False, 1.5)
    + _case("hidden one", True, 2.5)
    + _case("hidden two", True, 5.0)
)


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the programs sent one request at a time (``WorkerProcess.request``)."""
    sent: list[int] = []
    alone = WorkerProcess.request

    def counted(self: WorkerProcess, *args: object, **kwargs: object) -> object:
        sent.append(1)
        return alone(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(WorkerProcess, "request", counted)
    return sent


def _graded(value: str, tmp_path: Path) -> list[tuple[str, Verdict]]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "piped.yaml").write_text(SPEC, encoding="utf-8")
    submission = tmp_path / "value.py"
    submission.write_text(value, encoding="utf-8")
    plan = prepare(Catalog.with_extra((specs,)).get("piped"))
    report = grade(submission, plan, Options(timeout=1.0))
    return [(test.name, test.status) for test in report.tests]


def test_passing_cases_go_in_one_pipelined_batch(tmp_path: Path, requests: list[int]) -> None:
    results = _graded(GOOD_VALUE, tmp_path)
    assert {status for _, status in results} == {Verdict.PASSED}
    assert len(results) == 7
    assert not requests  # not one program sent alone: visible and hidden went pipelined


def test_a_hanging_case_gets_its_own_verdict_and_the_rest_still_run(
    tmp_path: Path, requests: list[int]
) -> None:
    assert _graded(TRAPPED_VALUE, tmp_path) == [
        ("one", Verdict.PASSED),
        ("hangs", Verdict.TIMEOUT),
        ("after the hang", Verdict.PASSED),  # on a fresh worker
        ("raises", Verdict.ERROR),  # the worker lives on after a raise
        ("last visible", Verdict.PASSED),
        ("hidden one", Verdict.PASSED),
        ("hidden two", Verdict.PASSED),
    ]
    # The case after the hang starts the fresh worker (one request); the rest pipelined.
    assert len(requests) == 1
