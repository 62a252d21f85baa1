"""Leave root for an unprivileged user before the submission runs.

Root ignores the process limit, may read every file and signal every process; the
judge may well run as root in a container or a CI job.  The worker starts as the
judge's user (it must, to read the interpreter and its own files), then gives up
every group, its group and its user here, for good.
"""

from __future__ import annotations

import os


def drop(uid: int, gid: int) -> None:
    """Become ``uid``/``gid`` with no supplementary groups, irreversibly.

    Raises ``OSError`` if any step fails or root could be regained.
    """
    os.setgroups([])
    # As root, setgid/setuid set the real, effective and saved ids alike (macOS has no
    # setresuid); the checks below make sure of it.
    os.setgid(gid)
    os.setuid(uid)
    if (os.getuid(), os.geteuid(), os.getgid(), os.getegid()) != (uid, uid, gid, gid):
        raise OSError(1, "the user or group did not change")
    if hasattr(os, "getresuid") and os.getresuid() != (uid, uid, uid):
        raise OSError(1, "the saved user id is still root")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise OSError(1, "root could be regained after dropping it")
