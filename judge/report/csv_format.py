"""The gradebook as CSV: one row per submission, ready for a spreadsheet or an LMS.

Columns: name, then with a roster id and email (empty for a submission not on it),
score, max_score, status, duration_s, failed_tests (``; ``-separated), message (the
first line of why a submission could not be graded).  Text cells go
through ``judge.report.escape.csv_cell``: control and bidi characters are spelled out,
and a cell a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab or CR
first, also after spaces of any kind, and their full-width look-alikes) gets a ``'``
in front.  A name that needs neither is written as it is, so it matches the roster.
"""

from __future__ import annotations

import csv
import io

from judge.report.escape import csv_cell as _text
from judge.report.gradebook import Gradebook

COLUMNS = ("name", "score", "max_score", "status", "duration_s", "failed_tests", "message")
# The roster's columns a gradebook CSV adds after the name.
ID_COLUMNS = ("id", "email")


def id_columns(book: Gradebook) -> tuple[str, ...]:
    """The id columns' headers: ``ID_COLUMNS`` when ``book`` has a roster, else none."""
    return ID_COLUMNS if book.roster is not None else ()


def id_cells(book: Gradebook, name: str) -> list[str]:
    """The id cells of the student ``name`` (empty when not on the roster)."""
    if book.roster is None:
        return []
    student = book.roster.get(name)
    return [_text(getattr(student, c)) if student is not None else "" for c in ID_COLUMNS]


def render_gradebook(book: Gradebook) -> str:
    """The gradebook as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([COLUMNS[0], *id_columns(book), *COLUMNS[1:]])
    for entry in book.entries:
        row = entry.row()
        writer.writerow(
            [
                _text(row["name"]),
                *id_cells(book, entry.name),
                f"{row['score']:g}",
                f"{row['max_score']:g}",
                row["status"],
                f"{row['duration_s']:.3f}",
                _text("; ".join(row["failed_tests"])),
                _text(row["message"].strip().split("\n", 1)[0]),
            ]
        )
    return out.getvalue()
