"""A gradebook as an LMS import CSV: a row per roster student, their ids, then the score.

The layout every LMS format shares; each format (``canvas_csv``, ``lms_csv``) is only
its columns: a header and the roster field under it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from judge.errors import UsageError
from judge.report.escape import csv_cell
from judge.report.gradebook import Gradebook
from judge.report.roster import Student

# A column an LMS matches or shows a student by: its header, and the roster's value.
Column = tuple[str, Callable[[Student], str]]


@dataclass(frozen=True)
class RosterCsv:
    """An LMS's import layout: its id ``columns``, and the ``without_roster`` error."""

    columns: tuple[Column, ...]
    without_roster: str

    def render_gradebook(self, book: Gradebook, assignment: str = "") -> str:
        """The CSV: the id columns, then the score in points under ``assignment``
        (default: the problem's id), empty for a student with no submission.  A
        submission not on the roster has no ids and is left out.  Raises
        ``UsageError`` when the gradebook has no roster."""
        if book.roster is None:
            raise UsageError(self.without_roster)
        scores = {e.name: e.report.score for e in book.entries}
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        headers = [header for header, _ in self.columns]
        writer.writerow([*headers, csv_cell(assignment or book.problem)])
        for student in book.roster.students:
            score = scores.get(student.name)
            cells = [csv_cell(value(student)) for _, value in self.columns]
            writer.writerow([*cells, f"{score:g}" if score is not None else ""])
        return out.getvalue()
