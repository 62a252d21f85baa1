"""A PEP 578 audit hook: a tripwire that names what the submission tried, and where.

CPython raises an audit event before opening a file, starting a process, sending a
signal, opening a socket, loading a library with ctypes and more.  The hook looks at
the events that matter and, when the submission's code is on the stack, reports the
attempt as forbidden (through ``report``, which answers the judge and ends the
process, so a ``try``/``except`` in the submission cannot swallow it).  Events with
no submission frame on the stack are the harness's or the standard library's own.

It is not a wall: a determined submission can run code that does not look like its
own, or reach the system without an event; the kernel layers are what hold then.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # see imports.py
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .imports import Report

    Check = Callable[[tuple[Any, ...]], "str | None"]

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Fresh imports that are refused whoever asks, while the submission is on the stack.
DENIED_MODULES = frozenset(
    (
        *("ctypes", "_ctypes", "socket", "_socket", "ssl", "_ssl", "select", "selectors"),
        *("subprocess", "_posixsubprocess", "multiprocessing", "_multiprocessing", "pty"),
        *("mmap", "fcntl", "termios", "resource", "_xxsubinterpreters", "_xxinterpchannels"),
    )
)
PROCESS_EVENTS = frozenset(
    (
        *("os.system", "os.exec", "os.spawn", "os.posix_spawn", "subprocess.Popen"),
        *("os.fork", "os.forkpty", "pty.spawn", "os.startfile"),
    )
)
FILE_CHANGE_EVENTS = frozenset(
    (
        *("os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown"),
        *("os.truncate", "os.symlink", "os.link", "os.utime", "os.chflags", "os.lchflags"),
        *("os.lchmod", "os.setxattr", "os.removexattr", "os.mkfifo", "os.mknod"),
        *("tempfile.mkstemp", "tempfile.mkdtemp"),
    )
)
LISTING_EVENTS = frozenset(("os.listdir", "os.scandir", "glob.glob", "glob.glob/2"))
NETWORK_PREFIXES = (
    "socket.",
    "http.client.",
    "ftplib.",
    "smtplib.",
    "imaplib.",
    "poplib.",
    "nntplib.",
    "telnetlib.",
    "urllib.",
    "webbrowser.",
)
OTHER_PREFIXES = ("ctypes.", "shutil.", "sqlite3.")
# Reported whoever asks, submission frame on the stack or not: nothing of the harness
# or the standard library a Value class uses does these once the hook is in, and code
# built with exec(compile(...)) leaves no submission frame to find.
ANYONE_EVENTS = frozenset(("gc.get_objects", "gc.get_referrers", "gc.get_referents"))
ANYONE_PREFIXES = ("ctypes.",)
ANYONE_IMPORTS = frozenset(("ctypes", "_ctypes"))


def _shown(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")  # os.system and paths come encoded
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class Tripwire:
    """The hook's rules: the submission's path, the readable roots, the allowed modules."""

    def __init__(self, submission: str, read_roots: list[str], allowed: frozenset[str]):
        self.submission = submission
        self.roots = tuple(os.path.realpath(root) for root in read_roots)
        self.allowed = allowed

    def readable(self, path: Any) -> bool:
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return any(real == root or real.startswith(root + os.sep) for root in self.roots)

    def check(self, event: str, args: tuple[Any, ...]) -> str | None:
        """What the event attempts, if it is forbidden; None if it is fine."""
        if event == "open":
            path, mode, flags = (*args, None, None)[:3]
            if isinstance(path, int):
                return f"tried to open file descriptor {path}"
            writes = isinstance(flags, int) and flags & WRITE_FLAGS
            if writes or (isinstance(mode, str) and any(c in mode for c in "wax+")):
                return f"tried to open {_shown(path)} for writing"
            if not self.readable(path):
                return f"tried to read {_shown(path)}, outside the sandbox"
            return None
        if event == "import":
            name = str(args[0]).partition(".")[0]
            if name in DENIED_MODULES:
                return f"tried to import {args[0]}"
            if name not in sys.stdlib_module_names and name not in self.allowed:
                return f"tried to import {args[0]}, which is not part of the standard library"
            return None
        if event in LISTING_EVENTS:
            path = args[0] if args and args[0] is not None else "."
            if isinstance(path, int) or not self.readable(path):
                return f"tried to list the directory {_shown(path)}, outside the sandbox"
            return None
        if event == "object.__setattr__":
            if len(args) > 1 and args[1] in ("__code__", "__defaults__", "__kwdefaults__"):
                return f"tried to replace a function's {args[1]}"
            return None
        if event in PROCESS_EVENTS:
            if event == "os.system":
                return f"tried to run a shell command: {_shown(args[0])}"
            return f"tried to start a process ({event})"
        if event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            return f"tried to send signal {args[1]} to {_shown(args[0])} ({event})"
        if event in FILE_CHANGE_EVENTS:
            return f"tried to change the file system ({event} {_shown(args[0]) if args else ''})"
        if event.startswith(NETWORK_PREFIXES):
            return f"tried to use the network ({event})"
        if event.startswith(OTHER_PREFIXES):
            return f"tried to use {event.partition('.')[0]} ({event})"
        if event in ("resource.setrlimit", "resource.prlimit"):
            return f"tried to change resource limits ({event})"
        if event == "sys.addaudithook":
            return "tried to add an audit hook"
        if event in ("gc.get_objects", "gc.get_referrers", "gc.get_referents"):
            return f"tried to search the interpreter's objects ({event})"
        if event == "mmap.__new__" and args and args[0] != -1:
            return f"tried to map file descriptor {args[0]} into memory"
        return None

    def submission_line(self) -> int | None:
        """The line of the innermost submission frame on the stack, if any."""
        frame: Any = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename == self.submission:
                return int(frame.f_lineno)
            frame = frame.f_back
        return None


def anyone(event: str, args: tuple[Any, ...]) -> bool:
    """Whether ``event`` is reported even with no submission frame on the stack."""
    if event == "import":
        return str(args[0]).partition(".")[0] in ANYONE_IMPORTS
    return event in ANYONE_EVENTS or event.startswith(ANYONE_PREFIXES)


def install(tripwire: Tripwire, report: Report) -> None:
    """Add the hook; from now on every forbidden attempt by the submission is reported."""
    check, where = tripwire.check, tripwire.submission_line
    # Frequent and harmless: returned from first, cheaply.  ``id()`` raises an event on
    # every call, and a topological sort may call it once per node.
    quiet = frozenset(("builtins.id", "sys._getframe", "object.__getattr__", "compile", "exec"))

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "builtins.id" or event in quiet:
            return
        attempt = check(event, args)
        if attempt is not None:
            line = where()
            if line is not None or anyone(event, args):
                report(attempt, line)

    sys.addaudithook(hook)
