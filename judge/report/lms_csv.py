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

from judge.report.roster_csv import RosterCsv

LMS = RosterCsv(
    columns=(
        ("Username", lambda student: student.sis_login_id),
        ("ID number", lambda student: student.id),
        ("Email address", lambda student: student.email),
        ("Name", lambda student: student.shown_name),
    ),
    without_roster="--format lms needs --roster FILE: an LMS matches rows by their ids",
)
# The writer ``judge.report.formats`` calls.
render_gradebook = LMS.render_gradebook
