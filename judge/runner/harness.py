"""The worker: loads one submission and runs graph programs on its entry class.

This file runs as ``python -I -S -B harness.py REQUEST_FD RESPONSE_FD`` in a separate,
locked-down process.  It imports only the standard library and never the ``judge``
package, so nothing of the judge (expected values least of all) is in the worker's
memory.  What it runs of a program (``execute``, ``answer``) is the interpreter,
``interpreter.py`` beside it, which the judge imports too, so that both sides interpret
a program identically; this file is the process around it, and nothing of the judge
imports it (the judge reads the worker's answers in ``judge.runner.protocol``).

Protocol: newline-delimited JSON over two private pipes.  The first request is the
configuration.  The worker locks itself down (``judge/sandbox/lockdown``) and says
which layers hold, ``{"sandbox": {"layers": [...], "missing": {...}}}``, before any
line of the submission runs; then it answers ``{"ready": ...}`` or
``{"load_error": ...}``.  Each later request ``{"id": n, "program": {...}}`` gets
exactly one response with that id.  ``{"exit": true}`` gets the sentinel
``{"bye": true}``.  A forbidden action ends the worker with a last response,
``{"id": n, "status": "forbidden", ...}`` or a ``load_error`` of kind ``forbidden``.
"""

from __future__ import annotations

import _ast
import contextlib
import functools
import io
import json
import linecache
import os
import signal
import sys
import time
import traceback

TYPE_CHECKING = False  # typing costs the worker 2 ms to import; only annotations use it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, NoReturn

# The interpreter, loaded by path: judge.runner.process.STARTER puts this folder alone
# on sys.path to import this file, so ``interpreter`` can only be the file beside it.
# Imported as judge.runner.harness (by tests), it comes from the package instead.
if TYPE_CHECKING or __package__:
    import judge.runner.interpreter as interpreter
else:
    import interpreter

OUTPUT_LIMIT = 1 << 20  # characters a submission may print per test before it is stopped


# A program still running this long before its time limit is answered for by the
# worker itself, with the submission's line it is executing (see ``Watchdog``): the
# judge kills the worker at the limit, and a student would learn nothing of where.
# The margin must outlast a tick and the answer's way to the judge on a busy machine.
TIMEOUT_MARGIN = 0.2  # share of the time limit
TIMEOUT_MARGIN_MIN_S = 0.08
TIMEOUT_MARGIN_MAX_S = 0.25
WATCH_TICK_S = 0.02  # CPU seconds between two looks at the clock while a program runs


def watch_seconds(limit: float) -> float:
    """When the worker answers for a program still running, given its time limit."""
    margin = min(max(TIMEOUT_MARGIN * limit, TIMEOUT_MARGIN_MIN_S), TIMEOUT_MARGIN_MAX_S)
    return max(limit - margin, limit / 2)


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
        if self.size < interpreter.OUTPUT_KEEP:
            self.kept.append(text[: interpreter.OUTPUT_KEEP - self.size])
        self.size += len(text)
        if self.size > OUTPUT_LIMIT:
            raise OutputLimitExceeded
        return len(text)

    def text(self) -> str:
        kept = "".join(self.kept)
        if self.size > interpreter.OUTPUT_KEEP:
            kept += f"\n[... {self.size - interpreter.OUTPUT_KEEP} more characters cut]"
        return kept


def submission_frames(tb: Any, path: str) -> list[list[Any]]:
    """The traceback lines that lie in the submission file: [line, source text]."""
    frames = []
    for frame in traceback.extract_tb(tb):
        if frame.filename == path:
            frames.append([frame.lineno, (frame.line or "").strip()[: interpreter.LINE_KEEP]])
    return frames[-interpreter.FRAMES_KEEP :]


def describe_exception(error: BaseException, path: str) -> dict[str, Any]:
    """A JSON-ready account of an exception raised by the submission."""
    try:
        message = str(error)[: interpreter.MESSAGE_KEEP]
    except Exception:
        message = "<unprintable message>"
    return {
        "type": interpreter.type_name(type(error)),
        "message": message,
        "frames": submission_frames(error.__traceback__, path),
    }


def method_lines(cls: type, path: str) -> dict[str, int]:
    """For each op, the line in the submission where its method is defined."""
    lines = {}
    for op, name in interpreter.METHOD.items():
        function = getattr(cls, name, None)
        code = getattr(function, "__code__", None)
        if code is not None and code.co_filename == path:
            lines[op] = code.co_firstlineno
    return lines


def missing_ops(cls: type, ops: list[Any]) -> list[str]:
    """The ops a program needs that the class does not define at all."""
    needed = {op for _, op, _ in ops}
    return sorted(
        op for op in needed if op != "value" and getattr(cls, interpreter.METHOD[op], None) is None
    )


def typo_distance(a: str, b: str) -> int:
    """Edits from ``a`` to ``b``: a letter added, dropped, changed, or two neighbours
    swapped (``rleu`` is one from ``relu``).  The worker may import nothing once locked
    down, so not difflib."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        row = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            row.append(cost)
        previous2, previous = previous, row
    return previous[-1]


def close_names(cls: type, ops: list[str]) -> dict[str, str]:
    """For each missing op, a name the class defines that is one or two typos from its
    method's (``rleu`` for ``relu``), so the student is asked "did you mean relu?"."""
    # Names of other ops' methods are not typos (``__rsub__`` is no misspelt
    # ``__sub__``), nor is what every class has.
    taken = {*interpreter.METHOD.values(), *vars(object), "__module__", "__dict__", "__weakref__"}
    # Bounded, whatever the class holds: a thousand names at most, and only those
    # whose length is within two of a method's can be two typos from it.
    defined = [
        name
        for klass in type.__dict__["__mro__"].__get__(cls)[:-1][:50]  # all but object
        for name in list(vars(klass))[:1000]
        if isinstance(name, str) and name not in taken and 0 < len(name.strip("_")) <= 12
    ][:1000]
    close = {}
    for op in ops:
        method = interpreter.METHOD[op].strip("_")
        allowed = 1 if len(method) <= 4 else 2
        scored = [
            (typo_distance(method, name.strip("_").lower()), name)
            for name in defined
            if abs(len(name.strip("_")) - len(method)) <= allowed
        ]
        best = min(scored, default=(allowed + 1, ""))
        if best[0] <= allowed:
            close[op] = best[1]
    return close


class Watchdog:
    """Answers for a program still running near its time limit, with where it is.

    The judge sends each program's limit (``seconds``); from ``watch_seconds`` of it on,
    if the program has not returned, the next tick reads the stack it interrupted,
    sends ``{"status": "timeout", "frames": ...}`` with the submission's lines being
    executed, and ends the process, as ``Worker.forbidden`` does.

    A tick is ``SIGPROF`` every ``WATCH_TICK_S`` of the worker's CPU time (a program
    that loops uses CPU), which looks at the wall clock.  Not ``SIGALRM``: it is the
    lockdown's backstop and must keep killing outright.  Not a thread: the worker may
    start none (``RLIMIT_NPROC``), and one started before the lockdown would be free of
    it.  A program asleep, or stuck inside one C call, is not caught; the judge's
    deadline still ends it, without a line.
    """

    def __init__(self, answer: Callable[[int, Any], NoReturn]) -> None:
        self.answer = answer
        self.request_id: int | None = None
        self.until = 0.0
        signal.signal(signal.SIGPROF, self.tick)

    def start(self, request_id: int, seconds: float) -> None:
        self.request_id = request_id
        self.until = time.monotonic() + seconds
        signal.setitimer(signal.ITIMER_PROF, WATCH_TICK_S, WATCH_TICK_S)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        self.request_id = None

    def tick(self, signum: int, frame: Any) -> None:
        request_id = self.request_id
        if request_id is not None and time.monotonic() >= self.until:
            self.answer(request_id, frame)


class StudentModules:
    """The modules of a student's folder (``engine``, ``micrograd.nn``), served to
    ``import`` from the code compiled when the worker started, first on
    ``sys.meta_path``.

    Every module is compiled under the one file name of the submission, at its first
    line in the text the judge's ``judge.submission.folder.source`` makes (blank lines
    before it): the frames, tripwires and line reports that know the submission by its
    file name know all its modules by it, and every line is a line of that text.  A
    package gets no search path: ``micrograd.engine`` is the student's or nothing,
    never the micrograd installed beside the judge.
    """

    def __init__(self, path: str, listed: list[Any]) -> None:
        self.path = path
        self.codes: dict[str, Any] = {}
        self.packages = {str(name) for name, _, package in listed if package}
        self.tops = frozenset(str(name).partition(".")[0] for name, _, _ in listed)
        self.trees: list[Any] = []
        self.lines: list[str] = []
        self.files = [(str(name), str(file)) for name, file, _ in listed]

    def compile(self) -> dict[str, Any] | None:
        """Read and compile every module; the first syntax error's account, or None."""
        folder = os.path.dirname(self.path)
        for name, file in self.files:
            if not file:  # a package folder without __init__.py
                self.codes[name] = None
                continue
            with open(os.path.join(folder, file), encoding="utf-8-sig") as handle:
                text = handle.read()
            padded = "\n" * len(self.lines) + text
            own = text.split("\n")
            self.lines += own[:-1] if text.endswith("\n") else own
            try:
                tree: Any = compile(
                    padded, self.path, "exec", _ast.PyCF_ONLY_AST, dont_inherit=True
                )
                self.codes[name] = compile(tree, self.path, "exec", dont_inherit=True)
                self.trees.append(tree)
            except (SyntaxError, ValueError) as error:
                return syntax_error(error)
        return None

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in self.codes:
            return None
        # ModuleSpec without importing importlib.machinery: every module's spec is one.
        spec: Any = type(sys.__spec__)
        return spec(name, self, is_package=name in self.packages)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        module.__file__ = self.path
        code = self.codes[module.__name__]
        if code is not None:
            exec(code, module.__dict__)


def syntax_error(error: SyntaxError | ValueError) -> dict[str, Any]:
    """The load error for a submission that does not compile."""
    if isinstance(error, SyntaxError):
        return {
            "kind": "syntax",
            "type": "SyntaxError",
            "message": (error.msg or "")[: interpreter.MESSAGE_KEEP],
            "line": error.lineno,
            "frames": [[error.lineno, (error.text or "").strip()[: interpreter.LINE_KEEP]]],
        }
    message = str(error)  # null bytes, on Python 3.11
    return {"kind": "syntax", "type": "SyntaxError", "message": message, "line": None, "frames": []}


class Worker:
    """The worker's state: the channel, the submission's path, code and entry class."""

    def __init__(self, requests: Any, responses: Any) -> None:
        self.requests = requests
        self.responses = responses
        self.response_fd: int = responses.fileno()
        self.path = ""
        self.code: Any = None
        self.syntax_error: dict[str, Any] | None = None
        self.cls: type | None = None
        self.modules: StudentModules | None = None  # a student's folder, when it is one
        self.entry_module = ""
        self.request_id: int | None = None  # None while the submission loads
        self.capture: Capture | None = None
        self.watchdog: Watchdog | None = None

    def send(self, message: dict[str, Any]) -> None:
        self.responses.write(json.dumps(message) + "\n")
        self.responses.flush()

    def parse_folder(self, path: str, modules: dict[str, Any]) -> list[Any]:
        """Read and compile a student's folder (``modules``: the judge's list of its
        modules and the entry's name); return the modules' syntax trees ([] if one
        does not compile)."""
        self.path = path
        self.entry_module = str(modules["entry"])
        self.modules = StudentModules(path, modules["list"])
        self.syntax_error = self.modules.compile()
        lines = [line + "\n" for line in self.modules.lines]
        linecache.cache[path] = (sum(map(len, lines)), None, lines, path)
        return self.modules.trees if self.syntax_error is None else []

    def parse(self, path: str) -> Any:
        """Read and compile the submission; return its syntax tree (None if invalid).

        Its lines are put in ``linecache`` so tracebacks never read the file again.  The
        judge sends UTF-8 with ``\n`` line ends (``judge.submission``); read as Python
        reads a file all the same (a byte-order mark dropped, any line end), and cut
        into lines where Python counts them: ``splitlines`` also cuts at form feeds and
        U+2028, which would shift every quoted line after one.
        """
        self.path = path
        with open(path, encoding="utf-8-sig") as handle:
            source = handle.read()
        lines = [line + "\n" for line in source.split("\n")]
        linecache.cache[path] = (len(source), None, lines, path)
        try:
            # dont_inherit: the submission is compiled as written, without this file's
            # ``from __future__`` flags.
            tree: Any = compile(source, path, "exec", _ast.PyCF_ONLY_AST, dont_inherit=True)
            self.code = compile(tree, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:  # ValueError: null bytes, on 3.11
            self.syntax_error = syntax_error(error)
            return None
        return tree

    def load(self, entry: str) -> dict[str, Any]:
        """Execute the compiled submission and find its entry class."""
        if self.syntax_error is not None:
            return self.syntax_error
        # A real module in sys.modules, as an import would make: dataclasses, typing and
        # pickle look the class's module up there.
        module = type(sys)("submission")
        module.__file__ = self.path
        try:
            if self.modules is not None:  # a folder: its entry module, imported
                sys.meta_path.insert(0, self.modules)
                __import__(self.entry_module)
                module = sys.modules[self.entry_module]
            else:
                sys.modules["submission"] = module
                exec(self.code, module.__dict__)
        except (Exception, SystemExit, KeyboardInterrupt) as error:
            return {"kind": "exception", **describe_exception(error, self.path)}
        namespace: dict[str, Any] = module.__dict__
        cls = namespace.get(entry)
        if not isinstance(cls, type):
            classes = sorted(k for k, v in namespace.items() if isinstance(v, type))
            classes = [
                name[: interpreter.TYPE_NAME_KEEP] for name in classes[: interpreter.CLASSES_KEEP]
            ]
            return {
                "kind": "entry",
                "type": "NameError",
                "message": f"no class named {entry!r} in the submission",
                "classes": classes,
                "frames": [],
            }
        self.cls = cls
        return {}

    def run(
        self, program: dict[str, Any], clock: Callable[[], float] = time.process_time
    ) -> dict[str, Any]:
        """Run one program and read back data and grad of every node.

        ``clock`` is the worker's CPU time (every thread's), bound when this file loads:
        a submission that patches ``time.process_time`` cannot make its answer look
        fast, and a busy machine does not make it look slow.
        """
        assert self.cls is not None
        ops = program["ops"]
        missing = missing_ops(self.cls, ops)
        if missing:
            return {"status": "missing", "ops": missing, "close": close_names(self.cls, missing)}
        with interpreter.paused_gc():
            return self.measure(self.cls, program, ops, clock)

    def measure(
        self, cls: type, program: dict[str, Any], ops: list[Any], clock: Callable[[], float]
    ) -> dict[str, Any]:
        """Build the graph, run backward, and read every node (see ``answer``)."""
        try:
            data, grad, cpu_s = interpreter.answer(cls, program, clock)
        except MemoryError:
            return {"status": "memory"}
        except RecursionError as error:
            return {"status": "error", **describe_exception(error, self.path)}
        except interpreter.WrongReturn as error:
            line = method_lines(cls, self.path).get(error.op)
            text = (
                linecache.getline(self.path, line).strip()[: interpreter.LINE_KEEP] if line else ""
            )
            return {
                "status": "error",
                "type": "WrongReturn",
                "message": str(error)[: interpreter.MESSAGE_KEEP],
                "returned": {"op": error.op, "what": error.what[: interpreter.MESSAGE_KEEP]},
                "frames": [[line, text]] if line else [],
            }
        except Exception as error:
            return {"status": "error", **describe_exception(error, self.path)}
        return {
            "status": "ok",
            "data": data,
            "grad": grad,
            "cpu_s": cpu_s,
        }

    def captured(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run ``call`` with the submission's prints captured into the result."""
        capture = self.capture = Capture()
        sys.stdout = sys.stderr = capture
        try:
            result = call()
        except OutputLimitExceeded:
            result = {"status": "output_limit"}
        except SystemExit as error:
            result = {"status": "error", **describe_exception(error, self.path)}
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            self.capture = None
        result["output"] = capture.text()
        return result

    def forbidden(
        self,
        attempt: str,
        line: int | None,
        _dumps: Callable[[Any], str] = json.dumps,
        _write: Callable[[int, bytes], int] = os.write,
        _exit: Callable[[int], NoReturn] = os._exit,
    ) -> NoReturn:
        """Answer that the submission tried something forbidden, and end the process.

        Called by the sandbox's tripwires from inside the submission's call, so the
        answer goes straight to the descriptor and nothing the submission does (an
        ``except``, a ``finally``) runs after it.  The functions it needs are bound
        when this file loads, before the submission can patch ``json`` or ``os``.
        """
        text = linecache.getline(self.path, line).strip()[: interpreter.LINE_KEEP] if line else ""
        message = attempt + (f"\n  at line {line} of your file: {text}" if line else "")
        output = self.capture.text() if self.capture is not None else ""
        frames = [[line, text]] if line else []
        if self.request_id is None:
            payload: dict[str, Any] = {
                "load_error": {
                    "kind": "forbidden",
                    "type": "",
                    "message": message,
                    "line": line,
                    "frames": frames,
                    "output": output,
                }
            }
        else:
            payload = {
                "id": self.request_id,
                "status": "forbidden",
                "message": message,
                "line": line,
                "output": output,
            }
        data = (_dumps(payload) + "\n").encode()
        with contextlib.suppress(OSError):  # the judge kills a worker it cannot hear
            while data:
                data = data[_write(self.response_fd, data) :]
        _exit(0)

    def timed_out(
        self,
        request_id: int,
        frame: Any,
        _dumps: Callable[[Any], str] = json.dumps,
        _write: Callable[[int, bytes], int] = os.write,
        _exit: Callable[[int], NoReturn] = os._exit,
    ) -> NoReturn:
        """Answer that the program ``request_id`` ran out of time while the main thread
        was at ``frame``, with the submission's frames on its stack (innermost last, as
        in a traceback), and end the process.  Called by the ``Watchdog``."""
        try:
            frames: list[list[Any]] = []
            while frame is not None and len(frames) < 10 * interpreter.FRAMES_KEEP:
                if frame.f_code.co_filename == self.path:
                    line = frame.f_lineno
                    text = linecache.getline(self.path, line).strip()[: interpreter.LINE_KEEP]
                    frames.append([line, text])
                frame = frame.f_back
            output = self.capture.text() if self.capture is not None else ""
            payload = {
                "id": request_id,
                "status": "timeout",
                "frames": frames[::-1][-interpreter.FRAMES_KEEP :],
                "output": output,
            }
            data = (_dumps(payload) + "\n").encode()
            with contextlib.suppress(OSError):
                while data:
                    data = data[_write(self.response_fd, data) :]
        finally:
            _exit(0)

    def run_watched(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run one request's program, watched by the ``Watchdog`` when the judge gave
        its time limit (``seconds``)."""
        call = functools.partial(self.run, request["program"])
        seconds: Any = request.get("seconds")
        if type(seconds) not in (int, float) or not 0 < seconds < 1e6:
            return self.captured(call)
        if self.watchdog is None:
            self.watchdog = Watchdog(self.timed_out)
        self.watchdog.start(request["id"], watch_seconds(seconds))
        try:
            return self.captured(call)
        finally:
            self.watchdog.stop()

    def serve(self) -> None:
        # The sandbox's modules load before the configuration is read: a worker
        # prestarted for a submission not yet known (judge.runner.warm) has them ready.
        lockdown = load_lockdown()
        config = json.loads(self.requests.readline())
        settings = config.get("sandbox")
        state: dict[str, Any] = {"layers": lockdown.limit(config.get("limits", {})), "missing": {}}
        modules = config.get("modules")
        if modules is not None:
            trees = self.parse_folder(config["submission"], modules)
        else:
            tree = self.parse(config["submission"])
            trees = [tree] if tree is not None else []
        if settings is not None:
            own = self.modules.tops if self.modules is not None else frozenset()
            wanted = [
                name
                for tree in trees
                for name in lockdown.imports.static_imports(tree)
                if lockdown.imports.top_level(name) not in own  # the student's: never preloaded
            ]
            workdir = os.path.dirname(self.path)
            lockdown.confine(settings, wanted, workdir, state)
            # The student's own modules may import each other, and nothing else more.
            settings = {**settings, "imports": [*settings.get("imports", []), *own]}
            state["layers"] += lockdown.arm(self.path, settings, workdir, self.forbidden)
        self.send({"sandbox": state})
        loaded = self.captured(lambda: self.load(config["entry"]))
        if self.cls is None:
            if loaded.get("status") == "output_limit":
                loaded = {
                    "kind": "output_limit",
                    "type": "",
                    "frames": [],
                    "message": f"it printed more than {OUTPUT_LIMIT} characters",
                    "output": loaded["output"],
                }
            self.send({"load_error": loaded})
            return
        self.send(
            {"ready": {"methods": method_lines(self.cls, self.path), "output": loaded["output"]}}
        )
        for line in self.requests:
            request = json.loads(line)
            if request.get("exit"):
                self.send({"bye": True})
                return
            self.request_id = request["id"]
            result = self.run_watched(request)
            result["id"] = request["id"]
            self.send(result)


def load_lockdown() -> Any:
    """The sandbox's worker side, ``judge/sandbox/lockdown``, imported as ``lockdown``.

    Only this directory is put on the path, and only for this import: the worker must
    not be able to import the judge.
    """
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sandbox")
    sys.path.insert(0, folder)
    try:
        return __import__("lockdown")
    finally:
        sys.path.remove(folder)


def main() -> None:
    request_fd, response_fd = int(sys.argv[1]), int(sys.argv[2])
    requests = os.fdopen(request_fd, "r", encoding="utf-8")
    responses = os.fdopen(response_fd, "w", encoding="utf-8")
    Worker(requests, responses).serve()


if __name__ == "__main__":
    main()
