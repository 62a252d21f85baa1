"""Read a class roster from a CSV file, once, into a ``judge.report.roster.Roster``.

The file has a header row naming its columns (``judge.report.roster.COLUMNS``; case,
spaces and hyphens do not matter: ``SIS User ID`` is ``sis_user_id``) and a row per
student.  ``name`` is required and must be unique; every cell is stripped of the
spaces around it.  UTF-8, with or without the byte-order mark Excel writes.  Any
fault is a ``UsageError`` naming the file, the line and the fix.
"""

from __future__ import annotations

import csv
import difflib
import io
from pathlib import Path

from judge.errors import UsageError
from judge.report.roster import COLUMNS, Roster, Student

MAX_ROSTER_BYTES = 16 << 20  # far beyond any class; a wrong file is refused, not read


def _column(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def read_roster(path: Path) -> Roster:
    """The roster in the CSV file ``path``; raises ``UsageError`` for a file that
    cannot be read or is not a roster."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ROSTER_BYTES + 1)
    except OSError as error:
        raise UsageError(f"--roster {path}: cannot read it: {error.strerror}") from None
    if len(data) > MAX_ROSTER_BYTES:
        raise UsageError(f"--roster {path}: larger than {MAX_ROSTER_BYTES >> 20} MB; not a roster")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"--roster {path}: not UTF-8 (byte {error.start}); save it as CSV UTF-8"
        ) from None
    return parse_roster(text, str(path))


def parse_roster(text: str, source: str = "roster") -> Roster:
    """The roster in the CSV ``text`` (``source`` names it in errors)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise UsageError(f"--roster {source}: not valid CSV: {error}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise UsageError(f"--roster {source}: empty; its first line must name the columns")
    header = [_column(cell) for cell in rows[0]]
    for cell, column in zip(rows[0], header, strict=True):
        if column not in COLUMNS:
            close = difflib.get_close_matches(column, list(COLUMNS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UsageError(
                f"--roster {source}: line 1: unknown column {cell!r}.{hint} "
                f"The columns are: {', '.join(COLUMNS)}"
            )
    if "name" not in header:
        raise UsageError(
            f"--roster {source}: line 1: no 'name' column (the student's name as the judge "
            "sees it: the file's stem or the folder's name)"
        )
    if len(set(header)) != len(header):
        twice = next(c for c in header if header.count(c) > 1)
        raise UsageError(f"--roster {source}: line 1: the column {twice!r} appears twice")
    students: list[Student] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines, as spreadsheets leave at the end
        if len(row) > len(header):
            raise UsageError(
                f"--roster {source}: line {number}: {len(row)} cells but {len(header)} columns"
            )
        cells = {column: cell.strip() for column, cell in zip(header, row, strict=False)}
        name = cells.get("name", "")
        if not name:
            raise UsageError(f"--roster {source}: line {number}: the name is empty")
        if name in seen:
            raise UsageError(
                f"--roster {source}: line {number}: {name!r} is on line {seen[name]} too; "
                "names must be unique"
            )
        seen[name] = number
        students.append(Student(**cells))
    return Roster(tuple(students))
