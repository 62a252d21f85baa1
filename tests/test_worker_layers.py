"""The worker's files and the judge: who imports what.

The harness (``judge/runner/harness.py``) is the worker's process loop; nothing of the
judge imports it, only the worker's start-up names it.  The interpreter
(``judge/runner/interpreter.py``) is what both sides run of a program: standard
library only, so the worker can load it without the judge, and the judge imports it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from judge.runner import process

JUDGE = Path(__file__).resolve().parent.parent / "judge"
RUNNER = JUDGE / "runner"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (inside functions too), absolute."""
    package = ".".join(path.relative_to(JUDGE.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_nothing_of_the_judge_imports_the_harness() -> None:
    importers = [
        str(path.relative_to(JUDGE.parent))
        for path in sorted(JUDGE.rglob("*.py"))
        if path != RUNNER / "harness.py" and {"judge.runner.harness", "harness"} & _imports(path)
    ]
    assert importers == []
    # The worker's start-up is the one place that names it.
    assert "import harness;" in process.STARTER
    assert "harness.main()" in process.STARTER


def test_the_judge_runs_programs_with_the_interpreter() -> None:
    """The reference engine, the broken engines and the stress checks run the same
    interpreter as the worker (this test fails if they stop importing it and keep a
    copy)."""
    users = {
        str(path.relative_to(JUDGE))
        for path in JUDGE.rglob("*.py")
        if any(name.startswith("judge.runner.interpreter") for name in _imports(path))
    }
    assert {
        "engine/evaluate.py",
        "properties/runners.py",
        "properties/stress.py",
        "runner/harness.py",
    } <= users


def test_the_interpreter_imports_the_standard_library_only() -> None:
    imported = _imports(RUNNER / "interpreter.py")
    top = {name.split(".")[0] for name in imported}
    assert top - {"__future__"} <= set(sys.stdlib_module_names), top
    assert not any(name.startswith("judge") for name in imported)


def test_the_harness_imports_the_standard_library_and_the_interpreter_only() -> None:
    """``from judge.runner.interpreter`` is the branch mypy and tests take; the worker
    takes ``from interpreter``, the file beside it (and ``lockdown`` by path)."""
    imported = _imports(RUNNER / "harness.py")
    top = {name.split(".")[0] for name in imported}
    assert all(
        name.startswith(("judge.runner.interpreter", "interpreter"))
        for name in imported
        if name.startswith(("judge", "interpreter"))
    ), imported
    assert top - {"__future__", "judge", "interpreter"} <= set(sys.stdlib_module_names), top


def test_the_worker_reads_the_harness_and_the_interpreter_of_the_judge() -> None:
    """What the sandbox binds for the worker of the judge's files (bwrap shows it
    nothing else): the two files and their bytecode, nothing more."""
    files = [Path(name) for name in process.harness_files()]
    sources = {path for path in files if path.suffix == ".py"}
    assert sources == {RUNNER / "harness.py", RUNNER / "interpreter.py"}
    for path in files:
        assert path.suffix == ".py" or (
            path.parent.name == "__pycache__"
            and path.name.split(".")[0] in {"harness", "interpreter"}
        ), path
