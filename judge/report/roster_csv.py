"""A gradebook as an LMS import CSV: a row per roster student, their ids, then the score.

The layout every LMS format shares; each format (``canvas_csv``, ``lms_csv``) is only
its columns: a header and the roster field under it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence

from judge.errors import UsageError
from judge.report.escape import csv_cell
from judge.report.gradebook import Gradebook
from judge.report.roster import Student

# A column an LMS matches or shows a student by: its header, and the roster's value.
Column = tuple[str, Callable[[Student], str]]


def render_by_roster(
    book: Gradebook, assignment: str, columns: Sequence[Column], without_roster: str
) -> str:
    """The CSV: ``columns``, then the score in points under ``assignment`` (default: the
    problem's id), empty for a student with no submission.  A submission not on the
    roster has no ids and is left out.  Raises ``UsageError(without_roster)`` when the
    gradebook has no roster."""
    if book.roster is None:
        raise UsageError(without_roster)
    scores = {e.name: e.report.score for e in book.entries}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(header for header, _ in columns), csv_cell(assignment or book.problem)])
    for student in book.roster.students:
        score = scores.get(student.name)
        cells = [csv_cell(value(student)) for _, value in columns]
        writer.writerow([*cells, f"{score:g}" if score is not None else ""])
    return out.getvalue()
