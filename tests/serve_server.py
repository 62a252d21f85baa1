"""A real ``judge serve`` on a free loopback port, in a subprocess, for the API tests.

Started with a minimal environment in a temporary home; ready when ``GET /api/problems``
answers (polled until ``START_DEADLINE``); stopped with SIGTERM (as a service manager
would), killed if it does not stop in ``STOP_DEADLINE``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

START_DEADLINE = 60.0  # seconds to the first answer on a busy 2-core machine
STOP_DEADLINE = 30.0
GRADE_DEADLINE = 180.0  # seconds for a submission to be graded, with every core busy


@dataclass
class Server:
    """A running server: its URL, its process, and the file its output goes to."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """The end of what the server printed (for a failing test's message)."""
        return self.log.read_text(errors="replace")[-4000:]


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_server(home: Path, *options: str, token: str | None = None) -> Iterator[Server]:
    """``judge serve`` with ``options`` and its database in ``home``, until the block ends."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    if token is not None:
        env["JUDGE_INSTRUCTOR_TOKEN"] = token
    command = [sys.executable, "-m", "judge", "serve", "--port", str(port)]
    command += ["--database", str(home / "judge.sqlite3"), *options]
    log = home / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=Path(__file__).resolve().parents[1],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        stop(server)


def stop(server: Server) -> int:
    """Stop the server with SIGTERM (kill it past ``STOP_DEADLINE``); its exit status."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


def _wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"judge serve exited {server.process.returncode}:\n{server.output()}")
        with contextlib.suppress(httpx.TransportError):  # not listening yet
            if httpx.get(f"{server.base}/api/problems", timeout=5).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"judge serve did not answer in {START_DEADLINE} s:\n{server.output()}")
        # The poll's interval; it also notices an early exit at once.
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=0.2)


def graded(base: str, submission_id: str, headers: dict[str, str] | None = None) -> dict:
    """The submission's record once done, polled until ``GRADE_DEADLINE``."""
    deadline = time.monotonic() + GRADE_DEADLINE
    while True:
        record = httpx.get(
            f"{base}/api/submissions/{submission_id}", headers=headers, timeout=30
        ).json()
        if record["state"] == "done":
            return record
        if time.monotonic() > deadline:
            pytest.fail(f"{submission_id} not graded in {GRADE_DEADLINE} s: {record}")
        time.sleep(0.1)  # a poll's interval, not a wait for something to happen
