"""The worker's folder and user: private to one worker, and gone with its grading.

Each worker gets a fresh folder in the temporary directory holding one file, the
submission under a neutral name (``submission.py``: a peer that could see the folder
would learn nothing of whose file it is).  When the judge runs as root, each worker
also gets a user and group of its own from a reserved range, and the folder and file
belong to that user alone (``0500`` and ``0400``): no other worker can list the folder,
read the file, signal the worker or change its priority, even where seccomp and
Landlock are missing, and the process limit (one per user) is the worker's alone.

A judge killed with SIGKILL cannot remove its folders.  So each live folder is held
with a shared ``flock`` by the judge that made it, and the first worker a judge starts
sweeps the temporary directory: a ``judge-worker-*`` folder nobody holds a lock on
belongs to a dead judge and is removed (the lock goes with the process that held it,
whatever its pid namespace, so a live judge's folder is never taken for a dead one's).
The user ids are allocated the same way: a slot is a lock file, held while the worker
lives, so concurrent judges never hand out the same id.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock, no sweep, no user to drop to either
    fcntl = None  # type: ignore[assignment]

PREFIX = "judge-worker-"
SUBMISSION = "submission.py"
# Worker users: 0x7E000000 onwards, far above login users (1000..60000), nobody
# (65534), systemd's dynamic users (61184..65519) and container ranges (524288..).
UID_BASE = 0x7E000000
UID_SLOTS = 4096
UID_LOCKS = "judge-uids"  # not a PREFIX name: the sweep must never take it
# A folder younger than this is never swept: its judge may be between creating it and
# taking its lock.
SWEEP_AFTER_S = 10.0


@dataclass
class Workspace:
    """One worker's folder, its copy of the submission and, as root, its user."""

    folder: str
    copy: str
    user: tuple[int, int] | None
    _locks: list[int]

    def remove(self) -> None:
        """Remove the folder and give the user back (call once the worker is dead)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        for fd in self._locks:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._locks.clear()


def create(
    source: Path,
    content: bytes | None,
    drop: bool,
    files: tuple[tuple[str, bytes], ...] | None = None,
) -> Workspace:
    """A new workspace holding ``content`` (or a copy of ``source`` if None) as
    ``submission.py``; with a user of its own when ``drop`` (the judge is root).

    ``files``: a student's folder instead, each module at its relative path
    (``engine.py``, ``micrograd/nn.py``: the names its imports need, never the folder's
    own); ``submission.py`` is then no file, only the one name the worker compiles them
    all under (see ``judge.submission.folder``)."""
    return fill(create_empty(drop), source, content, files)


def create_empty(drop: bool) -> Workspace:
    """A new workspace with nothing in it yet, its folder already the worker's (its own
    user's, ``0500``, when ``drop``): a worker can be started in it before its
    submission is known (``judge.runner.warm``), and ``fill`` puts the submission in."""
    sweep_once()
    folder = tempfile.mkdtemp(prefix=PREFIX)
    locks = [_hold(folder)] if fcntl is not None else []
    copy = os.path.join(folder, SUBMISSION)
    try:
        user = None
        if drop:
            slot, fd = _allocate_user()
            locks.append(fd)
            user = (UID_BASE + slot, UID_BASE + slot)
            # Closed to everyone else from the start; the judge, root, still writes in.
            os.chown(folder, *user)
            os.chmod(folder, 0o500)
    except BaseException:
        Workspace(folder, copy, None, locks).remove()
        raise
    return Workspace(folder, copy, user, locks)


def fill(
    workspace: Workspace,
    source: Path,
    content: bytes | None,
    files: tuple[tuple[str, bytes], ...] | None = None,
) -> Workspace:
    """Write the submission into the empty ``workspace``, as ``create`` describes, each
    file and folder the worker's user's alone; the workspace is removed if that fails."""
    folder, copy, user = workspace.folder, workspace.copy, workspace.user
    try:
        if files is not None:
            written = _lay_out(folder, files)
        elif content is None:
            shutil.copyfile(source, copy)
            written = [copy]
        else:
            Path(copy).write_bytes(content)
            written = [copy]
        # Deepest first: a folder is closed (0500, when it goes to the worker's user:
        # the judge's own must stay removable) once what it holds is written.
        for path in sorted(written, key=lambda p: -p.count(os.sep)):
            if user is not None:
                os.chown(path, *user)
            if not os.path.isdir(path):
                os.chmod(path, 0o400)
            elif user is not None:
                os.chmod(path, 0o500)
    except BaseException:
        workspace.remove()
        raise
    return workspace


def _lay_out(folder: str, files: tuple[tuple[str, bytes], ...]) -> list[str]:
    """Write each ``(relative path, bytes)`` of ``files`` below ``folder``; return the
    files and sub-folders made.  The paths come from ``judge.files`` reading a folder
    (no ``..``, no absolute path); checked again, as they are about to be written."""
    made: list[str] = []
    for relative, data in files:
        parts = relative.split("/")
        if relative.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise OSError(f"not a module path of a student's folder: {relative!r}")
        for depth in range(1, len(parts)):
            inner = os.path.join(folder, *parts[:depth])
            if not os.path.isdir(inner):
                os.mkdir(inner, 0o700)
                made.append(inner)
        path = os.path.join(folder, *parts)
        with open(path, "xb") as handle:
            handle.write(data)
        made.append(path)
    return made


def _hold(folder: str) -> int:
    """A descriptor holding a shared lock on ``folder`` for as long as it is open."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NOFOLLOW)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def _allocate_user() -> tuple[int, int]:
    """A free slot of the worker user range and the descriptor that holds it."""
    locks = _lock_folder()
    start = (os.getpid() * 31) % UID_SLOTS  # spread concurrent judges apart
    for step in range(UID_SLOTS):
        slot = (start + step) % UID_SLOTS
        fd = os.open(
            os.path.join(locks, str(slot)),
            os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
            0o600,
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        return slot, fd
    raise OSError(f"all {UID_SLOTS} worker users are in use")


@functools.cache
def _lock_folder() -> str:
    """The root-only folder of user slot locks (in /run when there is one)."""
    base = "/run" if os.path.isdir("/run") else tempfile.gettempdir()
    folder = os.path.join(base, UID_LOCKS)
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise OSError(f"{folder} is not a private folder of this user: remove it")
    return folder


@functools.cache
def sweep_once() -> None:
    """Sweep the temporary directory, once per process (see ``sweep``)."""
    if fcntl is not None:
        sweep(tempfile.gettempdir())


def sweep(parent: str) -> list[str]:
    """Remove the worker folders in ``parent`` that no live judge holds; return them.

    Only folders of this user (of any user, for root), not links, not held, and older
    than a few seconds.
    """
    removed: list[str] = []
    try:
        names = [name for name in os.listdir(parent) if name.startswith(PREFIX)]
    except OSError:
        return removed
    for name in names:
        path = os.path.join(parent, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        mine = os.geteuid() in (0, info.st_uid)
        old = time.time() - info.st_mtime > SWEEP_AFTER_S
        if not stat.S_ISDIR(info.st_mode) or not mine or not old:
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a live judge holds it
        try:
            shutil.rmtree(path, ignore_errors=True)  # fd-based: it follows no link
            removed.append(path)
        finally:
            os.close(fd)
    return removed
