"""One record per stress check (judge.program.stress_checks): the spec's names, the
loader's sizes and required ops, the graph's builder, title, advice and timing all come
from it; these tests fail when a record and what reads it disagree."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from judge.errors import SpecError
from judge.program.ops import LEAF, OPS
from judge.program.stress_checks import CHECKS, StressCheck, Timing
from judge.spec.loader import load_problem
from judge.spec.model import StressCheck as StressCheckName
from tests.samples import MINI_SPEC

NAMES = sorted(CHECKS)
MINI_OPS = "ops: [add, mul, relu]"  # the ops line of MINI_SPEC, replaced below


def test_the_spec_names_exactly_the_records() -> None:
    assert MINI_OPS in MINI_SPEC
    assert sorted(get_args(StressCheckName)) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_record_builds_a_graph_of_only_the_ops_it_needs(name: str) -> None:
    """A builder that used an op the record does not list would let a problem without
    that op ask for a graph its submissions need not support."""
    check: StressCheck = CHECKS[name]
    assert 0 < check.default_size <= check.max_size
    assert all(op in OPS for op in check.needs)
    size = min(check.default_size, 2_000)
    ops, output, code = check.build(size)
    used = {op for _, op, _ in ops}
    assert used <= {LEAF, *check.needs}, (name, used)
    assert output in {target for target, _, _ in ops}
    assert "backward()" in code
    assert check.title.format(n=len(ops), levels=size)
    assert check.advice


def test_only_the_growth_check_is_timed_across_sizes() -> None:
    """``stress.build`` makes the smaller graphs only for a GROWTH record."""
    assert [c.name for c in CHECKS.values() if c.timing is Timing.GROWTH] == ["linear-time"]


@pytest.mark.parametrize("name", NAMES)
def test_the_loader_reads_the_largest_size_from_the_record(tmp_path: Path, name: str) -> None:
    check = CHECKS[name]
    ops = ", ".join(sorted(OPS))
    spec = tmp_path / "mini.yaml"

    def load(size: int) -> None:
        section = f"properties:\n  stress:\n    - {{check: {name}, size: {size}}}\n"
        spec.write_text(MINI_SPEC.replace(MINI_OPS, f"ops: [{ops}]") + section)
        load_problem(spec)

    load(check.max_size)  # the largest is allowed
    with pytest.raises(SpecError, match="size must be between 0"):
        load(check.max_size + 1)


@pytest.mark.parametrize("name", NAMES)
def test_the_loader_reads_the_needed_ops_from_the_record(tmp_path: Path, name: str) -> None:
    check = CHECKS[name]
    spec = tmp_path / "mini.yaml"
    section = f"properties:\n  stress:\n    - {{check: {name}}}\n"
    others = [op for op in OPS if op not in check.needs]
    spec.write_text(MINI_SPEC.replace(MINI_OPS, f"ops: [{', '.join(others)}]") + section)
    with pytest.raises(SpecError, match=f"stress check '{name}' needs the ops"):
        load_problem(spec)
