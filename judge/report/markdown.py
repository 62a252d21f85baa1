"""GitHub-flavoured Markdown: a summary table, then the details of what did not pass.

For one report, a table of its tests; for a gradebook, a table of its submissions and
the score distribution.  It is also the GitHub job summary.  Text a student controls
(names, messages, output) goes through ``judge.report.escape``: one line of inert text in
tables, headings and ``<summary>`` lines, a code fence in details.  What a hidden test
shows was decided before, by ``judge.report.audience``.
"""

from __future__ import annotations

from judge.report.cause import PREFIX
from judge.report.class_sections import markdown_lines
from judge.report.details import ADVISORY_NOTE, full_message, points, test_label
from judge.report.escape import html_inline
from judge.report.escape import markdown_block as fenced
from judge.report.escape import markdown_inline as cell
from judge.report.gradebook import Entry, Gradebook
from judge.results import Report, Status, TestResult

_STATUS_MARK = {Status.PASSED: "✅", Status.FAILED: "❌", Status.ERROR: "⚠️"}
_BAR_WIDTH = 30
INSTRUCTOR_NOTE = "**Instructor view**: hidden tests are shown in full. Not for students."
MAX_DETAIL = 4000  # characters of one message or output shown in the details


def _clip(text: str) -> str:
    if len(text) <= MAX_DETAIL:
        return text
    return text[:MAX_DETAIL] + f"\n[... {len(text) - MAX_DETAIL} more characters cut]"


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def _test_mark(test: TestResult) -> str:
    if test.passed:
        return "✅"
    return "⚠️" if test.max_score == 0 else "❌"


def _test_details(test: TestResult) -> str:
    body = full_message(test)
    if test.output:
        body += "\n\nyour output:\n" + test.output.rstrip()
    name = html_inline(test_label(test.name, test.hidden, test.max_score))
    return (
        f"<details><summary>{_test_mark(test)} {name}: "
        f"{test.status.value}</summary>\n\n{fenced(_clip(body))}\n\n</details>"
    )


def _headline(report: Report, name: str) -> str:
    return (
        f"{_STATUS_MARK[report.status]} **{report.status.value.upper()}**: {cell(name)} on "
        f"{cell(report.problem)}, score {points(report.score)}/{points(report.max_score)}"
    )


def _cause(report: Report) -> list[str]:
    """The report's most likely cause (``judge.report.cause``) as its first line."""
    cause = report.extra.get("cause")
    if not isinstance(cause, dict) or not cause.get("text") or report.status is Status.ERROR:
        return []  # an error's message, shown first, is its cause
    return [f"**{PREFIX.strip()}** {cell(str(cause['text']))}", ""]


def _report_body(report: Report) -> list[str]:
    """The most likely cause, the table of tests and the details of those that did
    not pass."""
    return _cause(report) + _tests_body(report)


def _tests_body(report: Report) -> list[str]:
    if report.status is Status.ERROR and report.message:
        return [fenced(_clip(report.message))]
    lines = ["| | Test | Score | Result |", "| --- | --- | ---: | --- |"]
    for test in report.tests:
        result = "passed" if test.passed else f"{test.status.value}: {_first_line(test.message)}"
        lines.append(
            f"| {_test_mark(test)} | {cell(test_label(test.name, test.hidden, test.max_score))} | "
            f"{points(test.score)}/{points(test.max_score)} | {cell(result)} |"
        )
    details = [_test_details(t) for t in report.tests if not t.passed]
    note = ["", f"Note: {cell(report.message)}"] if report.message else []  # budget spent
    if any(t.max_score == 0 and not t.passed for t in report.tests):
        note += ["", f"Note: {ADVISORY_NOTE}."]
    return [*lines, *note, *(["", *details] if details else [])]


def render(report: Report) -> str:
    """One submission: a headline, a table of its tests, details of each failure."""
    lines = [f"### {_headline(report, report.submission)}", "", *_report_body(report)]
    if report.extra.get("audience") == "instructor":
        lines[1:1] = ["", INSTRUCTOR_NOTE]
    return "\n".join(lines) + "\n"


def _entry_row(entry: Entry) -> str:
    report = entry.report
    if report.status is Status.ERROR:
        why = _first_line(report.message)
    else:
        why = ", ".join(entry.failed_tests)
    return (
        f"| {cell(entry.name)} | {_STATUS_MARK[report.status]} {report.status.value} | "
        f"{points(report.score)}/{points(report.max_score)} | {cell(why)} |"
    )


def _summary(entry: Entry) -> str:
    """The one line (HTML, not Markdown) that opens a submission's details."""
    report = entry.report
    return (
        f"{_STATUS_MARK[report.status]} {html_inline(entry.name)}: {report.status.value}, "
        f"{points(report.score)}/{points(report.max_score)}"
    )


def distribution(book: Gradebook) -> list[str]:
    """The score distribution as a table with bars."""
    rows = book.distribution()
    most = max((count for _, count in rows), default=0)
    lines = ["| Score | Submissions | |", "| --- | ---: | --- |"]
    for label, count in rows:
        bar = "█" * round(_BAR_WIDTH * count / most) if most else ""
        lines.append(f"| {label} | {count} | {bar} |")
    return lines


def render_gradebook(book: Gradebook) -> str:
    """A batch: totals, a row per submission, the distribution, the class sections
    (pass rate per test, common mistakes, roster), then the details of every
    submission that did not pass."""
    total = len(book.entries)
    lines = [
        f"## {cell(book.problem)}: {total} submission{'s' if total != 1 else ''}",
        "",
        f"**{book.count(Status.PASSED)} passed**, {book.count(Status.FAILED)} failed, "
        f"{book.count(Status.ERROR)} could not be graded · mean score "
        f"{book.mean_score:.4g}/{points(book.max_score)} · median "
        f"{book.median_score:.4g}/{points(book.max_score)}",
        "",
        "| Student | Status | Score | Not passed |",
        "| --- | --- | ---: | --- |",
        *(_entry_row(entry) for entry in book.entries),
        "",
        "### Score distribution",
        "",
        *distribution(book),
        "",
        *markdown_lines(book),
    ]
    if book.audience == "instructor":
        lines[1:1] = ["", INSTRUCTOR_NOTE]
    failing = [e for e in book.entries if e.report.status is not Status.PASSED]
    if failing:
        lines += ["", "### Details"]
        for entry in failing:
            lines += [
                "",
                f"<details><summary>{_summary(entry)}</summary>",
                "",
                *_report_body(entry.report),
                "",
                "</details>",
            ]
    return "\n".join(lines) + "\n"
