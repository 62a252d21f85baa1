"""The class sections of a gradebook, for the text and Markdown writers: pass rate per
test, the score distribution, the most common diagnosed mistakes, and the roster's
loose ends (see ``judge.report.analytics`` and ``judge.report.roster``).

Test names come from the spec and student names from files: both go through the
medium's escaping function.
"""

from __future__ import annotations

from judge.report.analytics import ClassAnalytics, analyse
from judge.report.details import points, test_label
from judge.report.escape import markdown_inline, terminal_line
from judge.report.gradebook import Gradebook

_BAR_WIDTH = 30
_NAMES_SHOWN = 8  # students named after a mistake; the JSON lists them all


def _bar(count: int, most: int) -> str:
    return "█" * round(_BAR_WIDTH * count / most) if most else ""


def _names(names: tuple[str, ...] | list[str]) -> list[str]:
    more = len(names) - _NAMES_SHOWN
    return list(names[:_NAMES_SHOWN]) + ([f"and {more} more"] if more > 0 else [])


def text_lines(book: Gradebook) -> list[str]:
    """The class sections as plain lines (no trailing newline)."""
    stats = analyse(book)
    lines = [f"Pass rate per test ({_graded(stats)}):"]
    labels = [terminal_line(test_label(t.name, t.hidden, t.max_score)) for t in stats.tests]
    width = max((len(label) for label in labels), default=0)
    for test, label in zip(stats.tests, labels, strict=True):
        lines.append(
            f"  {label:<{width}}  {test.passed:>3}/{test.graded:<3} {test.pass_rate:4.0%}  "
            f"mean {test.mean_points:.3g}/{points(test.max_score)}"
        )
    lines += ["", "Score distribution:"]
    rows = book.distribution()
    most = max((count for _, count in rows), default=0)
    lines += [f"  {label:>9}  {count:>4}  {_bar(count, most)}".rstrip() for label, count in rows]
    lines += ["", "Most common diagnosed mistakes:"]
    if not stats.mistakes:
        lines.append("  none diagnosed")
    for mistake in stats.mistakes:
        who = ", ".join(terminal_line(name) for name in _names(mistake.students))
        lines.append(f"  {len(mistake.students):>4}  {terminal_line(mistake.label)}: {who}")
    return lines + _roster_text(book)


def markdown_lines(book: Gradebook) -> list[str]:
    """The class sections as Markdown (the distribution is the Markdown writer's own)."""
    stats = analyse(book)
    lines = [
        "### Pass rate per test",
        "",
        f"Over {_graded(stats)}.",
        "",
        "| Test | Passed | Rate | Mean points |",
        "| --- | ---: | ---: | ---: |",
    ]
    for test in stats.tests:
        label = markdown_inline(test_label(test.name, test.hidden, test.max_score))
        lines.append(
            f"| {label} | {test.passed}/{test.graded} | {test.pass_rate:.0%} | "
            f"{test.mean_points:.3g}/{points(test.max_score)} |"
        )
    lines += ["", "### Most common diagnosed mistakes", ""]
    if not stats.mistakes:
        lines.append("None diagnosed.")
    else:
        lines += ["| Mistake | Submissions | Students |", "| --- | ---: | --- |"]
        for mistake in stats.mistakes:
            who = ", ".join(markdown_inline(name) for name in _names(mistake.students))
            lines.append(f"| {markdown_inline(mistake.label)} | {len(mistake.students)} | {who} |")
    roster = book.roster
    if roster is not None:
        missing, unlisted = roster.missing(book.names), roster.unlisted(book.names)
        lines += ["", "### Roster", ""]
        lines.append(
            f"{len(missing)} on the roster without a submission"
            + (": " + ", ".join(markdown_inline(s.name) for s in missing) if missing else "")
            + ".  "
        )
        lines.append(
            f"{len(unlisted)} submission{'s' if len(unlisted) != 1 else ''} not on the roster"
            + (": " + ", ".join(markdown_inline(n) for n in unlisted) if unlisted else "")
            + "."
        )
    return lines


def _graded(stats: ClassAnalytics) -> str:
    return (
        f"{stats.graded} graded submission{'s' if stats.graded != 1 else ''}; "
        "those that could not be graded are left out"
    )


def _roster_text(book: Gradebook) -> list[str]:
    roster = book.roster
    if roster is None:
        return []
    missing, unlisted = roster.missing(book.names), roster.unlisted(book.names)
    return [
        "",
        f"Roster: {len(missing)} without a submission"
        + (": " + ", ".join(terminal_line(s.name) for s in missing) if missing else ""),
        f"Roster: {len(unlisted)} submission{'s' if len(unlisted) != 1 else ''} not on it"
        + (": " + ", ".join(terminal_line(n) for n in unlisted) if unlisted else ""),
    ]
