"""The public Python API (``judge.grade``, ``judge.grade_class``, the catalog, ``render``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import judge
from judge.errors import SubmissionError, UnknownProblem
from judge.report.formats import render_report
from tests.samples import GOOD_VALUE, ROOT, WRONG_VALUE, touch


def test_import_judge_imports_only_the_version() -> None:
    code = "import sys, judge; print(sorted(m for m in sys.modules if m.startswith('judge')))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['judge', 'judge.version']"


def test_every_public_name_is_listed_and_resolves() -> None:
    from judge import _PUBLIC

    assert set(judge.__all__) == {"DISTRIBUTION", "__version__", *_PUBLIC}
    for name in judge.__all__:
        assert getattr(judge, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = judge.nope  # type: ignore[attr-defined]


def test_grade_is_judge_run(mini_dir: Path, tmp_path: Path) -> None:
    good = touch(tmp_path / "good.py", GOOD_VALUE)
    wrong = touch(tmp_path / "wrong.py", WRONG_VALUE)
    passed = judge.grade(good, "mini", specs=[mini_dir])
    assert passed.status is judge.Status.PASSED and passed.score == passed.max_score == 4
    failed = judge.grade(str(wrong), judge.problem("mini", [mini_dir]))
    assert failed.status is judge.Status.FAILED
    assert judge.render(failed, "json", "instructor") == render_report("json", failed, "instructor")
    assert json.loads(judge.render(failed, "json"))["status"] == "failed"
    with pytest.raises(SubmissionError):
        judge.grade(tmp_path / "missing.py", "mini", specs=[mini_dir])


def test_an_unknown_problem_names_the_close_ones(mini_dir: Path) -> None:
    assert "mini" in judge.catalog([mini_dir]).index()
    with pytest.raises(UnknownProblem, match="mini"):
        judge.problem("minu", [mini_dir])


def test_grade_class_uses_the_cache_and_renders_a_gradebook(
    mini_dir: Path, tmp_path: Path, private_cache: Path
) -> None:
    folder = tmp_path / "class"
    for name, text in (("alice", GOOD_VALUE), ("bob", WRONG_VALUE)):
        touch(folder / f"{name}.py", text)
    first = judge.grade_class([folder], "mini", specs=[mini_dir], jobs=1)
    assert (first.graded, first.cached, first.notes) == (2, 0, ())
    again = judge.grade_class([folder], "mini", specs=[mini_dir], jobs=1)
    assert (again.graded, again.cached) == (0, 2)
    assert any(private_cache.joinpath("results").iterdir())
    assert judge.render(again.gradebook, "csv").splitlines()[1].startswith("alice,4,4,passed,")
    fresh = judge.grade_class([folder], "mini", specs=[mini_dir], jobs=1, cache=False)
    assert (fresh.graded, fresh.cached) == (2, 0)
