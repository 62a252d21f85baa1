"""Find the submissions in a class's folder.

Two layouts, which may be mixed: one file per student (``DIR/alice.py``) or one folder
per student (``DIR/bob/value.py``, or ``DIR/bob/engine.py`` + ``DIR/bob/nn.py``, graded
together as a folder).  A submission is a Python file or a Jupyter
notebook (``DIR/carol.ipynb``, ``DIR/dan/engine.ipynb``; ``judge.submission.SUFFIXES``).
Names starting with ``.`` or ``_`` are skipped (``.git``, ``__pycache__``,
``.ipynb_checkpoints``).  Every entry that would be graded gets a row, also when it
cannot be: a student folder that does not say which file to grade, and any entry named
like a submission that is not a regular file (a symbolic link, a FIFO, a socket) are
listed with the reason, so that they show up in the gradebook as errors instead of
silently missing (as does, when it is read, one whose bytes are not a submission).

No link is followed below the folder the judge runs in (``judge.files.start_of``), not
even in the paths given: ``judge grade class/*`` names ``class/bob``, which may be a
link the student made.  Entries are looked at with ``lstat``, and a symbolic link is a
row saying it was not graded, whatever it points to (a file, a folder, nothing, or
something unreadable), unless the entry it stands for would be skipped anyway: a link to
a regular file not named like a submission (``README.md``).  The file itself is read
later, once, by ``judge.files.read_submission`` under the same rule.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from judge.errors import UsageError
from judge.files import linked_step, not_regular
from judge.submission import SUFFIXES


@dataclass(frozen=True)
class Submission:
    """One student's file.  ``problem`` says why it cannot be graded, when it cannot."""

    name: str
    path: Path
    problem: str = ""


def _visible(name: str) -> bool:
    return not name.startswith((".", "_"))


def _submitted(name: str) -> bool:
    """Whether ``name`` is named like a submission (``alice.py``, ``alice.ipynb``)."""
    return Path(name).suffix.lower() in SUFFIXES and Path(name).stem != ""


def _lstat_mode(path: Path) -> int | None:
    """``path``'s mode, not following a link; None if there is nothing there."""
    try:
        return os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None


def discover(folder: Path, filename: str | None = None) -> list[Submission]:
    """The submissions in ``folder``, sorted by name.

    With ``filename``, only ``folder/<student>/<filename>`` counts; without it, every
    ``folder/*.py`` (and ``*.ipynb``) and every student folder: its one such file, or
    the folder itself when it holds several ``.py`` files or a package (a student's
    modules, ``engine.py`` + ``nn.py`` or ``micrograd/``: see ``judge.submission.folder``).
    Raises ``UsageError`` when ``folder`` is not a folder or holds no submission.
    """
    if filename is not None and (
        not filename or Path(filename).is_absolute() or ".." in Path(filename).parts
    ):
        raise UsageError(f"--file {filename!r}: give a file name inside each student's folder")
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give the folder that holds the submissions")
    try:
        with os.scandir(folder) as listing:
            children = sorted(
                (entry.name, entry.stat(follow_symlinks=False).st_mode)
                for entry in listing
                if _visible(entry.name)
            )
    except OSError as error:
        raise UsageError(f"{folder}: cannot list it: {error.strerror}") from None
    found: list[tuple[str, Submission]] = []  # (entry as listed, submission)
    for name, mode in children:
        child = folder / name
        if stat.S_ISDIR(mode):
            found.append((name + "/", _from_student_folder(child, filename)))
        elif filename is None and _submitted(name):
            problem = "" if stat.S_ISREG(mode) else not_regular(mode, name)
            found.append((name, Submission(Path(name).stem, child, problem)))
        elif stat.S_ISLNK(mode) and not _names_a_skipped_file(child):
            # A "student folder" elsewhere, or a link to nothing one can see.
            found.append((name + "/", Submission(name, child, not_regular(mode, name))))
    if not found:
        expected = (
            f"{folder}/<student>/{filename}"
            if filename
            else f"{folder}/<student>.py (or .ipynb) or {folder}/<student>/<file>.py"
        )
        raise UsageError(f"{folder}: no submissions found; expected {expected}")
    return _unique_names(found)


def _names_a_skipped_file(link: Path) -> bool:
    """Whether the link ``link`` stands for an entry that would be skipped if it were
    there itself: a regular file (``README.md``; one named like a submission is not
    skipped).  Its target is only looked at (``stat``), never opened."""
    try:
        return stat.S_ISREG(os.stat(link).st_mode)
    except OSError:  # dangling, a loop, unreadable: it may be a student's
        return False


def _from_student_folder(folder: Path, filename: str | None) -> Submission:
    if filename is not None:
        return Submission(folder.name, folder / filename, _named_problem(folder, filename))
    try:
        with os.scandir(folder) as listing:
            candidates = sorted(
                (entry.name, entry.stat(follow_symlinks=False).st_mode)
                for entry in listing
                if _visible(entry.name) and _submitted(entry.name)
            )
    except OSError as error:
        return Submission(folder.name, folder, f"{folder.name}/: cannot list it: {error.strerror}")
    # A folder named x.py inside is not a file to choose; a link or a FIFO is, to be refused.
    candidates = [(name, mode) for name, mode in candidates if not stat.S_ISDIR(mode)]
    if len(candidates) == 1:
        name, mode = candidates[0]
        problem = "" if stat.S_ISREG(mode) else not_regular(mode, f"{folder.name}/{name}")
        return Submission(folder.name, folder / name, problem)
    if not candidates:
        if _holds_folders(folder):  # a package layout: micrograd/engine.py
            return Submission(folder.name, folder)
        return Submission(folder.name, folder, f"no .py or .ipynb file in {folder.name}/")
    if all(Path(name).suffix.lower() == ".py" for name, _ in candidates):
        # Modules importing each other (engine.py + nn.py): the folder is the submission
        # (``judge.submission.folder``), read whole when it is graded.
        return Submission(folder.name, folder)
    names = ", ".join(name for name, _ in candidates)
    return Submission(
        folder.name,
        folder,
        f"{folder.name}/ holds several files to grade ({names}); pass --file NAME to choose one",
    )


def _holds_folders(folder: Path) -> bool:
    """Whether ``folder`` holds a visible folder (not a link): a package, perhaps."""
    try:
        with os.scandir(folder) as listing:
            return any(
                _visible(entry.name) and entry.is_dir(follow_symlinks=False) for entry in listing
            )
    except OSError:
        return False


def _named_problem(folder: Path, filename: str) -> str:
    """Why ``folder/filename`` cannot be graded ("" if it can), following no link."""
    here = folder
    parts = Path(filename).parts
    for index, part in enumerate(parts):
        here = here / part
        mode = _lstat_mode(here)
        shown = f"{folder.name}/{Path(*parts[: index + 1])}"
        if mode is None:
            return f"no {filename} in {folder.name}/"
        last = index == len(parts) - 1
        if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) if last else stat.S_ISDIR(mode)):
            return not_regular(mode, shown)
    return ""


def _unique_names(found: list[tuple[str, Submission]]) -> list[Submission]:
    """Names stay unique: ``alice.py`` beside ``alice/`` are named by their entries (and
    two folders' ``alice`` by their paths)."""
    counts: dict[str, int] = {}
    for _, submission in found:
        counts[submission.name] = counts.get(submission.name, 0) + 1
    return [Submission(entry, s.path, s.problem) if counts[s.name] > 1 else s for entry, s in found]


def collect(paths: list[Path], filename: str | None = None) -> list[Submission]:
    """The submissions named by ``paths``: a folder contributes what ``discover`` finds
    in it, a file is one submission named by its path as given.  A path that is a
    symbolic link, or lies behind one below the working folder (``class/*`` may name a
    student's link to the solutions), is one row saying so, as is a file that is not a
    regular file."""
    if not paths:
        raise UsageError("give at least one folder of submissions, or submission files")
    found: list[tuple[str, Submission]] = []
    for path in paths:
        mode = _lstat_mode(path)
        linked = linked_step(path)
        if linked:
            found.append((str(path), Submission(str(path), path, linked)))
        elif mode is not None and stat.S_ISDIR(mode):
            found.extend((str(path / s.name), s) for s in discover(path, filename))
        elif mode is not None:
            problem = "" if stat.S_ISREG(mode) else not_regular(mode, str(path))
            found.append((str(path), Submission(str(path), path, problem)))
        else:
            raise UsageError(f"{path}: no such file or folder")
    return _unique_names(found)
