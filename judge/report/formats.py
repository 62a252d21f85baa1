"""Which module writes which format, for one report (``judge run``) and for a
gradebook (``judge grade``).  Modules are imported only when their format is asked for.

Rendering goes through here so that a report is cut for its audience (see
``judge.report.audience``) once, before any writer sees it: a student's view unless the
caller asks for an instructor's.  Its most likely cause (``judge.report.cause``) is
found in that view, so it says nothing the view does not.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from judge.errors import UsageError
from judge.report.audience import Audience, for_audience, gradebook_for_audience
from judge.report.cause import with_cause
from judge.results import Report

if TYPE_CHECKING:  # a type only: a single report's run need not import the gradebook's
    from judge.report.gradebook import Gradebook

REPORT_FORMATS = {
    "text": "judge.report.text",
    "json": "judge.report.json_format",
    "junit": "judge.report.junit",
    "gradescope": "judge.report.gradescope",
    "github": "judge.report.github",
    "markdown": "judge.report.markdown",
    "html": "judge.report.html",
}
GRADEBOOK_FORMATS = {
    "text": "judge.report.gradebook_text",
    "csv": "judge.report.csv_format",
    "json": "judge.report.gradebook_json",
    "markdown": "judge.report.markdown",
    "junit": "judge.report.junit",
    "gradescope": "judge.report.gradescope",
    "github": "judge.report.github",
    "csv-wide": "judge.report.csv_wide",
    "canvas": "judge.report.canvas_csv",
    "lms": "judge.report.lms_csv",
    "html": "judge.report.html",
}
# Gradebook formats an LMS imports: rows are matched by the roster's ids, so they need
# one (``--roster``), and take the assignment column's header as ``assignment``.
LMS_FORMATS = frozenset({"canvas", "lms"})
# Formats whose output goes to students whoever writes it: Gradescope shows its
# results.json to the student it grades.
STUDENT_ONLY = frozenset({"gradescope"})


def check_audience(name: str, audience: Audience | str) -> Audience:
    """``audience`` as an ``Audience``; raises ``UsageError`` for an instructor's view in
    a format only students read, before anything is graded."""
    try:
        audience = Audience(audience)
    except ValueError:
        choices = ", ".join(a.value for a in Audience)
        raise UsageError(f"unknown audience {audience!r}; choose one of {choices}") from None
    if audience is Audience.INSTRUCTOR and name in STUDENT_ONLY:
        raise UsageError(
            f"--format {name} is read by students, so it is always written for them; "
            "drop --audience instructor, or use --format json for the full report"
        )
    return audience


def render_report(
    name: str, report: Report, audience: Audience | str = Audience.STUDENT, **options: Any
) -> str:
    """``report`` as ``audience`` may see it, in the format ``name`` (a key of
    ``REPORT_FORMATS``); ``options`` go to the writer (``color`` for text)."""
    view = with_cause(for_audience(report, check_audience(name, audience)))
    text: str = importlib.import_module(REPORT_FORMATS[name]).render(view, **options)
    return text


def render_gradebook(
    name: str, book: Gradebook, audience: Audience | str = Audience.STUDENT, **options: Any
) -> str:
    """``book`` as ``audience`` may see it, in the format ``name`` (a key of
    ``GRADEBOOK_FORMATS``); ``options`` go to the writer (``assignment`` for the
    ``LMS_FORMATS``)."""
    view = gradebook_for_audience(book, check_audience(name, audience))
    entries = tuple(replace(entry, report=with_cause(entry.report)) for entry in view.entries)
    view = replace(view, entries=entries)
    writer = importlib.import_module(GRADEBOOK_FORMATS[name]).render_gradebook
    text: str = writer(view, **options)
    return text
