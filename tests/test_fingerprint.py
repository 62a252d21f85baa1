"""Both caches key on one fingerprint of the judge's code (``judge.fingerprint``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from judge import fingerprint
from judge.batch.cache import result_key
from judge.grading.grade import Options
from judge.grading.plan import Plan, prepare
from judge.properties.corpus import corpus_key
from judge.properties.rules import GraphShape
from judge.spec.catalog import Catalog
from tests.samples import MINI_SPEC

SHAPE = GraphShape(ops=("add", "mul", "relu"))


@pytest.fixture
def judge_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the judge package that the fingerprint reads instead of the real one."""
    copy = tmp_path / "judge"
    shutil.copytree(fingerprint.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "PACKAGE", copy)
    fingerprint.code_fingerprint.cache_clear()
    yield copy
    fingerprint.code_fingerprint.cache_clear()  # the next test reads the real package


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    spec = tmp_path / "specs" / "mini.yaml"
    spec.parent.mkdir()
    spec.write_text(MINI_SPEC, encoding="utf-8")
    return prepare(Catalog.with_extra([spec.parent]).get("mini"))


def test_a_copy_of_the_code_has_the_real_fingerprint(judge_copy: Path) -> None:
    assert fingerprint.source_digest(judge_copy) == fingerprint.source_digest(
        Path(fingerprint.__file__).resolve().parent
    )


@pytest.mark.parametrize(
    "change",
    [
        # a fix to grading code with no version bump: a file no hand-kept list named
        "grading/verdicts.py",
        "report/text.py",
        "batch/run.py",
    ],
)
def test_any_change_to_the_code_changes_both_keys(
    judge_copy: Path, plan: Plan, change: str
) -> None:
    before = (result_key(b"class Value: pass", plan, Options()), corpus_key(SHAPE, 1, 50))
    with (judge_copy / change).open("a", encoding="utf-8") as file:
        file.write("\n# a changed line\n")
    fingerprint.code_fingerprint.cache_clear()
    after = (result_key(b"class Value: pass", plan, Options()), corpus_key(SHAPE, 1, 50))
    assert before[0] != after[0] and before[1] != after[1]


def test_renaming_or_adding_a_module_changes_it_and_compiled_files_do_not(
    judge_copy: Path,
) -> None:
    base = fingerprint.source_digest(judge_copy)
    (judge_copy / "__pycache__").mkdir()
    (judge_copy / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"\0compiled")
    assert fingerprint.source_digest(judge_copy) == base
    (judge_copy / "new.py").write_text("")
    assert fingerprint.source_digest(judge_copy) != base
    (judge_copy / "new.py").rename(judge_copy / "grading" / "new.py")
    moved = fingerprint.source_digest(judge_copy)
    assert moved != base
    (judge_copy / "grading" / "new.py").unlink()
    assert fingerprint.source_digest(judge_copy) == base


def test_the_version_and_hypothesis_are_in_it(
    judge_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = fingerprint.code_fingerprint()
    monkeypatch.setattr(fingerprint, "__version__", "999")
    fingerprint.code_fingerprint.cache_clear()
    assert fingerprint.code_fingerprint() != base
    monkeypatch.undo()
    monkeypatch.setattr(fingerprint, "PACKAGE", judge_copy)
    monkeypatch.setattr(fingerprint, "_hypothesis_version", lambda: "0.0")
    fingerprint.code_fingerprint.cache_clear()
    assert fingerprint.code_fingerprint() != base
