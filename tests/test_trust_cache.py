"""Issue 9, attack class 9: the results cache cannot be poisoned.

A cached report is served as the grade, keyed by inputs anyone can compute (the
submission's bytes, the spec, the judge's version).  Whoever can write to the cache
folder could plant a PASSED report under a wrong engine's key, so the judge uses a
cache folder only if it is the user's own and nobody else can write to it (as ssh does
with its files), and reads back only entries of the user's that nobody else can write.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from judge.batch.cache import ResultCache
from judge.cachedir import cache_dir, check_private, read_private
from judge.cli import cli
from judge.errors import UnsafeCache
from judge.properties import corpus
from judge.report.model import Report, Status
from tests.conftest import GOOD_VALUE
from tests.test_batch import WRONG_VALUE, touch

AS_ROOT = pytest.mark.skipif(
    not hasattr(os, "getuid") or os.getuid() != 0, reason="giving a file away takes root"
)


def grade(folder: Path, mini_dir: Path) -> Result:
    return CliRunner().invoke(
        cli,
        ["grade", str(folder), "-p", "mini", "--problems", str(mini_dir), "--format", "json"],
        catch_exceptions=False,
    )


def statuses(result: Result) -> dict[str, str]:
    return {row["name"]: row["status"] for row in json.loads(result.stdout)["rows"]}


@pytest.fixture
def poisoned(tmp_path: Path, mini_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache holding, under bob's (wrong) submission's key, alice's PASSED report."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(cache))
    folder = tmp_path / "class"
    touch(folder / "alice.py", GOOD_VALUE)
    first = grade(folder, mini_dir)
    alice_entry = next((cache / "results").rglob("*.json"))
    touch(folder / "bob.py", WRONG_VALUE)
    assert statuses(grade(folder, mini_dir)) == {"alice": "passed", "bob": "failed"}
    bob_entry = next(p for p in (cache / "results").rglob("*.json") if p != alice_entry)
    bob_entry.write_bytes(alice_entry.read_bytes())  # the plant
    assert first.exit_code == 0
    return folder


def test_the_plant_works_when_the_cache_is_trusted(poisoned: Path, mini_dir: Path) -> None:
    """The control: a planted entry in a folder of one's own is served (so the tests
    below fail if the checks are gone)."""
    assert statuses(grade(poisoned, mini_dir))["bob"] == "passed"


def test_a_cache_others_can_write_is_not_used(
    poisoned: Path, mini_dir: Path, tmp_path: Path
) -> None:
    os.chmod(tmp_path / "cache", 0o777)
    result = grade(poisoned, mini_dir)
    assert statuses(result) == {"alice": "passed", "bob": "failed"}
    assert "warning: results will not be cached" in result.stderr
    assert "is writable by group or others (mode 0777)" in result.stderr
    assert "chmod 700" in result.stderr


@AS_ROOT
def test_a_cache_owned_by_someone_else_is_not_used(
    poisoned: Path, mini_dir: Path, tmp_path: Path
) -> None:
    os.chown(tmp_path / "cache" / "results", 4242, 4242)
    result = grade(poisoned, mini_dir)
    assert statuses(result)["bob"] == "failed"
    assert "is owned by uid 4242, not by you (uid 0)" in result.stderr


def test_an_entry_others_could_write_is_not_served(poisoned: Path, mini_dir: Path) -> None:
    for entry in (poisoned.parent / "cache" / "results").rglob("*.json"):
        os.chmod(entry, 0o666)
    assert statuses(grade(poisoned, mini_dir))["bob"] == "failed"


@AS_ROOT
def test_an_entry_of_someone_elses_is_not_served(poisoned: Path, mini_dir: Path) -> None:
    for entry in (poisoned.parent / "cache" / "results").rglob("*.json"):
        os.chown(entry, 4242, 4242)
    assert statuses(grade(poisoned, mini_dir))["bob"] == "failed"


def test_an_entry_that_is_a_link_is_not_served(tmp_path: Path) -> None:
    target = touch(tmp_path / "elsewhere.json", "{}")
    (tmp_path / "entry.json").symlink_to(target)
    assert read_private(tmp_path / "entry.json") is None
    assert read_private(target) == b"{}"
    os.mkfifo(tmp_path / "fifo.json")  # and a FIFO neither blocks nor is served
    assert read_private(tmp_path / "fifo.json") is None


def test_the_cache_is_created_private_and_entries_are_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path / "judge-cache"))
    previous = os.umask(0o002)  # a umask that would leave group-writable folders
    try:
        folder = cache_dir("results")
        cache = ResultCache(folder)
        cache.put("ab" + "0" * 62, _any_report())
    finally:
        os.umask(previous)
    for level in (tmp_path / "judge-cache", folder):
        assert stat.S_IMODE(level.stat().st_mode) == 0o700
    entry = next(folder.rglob("*.json"))
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert cache.get("ab" + "0" * 62) is not None


def test_the_graph_corpus_is_not_read_from_an_open_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path / "open"))
    (tmp_path / "open").mkdir(mode=0o777)
    os.chmod(tmp_path / "open", 0o777)
    assert corpus.cached_file("x.json") is None  # generated afresh, never read from there
    with pytest.raises(UnsafeCache, match="writable by group or others"):
        check_private(tmp_path / "open", "JUDGE_CACHE_DIR")


def _any_report() -> Report:
    return Report("x.py", "mini", Status.PASSED, 1.0, 1.0, 0.0, ())
