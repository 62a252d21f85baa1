"""Which module writes which format, for one report (``judge run``) and for a
gradebook (``judge grade``).  Modules are imported only when their format is asked for.
"""

from __future__ import annotations

import importlib

from judge.report.gradebook import Gradebook
from judge.report.model import Report

REPORT_FORMATS = {
    "text": "judge.report.text",
    "json": "judge.report.json_format",
    "junit": "judge.report.junit",
    "gradescope": "judge.report.gradescope",
    "github": "judge.report.github",
    "markdown": "judge.report.markdown",
}
GRADEBOOK_FORMATS = {
    "text": "judge.report.gradebook_text",
    "csv": "judge.report.csv_format",
    "json": "judge.report.gradebook_json",
    "markdown": "judge.report.markdown",
    "junit": "judge.report.junit",
    "gradescope": "judge.report.gradescope",
    "github": "judge.report.github",
}


def render_report(name: str, report: Report) -> str:
    """``report`` in the format ``name`` (a key of ``REPORT_FORMATS``)."""
    text: str = importlib.import_module(REPORT_FORMATS[name]).render(report)
    return text


def render_gradebook(name: str, book: Gradebook) -> str:
    """``book`` in the format ``name`` (a key of ``GRADEBOOK_FORMATS``)."""
    text: str = importlib.import_module(GRADEBOOK_FORMATS[name]).render_gradebook(book)
    return text
