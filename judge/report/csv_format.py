"""The gradebook as CSV: one row per submission, ready for a spreadsheet or an LMS.

Columns: name, score, max_score, status, duration_s, failed_tests (``; ``-separated),
message (the first line of why a submission could not be graded).  Text cells go
through ``judge.report.escape.csv_cell``: control and bidi characters are spelled out,
and a cell a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab or CR
first, also after spaces of any kind, and their full-width look-alikes) gets a ``'``
in front.  A name that needs neither is written as it is, so it matches the roster.
"""

from __future__ import annotations

import csv
import io

from judge.report.escape import csv_cell as _text
from judge.report.gradebook import Gradebook

COLUMNS = ("name", "score", "max_score", "status", "duration_s", "failed_tests", "message")


def render_gradebook(book: Gradebook) -> str:
    """The gradebook as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for entry in book.entries:
        row = entry.row()
        writer.writerow(
            [
                _text(row["name"]),
                f"{row['score']:g}",
                f"{row['max_score']:g}",
                row["status"],
                f"{row['duration_s']:.3f}",
                _text("; ".join(row["failed_tests"])),
                _text(row["message"].strip().split("\n", 1)[0]),
            ]
        )
    return out.getvalue()
