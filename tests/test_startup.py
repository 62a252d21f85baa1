"""Start-up that costs what it must: the worker's modules are compiled before it runs
(it runs ``python -I -S -B`` and cannot write bytecode), and the ``judge run`` path
imports only what it uses.  Deterministic checks only (what exists, what is imported),
never timings."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from judge.runner import process
from judge.sandbox.levels import precompile

ROOT = Path(__file__).resolve().parent.parent


def test_precompile_writes_missing_bytecode_the_worker_can_use(tmp_path: Path) -> None:
    copies = tuple(
        Path(shutil.copy(source, tmp_path)) for source in (process.HARNESS, process.INTERPRETER)
    )
    cached = [Path(importlib.util.cache_from_source(str(copy))) for copy in copies]
    assert not any(path.exists() for path in cached)
    precompile(copies)
    assert all(path.is_file() for path in cached)
    # Python takes it as it would have written it: the header holds the source's mtime
    # and size (a mismatch would make the worker compile again, silently).
    for copy, path in zip(copies, cached, strict=True):
        header = path.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(header[4:8], "little") == 0  # timestamp-based, not hash
        assert int.from_bytes(header[8:12], "little") == int(copy.stat().st_mtime)
        assert int.from_bytes(header[12:16], "little") == copy.stat().st_size


def test_the_worker_is_shown_the_bytecode_of_both_its_modules() -> None:
    files = process.harness_files()
    for source in (process.HARNESS, process.INTERPRETER):
        assert str(source) in files
        assert importlib.util.cache_from_source(str(source)) in files


def _imported_after(statement: str, tmp_path: Path) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"{statement}\nimport sys; print(' '.join(sys.modules))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path),
             "JUDGE_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_command_line_imports_neither_hypothesis_nor_the_core(tmp_path: Path) -> None:
    loaded = _imported_after("import judge.cli", tmp_path)
    assert "click" in loaded  # the CLI's own
    assert not {name for name in loaded if name.split(".")[0] == "hypothesis"}
    assert "judge.grading.grade" not in loaded and "judge.properties.corpus" not in loaded


def test_a_run_reads_its_spec_compiled_and_imports_no_yaml(tmp_path: Path) -> None:
    """The first run parses the spec (PyYAML) and caches its compiled form; the next
    loads no PyYAML, no spec loader and no hypothesis to prepare the same run."""
    statement = (
        "from judge.spec.catalog import Catalog, builtin_dir\n"
        "from judge.grading.plan import prepare\n"
        "prepare(Catalog([builtin_dir()]).get('basic-autograd'))"
    )
    first = _imported_after(statement, tmp_path)
    assert "yaml" in first
    again = _imported_after(statement, tmp_path)
    unwanted = {"yaml", "judge.spec.loader", "judge.spec.yamlnodes", "hypothesis"}
    assert not unwanted & again
