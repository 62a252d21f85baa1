"""The gradebook as JSON (``judge-gradebook/1``): totals, then a row per submission
holding its full ``judge-report/1`` report under ``report``, then the class
``analytics`` (``judge.report.analytics``); with a roster, each row's ``student`` (its
roster line, or null) and the ``roster``'s loose ends."""

from __future__ import annotations

from typing import Any

from judge.report.analytics import analyse
from judge.report.gradebook import Gradebook
from judge.report.json_format import dumps


def render_gradebook(book: Gradebook) -> str:
    """The gradebook as indented, standard JSON (non-finite numbers as strings)."""
    data: dict[str, Any] = book.to_dict()
    roster = book.roster
    if roster is not None:
        for row, entry in zip(data["rows"], book.entries, strict=True):
            student = roster.get(entry.name)
            row["student"] = student.to_dict() if student is not None else None
        data["roster"] = roster.to_dict(book.names)
    data["analytics"] = analyse(book).to_dict(book)
    return dumps(data)
