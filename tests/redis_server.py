"""A real ``redis-server`` (Debian's) on a free loopback port, and real ``judge worker``s.

The server keeps its data in a temp dir with ``--appendonly yes --appendfsync always``,
so a restart on the same port and dir keeps every write it acknowledged (the fault
tests stop it and start it again).  Every wait loops on a condition with a deadline;
every process started here is killed when its block ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.serve_server import free_port

REDIS = shutil.which("redis-server")
START_DEADLINE = 20.0
STOP_DEADLINE = 20.0
ROOT = Path(__file__).resolve().parents[1]

needs_redis = pytest.mark.skipif(
    REDIS is None, reason="redis-server is not installed (apt-get install redis-server)"
)


def wait_for(condition: Callable[[], object], deadline_s: float, what: str) -> object:
    """Poll ``condition`` until it returns something true; fail the test after
    ``deadline_s`` seconds saying ``what`` was awaited."""
    end = time.monotonic() + deadline_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            pytest.fail(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(0.1)


@dataclass
class RedisServer:
    """A redis-server's settings and, while running, its process."""

    folder: Path
    port: int = field(default_factory=free_port)
    password: str | None = None
    tls: dict[str, Path] | None = None  # cert, key, ca files for a TLS-only server
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL a judge command is given."""
        auth = f":{self.password}@" if self.password else ""
        if self.tls is not None:
            return f"rediss://{auth}127.0.0.1:{self.port}?ssl_ca_certs={self.tls['ca']}"
        return f"redis://{auth}127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """redis-server's command line: loopback, persistent, each write fsynced."""
        assert REDIS is not None
        command = [REDIS, "--bind", "127.0.0.1", "--dir", str(self.folder)]
        command += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        command += ["--daemonize", "no", "--logfile", str(self.folder / "redis.log")]
        if self.password:
            command += ["--requirepass", self.password]
        if self.tls is not None:
            command += ["--port", "0", "--tls-port", str(self.port)]
            command += ["--tls-cert-file", str(self.tls["cert"])]
            command += ["--tls-key-file", str(self.tls["key"])]
            command += ["--tls-ca-cert-file", str(self.tls["ca"]), "--tls-auth-clients", "no"]
        else:
            command += ["--port", str(self.port)]
        return command

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self.answers, START_DEADLINE, f"redis-server on port {self.port}")

    def answers(self) -> bool:
        """Whether the server answers a PING (and accepts the password)."""
        import redis

        if self.process is not None and self.process.poll() is not None:
            log = (self.folder / "redis.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"redis-server exited ({self.process.returncode}):\n{log}")
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def client(self) -> object:
        """A redis-py client of this server (no retries: a test sees what happens)."""
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=10)

    def stop(self) -> None:
        """Stop the server as a service manager does (SIGTERM: it writes what it has and
        exits); kill it past ``STOP_DEADLINE``."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_DEADLINE)


@contextlib.contextmanager
def running_redis(folder: Path, **settings: object) -> Iterator[RedisServer]:
    """A started ``RedisServer`` in ``folder``, stopped when the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    server = RedisServer(folder, **settings)  # type: ignore[arg-type]
    try:
        server.start()
        yield server
    finally:
        server.stop()


def judge_env(home: Path) -> dict[str, str]:
    """A minimal environment for judge subprocesses (the session's cache folder kept,
    so a problem's graphs are not drawn again in each)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    if "JUDGE_CACHE_DIR" in os.environ:
        env["JUDGE_CACHE_DIR"] = os.environ["JUDGE_CACHE_DIR"]
    return env


@dataclass
class WorkerProcess:
    """A ``judge worker`` subprocess in its own process group, and its log."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """What the worker printed (for a failing test's message)."""
        return self.log.read_text(errors="replace")[-4000:]

    def horses(self) -> list[int]:
        """The worker's children: its work horse while it grades."""
        pid = self.process.pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(child) for child in text.split()]

    def kill(self) -> None:
        """SIGKILL the worker's process group (the horse, in a group of its own, must
        die by itself: its parent-death signal)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_DEADLINE)


def start_worker(
    url: str, home: Path, name: str, *options: str, env: dict[str, str] | None = None
) -> WorkerProcess:
    """A ``judge worker`` on ``url`` named ``name`` (short heartbeats unless ``options``
    say otherwise)."""
    log = home / f"worker-{name}.log"
    command = [sys.executable, "-m", "judge", "worker", "--queue", url, "--name", name]
    command += list(options) or ["--heartbeat", "2", "--maintenance", "2"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or judge_env(home),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return WorkerProcess(name, process, log)


@contextlib.contextmanager
def running_workers(
    url: str, home: Path, count: int, *options: str
) -> Iterator[list[WorkerProcess]]:
    """``count`` workers on ``url``; each killed (group and all) when the block ends."""
    workers: list[WorkerProcess] = []
    try:
        for number in range(count):
            workers.append(start_worker(url, home, f"w{number}", *options))
        yield workers
    finally:
        for worker in workers:
            stop_worker(worker)


def stop_worker(worker: WorkerProcess) -> int | None:
    """Stop a worker with SIGTERM, kill its group past ``STOP_DEADLINE``; its status."""
    process = worker.process
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_DEADLINE)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # whatever it left in its group
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_DEADLINE)
    return process.returncode
