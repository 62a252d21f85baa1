"""Time is judged fairly and bounded: timed checks time the whole answer in CPU seconds
and judge its growth between two sizes (issue 9, class 2), and a submission cannot hold
the judge longer than its time budget, nor pay a full limit per test for a hang
(class 10).  Submissions that cheat on time are in tests/cheats."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from judge.cli import cli
from judge.engine.reference import Value
from judge.errors import SpecError
from judge.grading.grade import Options, grade
from judge.grading.plan import Plan, prepare
from judge.grading.verdicts import NOT_RUN_BUDGET
from judge.properties.check import Context, check_stress
from judge.properties.corpus import fingerprint
from judge.properties.runners import EngineRunner
from judge.properties.stress import StressGraph, build
from judge.report import markdown, model, text
from judge.report.model import Report, Verdict
from judge.runner.outcome import Kind, Outcome
from judge.spec.catalog import Catalog
from judge.spec.loader import load_problem
from judge.spec.model import DEFAULT_BUDGET, Problem, StressSpec
from tests.conftest import MINI_SPEC

CHEATS = Path(__file__).resolve().parent / "cheats"
CORRECT = Path(__file__).resolve().parent / "corpus" / "correct" / "kahn.py"
# For quadratic cheats (4 to 7 CPU s on 100,000 nodes): limits no busy machine reaches,
# so that what fails them is the growth of their time, not a timeout.
SLOW_IS_FINE = Options(timeout=60.0, budget=300.0)


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUDGE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Problem:
    spec = tmp_path_factory.mktemp("specs") / "mini.yaml"
    spec.write_text(MINI_SPEC, encoding="utf-8")
    return load_problem(spec)


@pytest.fixture(scope="module")
def at_scale() -> Plan:
    return prepare(Catalog.with_extra([]).get("autograd-at-scale"))


@pytest.fixture(scope="module")
def basic() -> Plan:
    return prepare(Catalog.with_extra([]).get("basic-autograd"))


def _stress(report: Report, check: str) -> model.TestResult:
    return next(t for t in report.tests if t.kind == "stress" and t.name.startswith(check))


# -- the growth rule, with made-up CPU times ---------------------------------------------
class Timed(EngineRunner):
    """The reference engine answering, with the CPU time ``seconds(nodes)`` claimed for
    each graph (``None``: the answer raises instead)."""

    def __init__(self, seconds: Any) -> None:
        super().__init__(Value)
        self.seconds = seconds

    def run(self, program: Any, timeout: float) -> Outcome:
        nodes = len(program["ops"])
        seconds = self.seconds(nodes)
        if seconds is None:
            return Outcome(Kind.RAISED, details={"type": "ValueError", "message": "no"})
        return dataclasses.replace(super().run(program, timeout), cpu_s=seconds)


@pytest.fixture(scope="module")
def linear_graph() -> StressGraph:
    graph = build(StressSpec("linear-time", points=1, size=4000), fingerprint())
    assert graph.small is not None and graph.small_nodes * 4 < graph.nodes
    # The reference's growth, measured here, counts only where it is above n ** 1.5.
    return dataclasses.replace(graph, reference_s=(1.0, 2.0))


def _linear_verdict(graph: StressGraph, problem: Problem, seconds: Any) -> model.TestResult:
    return check_stress(graph, Context(problem, Timed(seconds), 5.0, {}, None))


@pytest.mark.parametrize(
    ("seconds", "verdict"),
    [
        (lambda n: n * 1e-4, Verdict.PASSED),  # linear
        (lambda n: n * 1e-4 * (n / 1000) ** 0.3, Verdict.PASSED),  # caches: a bit more
        (lambda n: n * n * 1e-7, Verdict.FAILED),  # quadratic
        (lambda n: n * n * 1e-9, Verdict.PASSED),  # quadratic, but under the floor
        (lambda n: None if n < 2000 else 1.0, Verdict.FAILED),  # only the small one fails
    ],
    ids=["linear", "superlinear-caches", "quadratic", "under-the-floor", "small-fails"],
)
def test_linear_time_judges_the_growth_of_cpu_time(
    linear_graph: StressGraph, mini: Problem, seconds: Any, verdict: Verdict
) -> None:
    result = _linear_verdict(linear_graph, mini, seconds)
    assert result.status is verdict, result.message
    if verdict is Verdict.FAILED and seconds(100) is not None:
        assert "times longer for" in result.message
        assert result.extra["growth"] > result.extra["allowed_growth"]


def test_the_reference_growth_loosens_the_bound_on_a_machine_where_it_is_steep(
    linear_graph: StressGraph, mini: Problem
) -> None:
    ratio = linear_graph.nodes / linear_graph.small_nodes
    steep = dataclasses.replace(linear_graph, reference_s=(1.0, ratio**1.9))
    assert steep.allowed_growth(2.0) == pytest.approx(2 * ratio**1.9)

    def grows_like_that(n: int) -> float:
        return (n / linear_graph.small_nodes) ** 1.9  # 1 s on the small graph

    assert _linear_verdict(linear_graph, mini, grows_like_that).status is Verdict.FAILED
    assert _linear_verdict(steep, mini, grows_like_that).status is Verdict.PASSED


# -- real engines in the real worker ---------------------------------------------------
def test_an_engine_that_works_on_the_first_read_of_grad_fails_linear_time(
    at_scale: Plan,
) -> None:
    """The cheat of issue 9, class 2: backward() returns at once and reading .grad does
    a quadratic pass; timing backward() alone gave it 24/24."""
    report = grade(CHEATS / "lazy_grad.py", at_scale, SLOW_IS_FINE)
    linear = _stress(report, "stress: linear-time")
    assert linear.status is Verdict.FAILED, linear.message
    assert "times longer for 8 times the nodes" in linear.message
    assert linear.extra["growth"] > linear.extra["allowed_growth"]
    others = [t for t in report.tests if t is not linear]
    assert all(t.passed for t in others), [(t.name, t.message) for t in others if not t.passed]
    assert report.score == report.max_score - linear.max_score


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the kernel's count is /proc's")
def test_a_forged_cpu_time_is_caught_by_the_kernels_count(at_scale: Plan) -> None:
    """A quadratic engine that rewrites each answer's CPU time to 0.1 s (under the
    floor) through a patched json.dumps: 24/24 if the judge believed it."""
    report = grade(CHEATS / "forged_cpu_time.py", at_scale, SLOW_IS_FINE)
    linear = _stress(report, "stress: linear-time")
    assert linear.status is Verdict.FAILED, linear.message
    assert linear.extra["cpu_s"] > 1.0 and linear.extra["growth"] > linear.extra["allowed_growth"]


@pytest.fixture
def busy_cores() -> Iterator[int]:
    """Every core busy (at most four) with a spinning process, killed afterwards."""
    count = min(os.cpu_count() or 2, 4)
    spin = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end: pass"
    spinners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(count)]
    try:
        yield count
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def test_a_correct_engine_passes_every_stress_check_with_every_core_busy(
    at_scale: Plan, busy_cores: int
) -> None:
    report = grade(CORRECT, at_scale)
    failing = [(t.name, t.status.value, t.message) for t in report.tests if not t.passed]
    assert failing == []
    assert report.score == report.max_score


# -- the time budget -------------------------------------------------------------------
def test_a_submission_slow_on_every_test_stops_at_its_budget(basic: Plan) -> None:
    """Each test sleeps 0.8 s under a 1 s limit, so none times out: only the budget
    (4 s) stops it, and the tests it leaves say so, as does the report."""
    report = grade(CHEATS / "slow_every_test.py", basic, Options(timeout=1.0, budget=4.0))
    assert report.extra["budget"] == {"seconds": 4.0, "spent": True}
    assert report.message.startswith("the submission's time budget of 4 s was spent: ")
    unrun = [t for t in report.tests if t.message.startswith(NOT_RUN_BUDGET)]
    assert len(unrun) >= len(report.tests) // 2
    assert all(t.status is Verdict.TIMEOUT and t.score == 0 for t in unrun)
    assert f"{len(unrun)} not run" in report.message
    # At 0.8 s each, 4 s hold five tests at most; one more may be stopped while running.
    ran = [t for t in report.tests if t.passed]
    assert 1 <= len(ran) <= 5
    assert all(t.passed or t.status is Verdict.TIMEOUT for t in report.tests)
    assert "\n  note: the submission's time budget of 4 s was spent" in text.render(report)
    assert "\nNote: the submission's time budget of 4 s was spent" in markdown.render(report)


def test_a_hang_costs_one_time_limit_not_one_per_test(basic: Plan) -> None:
    """backward() never returns: the first test waits its 4 s, every later one a
    fraction of a second, so the run ends long before the budget that 20 tests at
    4 s each would spend."""
    report = grade(CHEATS / "hangs_in_backward.py", basic, Options(timeout=4.0, budget=60.0))
    timeouts = [t for t in report.tests if t.status is Verdict.TIMEOUT]
    assert len(timeouts) >= 15
    first = [t for t in timeouts if t.message.startswith("took longer than 4 s (")]
    later = [t for t in timeouts if "the limit of every test after one times out" in t.message]
    assert len(first) == 1 and len(later) == len(timeouts) - 1
    assert "budget" not in report.extra and not report.message


def test_the_default_budget_is_thirty_seconds_and_specs_and_the_command_line_set_it(
    tmp_path: Path, basic: Plan
) -> None:
    assert DEFAULT_BUDGET == 30
    assert all(p.budget == 30 for p in Catalog.with_extra([]).problems())
    spec = tmp_path / "mini.yaml"
    spec.write_text(MINI_SPEC.replace("time_limit: 3\n", "time_limit: 3\nbudget: 12\n"))
    assert load_problem(spec).budget == 12
    spec.write_text(MINI_SPEC.replace("time_limit: 3\n", "time_limit: 3\nbudget: 2\n"))
    with pytest.raises(SpecError, match=r"budget \(2 s for a whole submission\) must be"):
        load_problem(spec)
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(CHEATS / "slow_every_test.py"),
            "--timeout",
            "1",
            "--budget",
            "2",
            "--format",
            "json",
            "--audience",
            "instructor",
        ],
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["budget"] == {"seconds": 2.0, "spent": True}
    assert "time budget of 2 s was spent" in report["message"]


@pytest.mark.parametrize("factor", ["0.5", "5"])
def test_a_linear_time_factor_that_would_let_a_quadratic_engine_pass_is_a_spec_error(
    tmp_path: Path, factor: str
) -> None:
    spec = tmp_path / "mini.yaml"
    stress = f"properties:\n  stress:\n    - {{check: linear-time, factor: {factor}}}\n"
    spec.write_text(MINI_SPEC + stress)
    with pytest.raises(SpecError, match="factor is how many times the reference's growth"):
        load_problem(spec)
