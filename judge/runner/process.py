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
from collections.abc import Generator, Iterator, Sequence
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
from judge.submission import folder

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
# Requests written at once by ``request_many``: under a pipe's 64 KiB, so the write
# finishes at once whatever the worker does, and few enough that a worker killed in the
# middle wastes little.  A random graph's request takes 1 to 3 KiB: 200 graphs go in
# about ten writes instead of 200 round trips.
PIPELINE_BYTES = 48 << 10
PIPELINE_MAX = 64


def _response_limit(read: list[str]) -> int:
    """The bytes an answer reading ``read`` nodes may take."""
    return min(RESPONSE_BASE + RESPONSE_PER_NODE * len(read), MAX_RESPONSE)


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
        self.prestarted = False  # started by ``prestart``, its workspace still empty

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

    def prestart(self) -> None:
        """Start the worker before its submission is known (``judge.runner.warm``): a
        fresh interpreter that has loaded the harness, in an empty workspace of its own,
        blocked reading its configuration.  ``start`` then lays the submission out in the
        workspace and goes on as for a worker started cold: no line of the submission
        exists for it, and no sandbox layer is applied, before that."""
        self._spawn(prestarted=True)
        self.prestarted = True

    def _launch(self, deadline: float) -> dict[str, Any] | None:
        """Start the process (unless prestarted) and send its configuration; return the
        sandbox layers it reports, or None if it ended before saying anything."""
        if self.prestarted and self.workspace is not None:
            content, files = self._contents()
            workspace.fill(self.workspace, self.submission, content, files)
        else:
            self._spawn(prestarted=False)
        self.prestarted = False
        assert self.workspace is not None
        config = {**self.config, "submission": self.workspace.copy}
        if self.sandbox is not None:
            config["limits"] = {**config.get("limits", {}), **self.sandbox.limits()}
            config["sandbox"] = self.sandbox.settings(self.workspace.user)
        try:
            self._write(config, deadline)
            hello = self._read(deadline)
        except (WorkerExited, BrokenPipeError):
            return None
        layers = hello.get("sandbox")
        if not isinstance(layers, dict) or not isinstance(layers.get("layers"), list):
            raise ProtocolError("worker broke protocol")
        return layers

    def _contents(self) -> tuple[bytes | None, tuple[tuple[str, bytes], ...] | None]:
        """What goes in the workspace: the bytes read safely once (``content``), not the
        path again (it may be a link by now), or a student's modules; None: copy the
        file (runner tests)."""
        if self.content is not None and folder.is_packed(self.content):
            return None, folder.unpack(self.content).files
        return self.content, None

    def _spawn(self, prestarted: bool) -> None:
        """Make the workspace (empty if ``prestarted``) and start the process in it."""
        self.stray.clear()
        self.stray_size = 0
        self.buffer.clear()
        drop = self.sandbox is not None and self.sandbox.user is not None
        if prestarted:
            self.workspace = workspace.create_empty(drop)
        else:
            content, files = self._contents()
            self.workspace = workspace.create(self.submission, content, drop, files)
        self.workdir = self.workspace.folder
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        fds = (to_child_r, from_child_w)
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
        try:
            self._ensure_quiet()
            # ``seconds``: the worker answers for a program still running just before
            # it, with the line it is at (harness.Watchdog); the deadline holds anyway.
            self._write({"id": self.next_id, "program": program, "seconds": timeout}, deadline)
            message = self._read(deadline, _response_limit(read))
            if self.buffer:
                raise ProtocolError("worker sent more than one answer")
        except (TimeoutError, ProtocolError, OSError) as error:
            return self._failed(error, timeout)
        return self._answered(message, self.next_id, read, timeout)

    def request_many(
        self, programs: Sequence[dict[str, Any]], timeouts: Sequence[float], until: float
    ) -> Generator[tuple[Outcome, bool], None, None]:
        """Run ``programs`` pipelined, yielding each one's outcome in order, and whether
        its time was cut short by ``until`` (the submission's time budget).

        The requests go out a pipe-full at a time (``PIPELINE_BYTES``), without waiting
        for answers in between, and the answers are read as they stream back.  Each
        program keeps its own deadline, ``timeouts[i]`` from when the answer before it
        arrived (when the worker began it) and never past ``until``, and the worker's
        watchdog times each one too: a program that hangs gets its own ``TIMEOUT``.
        The generator stops after an outcome not in ``protocol.ALIVE_AFTER`` (the
        worker is gone; the programs after it have no answer and must be run again),
        and a caller that stops early leaves the worker killed, since answers nobody
        will read are still coming.  Outcomes carry no CPU time (``cpu_s`` 0): the
        kernel's reading cannot be split between programs run back to back, and the
        worker's own figure is the submission's to forge; time a program alone, with
        ``request``.
        """
        done = 0
        try:
            while done < len(programs):
                group = self._pipeline_group(programs, timeouts, done)
                for outcome, cut in self._run_group(group, until):
                    done += 1
                    yield outcome, cut
                    if outcome.kind not in protocol.ALIVE_AFTER:
                        return
        finally:
            if done < len(programs) and self.alive:
                self.kill()

    def _pipeline_group(
        self, programs: Sequence[dict[str, Any]], timeouts: Sequence[float], start: int
    ) -> list[tuple[dict[str, Any], float, bytes]]:
        """The programs from ``start`` that fit one write of ``PIPELINE_BYTES`` (one at
        least), each with its timeout and its request line, numbered from ``next_id``."""
        group: list[tuple[dict[str, Any], float, bytes]] = []
        size = 0
        for program, timeout in zip(programs[start:], timeouts[start:], strict=True):
            request = {"id": self.next_id + len(group) + 1, "program": program, "seconds": timeout}
            line = json.dumps(request).encode() + b"\n"
            if group and (size + len(line) > PIPELINE_BYTES or len(group) >= PIPELINE_MAX):
                break
            group.append((program, timeout, line))
            size += len(line)
        return group

    def _run_group(
        self, group: list[tuple[dict[str, Any], float, bytes]], until: float
    ) -> Iterator[tuple[Outcome, bool]]:
        """Write a group of requests at once, then read their answers one by one."""
        first = self.next_id + 1
        self.next_id += len(group)
        self.stray.clear()
        self.stray_size = 0
        started = time.monotonic()
        try:
            self._ensure_quiet()
            self._send_lines(
                b"".join(line for _, _, line in group), min(started + group[0][1], until)
            )
        except (TimeoutError, ProtocolError, OSError) as error:
            yield self._failed(error, group[0][1]), started + group[0][1] > until
            return
        for offset, (program, timeout, _) in enumerate(group):
            read = program.get("read") or [op[0] for op in program["ops"]]
            deadline = min(started + timeout, until)
            try:
                message = self._read(deadline, _response_limit(read))
                if offset == len(group) - 1 and self.buffer:
                    raise ProtocolError("worker sent more than one answer")
            except (TimeoutError, ProtocolError, OSError) as error:
                yield self._failed(error, timeout), started + timeout > until
                return
            started = time.monotonic()  # the worker goes on to the next program now
            outcome = self._answered(message, first + offset, read, timeout)
            self.stray.clear()
            self.stray_size = 0
            yield dataclasses.replace(outcome, cpu_s=0.0), False

    def _answered(
        self, message: dict[str, Any], request_id: int, read: list[str], timeout: float
    ) -> Outcome:
        """The outcome of the answer ``message`` to request ``request_id``; the worker
        is killed unless the outcome leaves it alive."""
        answer_id = message.get("id")
        if type(answer_id) is not int or answer_id != request_id:
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

    def _failed(self, error: BaseException, timeout: float) -> Outcome:
        """The outcome of a request the worker did not answer (in time, or at all); the
        worker is killed."""
        if isinstance(error, TimeoutError):
            self.kill()
            return Outcome(Kind.TIMEOUT, details=TimedOut(timeout), output=self.stray_output())
        death = self._death(error)
        self.kill()
        if self._killed_by_seccomp():  # a probe that got past the Python tripwires
            return Outcome(Kind.FORBIDDEN, details=Forbidden(death), output=self.stray_output())
        kind = Kind.MEMORY if "memory" in death else Kind.CRASHED
        return Outcome(kind, details=Died(death), output=self.stray_output())

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
        self._send_lines(json.dumps(message).encode() + b"\n", deadline)

    def _send_lines(self, lines: bytes, deadline: float) -> None:
        """Write request ``lines`` by ``deadline``, as ``_write`` does."""
        data = memoryview(lines)
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
