"""The gradebook as a plain CSV for an LMS import that maps columns itself (Moodle's
"Import grades from CSV", Blackboard's Grade Center upload).

Columns: ``Username`` (the roster's ``sis_login_id``), ``ID number`` (``id``),
``Email address`` (``email``), ``Name`` (``full_name``, else ``name``), then the score
in points under the assignment's name.  Moodle asks which column identifies the user
(map ``Email address``, ``ID number`` or ``Username`` to the user field of that name)
and which grade item the score column goes to; Blackboard matches students by
``Username`` and a column by its header.  A row per roster student, in the roster's
order; empty score for one with no submission; a submission not on the roster is left
out (it has no ids), as in ``judge.report.canvas_csv``.
"""

from __future__ import annotations

import csv
import io

from judge.errors import UsageError
from judge.report.escape import csv_cell
from judge.report.gradebook import Gradebook

COLUMNS = ("Username", "ID number", "Email address", "Name")


def render_gradebook(book: Gradebook, assignment: str = "") -> str:
    """The plain LMS CSV; ``assignment`` heads the score column (default: the
    problem's id).  Raises ``UsageError`` without a roster."""
    if book.roster is None:
        raise UsageError("--format lms needs --roster FILE: an LMS matches rows by their ids")
    scores = {e.name: e.report.score for e in book.entries}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, csv_cell(assignment or book.problem)])
    for student in book.roster.students:
        score = scores.get(student.name)
        cells = (student.sis_login_id, student.id, student.email, student.shown_name)
        writer.writerow([*map(csv_cell, cells), f"{score:g}" if score is not None else ""])
    return out.getvalue()
