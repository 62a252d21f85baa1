"""The gradebook as a wide CSV: one row per submission, one column per test holding
the points earned there, so a spreadsheet shows at a glance which test a class fails.

Columns: ``name``, then with a roster ``id`` and ``email``, then ``score``,
``max_score``, ``status``, then a column per test in the problem's order (its name as
the spec spells it; advisory tests, worth 0, are left out).  A submission that could
not be graded has 0 in every test.  Text cells go through
``judge.report.escape.csv_cell``, as in the long CSV (``judge.report.csv_format``).
"""

from __future__ import annotations

import csv
import io

from judge.report.csv_format import id_cells, id_columns
from judge.report.escape import csv_cell
from judge.report.gradebook import Gradebook


def test_names(book: Gradebook) -> list[str]:
    """The scoring tests of ``book``, in the order its reports list them."""
    names: dict[str, None] = {}
    for entry in book.entries:
        names.update((t.name, None) for t in entry.report.tests if t.max_score > 0)
    return list(names)


def render_gradebook(book: Gradebook) -> str:
    """The wide gradebook as CSV with a header row."""
    tests = test_names(book)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["name", *id_columns(book), "score", "max_score", "status", *map(csv_cell, tests)]
    )
    for entry in book.entries:
        report = entry.report
        points = {t.name: t.score for t in report.tests}
        writer.writerow(
            [
                csv_cell(entry.name),
                *id_cells(book, entry.name),
                f"{report.score:g}",
                f"{report.max_score:g}",
                report.status.value,
                *(f"{points[name]:g}" if name in points else "" for name in tests),
            ]
        )
    return out.getvalue()
