"""The gradebook for a terminal: a line per submission, and a one-line summary."""

from __future__ import annotations

from judge.report.class_sections import text_lines
from judge.report.details import points
from judge.report.escape import terminal_line
from judge.report.gradebook import Gradebook
from judge.results import Status


def render_gradebook(book: Gradebook) -> str:
    """A line per submission: name, status, score, duration, what did not pass; then
    the class sections (pass rate per test, distribution, common mistakes, roster)."""
    names = [terminal_line(e.name) for e in book.entries]
    width = max((len(name) for name in names), default=4)
    scores = [f"{points(e.report.score)}/{points(e.report.max_score)}" for e in book.entries]
    score_width = max((len(s) for s in scores), default=1)
    lines = []
    for entry, name, score in zip(book.entries, names, scores, strict=True):
        report = entry.report
        if report.status is Status.ERROR:
            why = terminal_line(report.message.strip().split("\n", 1)[0])
        else:
            why = terminal_line(", ".join(entry.failed_tests))
        lines.append(
            f"{name:<{width}}  {report.status.value.upper():<6}  {score:>{score_width}}  "
            f"{report.duration_s:5.2f} s  {why}".rstrip()
        )
    if not lines:
        return ""
    return "\n".join([*lines, "", *text_lines(book)]) + "\n"


def summary(book: Gradebook) -> str:
    """``30 submissions on basic-autograd: 20 passed, 8 failed, 2 errors; mean 17.3/23``."""
    total = len(book.entries)
    return (
        f"{total} submission{'s' if total != 1 else ''} on {terminal_line(book.problem)}: "
        f"{book.count(Status.PASSED)} passed, {book.count(Status.FAILED)} failed, "
        f"{book.count(Status.ERROR)} could not be graded; mean score "
        f"{book.mean_score:.4g}/{points(book.max_score)}"
    )
