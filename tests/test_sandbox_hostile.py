"""The hostile corpus: every submission in tests/hostile gets its verdict, and the
sandbox contains it: the judge finishes in time with a complete report, nothing is
written, nothing is reached, no process is left behind, no secret leaks.

Each run is ``judge run`` in a subprocess with a minimal environment holding a secret,
``--timeout 1`` and a one-case problem, in a world-readable folder (so that only the
sandbox, not file permissions, stands between the worker and the problem's files).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from judge.results import Report
from tests.samples import GOOD_VALUE, ROOT, leftover_processes, worker_switches

HOSTILE = Path(__file__).with_name("hostile")
SPEC = """\
id: hostile
title: Hostile
description: SPEC-MARKER-6f1c the hidden cases live in this file.
starter: |
  class Value:
      pass
ops: [add, mul]
time_limit: 2
cases:
  - name: visible
    hidden: false
    program: |
      a = Value(2.0)
      b = a * a + a
      b.backward()
"""
OTHER = "# OTHER-MARKER-93ab another student's work\n" + GOOD_VALUE

# submission: (report status, the test's verdict, words in the messages)
EXPECTED = {
    "read_spec": ("error", "forbidden", "tried to read"),
    "read_other": ("failed", "forbidden", "tried to read"),
    "env_secret": ("error", "forbidden", "environ"),
    "env_own": ("error", "error", "RuntimeError: {"),
    "import_judge": ("error", "forbidden", "tried to import judge"),
    "import_installed": ("error", "forbidden", "tried to import yaml"),
    "load_judge_file": ("error", "forbidden", "reference.py"),
    "socket_connect": ("failed", "forbidden", "tried to import socket"),
    "write_file": ("error", "forbidden", "for writing"),
    "os_system": ("error", "forbidden", "tried to run a shell command"),
    "fork": ("error", "forbidden", "tried to start a process (os.fork)"),
    "ctypes_call": ("error", "forbidden", "tried to import ctypes"),
    "kill_parent": ("failed", "forbidden", "tried to send signal 9"),
    "forge_results": ("failed", "crashed", "worker crashed"),
    "patch_modules": ("failed", "crashed", "broke the protocol"),
    "sys_exit": ("error", "error", "SystemExit"),
    "endless_loop": ("error", "error", "did not answer in time"),
    "endless_loop_signals": ("failed", "timeout", "longer than 1 s"),
    "long_sleep": ("failed", "timeout", "longer than 1 s"),
    "allocate": ("failed", "memory", "ran out of memory"),
    "flood_print": ("failed", "crashed", "printed more than 1 MiB"),
    "flood_fd": ("failed", "crashed", "flooded its output"),
    "deep_recursion": ("failed", "crashed", "SIGSEGV"),
    "thread_left": ("error", "error", "can't start new thread"),
    "tripwire_bypass": ("error", "error", "could not be loaded"),
}
# Contained by the kernel layers alone (the tripwire is bypassed): not at level basic.
KERNEL_ONLY = {"tripwire_bypass"}


def test_the_table_covers_the_corpus() -> None:
    assert sorted(EXPECTED) == sorted(p.stem for p in HOSTILE.glob("*.py"))


@dataclass
class Arena:
    """A world-readable folder holding the problem, another student's file, a
    world-writable target folder, the judge's TMPDIR and a listener on localhost."""

    base: Path
    specs: Path
    other: Path
    targets: Path
    work: Path
    listener: socket.socket
    secret: str

    def submission(self, name: str) -> Path:
        tail = (HOSTILE / f"{name}.py").read_text(encoding="utf-8")
        for placeholder, value in {
            "__SPEC__": str(self.specs / "hostile.yaml"),
            "__OTHER__": str(self.other),
            "__TARGETS__": str(self.targets),
            "__PORT__": str(self.listener.getsockname()[1]),
            "__SITE__": sysconfig.get_paths()["purelib"],
            "__REPO__": str(ROOT),
        }.items():
            tail = tail.replace(placeholder, value)
        path = self.base / f"{name}.py"
        path.write_text(GOOD_VALUE + "\n" + tail, encoding="utf-8")
        path.chmod(0o644)
        return path

    def judge(self, submission: Path, level: str, bwrap: bool = True) -> tuple[int, str, float]:
        """Run ``judge run`` on ``submission``; return its exit code, output and time."""
        env = {
            "PATH": os.defpath if bwrap else "/nonexistent",
            "TMPDIR": str(self.work),
            "PYTHONPATH": str(ROOT),  # the judge, installed or not
            "JUDGE_HOSTILE_SECRET": self.secret,
            **worker_switches(),  # tests/test_warm.py: the corpus through warm workers
        }
        command = [sys.executable, "-m", "judge", "run", str(submission), "-p", "hostile"]
        command += ["--problems", str(self.specs), "--format", "json", "--timeout", "1"]
        command += ["--sandbox", level]
        started = time.monotonic()
        result = subprocess.run(
            command, cwd=self.base, env=env, capture_output=True, text=True, timeout=60
        )
        return result.returncode, result.stdout + result.stderr, time.monotonic() - started


@pytest.fixture
def arena() -> Iterator[Arena]:
    base = Path(tempfile.mkdtemp(prefix="judge-hostile-"))
    listener = socket.socket()
    try:
        base.chmod(0o755)
        specs, targets, work = base / "specs", base / "targets", base / "work"
        for folder, mode in ((specs, 0o755), (targets, 0o777), (work, 0o711)):
            folder.mkdir()
            folder.chmod(mode)
        (specs / "hostile.yaml").write_text(SPEC, encoding="utf-8")
        (specs / "hostile.yaml").chmod(0o644)
        other = base / "other.py"
        other.write_text(OTHER, encoding="utf-8")
        other.chmod(0o644)
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        yield Arena(base, specs, other, targets, work, listener, secrets.token_hex(16))
    finally:
        listener.close()
        shutil.rmtree(base, ignore_errors=True)


def kernel_layers() -> set[str]:
    """The kernel layers that hold on this machine, as a worker reports them."""
    from judge.runner.process import WorkerProcess
    from judge.sandbox import plan

    path = Path(tempfile.mkdtemp()) / "probe.py"
    path.write_text(GOOD_VALUE, encoding="utf-8")
    worker = WorkerProcess(path, {"entry": "Value", "limits": {}}, plan("auto"))
    try:
        worker.start(10)
    finally:
        worker.close()
        shutil.rmtree(path.parent)
    return {"landlock", "seccomp", "bwrap"} & set(worker.layers)


LEVELS = [
    pytest.param("auto", True, id="auto"),
    pytest.param("auto", False, id="auto-without-bwrap"),
    pytest.param("basic", True, id="basic"),
]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks /proc")
@pytest.mark.parametrize(("level", "bwrap"), LEVELS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_submission_is_contained(arena: Arena, name: str, level: str, bwrap: bool) -> None:
    if level == "basic" and name in KERNEL_ONLY:
        pytest.skip("held by the kernel layers only")
    if name in KERNEL_ONLY and not kernel_layers() - {"bwrap"}:
        pytest.skip("no kernel layer holds on this machine")
    submission = arena.submission(name)
    before = submission.read_bytes()
    code, output, seconds = arena.judge(submission, level, bwrap)

    # The judge finished, in time, with a complete report and the expected verdict.
    assert code == 1, output
    assert seconds < 20
    report = json.loads(output)
    Report.from_dict(report)  # every field of the report's contract is there
    status, verdict, words = EXPECTED[name]
    assert report["status"] == status, output
    assert [test["status"] for test in report["tests"]] == [verdict], output
    messages = report.get("message", "") + report.get("output", "") + report["tests"][0]["message"]
    assert words in messages, output
    assert report["sandbox"]["level"] == level
    assert {"process", "rlimits", "imports", "audit"} <= set(report["sandbox"]["layers"])
    # Nothing written, nothing reached, nothing left behind, nothing leaked.
    assert list(arena.targets.iterdir()) == []
    assert list(arena.work.iterdir()) == []
    assert submission.read_bytes() == before
    assert sorted(p.name for p in arena.base.iterdir()) == sorted(
        ["specs", "targets", "work", "other.py", submission.name]
    )
    with pytest.raises(BlockingIOError):
        arena.listener.accept()
    assert leftover_processes(arena.base) == []
    assert arena.secret not in output
    assert "SPEC-MARKER" not in output
    assert "OTHER-MARKER" not in output


def test_auto_lists_the_kernel_layers_that_hold(arena: Arena) -> None:
    expected = kernel_layers()
    submission = arena.submission("sys_exit")
    code, output, _ = arena.judge(submission, "auto")
    layers = json.loads(output)["sandbox"]["layers"]
    assert expected <= set(layers)
    assert code == 1
    if os.geteuid() == 0:
        assert "privdrop" in layers


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks /proc")
@pytest.mark.parametrize("bwrap", [True, False], ids=["auto", "auto-without-bwrap"])
def test_a_judge_killed_mid_run_leaves_no_worker_behind(arena: Arena, bwrap: bool) -> None:
    if not kernel_layers() - {"bwrap"}:
        pytest.skip("no kernel layer holds on this machine")
    submission = arena.submission("long_sleep")
    command = [sys.executable, "-m", "judge", "run", str(submission), "-p", "hostile"]
    command += ["--problems", str(arena.specs), "--timeout", "30"]
    env = {"PATH": os.defpath if bwrap else "/nonexistent", "TMPDIR": str(arena.work)}
    judge = subprocess.Popen(command, cwd=arena.base, env={**env, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 20
        while not leftover_processes(arena.work, wait=0) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert leftover_processes(arena.work, wait=0), "no worker started"
        time.sleep(0.3)  # into the test's sleep
    finally:
        judge.kill()
        judge.wait()
    assert leftover_processes(arena.base, wait=3) == []
