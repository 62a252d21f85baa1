"""Small file helpers: reading a submission safely, writing an output atomically."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from judge.errors import SubmissionError, UnsafeSubmission

MAX_SUBMISSION_BYTES = 1 << 20

# What a path names, for the message that says why it was not graded.
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
)
# No link is followed, and opening a FIFO must not wait for a writer.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_DIRECTORY", 0)
_BY_FOLDER = os.open in os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")


def kind_of(mode: int) -> str:
    """What a file of ``mode`` (from ``lstat``) is, in words ("a symbolic link"...)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_regular(mode: int, shown: str) -> str:
    """Why the entry ``shown`` of ``mode`` (from ``lstat``) is not graded."""
    if stat.S_ISLNK(mode):
        return (
            f"{shown} is a symbolic link; not graded: the judge follows no link below the "
            "folder it runs in, so that nobody is graded on a file they did not write "
            "(give the file or folder itself)"
        )
    return f"{shown} is {kind_of(mode)}, not a regular file; not graded"


def start_of(path: Path) -> tuple[Path, tuple[str, ...]]:
    """Where the walk down ``path`` starts, and the steps below it.

    The start is trusted: the working folder for a relative path (and for an absolute
    one inside it), else the file system's root.  Every step below it is opened without
    following a link, also the folders the user typed: a class folder's ``bob`` may be
    a link the student made, and ``judge grade class/*`` names it.
    """
    if path.is_absolute():
        with contextlib.suppress(OSError, ValueError):  # no working folder, or not in it
            return Path("."), path.relative_to(os.getcwd()).parts
        return Path(path.anchor), path.parts[1:]
    return Path("."), path.parts


def linked_step(path: Path) -> str:
    """Why ``path`` is not graded if it, or a folder on its way down from its start
    (``start_of``), is a symbolic link; "" when none is (as far as ``path`` exists).

    A look for the message, by path; the read itself (``read_submission``) enforces the
    rule with descriptors, so a link swapped in after this look is refused there too.
    """
    start, parts = start_of(path)
    for index in range(len(parts)):
        try:
            mode = os.lstat(start.joinpath(*parts[: index + 1])).st_mode
        except OSError:
            return ""
        if stat.S_ISLNK(mode):
            return not_regular(mode, str(_typed(path, len(parts) - 1 - index)))
    return ""


def _typed(path: Path, up: int) -> Path:
    """``path`` without its last ``up`` steps, as the user typed it (for messages)."""
    return path if up == 0 else path.parents[up - 1]


def read_submission(path: Path) -> bytes:
    """The bytes of the submission at ``path``, read once and safely.

    From where ``path`` starts (``start_of``: the working folder, or ``/``), every folder
    on the way and the file itself are opened without following symbolic links, and the
    file must be a regular file (a FIFO is opened without blocking, then refused) with
    one name (a hard link's other name may be someone else's file), at most
    ``MAX_SUBMISSION_BYTES`` long and UTF-8.  These bytes are what is graded, hashed for
    the cache and copied into the worker.

    Raises ``UnsafeSubmission`` for a link, a hard link or anything not a regular file,
    and ``SubmissionError`` for a file that is missing, unreadable, too big or not UTF-8.
    """
    root, parts = start_of(path)
    if not parts:
        raise SubmissionError(f"{path}: not a file; give the path of your .py file")
    descriptor = _open_below(root, parts, path)
    try:
        return _read_regular(descriptor, path)
    finally:
        os.close(descriptor)


def open_folder(path: Path) -> int:
    """A descriptor of the folder ``path``, opened as ``read_submission`` opens a file:
    no link followed from where ``path`` starts (``start_of``).  Close it when done.

    Raises ``UnsafeSubmission`` for a link or anything not a folder on the way, and
    ``SubmissionError`` for a folder that is missing or unreadable.
    """
    root, parts = start_of(path)
    if not parts:  # the working folder itself: trusted, as the start always is
        with _as_submission_error(path):
            return os.open(root, _FOLDER_FLAGS)
    return _open_below(root, parts, path, folder_at_end=True)


def read_regular_at(folder: int, name: str, shown: str) -> bytes:
    """The bytes of the entry ``name`` of the open folder ``folder``, under the rules of
    ``read_submission`` (no link followed, one name only, a regular file, at most
    ``MAX_SUBMISSION_BYTES``, UTF-8); ``shown`` names it in errors."""
    with _as_submission_error(Path(shown)):
        mode = os.lstat(name, dir_fd=folder).st_mode
        _refuse_unless(mode, Path(shown), True)
        descriptor = os.open(name, _READ_FLAGS, dir_fd=folder)
    try:
        return _read_regular(descriptor, Path(shown))
    finally:
        os.close(descriptor)


def open_folder_at(folder: int, name: str, shown: str) -> int:
    """A descriptor of the sub-folder ``name`` of the open folder ``folder``, not
    following a link (``UnsafeSubmission`` if it is one)."""
    with _as_submission_error(Path(shown)):
        mode = os.lstat(name, dir_fd=folder).st_mode
        _refuse_unless(mode, Path(shown), False)
        return os.open(name, _FOLDER_FLAGS, dir_fd=folder)


def _open_below(root: Path, parts: tuple[str, ...], path: Path, folder_at_end: bool = False) -> int:
    """A descriptor of ``root/parts...``, opened with no link followed below ``root``:
    a regular file at the end, or a folder with ``folder_at_end``."""
    if not _BY_FOLDER:  # Windows: check each step, then open (links need privileges there)
        with _as_submission_error(path):
            for index in range(len(parts)):
                here = root.joinpath(*parts[: index + 1])
                shown = _typed(path, len(parts) - 1 - index)
                last = index == len(parts) - 1 and not folder_at_end
                _refuse_unless(here.lstat().st_mode, shown, last)
            return os.open(path, _FOLDER_FLAGS if folder_at_end else _READ_FLAGS)
    with _as_submission_error(root):
        folder = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with _as_submission_error(path):
            for index, part in enumerate(parts):
                last = index == len(parts) - 1 and not folder_at_end
                mode = os.lstat(part, dir_fd=folder).st_mode
                _refuse_unless(mode, _typed(path, len(parts) - 1 - index), last)
                # O_NOFOLLOW again: the entry may have become a link since the lstat.
                opened = os.open(part, _READ_FLAGS if last else _FOLDER_FLAGS, dir_fd=folder)
                os.close(folder)
                folder = opened
        return folder
    except BaseException:
        os.close(folder)
        raise


def _refuse_unless(mode: int, shown: Path, last: bool) -> None:
    """Raise unless ``mode`` is a folder on the way, or a regular file at the end."""
    if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) if last else stat.S_ISDIR(mode)):
        if last and stat.S_ISDIR(mode):
            raise SubmissionError(f"{shown}: not a file; give the path of your .py file")
        raise UnsafeSubmission(not_regular(mode, str(shown)))


@contextlib.contextmanager
def _as_submission_error(shown: Path) -> Iterator[None]:
    """Turn an ``OSError`` into the submission's error, naming ``shown``."""
    try:
        yield
    except FileNotFoundError:
        raise SubmissionError(f"{shown}: no such file") from None
    except OSError as error:
        if error.errno == getattr(os, "ELOOP", -1):  # a link replaced the checked entry
            raise UnsafeSubmission(not_regular(stat.S_IFLNK, str(shown))) from None
        raise SubmissionError(f"{shown}: cannot read it: {error.strerror}") from None


def _read_regular(descriptor: int, path: Path) -> bytes:
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):  # swapped between the check and the open
        raise UnsafeSubmission(not_regular(info.st_mode, str(path)))
    if info.st_nlink > 1:
        # O_NOFOLLOW cannot see a hard link: its other name may be the solutions' file,
        # or a classmate's (fs.protected_hardlinks, where it is on, still lets a student
        # link a file they may read and write; macOS and the BSDs have no such switch).
        raise UnsafeSubmission(
            f"{path} has {info.st_nlink} names (hard links); not graded: another name "
            "may be someone else's file, so the judge grades only a file with one name "
            "(copy it with cp, not cp -l, cp -al or rsync --link-dest)"
        )
    with contextlib.suppress(OSError):
        os.set_blocking(descriptor, True)
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_SUBMISSION_BYTES:
            chunk = os.read(descriptor, MAX_SUBMISSION_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise SubmissionError(f"{path}: cannot read it: {error.strerror}") from None
    if size > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"{path}: larger than 1 MiB; is this the right file?")
    content = b"".join(chunks)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    return content


def write_atomic(path: Path, text: str, private: bool = False) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one,
    never a half-written one (write a temporary file beside it, then rename).

    The file gets the mode a new file gets under the umask, or, when it replaces one,
    that file's mode (and group, where allowed): ``mkstemp``'s 0600 is for the moment
    of writing only.  ``private`` keeps it 0600 (the judge's own caches).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        if not private:
            _take_mode(handle, path)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _take_mode(handle: int, path: Path) -> None:
    """Give the new file the mode (and group) of the file it replaces, else the umask's."""
    if os.chmod not in os.supports_fd:  # Windows: no modes to speak of
        return
    try:
        old = os.stat(path)
    except OSError:
        os.chmod(handle, 0o666 & ~_umask())
        return
    if hasattr(os, "fchown"):
        with contextlib.suppress(OSError):  # only root, or a member of the group, may
            os.fchown(handle, -1, old.st_gid)
    # Permissions only: a report is no program, so no set-uid, set-gid or sticky bit of
    # what it replaces.  After chown, which may clear set-id bits itself.
    os.chmod(handle, old.st_mode & 0o777)


def _umask() -> int:
    """The process's umask.  Reading it means setting it: to 0077 for that instant, so a
    file another thread creates meanwhile is private rather than too open."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
