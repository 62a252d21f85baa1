"""Shared fixtures: small spec folders and submissions written into a temp dir."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.samples import GOOD_VALUE, MINI_SPEC


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test runs with a home and a cache folder of the session's own: no test reads
    or writes the real ``~/.cache/judge`` (a result planted there, or left there, would
    change what a later run serves).  One cache for the session, so a problem's graph
    corpus is generated once; a test that needs an empty cache asks for ``private_cache``.
    """
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.delenv("XDG_CACHE_HOME", raising=False)
        patch.setenv("JUDGE_CACHE_DIR", str(home / ".cache" / "judge"))
        patch.delenv("GITHUB_STEP_SUMMARY", raising=False)  # set in CI: grade writes there
        yield home


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of this test's own (``$JUDGE_CACHE_DIR``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented text to a file under tmp_path and return its path."""

    def writer(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return writer


@pytest.fixture
def mini_dir(tmp_path: Path) -> Path:
    """A folder holding the spec of the small problem ``mini``."""
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "mini.yaml").write_text(MINI_SPEC, encoding="utf-8")
    return folder


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A correct submission for ``mini``."""
    path = tmp_path / "good.py"
    path.write_text(GOOD_VALUE, encoding="utf-8")
    return path
