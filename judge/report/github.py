"""GitHub Actions annotations: ``::error file=…,line=…,title=…::message`` lines.

A test that failed at a known line of the submission (the line of an exception, of the
operator at fault) is annotated on that line; the other failures of a submission are
gathered in one annotation on the file, since GitHub shows only ten errors per step.
A submission that did not load gets one annotation, on its syntax error when there is
one.  A notebook's annotations are on the file, with "cell N, line M" in their titles
(its ``line`` counts a cell's lines, not the JSON's).  Advisory tests are warnings.
A failing report's most likely cause comes first, as a notice.
The job summary is ``judge.report.markdown``.

Messages carry student text, so every value is escaped: a newline inside a message can
never start a workflow command of its own.
"""

from __future__ import annotations

from judge.report.details import full_message
from judge.report.escape import workflow_data as escape_data
from judge.report.escape import workflow_property as escape_property
from judge.report.gradebook import Gradebook
from judge.results import Report, Status, TestResult
from judge.submission import where

__all__ = [
    "command",
    "escape_data",
    "escape_property",
    "render",
    "render_gradebook",
    "report_annotations",
]


def command(kind: str, message: str, *, file: str, line: int | None, title: str) -> str:
    """One workflow command line: ``kind`` is ``error``, ``warning`` or ``notice``."""
    properties = [f"file={escape_property(file)}"]
    if line is not None:
        properties.append(f"line={line}")
    properties.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(properties)}::{escape_data(message)}"


def _line(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _place(line_number: object, cell_number: object) -> tuple[int | None, str]:
    """The annotation's ``line``, and the place in words for its title.  A notebook's
    line (with its ``cell``) counts lines of a cell, not of the file GitHub shows (its
    JSON): such an annotation is on the file, with the cell and line in its title."""
    line, cell = _line(line_number), _line(cell_number)
    if line is None or cell is None:
        return line, ""
    return None, f" ({where(cell, line)})"


def _describe(test: TestResult) -> str:
    return f"{test.name} [{test.status.value}]: {full_message(test)}".rstrip(": ")


def report_annotations(report: Report) -> list[str]:
    """The annotations for one report; none when it passed."""
    file, problem = report.submission, report.problem
    if report.status is Status.ERROR and report.message:
        line, place = _place(report.extra.get("line"), report.extra.get("cell"))
        return [command("error", report.message, file=file, line=line, title=problem + place)]
    lines: list[str] = []
    cause = report.extra.get("cause")  # judge.report.cause: the first thing to read
    if isinstance(cause, dict) and cause.get("text"):
        # A notebook's line counts a cell's lines, not the JSON's GitHub shows.
        line = None if file.endswith(".ipynb") else _line(cause.get("line"))
        title = f"{problem}: most likely cause"
        lines.append(command("notice", str(cause["text"]), file=file, line=line, title=title))
    for kind, tests in (
        ("error", [t for t in report.tests if not t.passed and t.max_score > 0]),
        ("warning", [t for t in report.tests if not t.passed and t.max_score == 0]),
    ):
        by_line: dict[tuple[int | None, str], list[TestResult]] = {}
        for test in tests:
            by_line.setdefault(_place(test.line, test.cell), []).append(test)
        for (line, place), group in sorted(by_line.items(), key=lambda item: item[0][0] or 0):
            if len(group) == 1:
                title = f"{problem}: {group[0].name} [{group[0].status.value}]{place}"
                message = full_message(group[0]) or group[0].status.value
            else:
                title = f"{problem}: {len(group)} tests not passed{place}"
                message = "\n\n".join(_describe(t) for t in group)
            lines.append(command(kind, message, file=file, line=line, title=title))
    return lines


def _audience_notice(audience: object) -> list[str]:
    """A notice atop an instructor's annotations: hidden tests are in them, in full."""
    if audience != "instructor":
        return []
    message = "instructor view: hidden tests are shown in full; not for a public log"
    return [f"::notice title=judge::{escape_data(message)}"]


def render(report: Report) -> str:
    """The annotations of one report, one command per line."""
    lines = _audience_notice(report.extra.get("audience")) + report_annotations(report)
    return "".join(line + "\n" for line in lines)


def render_gradebook(book: Gradebook) -> str:
    """The annotations of every submission of a batch."""
    lines = _audience_notice(book.audience)
    lines += [line for e in book.entries for line in report_annotations(e.report)]
    return "".join(line + "\n" for line in lines)
