"""The worker: loads one submission and runs graph programs on its entry class.

This file runs as ``python -I -S harness.py REQUEST_FD RESPONSE_FD`` in a separate,
locked-down process.  It imports only the standard library and never the ``judge``
package, so nothing of the judge (expected values least of all) is in the worker's
memory.  The judge also imports ``execute`` from here to run the same programs on its
reference engine, so both sides interpret a program identically.

Protocol: newline-delimited JSON over two private pipes.  The first request is the
configuration; the worker answers ``{"ready": ...}`` or ``{"load_error": ...}``.  Each
later request ``{"id": n, "program": {...}}`` gets exactly one response with that id.
``{"exit": true}`` gets the sentinel ``{"bye": true}``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import numbers
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

# How each op is applied.  ``cls`` is the entry class, used only by the leaf.
APPLY: dict[str, Callable[..., Any]] = {
    "value": lambda cls, x: cls(x),
    "add": lambda cls, a, b: a + b,
    "sub": lambda cls, a, b: a - b,
    "mul": lambda cls, a, b: a * b,
    "div": lambda cls, a, b: a / b,
    "radd": lambda cls, n, a: n + a,
    "rsub": lambda cls, n, a: n - a,
    "rmul": lambda cls, n, a: n * a,
    "rdiv": lambda cls, n, a: n / a,
    "pow": lambda cls, a, n: a**n,
    "neg": lambda cls, a: -a,
    "relu": lambda cls, a: a.relu(),
    "tanh": lambda cls, a: a.tanh(),
    "exp": lambda cls, a: a.exp(),
    "log": lambda cls, a: a.log(),
    "sigmoid": lambda cls, a: a.sigmoid(),
}

# The attribute each op needs on the entry class (mirrors judge.program.ops).
METHOD = {
    "value": "__init__",
    "add": "__add__",
    "sub": "__sub__",
    "mul": "__mul__",
    "div": "__truediv__",
    "radd": "__radd__",
    "rsub": "__rsub__",
    "rmul": "__rmul__",
    "rdiv": "__rtruediv__",
    "pow": "__pow__",
    "neg": "__neg__",
    "relu": "relu",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "sigmoid": "sigmoid",
}

OUTPUT_KEEP = 4096  # characters of a test's output sent back to the judge
OUTPUT_LIMIT = 1 << 20  # characters a submission may print per test before it is stopped


class OutputLimitExceeded(BaseException):
    """Raised in the submission's code when it prints more than OUTPUT_LIMIT.

    A BaseException, so a bare ``except Exception`` in the submission does not swallow it.
    """


class Capture(io.TextIOBase):
    """A stdout/stderr stand-in that keeps the first OUTPUT_KEEP characters."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        if self.size < OUTPUT_KEEP:
            self.kept.append(text[: OUTPUT_KEEP - self.size])
        self.size += len(text)
        if self.size > OUTPUT_LIMIT:
            raise OutputLimitExceeded
        return len(text)

    def text(self) -> str:
        kept = "".join(self.kept)
        if self.size > OUTPUT_KEEP:
            kept += f"\n[... {self.size - OUTPUT_KEEP} more characters cut]"
        return kept


def execute(ops: list[Any], backward: str | None, cls: type) -> dict[str, Any]:
    """Build the graph ``ops`` describes with ``cls`` and call ``backward``.

    Returns every node by name.  Operands that are strings name earlier nodes; numbers
    are passed as they are, so ``a + 2`` reaches the class exactly as Python would.
    """
    nodes: dict[str, Any] = {}
    for target, op, args in ops:
        values = [nodes[a] if isinstance(a, str) else a for a in args]
        nodes[target] = APPLY[op](cls, *values)
    if backward is not None:
        nodes[backward].backward()
    return nodes


def number(value: Any) -> Any:
    """``value`` as a JSON number if it is a real number; else a description of it.

    ints and floats pass as they are (an int too large for a float becomes an infinity);
    other real types (numpy floats, Fractions) are converted with ``float``.  Anything
    else (a complex, a Value, a string, a bool) is described, and the judge fails it.
    """
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return value if abs(value) < 1 << 1000 else float("inf") if value > 0 else float("-inf")
    if kind is not bool and isinstance(value, numbers.Real):
        with contextlib.suppress(Exception):
            return float(value)
    try:
        text = repr(value)[:80]
    except Exception:
        text = "<unprintable>"
    return {"type": kind.__name__, "repr": text}


def submission_frames(tb: Any, path: str) -> list[list[Any]]:
    """The traceback lines that lie in the submission file: [line, source text]."""
    frames = []
    for frame in traceback.extract_tb(tb):
        if frame.filename == path:
            frames.append([frame.lineno, (frame.line or "").strip()])
    return frames


def describe_exception(error: BaseException, path: str) -> dict[str, Any]:
    """A JSON-ready account of an exception raised by the submission."""
    try:
        message = str(error)[:500]
    except Exception:
        message = "<unprintable message>"
    return {
        "type": type(error).__name__,
        "message": message,
        "frames": submission_frames(error.__traceback__, path),
    }


def method_lines(cls: type, path: str) -> dict[str, int]:
    """For each op, the line in the submission where its method is defined."""
    lines = {}
    for op, name in METHOD.items():
        function = getattr(cls, name, None)
        code = getattr(function, "__code__", None)
        if code is not None and code.co_filename == path:
            lines[op] = code.co_firstlineno
    return lines


def missing_ops(cls: type, ops: list[Any]) -> list[str]:
    """The ops a program needs that the class does not define at all."""
    needed = {op for _, op, _ in ops}
    return sorted(op for op in needed if op != "value" and getattr(cls, METHOD[op], None) is None)


class Worker:
    """The worker's state: the channel, the submission's path and its entry class."""

    def __init__(self, requests: Any, responses: Any) -> None:
        self.requests = requests
        self.responses = responses
        self.path = ""
        self.cls: type | None = None

    def send(self, message: dict[str, Any]) -> None:
        self.responses.write(json.dumps(message) + "\n")
        self.responses.flush()

    def load(self, config: dict[str, Any]) -> dict[str, Any]:
        """Execute the submission file and find its entry class."""
        self.path = config["submission"]
        entry = config["entry"]
        with open(self.path, encoding="utf-8") as handle:
            source = handle.read()
        try:
            code = compile(source, self.path, "exec")
        except SyntaxError as error:
            return {
                "kind": "syntax",
                "type": "SyntaxError",
                "message": error.msg or "",
                "line": error.lineno,
                "frames": [[error.lineno, (error.text or "").strip()]],
            }
        namespace: dict[str, Any] = {"__name__": "submission", "__file__": self.path}
        try:
            exec(code, namespace)
        except (Exception, SystemExit, KeyboardInterrupt) as error:
            return {"kind": "exception", **describe_exception(error, self.path)}
        cls = namespace.get(entry)
        if not isinstance(cls, type):
            classes = sorted(k for k, v in namespace.items() if isinstance(v, type))
            return {
                "kind": "entry",
                "type": "NameError",
                "message": f"no class named {entry!r} in the submission",
                "classes": classes,
                "frames": [],
            }
        self.cls = cls
        return {}

    def run(self, program: dict[str, Any]) -> dict[str, Any]:
        """Run one program and read back data and grad of every node."""
        assert self.cls is not None
        ops = program["ops"]
        missing = missing_ops(self.cls, ops)
        if missing:
            return {"status": "missing", "ops": missing}
        started = time.perf_counter()
        try:
            nodes = execute(ops, None, self.cls)
            forward_s = time.perf_counter() - started
            started = time.perf_counter()
            if program["backward"] is not None:
                nodes[program["backward"]].backward()
            backward_s = time.perf_counter() - started
            read = program.get("read") or list(nodes)
            data = {name: number(nodes[name].data) for name in read}
            grad = {name: number(nodes[name].grad) for name in read}
        except MemoryError:
            return {"status": "memory"}
        except RecursionError as error:
            return {"status": "error", **describe_exception(error, self.path)}
        except Exception as error:
            return {"status": "error", **describe_exception(error, self.path)}
        return {
            "status": "ok",
            "data": data,
            "grad": grad,
            "forward_s": forward_s,
            "backward_s": backward_s,
        }

    def captured(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run ``call`` with the submission's prints captured into the result."""
        capture = Capture()
        sys.stdout = sys.stderr = capture
        try:
            result = call()
        except OutputLimitExceeded:
            result = {"status": "output_limit"}
        except SystemExit as error:
            result = {"status": "error", **describe_exception(error, self.path)}
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        result["output"] = capture.text()
        return result

    def serve(self) -> None:
        config = json.loads(self.requests.readline())
        lockdown(config)
        loaded = self.captured(lambda: self.load(config))
        if self.cls is None:
            self.send({"load_error": loaded})
            return
        assert self.cls is not None
        self.send(
            {"ready": {"methods": method_lines(self.cls, self.path), "output": loaded["output"]}}
        )
        for line in self.requests:
            request = json.loads(line)
            if request.get("exit"):
                self.send({"bye": True})
                return
            result = self.captured(functools.partial(self.run, request["program"]))
            result["id"] = request["id"]
            self.send(result)


def lockdown(config: dict[str, Any]) -> None:
    """Apply the process limits the judge asked for, before the submission loads."""
    import resource

    limits = config.get("limits", {})
    for name, value in limits.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        # Not every limit exists everywhere; the judge's own timers still hold.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(which, (value, value))


def main() -> None:
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    requests = os.fdopen(request_fd, "r", encoding="utf-8")
    responses = os.fdopen(response_fd, "w", encoding="utf-8")
    Worker(requests, responses).serve()


if __name__ == "__main__":
    main()
