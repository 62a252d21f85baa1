"""The test session's own home and cache (``isolated_home`` in conftest.py)."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from judge.cachedir import cache_dir


def test_no_test_sees_the_real_home_or_cache(isolated_home: Path) -> None:
    real_home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    assert Path.home() == isolated_home != real_home
    assert "XDG_CACHE_HOME" not in os.environ
    assert cache_dir("results").is_relative_to(isolated_home)


def test_a_private_cache_is_this_tests_own(private_cache: Path, tmp_path: Path) -> None:
    assert cache_dir("results") == private_cache / "results"
    assert private_cache.is_relative_to(tmp_path)
