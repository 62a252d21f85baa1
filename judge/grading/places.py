"""A notebook's report names its places by cell: ``cell 3, line 4``, not ``line 12``.

The worker compiles a notebook's code cells as one Python text (see
``judge.submission.notebook``), so every line it reports, and every message the judge
words from one, counts the lines of that text.  A student finds a line by its cell, so
once a notebook's report is made every place in it is renamed, in one pass: the
``line`` of the report and of each test becomes the line in its cell, with the cell
beside it (``"cell": 3``), and each ``line N`` in the messages becomes ``cell 3, line
4`` (and "your file", "your notebook").  A Python file's report is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from judge.results import Report, TestResult
from judge.submission import Source

_LINE = re.compile(r"\bline (\d+)\b")


def place_lines(report: Report, source: Source) -> Report:
    """``report`` with its places named as the student finds them in ``source``.

    A student's folder (``judge.submission.folder``) is named the same way, by file:
    ``nn.py, line 12``, each ``line`` the line in its file (the report's ``extra``
    names the file too)."""
    if not source.is_notebook and not source.is_folder:
        return report
    tests = tuple(_test_placed(test, source) for test in report.tests)
    return replace(
        report,
        message=_text(report.message, source),
        extra=_extra(report.extra, source),
        tests=tests,
    )


def _test_placed(test: TestResult, source: Source) -> TestResult:
    """``test`` with its ``line`` in the cell and the ``cell``, and its message's and
    diagnosis's words renamed too."""
    placed = replace(test, message=_text(test.message, source))
    if test.line is not None:
        cell, line = source.locate(test.line)
        placed = replace(placed, line=line, cell=cell if cell is not None else test.cell)
    if test.diagnosis is not None:
        hint = _text(test.diagnosis.hint, source)
        placed = replace(placed, diagnosis=replace(test.diagnosis, hint=hint))
    return placed


def _extra(extra: dict[str, Any], source: Source) -> dict[str, Any]:
    """The report's ``extra`` with its ``line`` in the cell and the ``cell``."""
    placed = dict(extra)
    line = extra.get("line")
    if type(line) is int:
        cell, placed["line"] = source.locate(line)
        if cell is not None:
            placed["cell"] = cell
        file = source.file_of(line)
        if file is not None:
            placed["file"] = file
    return placed


def _text(text: str, source: Source) -> str:
    """``text`` with each ``line N`` named by cell (a line the text does not have, as
    in a quoted exception about something else, is left alone)."""
    if not text:
        return text
    renamed = _LINE.sub(lambda match: source.where(int(match.group(1))), text)
    if source.is_folder:  # "at nn.py, line 4", not "at nn.py, line 4 of your file"
        return renamed.replace(" of your file", "").replace("your file", "your code")
    return renamed.replace("your file", "your notebook")
