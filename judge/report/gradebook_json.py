"""The gradebook as JSON (``judge-gradebook/1``): totals, then a row per submission
holding its full ``judge-report/1`` report under ``report``."""

from __future__ import annotations

from judge.report.gradebook import Gradebook
from judge.report.json_format import dumps


def render_gradebook(book: Gradebook) -> str:
    """The gradebook as indented, standard JSON (non-finite numbers as strings)."""
    return dumps(book.to_dict())
