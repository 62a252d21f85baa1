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


# Folders of installed packages.  python.org, pyenv, conda and the ``python:*`` images
# put ``site-packages`` inside the standard library's folder, and the judge with it.
PACKAGE_FOLDERS = frozenset(("site-packages", "dist-packages"))


# The variables that make numpy's BLAS and OpenMP libraries run on the calling thread.
_ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def read_roots(settings: dict[str, Any], workdir: str) -> list[str]:
    """What the submission may read: the standard library, the allowed packages and
    its own directory.  Never the folders holding packages (other packages, the judge
    perhaps, live there), nor the ``hidden`` folders the judge names (its own install):
    a standard library folder holding one is allowed entry by entry instead, since
    Landlock can only allow, never deny beneath what it allows."""
    key = repr((settings.get("search"), settings.get("hidden"), settings.get("read"), workdir))
    if key not in _roots:  # asked twice per worker (Landlock, then the audit hook)
        search = settings.get("search", [])
        hidden = frozenset(os.path.realpath(path) for path in settings.get("hidden", []))
        stdlib = [os.path.dirname(os.__file__), *(p for p in sys.path if p not in search)]
        stdlib = [root for root in dict.fromkeys(stdlib) if root and os.path.exists(root)]
        roots = [entry for root in stdlib for entry in _without(root, hidden)]
        others = [*settings.get("read", []), workdir]
        roots += [root for root in others if root and os.path.exists(root)]
        _roots[key] = list(dict.fromkeys(roots))
    return _roots[key]


_roots: dict[str, list[str]] = {}


def _without(root: str, hidden: frozenset[str]) -> list[str]:
    """``root`` itself, or its entries leaving out package folders and ``hidden``
    ones; nothing if ``root`` is one of those."""
    real = os.path.realpath(root) if root else ""
    if not real or os.path.basename(real) in PACKAGE_FOLDERS or real in hidden:
        return []
    packages = any(os.path.isdir(os.path.join(real, name)) for name in PACKAGE_FOLDERS)
    if not packages and not _holds(real, hidden):
        return [root]
    return _entries(real, hidden)


def _holds(folder: str, hidden: frozenset[str]) -> bool:
    return any(path.startswith(folder + os.sep) for path in hidden)


def _entries(folder: str, hidden: frozenset[str]) -> list[str]:
    """The entries of ``folder`` but package folders and ``hidden`` ones, descending
    only into the folders that hold a hidden one."""
    kept: list[str] = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return kept
    for name in names:
        path = os.path.join(folder, name)
        if name in PACKAGE_FOLDERS or path in hidden:
            continue
        kept += _entries(path, hidden) if _holds(path, hidden) else [path]
    return kept


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
    search = [path for path in settings.get("search", []) if path not in sys.path]
    # numpy's BLAS starts a thread per core when it loads; the worker may have no thread
    # but itself (one process, and Landlock and seccomp restrict the calling thread).
    for variable in _ONE_THREAD:
        os.environ[variable] = "1"
    sys.path.extend(search)
    imports.preload(wanted, frozenset(settings.get("imports", [])))
    # The folder of installed packages was for these imports alone: later imports find
    # nothing there (a loaded package imports its own submodules through its __path__).
    sys.path[:] = [path for path in sys.path if path not in search]
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
        # The C core of ctypes stays unreadable: a second copy of it, loaded under
        # another path name, would be a fresh way to make raw system calls.
        settings["hidden"] = [*settings.get("hidden", []), kernel[0].ctypes_file()]
        _fill_import_caches()
        abi = settings.get("landlock_abi")
        _kernel_layers(kernel, read_roots(settings, workdir), layers, missing, abi)
        _dismantle(kernel)


def _fill_import_caches() -> None:
    """List every folder on the path now: the import system keeps the listing and
    serves later imports from it, and Landlock allows the standard library's folder
    entry by entry, not the folder itself, once a package folder lies in it."""
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is not None:
            with contextlib.suppress(Exception):
                find_spec("lockdown-fills-the-import-caches", None)


def _dismantle(modules: Any) -> None:
    """Leave no raw system call within reach of the worker's Python objects: drop the
    kernel modules (and their ``_ctypes`` function objects) from the module cache and
    this package, empty them, and empty ``_ctypes`` too, including the copy of its
    namespace that the interpreter keeps to serve a later ``import _ctypes`` from.
    What remains are ``_ctypes``'s built-in types, reachable through
    ``object.__subclasses__()``: calling through them raises ``ctypes.*`` audit events,
    which the audit hook reports whoever makes them, and seccomp holds regardless."""
    import gc

    package = sys.modules[__name__]
    for module in modules:
        package.__dict__.pop(module.__name__.rpartition(".")[2], None)
        sys.modules.pop(module.__name__, None)
    ctypes_core = sys.modules.pop("_ctypes", None)
    if ctypes_core is not None:
        for holder in gc.get_referrers(ctypes_core.dlopen):
            if isinstance(holder, dict):
                holder.clear()
    for module in modules:
        module.__dict__.clear()
    del modules, ctypes_core


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
    modules: Any, roots: list[str], layers: list[str], missing: dict[str, str], abi: Any
) -> None:
    """Not dumpable, tied to the judge's life, then Landlock (at most ABI ``abi``, for
    tests; None: the kernel's) and seccomp."""
    syscalls, landlock, seccomp = modules
    with contextlib.suppress(OSError):
        # Not dumpable: no core file, and no ptrace or /proc peeking by the same user.
        syscalls.prctl(syscalls.PR_SET_DUMPABLE, 0)
        syscalls.die_with_parent()
    try:
        abi = landlock.restrict(roots, abi)
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


def arm(submission: str, settings: dict[str, Any], workdir: str, report: Report) -> list[str]:
    """Install the import allow-list and the audit hook; return their layer names.

    ``python_layers: false`` in ``settings`` (tests only) leaves them out, to show
    what the kernel layers hold on their own."""
    import gc

    for name in [name for name in sys.modules if name.startswith(__name__)]:
        del sys.modules[name]
    # The classes the kernel modules built on _ctypes's types live in reference cycles:
    # free them now, or the submission finds them with gc.get_objects().
    gc.collect()
    if settings.get("python_layers") is False:
        return []
    allowed = frozenset(settings.get("imports", []))
    imports.install_guard(submission, allowed, report)
    audit.install(audit.Tripwire(submission, read_roots(settings, workdir), allowed), report)
    return ["imports", "audit"]
