"""bubblewrap: run the worker in its own pid, network, IPC and mount namespaces.

Inside, the file system holds only what the interpreter needs, read-only: the system
libraries, the Python installation, the harness and its sandbox package, and the
worker's directory.  There is no /proc, /tmp or home, and no network interface but a
loopback of its own.  As root, bwrap needs no user namespace (and the worker drops
root itself); as another user it needs unprivileged user namespaces, which some
systems (Ubuntu 24.04's AppArmor policy) refuse: then the first worker fails to
start and the judge stops using bwrap for the rest of the process.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Iterable

# What the dynamic loader needs to start the interpreter.
SYSTEM_PATHS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache")


def interpreter() -> str:
    """The real interpreter binary: a virtualenv's link would lead outside the binds."""
    return os.path.realpath(sys.executable)


def _bind(path: str) -> list[str]:
    if os.path.islink(path) and os.path.dirname(path) == "/":
        return ["--symlink", os.readlink(path), path]  # /lib -> usr/lib on merged /usr
    return ["--ro-bind", path, path]


def shared_library() -> list[str]:
    """The interpreter's shared libpython, which may lie outside its prefix (its
    run path names it), or nothing for a statically linked interpreter."""
    folder, name = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("INSTSONAME")
    if not folder or not name or not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        return []
    return [os.path.join(folder, name)]


def command(
    bwrap: str,
    argv: list[str],
    workdir: str,
    read_paths: Iterable[str],
    hidden: Iterable[str],
    as_root: bool,
) -> list[str]:
    """``argv`` wrapped in bubblewrap, seeing only the system, the interpreter,
    ``read_paths`` and ``workdir``; never the ``hidden`` folders, even where they lie
    inside the interpreter's prefix (an empty read-only tmpfs covers each)."""
    prefix = os.path.realpath(sys.base_prefix)
    system = [*SYSTEM_PATHS, prefix, os.path.dirname(argv[0]), *shared_library()]
    wrapped = [
        bwrap,
        *("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"),
        *("--unshare-cgroup-try", "--die-with-parent"),
    ]
    if not as_root:
        wrapped.append("--unshare-user")
    bound = [path for path in dict.fromkeys(system) if os.path.lexists(path)]
    for path in bound:
        wrapped += _bind(path)
    covered = [
        folder
        for folder in dict.fromkeys(os.path.realpath(path) for path in hidden)
        if os.path.isdir(folder) and any(_beneath(folder, path) for path in bound)
    ]
    for folder in covered:
        wrapped += ["--tmpfs", folder]
    made: set[str] = set()
    for path in dict.fromkeys([*read_paths, workdir]):
        if os.path.lexists(path) and path not in bound:
            wrapped += _parents(path, bound, made)
            wrapped += _bind(path)
    for folder in covered:  # after the binds beneath it (the harness may be there)
        wrapped += ["--remount-ro", folder]
    return [*wrapped, "--chdir", workdir, "--", *argv]


def _parents(path: str, bound: list[str], made: set[str]) -> list[str]:
    """The folders above ``path`` that bwrap would make itself, made first as 0755: it
    makes them 0700, which a worker that dropped root could not pass through to reach
    ``path`` (an allowed package in a virtualenv: numpy).  Folders already there (bound,
    or below a bound folder) keep their own modes."""
    options: list[str] = []
    parent = os.path.dirname(path)
    ancestors: list[str] = []
    while parent not in ("/", ""):
        ancestors.append(parent)
        parent = os.path.dirname(parent)
    for folder in reversed(ancestors):
        there = any(folder == b or _beneath(folder, b) for b in bound)
        if not there and folder not in made:
            made.add(folder)
            options += ["--perms", "0755", "--dir", folder]
    return options


def _beneath(path: str, folder: str) -> bool:
    real = os.path.realpath(folder)
    return path.startswith(real.rstrip(os.sep) + os.sep)
