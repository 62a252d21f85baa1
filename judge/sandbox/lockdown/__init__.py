"""The worker's side of the sandbox: the layers the harness applies to itself.

Standard library only.  The worker runs ``python -I -S`` and cannot import ``judge``,
so harness.py imports this directory as the top-level package ``lockdown`` and drops
it from ``sys.modules`` again before the submission runs.  The judge side
(``judge.sandbox``) decides what to ask for and reads back what held.

Order, each step before the submission's first line runs:

1. resource limits (CPU, address space, file size 0, open files, processes, core 0);
2. the modules the submission imports and the problem allows, loaded now;
3. as root: drop to an unprivileged user and group;
4. Linux, if asked: not dumpable, Landlock, then seccomp;
5. the import allow-list and the audit hook (``arm``).
"""

from __future__ import annotations

import contextlib
import os
import sys

from . import audit, imports, limits, privdrop

TYPE_CHECKING = False  # see imports.py
if TYPE_CHECKING:
    from typing import Any

    from .imports import Report


def read_roots(settings: dict[str, Any], workdir: str) -> list[str]:
    """What the submission may read: the standard library, the allowed packages and
    its own directory (not the folders holding those packages: other packages, the
    judge perhaps, live there too)."""
    search = settings.get("search", [])
    stdlib = [os.path.dirname(os.__file__), *(p for p in sys.path if p not in search)]
    roots = [*stdlib, *settings.get("read", []), workdir]
    return [root for root in dict.fromkeys(roots) if root and os.path.exists(root)]


def limit(config_limits: dict[str, int]) -> list[str]:
    """Apply the resource limits; return ``["rlimits"]`` if any took.

    The CPU limit is the run's time left; the same number of wall-clock seconds (and
    one more) ends the worker in any case.
    """
    if "RLIMIT_CPU" in config_limits:
        limits.alarm(int(config_limits["RLIMIT_CPU"]) + 1)
    return ["rlimits"] if limits.apply(config_limits) else []


def confine(
    settings: dict[str, Any], wanted: list[str], workdir: str, state: dict[str, Any]
) -> None:
    """Apply the layers after the limits, up to the kernel's, recording them in ``state``.

    ``settings`` is the judge's ``sandbox`` section; ``wanted`` the modules the
    submission's source imports.  ``state`` is ``{"layers": [...], "missing": {...}}``:
    a layer that cannot be applied goes to ``missing`` with the reason, and the judge
    decides whether that is acceptable.
    """
    layers, missing = state["layers"], state["missing"]
    sys.path.extend(path for path in settings.get("search", []) if path not in sys.path)
    imports.preload(wanted, frozenset(settings.get("imports", [])))
    # Loaded before dropping root too: the interpreter's files may be unreadable after.
    kernel = _kernel_modules(missing) if settings.get("kernel") else None
    user = settings.get("user")
    if user is not None:
        try:
            privdrop.drop(int(user[0]), int(user[1]))
            layers.append("privdrop")
        except OSError as error:
            missing["privdrop"] = f"could not drop root: {error.strerror or error}"
    if kernel is not None:
        _kernel_layers(kernel, read_roots(settings, workdir), layers, missing)


def _kernel_modules(missing: dict[str, str]) -> Any:
    """The ``syscalls``, ``landlock`` and ``seccomp`` modules, or None (and why, in
    ``missing``) where they cannot work."""
    reason = ""
    if not sys.platform.startswith("linux"):
        reason = f"not available on {sys.platform}: it is a Linux kernel feature"
    else:
        try:
            from . import landlock, seccomp, syscalls

            syscalls.load_library("libgcc_s.so.1")
            return syscalls, landlock, seccomp
        except (ImportError, OSError) as error:
            reason = f"ctypes is not usable here ({error})"
    missing.update(landlock=reason, seccomp=reason)
    return None


def _kernel_layers(
    modules: Any, roots: list[str], layers: list[str], missing: dict[str, str]
) -> None:
    syscalls, landlock, seccomp = modules
    with contextlib.suppress(OSError):
        # Not dumpable: no core file, and no ptrace or /proc peeking by the same user.
        syscalls.prctl(syscalls.PR_SET_DUMPABLE, 0)
        syscalls.die_with_parent()
    try:
        abi = landlock.restrict(roots)
        layers.append("landlock")
        if abi < 6:
            missing["landlock-scopes"] = f"Landlock ABI {abi} cannot scope signals (needs 6)"
    except OSError as error:
        missing["landlock"] = f"{error.strerror or error}"
    try:
        seccomp.install(os.uname().machine)
        layers.append("seccomp")
    except OSError as error:
        missing["seccomp"] = f"{error.strerror or error}"
    syscalls.forget()


def arm(submission: str, settings: dict[str, Any], workdir: str, report: Report) -> list[str]:
    """Install the import allow-list and the audit hook; return their layer names."""
    allowed = frozenset(settings.get("imports", []))
    imports.install_guard(submission, allowed, report)
    audit.install(audit.Tripwire(submission, read_roots(settings, workdir), allowed), report)
    for name in [name for name in sys.modules if name.startswith(__name__)]:
        del sys.modules[name]
    return ["imports", "audit"]
