"""Deadlines everywhere: no worker can hang the judge, and Ctrl-C or SIGTERM ends
``judge run`` and ``judge grade`` promptly with nothing left behind.

The attack (``tests/hostile/judge_side/answer_then_sleep.py``) answers its first request
from inside a patched ``json.dumps``, then ignores SIGINT and SIGTERM, cancels its alarm
and sleeps, reading nothing more: the judge's next request, larger than a pipe's
buffer, cannot be written to it.  Before writes had deadlines, ``judge run`` blocked
there for good and ``judge grade -j 2`` ignored two Ctrl-C and a SIGTERM.

Each subprocess runs in its own session, in a temp dir, with a minimal environment and
a timeout; the waits poll for a state (a worker asleep, a cached result) with a deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from judge.runner.process import WorkerProcess
from tests.samples import GOOD_VALUE, ROOT, worker_switches

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

ATTACK = ROOT / "tests" / "hostile" / "judge_side" / "answer_then_sleep.py"
BIG = 5_000  # nodes of the second case: its request (~150 KB) is larger than a pipe's buffer
EXIT_BOUND_S = 15  # generous: the judge is built to end within 5 s of the signal
SMALL = """\
      a = Value(2.0)
      b = a * a + a
      b.backward()
"""


def spec() -> str:
    """A problem with a small case, then one whose request is larger than a pipe."""
    lines = ["x = Value(0.5)", "v0 = Value(1.0)"]
    lines += [f"v{i} = v{i - 1} + x" for i in range(1, BIG)] + [f"v{BIG - 1}.backward()"]
    big = "".join(f"      {line}\n" for line in lines)
    return (
        "id: hang\ntitle: Hang\ndescription: A small case, then a big one.\n"
        "starter: |\n  class Value:\n      pass\nops: [add, mul]\ntime_limit: 30\ncases:\n"
        f"  - name: small\n    hidden: false\n    program: |\n{SMALL}"
        f"  - name: big\n    hidden: false\n    program: |\n{big}"
    )


def big_program() -> dict[str, object]:
    ops: list[list[object]] = [["x", "value", [0.5]], ["v0", "value", [1.0]]]
    ops += [[f"v{i}", "add", [f"v{i - 1}", "x"]] for i in range(1, BIG)]
    return {"ops": ops, "backward": f"v{BIG - 1}"}


SMALL_PROGRAM = {
    "ops": [["a", "value", [2.0]], ["b", "mul", ["a", "a"]], ["c", "add", ["b", "a"]]],
    "backward": "c",
}


@dataclass
class Place:
    """A temp folder with the spec, the judge's TMPDIR (every worker's folder lies in
    it) and a results cache."""

    base: Path
    specs: Path
    work: Path
    cache: Path

    def submission(self, name: str, hostile: bool) -> Path:
        tail = ATTACK.read_text(encoding="utf-8") if hostile else ""
        path = self.base / "class" / f"{name}.py"
        path.parent.mkdir(exist_ok=True)
        # The name in it: byte-identical submissions would be graded only once.
        path.write_text(f"# {name}\n{GOOD_VALUE}\n{tail}", encoding="utf-8")
        return path

    def start(self, *arguments: str, timeout: str = "30") -> subprocess.Popen[str]:
        """``judge ARGUMENTS...`` in its own session (as a terminal's job would be), its
        output in files: waiting for it never waits for a child left holding a pipe."""
        env = {
            "PATH": os.defpath,
            "TMPDIR": str(self.work),
            "PYTHONPATH": str(ROOT),
            "JUDGE_CACHE_DIR": str(self.cache),
            **worker_switches(),
        }
        command = [sys.executable, "-m", "judge", *arguments, "-p", "hang"]
        command += ["--problems", str(self.specs), "--timeout", timeout]
        with open(self.base / "out.txt", "w") as out, open(self.base / "err.txt", "w") as err:
            return subprocess.Popen(
                command, cwd=self.base, env=env, stdout=out, stderr=err, start_new_session=True
            )

    def finish(self, judge: subprocess.Popen[str], seconds: float) -> tuple[str, str]:
        """Wait for the judge to exit (killing it if it does not): its output."""
        try:
            judge.wait(timeout=seconds)
        finally:
            judge.kill()
            judge.wait()
        return (self.base / "out.txt").read_text(), (self.base / "err.txt").read_text()


@pytest.fixture
def place(tmp_path: Path) -> Place:
    specs, work, cache = tmp_path / "specs", tmp_path / "work", tmp_path / "cache"
    for folder in (specs, work, cache):
        folder.mkdir(mode=0o700)
    (specs / "hang.yaml").write_text(spec(), encoding="utf-8")
    return Place(tmp_path, specs, work, cache)


def processes() -> Iterator[tuple[int, int, str, str]]:
    """Every process: pid, session id, working directory and kernel wait channel."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cwd = os.readlink(entry / "cwd")
            wchan = (entry / "wchan").read_text()
        except OSError:
            continue
        session = int(stat.rsplit(")", 1)[1].split()[4])
        yield int(entry.name), session, cwd, wchan


def asleep_workers(work: Path) -> int:
    """Workers (their folders lie in ``work``) asleep in the attack's ``sleep``."""
    return sum(
        1 for _, _, cwd, wchan in processes() if cwd.startswith(str(work)) and "sleep" in wchan
    )


def left_behind(judge: int, work: Path) -> list[int]:
    """Processes of the judge's session (its pool) or in a worker's folder, polled for
    a few seconds: a process just killed takes a moment to disappear."""
    deadline = time.monotonic() + 5
    while True:
        found = [
            pid
            for pid, session, cwd, _ in processes()
            if session == judge or cwd.startswith(str(work))
        ]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Poll ``condition`` until it holds, or fail saying ``what``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# -- one worker ----------------------------------------------------------------------------
def test_a_request_to_a_worker_that_stopped_reading_times_out(tmp_path: Path) -> None:
    path = tmp_path / "hang.py"
    path.write_text(GOOD_VALUE + "\n" + ATTACK.read_text(encoding="utf-8"), encoding="utf-8")
    worker = WorkerProcess(path, {"entry": "Value", "limits": {}})
    try:
        assert worker.start(10).error is None
        assert worker.request(SMALL_PROGRAM, 10).kind.value == "ok"  # answered, now asleep
        outcome = worker.request(big_program(), 1.0)
        assert outcome.kind.value == "timeout"
        assert not worker.alive
    finally:
        worker.kill()


def test_closing_a_worker_that_stopped_reading_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "hang.py"
    path.write_text(GOOD_VALUE + "\n" + ATTACK.read_text(encoding="utf-8"), encoding="utf-8")
    worker = WorkerProcess(path, {"entry": "Value", "limits": {}})
    closed: list[bool] = []
    try:
        assert worker.start(10).error is None
        assert worker.request(SMALL_PROGRAM, 10).kind.value == "ok"
        # Fill the request pipe the way an unread request would, then close.
        os.set_blocking(worker.requests_fd, False)
        while True:
            try:
                os.write(worker.requests_fd, b" " * 65536)
            except BlockingIOError:
                break
        closer = threading.Thread(target=lambda: closed.append(worker.close()), daemon=True)
        closer.start()
        closer.join(30)
        assert closed == [False]  # it did not say goodbye, and close() returned anyway
        assert not worker.alive
    finally:
        worker.kill()


def test_judge_run_survives_a_worker_that_stopped_reading(place: Place) -> None:
    submission = place.submission("hang", hostile=True)
    judge = place.start("run", str(submission), "--format", "json", timeout="1")
    out, err = place.finish(judge, 60)
    report = json.loads(out)
    assert [t["status"] for t in report["tests"]] == ["passed", "timeout"], err
    assert judge.returncode == 1
    assert left_behind(judge.pid, place.work) == []


# -- signals ---------------------------------------------------------------------------------
@pytest.mark.parametrize("signals", [["SIGTERM"], ["SIGINT", "SIGINT"]])
def test_judge_run_stops_on_a_signal_and_leaves_nothing(place: Place, signals: list[str]) -> None:
    submission = place.submission("hang", hostile=True)
    judge = place.start("run", str(submission))
    try:
        wait_for(lambda: asleep_workers(place.work) == 1, "the worker to fall asleep")
        for name in signals:
            os.killpg(judge.pid, signal.Signals[name])  # as a terminal sends Ctrl-C
    finally:
        _, err = place.finish(judge, EXIT_BOUND_S)
    assert judge.returncode == 130, err
    assert "interrupted" in err
    assert "Traceback" not in err
    assert left_behind(judge.pid, place.work) == []


@pytest.mark.parametrize(
    ("jobs", "signals"),
    [(2, ["SIGTERM"]), (2, ["SIGINT", "SIGINT", "SIGTERM"]), (1, ["SIGINT", "SIGINT"])],
)
def test_judge_grade_stops_on_a_signal_keeping_what_was_graded(
    place: Place, jobs: int, signals: list[str]
) -> None:
    place.submission("a_good", hostile=False)
    place.submission("b_hang", hostile=True)
    place.submission("c_hang", hostile=True)
    judge = place.start("grade", str(place.base / "class"), "-j", str(jobs))
    try:
        # The good one is graded and cached; then each grading process (one per job, or
        # the judge itself) hangs on a worker.
        wait_for(lambda: asleep_workers(place.work) == jobs, "the workers to fall asleep")
        wait_for(lambda: any(p.is_file() for p in place.cache.rglob("*")), "a cached result")
        for name in signals:
            if name == "SIGINT":
                os.killpg(judge.pid, signal.SIGINT)  # the judge and its pool, as Ctrl-C does
            else:
                os.kill(judge.pid, signal.SIGTERM)  # the judge alone, as kill does
    finally:
        _, err = place.finish(judge, EXIT_BOUND_S)
    assert judge.returncode == 130, err
    assert "interrupted: 1 of 3 submissions done and cached" in err
    assert "Traceback" not in err
    assert left_behind(judge.pid, place.work) == []
