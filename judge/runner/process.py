"""Host the harness in a child process and talk to it over private pipes.

The child runs ``python -I -S -B`` importing harness.py, in a new session, with an
empty environment, in an empty temporary directory holding a copy of the submission;
the sandbox (``judge.sandbox``) adds its limits and settings to the child's
configuration and may wrap it in bubblewrap.  Requests and responses travel over two
pipes that are not stdin/stdout; the child's stdout and stderr are drained separately
and capped.  Every request has a deadline; a child that misses it, dies, floods its
output or breaks the protocol is killed with its whole process group.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from judge.errors import SandboxError
from judge.runner import protocol
from judge.runner.outcome import (
    Died,
    Forbidden,
    Kind,
    LoadError,
    LoadErrorKind,
    LoadResult,
    Outcome,
    TimedOut,
)
from judge.sandbox import detect, workspace
from judge.sandbox.levels import Sandbox, precompile

HARNESS = Path(__file__).with_name("harness.py")
# The stdlib-only interpreter the harness imports from its own folder (the judge imports
# it too, as judge.runner.interpreter): the one other file of the judge the worker reads.
INTERPRETER = HARNESS.with_name("interpreter.py")
# The worker imports the harness rather than running it as a script, so that Python
# uses its cached bytecode (compiling it costs about 2 ms per worker).  Only the
# harness's folder is on the path, and only for that import.
STARTER = (
    f"import sys; sys.path.insert(0, {str(HARNESS.parent)!r}); import harness; "
    "del sys.path[0]; harness.main()"
)
# Bytes a response may take: a fixed part for the texts (output, an exception's account:
# under 9,000 characters as the harness cuts them, 52 KiB if JSON escapes every one) and
# a part per node read.
# A node's data and grad take about 70 bytes as numbers and about 250 described as
# something else (a Value, say); a submission that sends more is stopped, so what the
# judge reads for one request stays under a few MiB.  MAX_RESPONSE caps any one line
# (the stress checks read a sample of a few hundred nodes; 8 MiB would be 100,000).
RESPONSE_BASE = 64 << 10
RESPONSE_PER_NODE = 1 << 10
MAX_RESPONSE = 8 << 20
CLOSE_S = 1.0  # seconds a worker has to say goodbye when closed before it is killed
REAP_S = 5.0  # seconds to wait for a killed worker to be gone (it cannot resist SIGKILL)
MAX_STRAY_OUTPUT = 1 << 20  # bytes written straight to fd 1/2 before the worker is stopped
KEEP_STRAY_OUTPUT = 4096


def harness_files() -> list[str]:
    """The harness, the interpreter and their bytecode, if cached: all the worker reads
    of the judge (the sandbox lets it read these and no other file of the judge).
    Their bytecode is written first where missing: the worker cannot write it."""
    precompile((HARNESS, INTERPRETER))
    files = []
    for source in (HARNESS, INTERPRETER):
        files.append(str(source))
        cached = importlib.util.cache_from_source(str(source))
        if os.path.exists(cached):
            files.append(cached)
    return files


class ProtocolError(Exception):
    """The worker said something that is not one well-formed response."""


class WorkerExited(ProtocolError):
    """The worker closed its end of the channel."""


class WorkerProcess:
    """One running worker hosting one submission.

    ``config`` is the first message the harness reads: the submission path, the entry
    class and the limits; ``sandbox`` adds the sandbox's settings and limits and
    decides how the worker is launched (None: the config's limits only, for tests of
    the runner itself).  Use ``start`` once, then ``request`` per program, then
    ``close``; after a request that does not end in ``OK``, ``RAISED`` or ``MISSING``
    the process is gone and a new one must be started.  ``layers`` lists the sandbox
    layers that held, once started.
    """

    def __init__(
        self,
        submission: Path,
        config: dict[str, Any],
        sandbox: Sandbox | None = None,
        content: bytes | None = None,
    ):
        self.submission = submission
        self.content = content  # the bytes to grade; None: copy the file (runner tests)
        self.config = config
        self.sandbox = sandbox
        self.process: subprocess.Popen[bytes] | None = None
        self.workspace: workspace.Workspace | None = None
        self.workdir: str | None = None
        self.stray = bytearray()
        self.stray_size = 0
        self.buffer = bytearray()
        self.next_id = 0
        self.layers: list[str] = []

    # -- lifecycle -------------------------------------------------------------------
    def start(self, timeout: float) -> LoadResult:
        """Launch the worker, load the submission, and wait for it to say it is ready.

        Raises ``SandboxError`` when the sandbox's level cannot be met on this machine
        (the submission has not run then).
        """
        deadline = time.monotonic() + timeout
        try:
            hello = self._launch(deadline)
            if hello is None and self.sandbox is not None and self.sandbox.bwrap is not None:
                # bwrap could not start the worker (nothing of the submission ran):
                # typically user namespaces are disabled.  Go on without it.
                reason = self._last_words().strip().splitlines()
                detect.mark_bwrap_broken(self.sandbox.bwrap, reason[0] if reason else "failed")
                self.kill()
                self.sandbox = self.sandbox.without_bwrap()
                hello = self._launch(deadline)
            if hello is None:
                raise WorkerExited("worker exited")
            if self.sandbox is not None:
                self.layers = self.sandbox.held(hello)
            else:
                self.layers = ["process", *hello.get("layers", [])]
            message = self._read(deadline)
        except SandboxError:
            self.kill()
            raise
        except (ProtocolError, TimeoutError, OSError) as error:
            message = {"crash": self._death(error)}
        if "load_error" in message and isinstance(message["load_error"], dict):
            self.kill()
            failure = protocol.load_error(message["load_error"])
            return LoadResult(failure, output=failure.output)
        ready = message.get("ready")
        loaded = protocol.ready(ready) if isinstance(ready, dict) and not self.buffer else None
        if loaded is None:
            crash = message.get("crash", "worker broke protocol")
            output = self.stray_output()
            kind = LoadErrorKind.FORBIDDEN if self._killed_by_seccomp() else LoadErrorKind.CRASH
            self.kill()
            return LoadResult(LoadError(kind, message=str(crash)), output=output)
        return loaded

    def _launch(self, deadline: float) -> dict[str, Any] | None:
        """Start the process and send its configuration; return the sandbox layers it
        reports, or None if it ended before saying anything."""
        self.stray.clear()
        self.stray_size = 0
        self.buffer.clear()
        # The bytes read safely once (``content``), not the path again (it may be a
        # link by now); None: copy the file (runner tests).
        drop = self.sandbox is not None and self.sandbox.user is not None
        self.workspace = workspace.create(self.submission, self.content, drop)
        self.workdir = self.workspace.folder
        config = {**self.config, "submission": self.workspace.copy}
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        fds = (to_child_r, from_child_w)
        if self.sandbox is not None:
            config["limits"] = {**config.get("limits", {}), **self.sandbox.limits()}
            config["sandbox"] = self.sandbox.settings(self.workspace.user)
        command = [sys.executable, "-I", "-S", "-B", "-c", STARTER, *map(str, fds)]
        if self.sandbox is not None:
            command = self.sandbox.command(command, harness_files(), self.workdir)
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
            env={},
            pass_fds=fds,
            start_new_session=True,
            close_fds=True,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.requests_fd = to_child_w
        self.responses_fd = from_child_r
        assert self.process.stdout is not None
        self.stdout_fd = self.process.stdout.fileno()
        # Every descriptor is non-blocking, so that no write and no read can outlast its
        # deadline: a worker that stops reading must not hang the judge on a full pipe.
        os.set_blocking(self.requests_fd, False)
        os.set_blocking(self.responses_fd, False)
        os.set_blocking(self.stdout_fd, False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.responses_fd, selectors.EVENT_READ, "response")
        self.selector.register(self.stdout_fd, selectors.EVENT_READ, "stdout")
        try:
            self._write(config, deadline)
            hello = self._read(deadline)
        except (WorkerExited, BrokenPipeError):
            return None
        layers = hello.get("sandbox")
        if not isinstance(layers, dict) or not isinstance(layers.get("layers"), list):
            raise ProtocolError("worker broke protocol")
        return layers

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def close(self) -> bool:
        """Ask the worker to exit, and kill it if it does not within a moment.

        Returns False if a live worker did not end the conversation as the protocol
        says: nothing unasked, then its sentinel ``{"bye": true}`` and nothing after it.
        """
        clean = True
        if self.alive:
            deadline = time.monotonic() + CLOSE_S
            try:
                self._ensure_quiet()
                self._write({"exit": True}, deadline)
                clean = self._read(deadline) == {"bye": True} and not self.buffer
            except (ProtocolError, TimeoutError, OSError):
                clean = False
        self.kill()
        return clean

    def kill(self) -> None:
        """Kill the worker's whole process group and clean up its directory.

        Bounded: a process stuck in the kernel (a dead NFS mount, say) is left to be
        reaped later rather than holding the judge.
        """
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=REAP_S)
            if self.process.stdout is not None:
                self.process.stdout.close()
            if hasattr(self, "selector"):
                self.selector.close()
                os.close(self.requests_fd)
                os.close(self.responses_fd)
                del self.selector
        if self.workspace is not None:
            self.workspace.remove()
            self.workspace = None
            self.workdir = None

    # -- requests --------------------------------------------------------------------
    def request(self, program: dict[str, Any], timeout: float) -> Outcome:
        """Run one program; the worker is killed unless the outcome is OK/RAISED/MISSING."""
        self.next_id += 1
        self.stray.clear()
        self.stray_size = 0
        deadline = time.monotonic() + timeout
        read = program.get("read") or [op[0] for op in program["ops"]]
        limit = min(RESPONSE_BASE + RESPONSE_PER_NODE * len(read), MAX_RESPONSE)
        try:
            self._ensure_quiet()
            # ``seconds``: the worker answers for a program still running just before
            # it, with the line it is at (harness.Watchdog); the deadline holds anyway.
            self._write({"id": self.next_id, "program": program, "seconds": timeout}, deadline)
            message = self._read(deadline, limit)
            if self.buffer:
                raise ProtocolError("worker sent more than one answer")
        except TimeoutError:
            self.kill()
            return Outcome(Kind.TIMEOUT, details=TimedOut(timeout), output=self.stray_output())
        except (ProtocolError, OSError) as error:
            death = self._death(error)
            self.kill()
            if self._killed_by_seccomp():  # a probe that got past the Python tripwires
                return Outcome(Kind.FORBIDDEN, details=Forbidden(death), output=self.stray_output())
            kind = Kind.MEMORY if "memory" in death else Kind.CRASHED
            return Outcome(kind, details=Died(death), output=self.stray_output())
        answer_id = message.get("id")
        if type(answer_id) is not int or answer_id != self.next_id:
            self.kill()
            return Outcome(Kind.CRASHED, details=Died("worker answered out of turn"))
        outcome = protocol.answer(message, read, self.stray_output())
        if outcome.kind not in protocol.ALIVE_AFTER:
            self.kill()
        if isinstance(outcome.details, TimedOut):
            return dataclasses.replace(
                outcome, details=dataclasses.replace(outcome.details, limit_s=timeout)
            )
        return outcome

    def _ensure_quiet(self) -> None:
        """Raise ``ProtocolError`` if the worker has said anything since its last answer
        (a second answer, a forged one): nothing may arrive unasked."""
        chunk = self._drain(self.responses_fd)
        if self.buffer or chunk:
            raise ProtocolError("worker sent an answer nobody asked for")

    def _write(self, message: dict[str, Any], deadline: float) -> None:
        """Send one request by ``deadline`` (else ``TimeoutError``), reading whatever the
        worker says meanwhile: a worker that stops reading cannot hold the judge, and
        one that writes while the judge does cannot deadlock it."""
        data = memoryview(json.dumps(message).encode() + b"\n")
        self.selector.register(self.requests_fd, selectors.EVENT_WRITE, "request")
        try:
            while data:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                for key, _ in self.selector.select(remaining):
                    if key.data != "request":
                        self._take(key, MAX_RESPONSE)
                        continue
                    with contextlib.suppress(BlockingIOError):
                        data = data[os.write(self.requests_fd, data) :]
        finally:
            self.selector.unregister(self.requests_fd)

    def _read(self, deadline: float, limit: int = MAX_RESPONSE) -> dict[str, Any]:
        """The next response line, of at most ``limit`` bytes, draining stray output
        meanwhile."""
        while True:
            newline = self.buffer.find(b"\n")
            if newline > limit:
                raise ProtocolError("worker sent an oversized response")
            if newline >= 0:
                line = bytes(self.buffer[:newline])
                del self.buffer[: newline + 1]
                try:
                    message = json.loads(line)
                except (ValueError, RecursionError):  # RecursionError: [[[[... nested
                    raise ProtocolError("worker sent a malformed response") from None
                if not isinstance(message, dict):
                    raise ProtocolError("worker sent a malformed response")
                return message
            if len(self.buffer) > limit:
                raise ProtocolError("worker sent an oversized response")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            for key, _ in self.selector.select(remaining):
                self._take(key, limit)

    def _take(self, key: selectors.SelectorKey, limit: int) -> None:
        """Read what a readable descriptor holds: a response into the buffer (at most
        one chunk past ``limit``), stray output into its capped record."""
        if key.data == "response" and len(self.buffer) > limit:
            raise ProtocolError("worker sent an oversized response")
        chunk = self._drain(key.fd)
        if chunk is None:
            return
        if key.data == "response":
            if not chunk:
                raise WorkerExited("worker exited")
            self.buffer += chunk
        else:
            self.stray_size += len(chunk)
            if len(self.stray) < KEEP_STRAY_OUTPUT:
                self.stray += chunk[: KEEP_STRAY_OUTPUT - len(self.stray)]
            if self.stray_size > MAX_STRAY_OUTPUT:
                raise ProtocolError("worker flooded its output (over 1 MiB)")
            if not chunk:
                self.selector.unregister(key.fd)

    @staticmethod
    def _drain(fd: int) -> bytes | None:
        """Up to 1 MiB from ``fd``: b"" at end of file, None if nothing is there yet."""
        try:
            return os.read(fd, 1 << 20)
        except BlockingIOError:
            return None

    def _last_words(self) -> str:
        """What a worker that ended wrote to its output: bwrap says why it failed."""
        assert self.process is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1.0)
        while len(self.stray) < KEEP_STRAY_OUTPUT:
            chunk = self._drain(self.stdout_fd)
            if not chunk:
                break
            self.stray += chunk[: KEEP_STRAY_OUTPUT - len(self.stray)]
        return self.stray_output()

    def stray_output(self) -> str:
        """What the worker wrote straight to its stdout/stderr, cut to a few KiB."""
        text = bytes(self.stray).decode("utf-8", "replace")
        if self.stray_size > len(self.stray):
            text += f"\n[... {self.stray_size - len(self.stray)} more bytes cut]"
        return text

    def _killed_by_seccomp(self) -> bool:
        """Whether the worker ended by SIGSYS: the seccomp filter kills it for the
        calls that reach other processes or outlive the judge (see ``seccomp.KILLED``)."""
        code = self.process.poll() if self.process is not None else None
        wrapped = self.sandbox is not None and self.sandbox.bwrap is not None
        return code == -signal.SIGSYS or (wrapped and code == 128 + signal.SIGSYS)

    def _death(self, error: BaseException) -> str:
        """Explain why the worker stopped answering."""
        if isinstance(error, TimeoutError):
            return "the worker did not answer in time"
        if self.process is not None:
            try:
                code = self.process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                return str(error)
            wrapped = self.sandbox is not None and self.sandbox.bwrap is not None
            if wrapped and code > 128 and code - 128 in signal.valid_signals():
                code = 128 - code  # bwrap passes on a signal death as 128 + the signal
            if code < 0:
                name = signal.Signals(-code).name
                if -code == signal.SIGXCPU:
                    return f"killed by {name}: over its CPU time limit"
                if -code == signal.SIGSEGV:
                    return f"killed by {name} (a segmentation fault, often deep recursion)"
                if -code == signal.SIGSYS:
                    return f"killed by {name}: it made a system call the sandbox forbids"
                return f"killed by signal {name}"
            if code == 0 and "exited" in str(error):
                return "the worker exited before answering (sys.exit or os._exit?)"
            return f"exited with code {code} before answering"
        return str(error)
