"""Sandbox levels, and the plan each one makes on this machine."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import site
import sys
import sysconfig
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any

from judge.errors import SandboxError, UsageError
from judge.sandbox import allowlist, bwrap, detect

LOCKDOWN = Path(__file__).with_name("lockdown")
JUDGE_PACKAGE = Path(__file__).resolve().parent.parent
# The same as lockdown.PACKAGE_FOLDERS (the worker's side; a test keeps them equal).
PACKAGE_FOLDERS = ("site-packages", "dist-packages")
KERNEL_LAYERS = ("landlock", "seccomp", "bwrap")
# Open files: the interpreter, its pipes and an import or two at a time.
MAX_OPEN_FILES = 64


class Level(str, Enum):
    """How hard to lock the worker down."""

    AUTO = "auto"  # the best this machine offers
    STRICT = "strict"  # refuse to grade unless a kernel layer holds
    BASIC = "basic"  # portable layers only: not proof against a determined attacker


@dataclass(frozen=True)
class Sandbox:
    """What to ask of the worker, and how to launch it.

    ``user`` is set when the judge runs as root and the worker must drop it (each
    worker's workspace allocates a user of its own; ``user`` is ``nobody``, what
    ``settings`` falls back to); ``bwrap`` the bubblewrap binary to wrap the worker
    in, if one is used.  ``python_layers`` and
    ``landlock_abi`` are for tests: the import guard and audit hook switched off, to
    show the kernel layers hold alone; the Landlock ABI capped, to show an older
    kernel's rights hold too.
    """

    level: Level
    allowed: allowlist.Allowed
    user: tuple[int, int] | None
    bwrap: str | None
    python_layers: bool = True
    landlock_abi: int | None = None

    @property
    def kernel(self) -> bool:
        """Whether the worker should try Landlock and seccomp."""
        return self.level is not Level.BASIC

    def settings(self, user: tuple[int, int] | None = None) -> dict[str, Any]:
        """The ``sandbox`` section of the worker's configuration; ``user`` is the one
        its workspace allocated (see ``judge.sandbox.workspace``), if any."""
        user = user or self.user
        return {
            "imports": sorted(self.allowed.names),
            "search": list(self.allowed.search),
            "read": list(self.allowed.read),
            "hidden": list(hidden_folders()),
            "user": list(user) if user else None,
            "kernel": self.kernel,
            "python_layers": self.python_layers,
            "landlock_abi": self.landlock_abi,
        }

    def limits(self) -> dict[str, int]:
        """Resource limits on top of the session's: open files and processes.

        One process means the worker itself: no child, no thread.  (The count is per
        user, which is why a judge running as root must drop to another user.)
        """
        return {"RLIMIT_NOFILE": MAX_OPEN_FILES, "RLIMIT_NPROC": 1}

    def command(self, argv: list[str], reads: list[str], workdir: str) -> list[str]:
        """The worker's command line ``argv``, wrapped in bubblewrap when it is used;
        ``reads`` are the files it needs besides the interpreter (the harness)."""
        if self.bwrap is None:
            return argv
        # The allowed packages alone, not the folder holding them (``search``): the
        # judge may be installed there.
        read = [*reads, str(LOCKDOWN), *self.allowed.read]
        # A user to drop to means the judge is root: bwrap needs no user namespace then.
        as_root = self.user is not None
        inner = [bwrap.interpreter(), *argv[1:]]
        return bwrap.command(self.bwrap, inner, workdir, read, hidden_folders(), as_root)

    def without_bwrap(self) -> Sandbox:
        """The same sandbox, launching the worker directly."""
        return replace(self, bwrap=None)

    def held(self, reported: dict[str, Any]) -> list[str]:
        """The layers that hold for a worker that reported ``reported``.

        Raises ``SandboxError`` at level strict when none of them is a kernel layer.
        """
        layers = ["process", *(str(layer) for layer in reported.get("layers", []))]
        if self.bwrap is not None:
            layers.append("bwrap")
        if self.level is Level.STRICT and not any(layer in KERNEL_LAYERS for layer in layers):
            missing = {str(k): str(v) for k, v in dict(reported.get("missing", {})).items()}
            raise SandboxError(detect.strict_hint(missing))
        return layers


@functools.cache
def hidden_folders() -> tuple[str, ...]:
    """Folders the worker must never read, whatever the interpreter's layout: every
    folder of installed packages this interpreter knows, and the judge's own package
    (its problems and reference engine).  The worker hides folders named
    ``site-packages``/``dist-packages`` on its own; these cover the rest."""
    folders = [*site.getsitepackages(), site.getusersitepackages(), str(JUDGE_PACKAGE)]
    base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
    for paths in (sysconfig.get_paths(), sysconfig.get_paths(vars=base)):
        folders += [paths["purelib"], paths["platlib"]]
        folders += [os.path.join(paths["stdlib"], name) for name in PACKAGE_FOLDERS]
    return tuple(dict.fromkeys(os.path.realpath(folder) for folder in folders if folder))


@functools.cache
def compile_lockdown() -> None:
    """Write the bytecode of the worker's sandbox modules if it is missing or stale:
    the worker runs with -B and never writes it, and compiling them costs it ~3 ms."""
    precompile(tuple(LOCKDOWN.glob("*.py")))


@functools.cache
def precompile(sources: tuple[Path, ...]) -> None:
    """Write the bytecode of ``sources``, modules the worker imports, where it is
    missing or stale (once per process): the worker runs ``python -B`` and would compile
    them afresh every time.  Where the folder cannot be written (an installed judge),
    pip wrote the bytecode at install time; failing here only costs the worker time."""
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        with contextlib.suppress(OSError):
            if cached.exists() and cached.stat().st_mtime >= source.stat().st_mtime:
                continue
            import py_compile

            py_compile.compile(str(source), str(cached), doraise=False, quiet=2)


def plan(
    level: Level | str = Level.AUTO,
    imports: tuple[str, ...] = (),
    forbidden: tuple[str, ...] = (),
) -> Sandbox:
    """The sandbox for ``level`` on this machine, allowing ``imports`` on top of the
    default allow-list and refusing ``forbidden`` (see ``allowlist.resolve``)."""
    try:
        chosen = Level(level)
    except ValueError:
        raise UsageError(f"unknown sandbox level {level!r}; use auto, strict or basic") from None
    compile_lockdown()
    use_bwrap = detect.bwrap() if chosen is not Level.BASIC else None
    allowed = allowlist.resolve(tuple(imports), tuple(forbidden))
    return Sandbox(chosen, allowed, detect.worker_ids(), use_bwrap)
