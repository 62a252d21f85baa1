"""The deep chain is sized from the worker's recursion limit (issue 14): twice the
limit, so a recursive topological sort still runs out of frames on it, at a fifth of
the 10,000 nodes it used to cost.  Through the real worker."""

from __future__ import annotations

import math
from pathlib import Path

from judge.grading.session import Session
from judge.program.stress_checks import CHECKS, DEEP_CHAIN, RECURSION_LIMIT
from judge.properties.stress import build, size_of
from judge.runner.outcome import Kind, Raised
from judge.spec.model import StressSpec
from tests.samples import ROOT

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
