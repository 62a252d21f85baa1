"""The human-readable report: a line per test, the score, a final verdict line."""

from __future__ import annotations

import textwrap

from judge.report.cause import PREFIX
from judge.report.details import ADVISORY_NOTE, graph_code, place, points, test_label
from judge.report.escape import terminal, terminal_line
from judge.results import Report, Status, TestResult, Verdict

_MARKS = {Verdict.PASSED: "✓", Verdict.FAILED: "✗"}
_COLORS = {"green": "32", "red": "31", "yellow": "33", "dim": "2", "bold": "1"}
_STATUS_COLOR = {Status.PASSED: "green", Status.FAILED: "red", Status.ERROR: "red"}


def _paint(text: str, color: str, enabled: bool) -> str:
    return f"\x1b[{_COLORS[color]}m{text}\x1b[0m" if enabled else text


def _test_lines(test: TestResult, color: bool) -> list[str]:
    mark = _MARKS.get(test.status, "!")
    tint = "green" if test.passed else ("yellow" if test.max_score == 0 else "red")
    shown = terminal_line(test_label(test.name, test.hidden, test.max_score))
    status = "" if test.passed else f" [{test.status.value}]"
    score = f"{points(test.score)}/{points(test.max_score)}"
    lines = [f"  {_paint(mark, tint, color)} {shown}{status}  {_paint(score, 'dim', color)}"]
    if test.message and not test.passed:
        lines.append(textwrap.indent(terminal(test.message), "      "))
    if not test.passed:
        lines.extend(_explanation(test))
    if test.output and not test.passed:
        lines.append("      your output:")
        lines.append(textwrap.indent(terminal(test.output.rstrip()), "      | "))
    return lines


def _explanation(test: TestResult) -> list[str]:
    """A property test's diagnosis in one sentence, and its counterexample's code."""
    lines = []
    diagnosis = test.diagnosis
    if diagnosis is not None:
        at = place(test)  # the method at fault, which the graph's code does not show
        where = f"{diagnosis.op} ({diagnosis.phase})" + (f" at {at}" if at else "")
        sentence = f"diagnosis: {where}, node {diagnosis.node}: {diagnosis.hint}"
        sentence = terminal_line(sentence)
        lines.append(textwrap.fill(sentence, 96, initial_indent=" " * 6, subsequent_indent=" " * 8))
    code = graph_code(test)
    if code:
        lines.append("      smallest failing graph:" if test.kind == "property" else "      graph:")
        lines.append(textwrap.indent(terminal(code.rstrip()), " " * 8))
    return lines


def _audience_note(report: Report) -> str:
    """Marks a report written for instructors, whose hidden tests are shown in full."""
    if report.extra.get("audience") == "instructor":
        return " (instructor view: hidden tests in full; not for students)"
    return ""


def render(report: Report, color: bool = False) -> str:
    """The report as text; ``color`` adds ANSI colours for a terminal."""
    headline = terminal_line(f"{report.submission} on {report.problem}")
    lines = [_paint(headline + _audience_note(report), "bold", color)]
    cause = report.extra.get("cause")
    if isinstance(cause, dict) and cause.get("text") and report.status is Status.FAILED:
        lines.append(_paint(terminal_line(f"  {PREFIX}{cause['text']}"), "bold", color))
    if report.status is Status.ERROR and report.message:
        lines.append(textwrap.indent(terminal(report.message), "  "))
        output = report.extra.get("output")
        if output:
            lines.append("  your output:")
            lines.append(textwrap.indent(terminal(str(output).rstrip()), "  | "))
    else:
        for test in report.tests:
            lines.extend(_test_lines(test, color))
        if any(t.max_score == 0 and not t.passed for t in report.tests):
            lines.append(
                textwrap.fill(
                    f"note: {ADVISORY_NOTE}", 96, initial_indent="  ", subsequent_indent="    "
                )
            )
        if report.message:  # a note on the whole run: its time budget was spent
            lines.append(textwrap.indent(terminal(f"note: {report.message}"), "  "))
    passed = sum(1 for t in report.tests if t.passed)
    seed = report.extra.get("seed")
    seed_text = f", seed {terminal_line(str(seed))}" if seed is not None else ""
    verdict = _paint(report.status.value.upper(), _STATUS_COLOR[report.status], color)
    lines.append(
        f"{verdict}: score {points(report.score)}/{points(report.max_score)}, "
        f"{passed}/{len(report.tests)} tests passed in {report.duration_s:.2f} s{seed_text}"
    )
    return "\n".join(lines) + "\n"
