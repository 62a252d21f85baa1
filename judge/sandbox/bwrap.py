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


def command(
    bwrap: str, argv: list[str], workdir: str, read_paths: Iterable[str], as_root: bool
) -> list[str]:
    """``argv`` wrapped in bubblewrap, seeing only ``read_paths`` and ``workdir``."""
    prefix = os.path.realpath(sys.base_prefix)
    paths = [*SYSTEM_PATHS, prefix, os.path.dirname(argv[0]), *read_paths, workdir]
    wrapped = [
        bwrap,
        *("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"),
        *("--unshare-cgroup-try", "--die-with-parent"),
    ]
    if not as_root:
        wrapped.append("--unshare-user")
    for path in dict.fromkeys(paths):
        if os.path.lexists(path):
            wrapped += _bind(path)
    return [*wrapped, "--chdir", workdir, "--", *argv]
