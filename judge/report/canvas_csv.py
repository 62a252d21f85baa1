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

from judge.report.roster_csv import RosterCsv

CANVAS = RosterCsv(
    columns=(
        ("Student", lambda student: student.shown_name),
        ("ID", lambda student: student.lms_id),
        ("SIS User ID", lambda student: student.sis_user_id),
        ("SIS Login ID", lambda student: student.sis_login_id),
        ("Section", lambda student: student.section),
    ),
    without_roster="--format canvas needs --roster FILE: Canvas matches rows by its ids",
)
# The writer ``judge.report.formats`` calls.
render_gradebook = CANVAS.render_gradebook
