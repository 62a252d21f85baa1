"""What this machine offers the sandbox, found at run time and remembered per process.

Only the judge-side facts live here (is bubblewrap installed, does the judge run as
root); whether Landlock and seccomp hold is found by the worker itself, which tries
them and says which took, so detection costs the judge nothing.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys

NOBODY = 65534

_broken_bwrap: dict[str, str] = {}


@functools.cache
def _bwrap_on_path() -> str | None:
    if not sys.platform.startswith("linux"):
        return None
    return shutil.which("bwrap")


def bwrap() -> str | None:
    """The path of bubblewrap, if installed and not found broken in this process."""
    path = _bwrap_on_path()
    return None if path is None or path in _broken_bwrap else path


def mark_bwrap_broken(path: str, reason: str) -> None:
    """Stop using ``path`` in this process: it failed to start a worker (typically
    because unprivileged user namespaces are disabled)."""
    _broken_bwrap[path] = reason


def bwrap_problem() -> str | None:
    """Why bubblewrap is not used, if it is installed but broke."""
    return next(iter(_broken_bwrap.values()), None)


@functools.cache
def worker_ids() -> tuple[int, int] | None:
    """The user and group the worker becomes when the judge runs as root, else None.

    ``nobody``/``nogroup`` (65534 where they are not in the user database).
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import grp
    import pwd

    try:
        uid = pwd.getpwnam("nobody").pw_uid
    except KeyError:
        uid = NOBODY
    gid = NOBODY
    for group in ("nogroup", "nobody"):
        try:
            gid = grp.getgrnam(group).gr_gid
            break
        except KeyError:
            continue
    return uid, gid


def strict_hint(missing: dict[str, str]) -> str:
    """Why no kernel layer holds here, and how to get one, for ``--sandbox strict``."""
    found = dict(missing)
    problem = bwrap_problem()
    if problem:
        found["bwrap"] = problem
    reasons = "; ".join(f"{layer}: {reason}" for layer, reason in sorted(found.items()))
    if not sys.platform.startswith("linux"):
        how = (
            "Landlock, seccomp and bubblewrap are Linux features: grade on Linux (a CI "
            "job on ubuntu-24.04 has Landlock and seccomp), or use --sandbox auto here"
        )
    else:
        how = (
            "enable Landlock (Linux 5.13+ with 'landlock' in /sys/kernel/security/lsm; "
            "add it to the lsm= kernel parameter), run on x86-64 or arm64 for seccomp, "
            "or install bubblewrap (apt-get install bubblewrap) where user namespaces "
            "are allowed"
        )
    why = f" ({reasons})" if reasons else ""
    return f"--sandbox strict needs a kernel layer and none holds here{why}. To fix: {how}."
