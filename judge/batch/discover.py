"""Find the submissions in a class's folder.

Two layouts, which may be mixed: one file per student (``DIR/alice.py``) or one folder
per student (``DIR/bob/value.py``).  Names starting with ``.`` or ``_`` are skipped
(``.git``, ``__pycache__``).  A student folder that does not say which file to grade
is still listed, with the reason, so that it shows up in the gradebook as an error
instead of silently missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from judge.errors import UsageError


@dataclass(frozen=True)
class Submission:
    """One student's file.  ``problem`` says why it cannot be graded, when it cannot."""

    name: str
    path: Path
    problem: str = ""


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "_"))


def discover(folder: Path, filename: str | None = None) -> list[Submission]:
    """The submissions in ``folder``, sorted by name.

    With ``filename``, only ``folder/<student>/<filename>`` counts; without it, every
    ``folder/*.py`` and every student folder, which must hold exactly one ``.py`` file.
    Raises ``UsageError`` when ``folder`` is not a folder or holds no submission.
    """
    if filename is not None and (
        not filename or Path(filename).is_absolute() or ".." in Path(filename).parts
    ):
        raise UsageError(f"--file {filename!r}: give a file name inside each student's folder")
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give the folder that holds the submissions")
    try:
        children = sorted(p for p in folder.iterdir() if _visible(p))
    except OSError as error:
        raise UsageError(f"{folder}: cannot list it: {error.strerror}") from None
    found: list[tuple[str, Submission]] = []  # (entry as listed, submission)
    for child in children:
        if child.is_dir():
            found.append((child.name + "/", _from_student_folder(child, filename)))
        elif filename is None and child.suffix == ".py" and child.is_file():
            found.append((child.name, Submission(child.stem, child)))
    if not found:
        expected = (
            f"{folder}/<student>/{filename}"
            if filename
            else f"{folder}/<student>.py or {folder}/<student>/<file>.py"
        )
        raise UsageError(f"{folder}: no submissions found; expected {expected}")
    return _unique_names(found)


def _from_student_folder(folder: Path, filename: str | None) -> Submission:
    if filename is not None:
        path = folder / filename
        problem = "" if path.is_file() else f"no {filename} in {folder.name}/"
        return Submission(folder.name, path, problem)
    candidates = sorted(p for p in folder.glob("*.py") if _visible(p) and p.is_file())
    if len(candidates) == 1:
        return Submission(folder.name, candidates[0])
    if not candidates:
        return Submission(folder.name, folder, f"no .py file in {folder.name}/")
    names = ", ".join(p.name for p in candidates)
    return Submission(
        folder.name,
        folder,
        f"{folder.name}/ holds several .py files ({names}); pass --file NAME to choose one",
    )


def _unique_names(found: list[tuple[str, Submission]]) -> list[Submission]:
    """Names stay unique: ``alice.py`` beside ``alice/`` are named by their entries (and
    two folders' ``alice`` by their paths)."""
    counts: dict[str, int] = {}
    for _, submission in found:
        counts[submission.name] = counts.get(submission.name, 0) + 1
    return [Submission(entry, s.path, s.problem) if counts[s.name] > 1 else s for entry, s in found]


def collect(paths: list[Path], filename: str | None = None) -> list[Submission]:
    """The submissions named by ``paths``: a folder contributes what ``discover`` finds
    in it, a file is one submission named by its path as given."""
    if not paths:
        raise UsageError("give at least one folder of submissions, or submission files")
    found: list[tuple[str, Submission]] = []
    for path in paths:
        if path.is_dir():
            found.extend((str(path / s.name), s) for s in discover(path, filename))
        elif path.is_file():
            found.append((str(path), Submission(str(path), path)))
        else:
            raise UsageError(f"{path}: no such file or folder")
    return _unique_names(found)
