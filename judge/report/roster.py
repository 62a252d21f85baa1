"""A class roster: who is expected to submit, and the ids an LMS knows them by.

The roster maps the student's name as the judge sees it (the submission file's stem,
or the student folder's name: ``Entry.name``) to ids.  It is matched on that exact
name, never on a CSV-escaped spelling, so a name like ``=peggy`` matches its roster
line.  ``judge.batch.roster`` reads one from a CSV file; the gradebook writers add its
columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

# The roster file's columns: the field of ``Student`` each one fills, and what it is.
# ``name`` is required; the others may be left out or empty.
COLUMNS = {
    "name": "the student's name as the judge sees it: the file's stem or the folder's name",
    "id": "the institution's student id (also the plain LMS CSV's id column)",
    "email": "the student's email address (Moodle can match on it)",
    "full_name": "the name as the LMS shows it (Canvas's Student column; default: name)",
    "lms_id": "the LMS's own user id (Canvas's ID column)",
    "sis_user_id": "Canvas's SIS User ID",
    "sis_login_id": "Canvas's SIS Login ID (also the plain LMS CSV's username column)",
    "section": "the course section (Canvas's Section column)",
}


@dataclass(frozen=True)
class Student:
    """One roster line (see ``COLUMNS``); every field but ``name`` may be ""."""

    name: str
    id: str = ""
    email: str = ""
    full_name: str = ""
    lms_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""

    @property
    def shown_name(self) -> str:
        """The name an LMS shows: ``full_name``, else ``name``."""
        return self.full_name or self.name

    def to_dict(self) -> dict[str, str]:
        """The roster line as JSON (empty fields left out, ``name`` always there)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


if tuple(f.name for f in fields(Student)) != tuple(COLUMNS):  # one table, one class
    raise RuntimeError("judge.report.roster: COLUMNS and Student must list the same fields")


@dataclass(frozen=True)
class Roster:
    """The students of a class, in the roster file's order, by unique name."""

    students: tuple[Student, ...]

    def get(self, name: str) -> Student | None:
        """The roster line of the student named ``name`` exactly, or None."""
        return next((s for s in self.students if s.name == name), None)

    def missing(self, names: Iterable[str]) -> tuple[Student, ...]:
        """The roster's students with no submission among ``names``."""
        present = set(names)
        return tuple(s for s in self.students if s.name not in present)

    def unlisted(self, names: Iterable[str]) -> tuple[str, ...]:
        """The names among ``names`` that are not on the roster, in their order."""
        listed = {s.name for s in self.students}
        return tuple(name for name in names if name not in listed)

    def to_dict(self, names: Iterable[str]) -> dict[str, Any]:
        """The JSON gradebook's ``roster``: its size, who did not submit, who is not on it."""
        names = list(names)
        return {
            "students": len(self.students),
            "missing": [s.to_dict() for s in self.missing(names)],
            "unlisted": list(self.unlisted(names)),
        }
