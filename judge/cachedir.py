"""Where the judge keeps what it can recompute: graph corpora and graded results.

What is read back from a cache is trusted (a cached report is served as the grade), so
a cache folder must be one nobody else can write to, as ssh's StrictModes demands of
its files: the folder and each of its kinds must be a folder (not a link) owned by this
user and not writable by group or others; every folder above it, up to ``/``, as written
and with its links resolved, must be this user's or root's and writable by nobody else
unless it is sticky (``/tmp``: others may add entries there but not rename ours), since
whoever may rename an entry there could swap the cache for a folder of theirs; and each
entry read back must be a regular file of this user's, not writable by others either.
A folder that is not is refused with ``UnsafeCache`` (the callers then grade without a
cache and say why); folders the judge creates are ``0700`` and its entries ``0600``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from judge.errors import UnsafeCache

_CHECKS_OWNER = hasattr(os, "getuid")  # Windows has no uids nor such modes
_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def cache_dir(kind: str) -> Path:
    """``$JUDGE_CACHE_DIR/<kind>``, else ``$XDG_CACHE_HOME/judge/<kind>``, else
    ``~/.cache/judge/<kind>``.  Created (``0700``) on first use.

    Raises ``UnsafeCache`` when the folder, the kind's folder in it or a folder above
    them belongs to someone else or is writable by others (``check_private``,
    ``check_parents``), and ``OSError`` when it cannot be created.
    """
    root = os.environ.get("JUDGE_CACHE_DIR")
    if root:
        base = Path(root)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "judge"
    named = "JUDGE_CACHE_DIR" if root else "the cache folder"
    base.parent.mkdir(parents=True, exist_ok=True)
    check_parents(base, named)
    folder = base / kind
    for level in (base, folder):
        with contextlib.suppress(FileExistsError):
            os.mkdir(level, 0o700)
        check_private(level, named)
    return folder


def check_private(folder: Path, named: str) -> None:
    """Raise ``UnsafeCache`` unless ``folder`` is a folder (not a link) of this user's
    and only theirs to write."""
    if not _CHECKS_OWNER:
        return
    info = os.lstat(folder)
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeCache(
            f"{folder} ({named}) is a symbolic link: whoever can change it could point it "
            "at a folder of theirs, with results planted there. Point JUDGE_CACHE_DIR at "
            "the folder itself."
        )
    if info.st_uid != os.getuid():
        why = f"is owned by uid {info.st_uid}, not by you (uid {os.getuid()})"
    elif info.st_mode & 0o022:
        why = f"is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o})"
    elif not stat.S_ISDIR(info.st_mode):
        why = "is not a folder"
    else:
        return
    raise UnsafeCache(
        f"{folder} ({named}) {why}: anyone who can write there could plant a result "
        f"that would be served as a grade. Run 'chmod 700 {folder}' if the folder is "
        "yours, or point JUDGE_CACHE_DIR at a folder of your own."
    )


def check_parents(folder: Path, named: str) -> None:
    """Raise ``UnsafeCache`` unless every folder above ``folder``, up to ``/``, both as
    written and with its links resolved, is this user's or root's and writable by nobody
    else, or sticky (``/tmp``).  A link on the way is its owner's to change, so it must
    be the user's or root's too."""
    if not _CHECKS_OWNER:
        return
    above = [*Path(os.path.abspath(folder)).parents, *folder.resolve().parents]
    for parent in dict.fromkeys(above):  # each once, in order
        info = os.lstat(parent)
        if info.st_uid not in (os.getuid(), 0):
            why = f"is owned by uid {info.st_uid}, neither you (uid {os.getuid()}) nor root"
        elif (
            info.st_mode & 0o022
            and not stat.S_ISLNK(info.st_mode)  # a link's own mode means nothing
            and not info.st_mode & stat.S_ISVTX
        ):
            why = f"is writable by group or others (mode {stat.S_IMODE(info.st_mode):04o})"
        else:
            continue
        raise UnsafeCache(
            f"{parent}, above {folder} ({named}), {why}: whoever can rename an entry there "
            "could swap the cache for a folder of theirs, with results planted in it. Point "
            "JUDGE_CACHE_DIR at a folder whose every parent only you or root can write."
        )


def read_private(path: Path) -> bytes | None:
    """The bytes of the cache entry ``path``, or None when it is missing or not to be
    trusted: a link, not a regular file, someone else's, or writable by others."""
    try:
        descriptor = os.open(path, _FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or (
            _CHECKS_OWNER and (info.st_uid != os.getuid() or info.st_mode & 0o022)
        ):
            return None
        os.set_blocking(descriptor, True)
        chunks = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(descriptor)
