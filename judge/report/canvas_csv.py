"""The gradebook as a CSV that Canvas's gradebook import takes, for one assignment.

Canvas's import reads the layout of its own gradebook export: ``Student``, ``ID``,
``SIS User ID``, ``SIS Login ID``, ``Section``, then one column per assignment headed
``Name (id)``.  It matches a row to a student by the ids (``ID``, Canvas's user id;
``SIS User ID``; ``SIS Login ID``), so the roster should give them: ``lms_id``,
``sis_user_id``, ``sis_login_id`` (``judge.report.roster``).  A header
with the assignment's id, as Canvas's export spells it (``Autograd (12345)``),
updates that assignment; a header Canvas does not know creates a new one.

A row per roster student, in the roster's order: the score in points, or empty for a
student with no submission (Canvas then leaves the grade as it is; enter 0 there if
that is the policy).  A submission not on the roster has no ids and is left out: the
gradebook's roster section and the command's notes name it.
"""

from __future__ import annotations

import csv
import io

from judge.errors import UsageError
from judge.report.escape import csv_cell
from judge.report.gradebook import Gradebook

COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def render_gradebook(book: Gradebook, assignment: str = "") -> str:
    """The Canvas import CSV; ``assignment`` heads the score column (default: the
    problem's id).  Raises ``UsageError`` without a roster."""
    if book.roster is None:
        raise UsageError("--format canvas needs --roster FILE: Canvas matches rows by its ids")
    scores = {e.name: e.report.score for e in book.entries}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, csv_cell(assignment or book.problem)])
    for student in book.roster.students:
        score = scores.get(student.name)
        writer.writerow(
            [
                *map(
                    csv_cell,
                    (
                        student.shown_name,
                        student.lms_id,
                        student.sis_user_id,
                        student.sis_login_id,
                        student.section,
                    ),
                ),
                f"{score:g}" if score is not None else "",
            ]
        )
    return out.getvalue()
