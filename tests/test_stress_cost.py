"""Stress checks at the least cost for their power (issue 14), through the real worker.

The deep chain is sized from the worker's recursion limit: twice the limit, so a
recursive topological sort still runs out of frames on it, at a fifth of the 10,000
nodes it used to cost.  The wide graph is judged against the reference's CPU time on
it, so a visited list (quadratic), which passed under the time limit alone, fails it,
on half the nodes; correct engines pass it with both cores busy."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest

from judge.engine.reference import Value
from judge.grading.grade import grade
from judge.grading.plan import Plan, prepare
from judge.grading.session import Session
from judge.program.stress_checks import CHECKS, DEEP_CHAIN, RECURSION_LIMIT
from judge.properties.check import REFERENCE_FLOOR_S, Context, check_stress
from judge.properties.runners import EngineRunner
from judge.properties.stress import TIMES_REFERENCE, StressGraph, build, size_of
from judge.results import Verdict
from judge.runner.outcome import Kind, Outcome, Raised
from judge.spec.catalog import Catalog
from judge.spec.model import StressSpec
from tests.samples import ROOT
from tests.test_timing import busy_cores  # noqa: F401  (a fixture: every core spinning)

RECURSIVE = ROOT / "submissions" / "classic.py"  # micrograd's recursive build_topo
ITERATIVE = ROOT / "submissions" / "correct.py"


def test_the_worker_runs_a_submission_under_the_limit_the_chain_is_sized_from(
    tmp_path: Path,
) -> None:
    submission = tmp_path / "limit.py"
    submission.write_text(
        "import sys\nraise ValueError(f'recursion limit {sys.getrecursionlimit()}')\n",
        encoding="utf-8",
    )
    with Session(submission, "Value", {}, math.inf) as session:
        loaded = session.start(30.0)
    assert loaded.error is not None
    assert f"recursion limit {RECURSION_LIMIT}" in str(loaded.error)


def test_the_default_deep_chain_is_twice_the_limit() -> None:
    spec = StressSpec("deep-chain", points=1)
    assert size_of(spec) == DEEP_CHAIN == 2 * RECURSION_LIMIT
    assert CHECKS["deep-chain"].default_size == DEEP_CHAIN
    assert build(spec).nodes == DEEP_CHAIN


def _chain(size: int) -> dict[str, object]:
    ops, output, _ = CHECKS["deep-chain"].build(size)
    return {"ops": ops, "backward": output, "read": [output, "x"]}


def test_a_recursive_sort_fails_the_chain_and_not_one_within_the_limit() -> None:
    """The probe is where the limit is: micrograd's recursive sort answers a chain of
    half the limit and raises RecursionError on the default one; an iterative sort
    answers both."""
    half, full = _chain(RECURSION_LIMIT // 2), build(StressSpec("deep-chain", points=1)).wire
    with Session(RECURSIVE, "Value", {}, math.inf) as session:
        assert session.start(30.0).error is None
        assert session.run(half, 30.0).kind is Kind.OK
        failed = session.run(full, 30.0)
    assert isinstance(failed.details, Raised), failed
    assert failed.details.type == "RecursionError"
    with Session(ITERATIVE, "Value", {}, math.inf) as session:
        assert session.start(30.0).error is None
        assert session.run(half, 30.0).kind is Kind.OK
        assert session.run(full, 30.0).kind is Kind.OK


# -- the wide graph: judged against the reference's time on it ------------------------
# correct.py with its visited set made a list: quadratic, and right.
VISITED_LIST = (
    (ROOT / "submissions" / "correct.py")
    .read_text(encoding="utf-8")
    .replace("visited = set()", "visited = []")
    .replace("visited.add(node)", "visited.append(node)")
)
CORRECT_ENGINES = sorted((ROOT / "tests" / "corpus" / "correct").glob("*.py"))


@pytest.fixture(scope="module")
def basic() -> Plan:
    return prepare(Catalog.with_extra([]).get("basic-autograd"))


@pytest.fixture(scope="module")
def wide() -> StressGraph:
    graph = build(StressSpec("wide", points=1))
    assert graph.nodes == CHECKS["wide"].default_size
    assert graph.reference_s == (0.0, 0.0)  # timed only when an answer is over the floor
    return graph


def test_a_visited_list_fails_the_wide_graph_and_nothing_else(tmp_path: Path, basic: Plan) -> None:
    """Under the time limit alone it passed every check (0.37 s on 4,096 nodes)."""
    assert VISITED_LIST.count("visited = []") == 1
    submission = tmp_path / "visited_list.py"
    submission.write_text(VISITED_LIST, encoding="utf-8")
    report = grade(submission, basic)
    failing = [t for t in report.tests if not t.passed]
    assert [t.name for t in failing] == [f"stress: wide graph ({DEFAULT_WIDE:,} nodes)"]
    (wide,) = failing
    assert "times the reference's" in wide.message and "use a set" in wide.message
    assert wide.timing["cpu_s"] > max(REFERENCE_FLOOR_S, wide.timing["allowed_cpu_s"])
    assert wide.timing["allowed_cpu_s"] == pytest.approx(
        TIMES_REFERENCE * wide.timing["reference_cpu_s"],
        abs=2e-4,  # both rounded
    )


DEFAULT_WIDE = CHECKS["wide"].default_size


class Claims(EngineRunner):
    """The reference engine answering, claiming ``seconds`` of CPU time."""

    def __init__(self, seconds: float) -> None:
        super().__init__(Value)
        self.seconds = seconds

    def run(self, program: Any, timeout: float) -> Outcome:
        return dataclasses.replace(super().run(program, timeout), cpu_s=self.seconds)


@pytest.mark.parametrize(
    ("reference", "claimed", "verdict"),
    [
        (0.05, 0.14, Verdict.PASSED),  # 2.8 times the reference
        (0.05, 0.16, Verdict.FAILED),  # 3.2 times
        (0.001, 0.029, Verdict.PASSED),  # 29 times, but under the floor
        (0.001, 0.031, Verdict.FAILED),  # 31 times, over it
    ],
)
def test_the_wide_graph_may_take_three_times_the_reference_above_the_floor(
    wide: StressGraph, basic: Plan, reference: float, claimed: float, verdict: Verdict
) -> None:
    graph = dataclasses.replace(wide, reference_s=(0.0, reference))
    context = Context(basic.problem, Claims(claimed), 5.0, {}, None)
    assert check_stress(graph, context).status is verdict


@pytest.mark.usefixtures("busy_cores")
@pytest.mark.parametrize("engine", CORRECT_ENGINES, ids=lambda path: path.stem)
def test_every_correct_engine_passes_the_wide_graph_with_every_core_busy(
    wide: StressGraph, basic: Plan, engine: Path
) -> None:
    with Session(engine, "Value", {}, math.inf) as session:
        assert session.start(30.0).error is None
        result = check_stress(wide, Context(basic.problem, session, 30.0, {}, None))
    assert result.status is Verdict.PASSED, result.message
