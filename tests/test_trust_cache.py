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
from judge.results import Report, Status
from tests.samples import GOOD_VALUE, WRONG_VALUE, touch

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


# -- the folders above the cache, as ssh's StrictModes checks them --------------------------
def test_a_cache_below_a_folder_others_can_write_is_not_used(
    poisoned: Path, mini_dir: Path, tmp_path: Path
) -> None:
    """Whoever may rename entries above the cache may swap it for a folder of theirs:
    the cache's own modes are not enough."""
    os.chmod(tmp_path, 0o777)
    result = grade(poisoned, mini_dir)
    assert statuses(result) == {"alice": "passed", "bob": "failed"}
    assert f"{tmp_path}, above {tmp_path / 'cache'} (JUDGE_CACHE_DIR), is writable" in (
        result.stderr
    )


def test_a_sticky_folder_above_the_cache_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As /tmp: others may add entries there, but not rename or remove ours."""
    (tmp_path / "shared").mkdir()
    os.chmod(tmp_path / "shared", 0o1777)
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path / "shared" / "cache"))
    assert cache_dir("results") == tmp_path / "shared" / "cache" / "results"
    os.chmod(tmp_path / "shared", 0o777)  # the control: not sticky, refused
    with pytest.raises(UnsafeCache, match=r"shared, above .* is writable by group or others"):
        cache_dir("results")


def test_an_xdg_cache_under_a_home_folder_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home" / "ada"
    home.mkdir(parents=True, mode=0o755)
    monkeypatch.delenv("JUDGE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    assert cache_dir("graphs") == home / ".cache" / "judge" / "graphs"
    os.chmod(home, 0o775)  # a group that could rename ~/.cache: refused, as ssh refuses
    with pytest.raises(UnsafeCache, match=r"ada, above .*\(the cache folder\), is writable"):
        cache_dir("graphs")


@AS_ROOT
def test_a_cache_below_someone_elses_folder_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "theirs").mkdir(mode=0o755)
    os.chown(tmp_path / "theirs", 4242, 4242)  # they may chmod it, then rename our cache
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path / "theirs" / "cache"))
    with pytest.raises(UnsafeCache, match=r"theirs, above .* is owned by uid 4242"):
        cache_dir("results")


def test_links_to_and_above_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache folder is looked at with lstat (a link there is refused), and the folders
    above it both as written and with links resolved (a link to an open folder is)."""
    (tmp_path / "mine").mkdir(mode=0o700)
    (tmp_path / "open").mkdir()
    os.chmod(tmp_path / "open", 0o777)
    (tmp_path / "to-mine").symlink_to(tmp_path / "mine")
    (tmp_path / "to-open").symlink_to(tmp_path / "open")
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path / "to-mine" / "cache"))
    assert cache_dir("results").is_dir()  # the control: a link to a folder of one's own
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path / "to-open" / "cache"))
    with pytest.raises(UnsafeCache, match=r"open, above .* is writable by group or others"):
        cache_dir("results")
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path / "to-mine"))
    with pytest.raises(UnsafeCache, match=r"to-mine \(JUDGE_CACHE_DIR\) is a symbolic link"):
        cache_dir("results")


def _any_report() -> Report:
    return Report("x.py", "mini", Status.PASSED, 1.0, 1.0, 0.0, ())
