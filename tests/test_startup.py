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

import pytest

from judge.grading.grade import Options, grade
from judge.grading.plan import prepare
from judge.grading.session import worker_booting
from judge.results import Status
from judge.runner import process, warm
from judge.runner.process import WorkerProcess
from judge.sandbox.levels import precompile
from judge.spec.catalog import Catalog, builtin_dir

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


# Modules only a failing submission needs: explaining a failed random graph (shrink
# aside, which the corpus's records use), the library of classic mistakes, and the
# gradebook (a batch's).  A passing run, the common case, imports none of them.
FAILURE_ONLY = frozenset({
    "judge.properties.explain", "judge.properties.localise", "judge.properties.recognise",
    "judge.properties.mistakes", "judge.properties.engines", "judge.report.gradebook",
    "statistics",
})  # fmt: skip


def _judge_run(submission: str, tmp_path: Path) -> set[str]:
    """The modules a whole ``judge run`` of ``submission`` imported (its report to a
    file, so that the modules are all it prints); it must exit as a pass or a fail."""
    report = tmp_path / "report.txt"
    argv = ["judge", "run", submission, "-p", "basic-autograd", "-o", str(report)]
    statement = (
        f"import runpy, sys\nsys.argv = {argv!r}\n"
        "try:\n    runpy.run_module('judge', run_name='__main__')\n"
        "except SystemExit as done:\n    assert done.code in (0, 1), done.code"
    )
    return _imported_after(statement, tmp_path)


def test_a_passing_run_imports_nothing_only_a_failure_needs(tmp_path: Path) -> None:
    passing = _judge_run("submissions/correct.py", tmp_path)
    assert "judge.grading.grade" in passing  # it did grade
    assert not FAILURE_ONLY & passing
    assert not {name for name in passing if name.split(".")[0] == "hypothesis"}
    # The same run of a failing submission does import them: the names are the right ones.
    failing = _judge_run("submissions/wrong_grad_assigned.py", tmp_path)
    assert FAILURE_ONLY - {"statistics", "judge.report.gradebook"} <= failing


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every worker process started from now on: True for one prestarted (no submission
    yet), False for one started with its submission.  Warm workers as ``judge run`` has
    them (``JUDGE_WARM_WORKERS`` unset, not a batch)."""
    monkeypatch.delenv(warm.SWITCH, raising=False)
    started: list[bool] = []
    spawn = WorkerProcess._spawn

    def noted(self: WorkerProcess, prestarted: bool) -> None:
        started.append(prestarted)
        spawn(self, prestarted)

    monkeypatch.setattr(WorkerProcess, "_spawn", noted)
    return started


def test_a_run_boots_its_one_worker_before_preparing_and_grades_with_it(
    spawned: list[bool],
) -> None:
    problem = Catalog([builtin_dir()]).get("basic-autograd")
    with worker_booting(problem, "auto"):
        assert spawned == [True]  # booting while the plan is prepared
        report = grade(ROOT / "submissions" / "correct.py", prepare(problem), Options())
    assert report.status is Status.PASSED
    assert spawned == [True]  # the session took it, and no spare was started after it


def test_a_worker_booted_for_nothing_is_killed(spawned: list[bool]) -> None:
    problem = Catalog([builtin_dir()]).get("basic-autograd")
    with pytest.raises(KeyboardInterrupt), worker_booting(problem, "auto"):
        booted = warm._spare
        raise KeyboardInterrupt  # Ctrl-C while preparing: no session takes it
    assert booted is not None and booted.process is not None
    assert booted.process.poll() is not None and booted.workspace is None
    assert warm._spare is None and spawned == [True]
