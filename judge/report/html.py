"""The HTML report: one self-contained file (CSS inline, no script, nothing fetched).

For one report: the headline, the most likely cause, each test's verdict, and for
each test that did not pass its message, the wrong nodes with expected and actual
values, the failing graph drawn (``judge.report.graph_svg``) and what it printed.  For a
gradebook: the totals, a row per student linked to their section, the score
distribution, the class analytics (``judge.report.analytics``), then a section per
student with the same fragment.

``judge serve``'s pages show results with the same functions (``render_result_fragment``
and ``verdict_fragment``), so a page and a file say the same thing.  Text a submission
controls goes through ``judge.report.escape`` (``html_inline`` for a line,
``html_block`` for a ``<pre>``); what a hidden test shows was decided before, by
``judge.report.audience``.
"""

from __future__ import annotations

from dataclasses import replace

from judge.report.analytics import analyse
from judge.report.audience import Audience, for_audience
from judge.report.cause import PREFIX, with_cause
from judge.report.details import ADVISORY_NOTE, graph_code, place, points, test_label
from judge.report.escape import html_block as block
from judge.report.escape import html_inline as line
from judge.report.gradebook import Gradebook
from judge.report.graph_svg import drawing_of
from judge.results import Report, Status, TestResult

__all__ = ["STYLE", "document", "render", "render_gradebook", "render_result_fragment"]

INSTRUCTOR_NOTE = "Instructor view: hidden tests are shown in full. Not for students."

# The one stylesheet, inlined in every file and served by the pages: classes only, no
# url(), no @import, so it loads nothing.
STYLE = """
.judge { font: 15px/1.45 system-ui, sans-serif; color: #1d1d1f; max-width: 72rem; }
.judge h1, .judge h2, .judge h3 { line-height: 1.2; }
.judge .passed { color: #116329; } .judge .failed, .judge .error { color: #b3261e; }
.judge .advisory { color: #8a5a00; }
.judge details.test { color: inherit; }
.judge .cause { border-left: 4px solid #b3261e; padding: .3rem .8rem; background: #fdf0ef; }
.judge .note { border-left: 4px solid #8a5a00; padding: .3rem .8rem; background: #fff7e6; }
.judge table { border-collapse: collapse; margin: .5rem 0; }
.judge th, .judge td { border: 1px solid #d0d7de; padding: .2rem .6rem; text-align: left; }
.judge td.number { text-align: right; font-variant-numeric: tabular-nums; }
.judge details { border: 1px solid #d0d7de; border-radius: 6px; margin: .4rem 0;
  padding: .3rem .8rem; }
.judge summary { cursor: pointer; }
.judge pre { background: #f6f8fa; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
.judge .drawing { overflow-x: auto; }
.judge svg.graph { font: 13px ui-monospace, monospace; }
.judge svg.graph .edge { fill: none; stroke: #6e7781; stroke-width: 1.3; }
.judge svg.graph .op ellipse { fill: #eef1f4; stroke: #6e7781; }
.judge svg.graph .node rect { fill: #ffffff; stroke: #57606a; }
.judge svg.graph .node.wrong rect { fill: #fdf0ef; stroke: #b3261e; stroke-width: 2.5; }
.judge svg.graph text.bad { fill: #b3261e; font-weight: bold; }
.judge .bar { display: inline-block; height: .8rem; background: #57606a; }
"""

_MARK = {True: "✓", False: "✗"}


def _status_class(test: TestResult) -> str:
    if test.passed:
        return "passed"
    return "advisory" if test.max_score == 0 else "failed"


def _wrong_values(test: TestResult) -> str:
    """The wrong ``node.field`` values of a test, expected beside got, as a table."""
    example = test.counterexample
    if example is None or not example.expected:
        return ""
    got = example.got or {}
    rows = "".join(
        f"<tr><td>{line(key)}</td><td class=number>{line(str(value))}</td>"
        f"<td class=number>{line(str(got.get(key, '?')))}</td></tr>"
        for key, value in example.expected.items()
    )
    return (
        "<table class=wrong-values><thead><tr><th>Node</th><th>Expected</th>"
        f"<th>Got</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def verdict_fragment(test: TestResult) -> str:
    """One test as HTML: its verdict and score in a ``<details>`` (open when it did not
    pass) holding its message, the wrong values, the failing graph drawn, its
    diagnosis and what it printed."""
    verdict = "passed" if test.passed else test.status.value
    name = line(test_label(test.name, test.hidden, test.max_score))
    summary = (
        f"<summary><span class={_status_class(test)}>{_MARK[test.passed]} {verdict}</span> "
        f"{name} <span class=score>{points(test.score)}/"
        f"{points(test.max_score)}</span></summary>"
    )
    if test.passed:
        return f'<details class="test passed">{summary}</details>'
    parts = [summary]
    if test.message:
        parts.append(f"<pre class=message>{block(test.message)}</pre>")
    diagnosis = test.diagnosis
    if diagnosis is not None and diagnosis.hint:
        at = place(test)
        where = f"{diagnosis.op} ({diagnosis.phase})" + (f" at {at}" if at else "")
        parts.append(
            f"<p class=diagnosis>Diagnosis: {line(where)}, node {line(diagnosis.node)}: "
            f"{line(diagnosis.hint)}</p>"
        )
    parts.append(_wrong_values(test))
    drawing = drawing_of(test)
    if drawing:
        parts.append(f"<div class=drawing>{drawing}</div>")
    code = graph_code(test)
    if code:
        title = "Smallest failing graph" if test.kind == "property" else "Graph"
        parts.append(f"<p>{title}, as code you can run:</p><pre class=code>{block(code)}</pre>")
    if test.output:
        parts.append(f"<p>Your output:</p><pre class=output>{block(test.output)}</pre>")
    return f'<details class="test {_status_class(test)}" open>{"".join(parts)}</details>'


def _cause(report: Report) -> str:
    cause = report.extra.get("cause")
    if not isinstance(cause, dict) or not cause.get("text") or report.status is Status.ERROR:
        return ""  # an error's message, shown first, is its cause
    return f"<p class=cause><strong>{line(PREFIX.strip())}</strong> {line(str(cause['text']))}</p>"


def _body(report: Report, heading: str) -> str:
    """A report as ``render`` and the pages show it; ``heading`` is its title's tag."""
    status = report.status.value
    parts = [
        f"<{heading} class=headline><span class={status}>{status.upper()}</span>: "
        f"{line(report.submission)} on {line(report.problem)}, score "
        f"{points(report.score)}/{points(report.max_score)}</{heading}>"
    ]
    if report.extra.get("audience") == "instructor":
        parts.append(f"<p class=note>{INSTRUCTOR_NOTE}</p>")
    parts.append(_cause(report))
    if report.status is Status.ERROR and report.message:
        parts.append(f"<pre class=message>{block(report.message)}</pre>")
        return "\n".join(parts)
    if report.message:  # the budget was spent
        parts.append(f"<p class=note>Note: {line(report.message)}</p>")
    if any(t.max_score == 0 and not t.passed for t in report.tests):
        parts.append(f"<p class=note>Note: {line(ADVISORY_NOTE)}.</p>")
    parts.extend(verdict_fragment(test) for test in report.tests)
    return "\n".join(p for p in parts if p)


def render_result_fragment(report: Report, audience: Audience | str | None = None) -> str:
    """``report`` as an HTML fragment (a ``<section class="judge">``, no ``<html>``) for
    a page.  With ``audience`` it is first cut for that reader and given its most
    likely cause (``judge.report.formats`` does this for the ``html`` format); without,
    it is shown as given, so pass a report already cut."""
    if audience is not None:
        report = with_cause(for_audience(report, audience))
    return f'<section class="judge report">\n{_body(report, "h2")}\n</section>'


def document(title: str, body: str) -> str:
    """A whole HTML page around ``body``: UTF-8, the inline stylesheet, and a
    Content-Security-Policy that forbids every fetch and script, so even a tag that
    slipped through could load or run nothing."""
    return (
        "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{line(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f'<body>\n<main class="judge">\n{body}\n</main>\n</body>\n</html>\n'
    )


def render(report: Report) -> str:
    """One submission as a self-contained HTML file."""
    title = f"{report.submission} on {report.problem}: {report.status.value}"
    return document(title, _body(report, "h1"))


def _bar(count: int, most: int) -> str:
    width = round(12 * count / most, 2) if most else 0
    return f'<span class=bar style="width: {width}rem"></span>'


def _class_sections(book: Gradebook) -> list[str]:
    """The distribution, the pass rate per test and the common mistakes."""
    rows = book.distribution()
    most = max((count for _, count in rows), default=0)
    parts = [
        "<h2>Score distribution</h2>",
        "<table><thead><tr><th>Score</th><th>Submissions</th><th></th></tr></thead><tbody>",
        *(
            f"<tr><td>{label}</td><td class=number>{count}</td><td>{_bar(count, most)}</td></tr>"
            for label, count in rows
        ),
        "</tbody></table>",
    ]
    stats = analyse(book)
    parts += [
        "<h2>Pass rate per test</h2>",
        f"<p>Over {stats.graded} graded submission{'s' if stats.graded != 1 else ''}.</p>",
        "<table><thead><tr><th>Test</th><th>Passed</th><th>Rate</th><th></th>"
        "<th>Mean points</th></tr></thead><tbody>",
    ]
    for test in stats.tests:
        name = line(test_label(test.name, test.hidden, test.max_score))
        parts.append(
            f"<tr><td>{name}</td><td class=number>{test.passed}/{test.graded}</td>"
            f"<td class=number>{test.pass_rate:.0%}</td><td>{_bar(test.passed, test.graded)}"
            f"</td><td class=number>{test.mean_points:.3g}/{points(test.max_score)}</td></tr>"
        )
    parts += ["</tbody></table>", "<h2>Most common diagnosed mistakes</h2>"]
    if not stats.mistakes:
        parts.append("<p>None diagnosed.</p>")
    else:
        parts.append(
            "<table><thead><tr><th>Mistake</th><th>Submissions</th><th>Students</th></tr>"
            "</thead><tbody>"
        )
        for mistake in stats.mistakes:
            who = ", ".join(line(name) for name in mistake.students)
            parts.append(
                f"<tr><td>{line(mistake.label)}</td><td class=number>"
                f"{len(mistake.students)}</td><td>{who}</td></tr>"
            )
        parts.append("</tbody></table>")
    roster = book.roster
    if roster is not None:
        missing, unlisted = roster.missing(book.names), roster.unlisted(book.names)
        parts += [
            "<h2>Roster</h2>",
            f"<p>{len(missing)} on the roster without a submission"
            + (": " + ", ".join(line(s.name) for s in missing) if missing else "")
            + ".</p>",
            f"<p>{len(unlisted)} submission{'s' if len(unlisted) != 1 else ''} not on the "
            "roster" + (": " + ", ".join(line(n) for n in unlisted) if unlisted else "") + ".</p>",
        ]
    return parts


def render_gradebook(book: Gradebook) -> str:
    """A batch as one self-contained HTML file: totals, a row per student linked to
    their section, the class analytics, then each student's report."""
    total = len(book.entries)
    parts = [
        f"<h1>{line(book.problem)}: {total} submission{'s' if total != 1 else ''}</h1>",
        f"<p class=note>{INSTRUCTOR_NOTE}</p>" if book.audience == "instructor" else "",
        f"<p><strong>{book.count(Status.PASSED)} passed</strong>, "
        f"{book.count(Status.FAILED)} failed, {book.count(Status.ERROR)} could not be "
        f"graded · mean score {book.mean_score:.4g}/{points(book.max_score)} · median "
        f"{book.median_score:.4g}/{points(book.max_score)}</p>",
        "<table><thead><tr><th>Student</th><th>Status</th><th>Score</th>"
        "<th>Not passed</th></tr></thead><tbody>",
    ]
    for number, entry in enumerate(book.entries, 1):
        report = entry.report
        why = report.message.strip().split("\n", 1)[0] if report.status is Status.ERROR else ""
        why = why or ", ".join(entry.failed_tests)
        status = report.status.value
        parts.append(
            f'<tr><td><a href="#student-{number}">{line(entry.name)}</a></td>'
            f"<td class={status}>{status}</td><td class=number>{points(report.score)}/"
            f"{points(report.max_score)}</td><td>{line(why)}</td></tr>"
        )
    parts += ["</tbody></table>", *_class_sections(book), "<h2>Students</h2>"]
    for number, entry in enumerate(book.entries, 1):
        view = replace(entry.report, submission=entry.name)
        parts.append(
            f'<section class="judge report student" id="student-{number}">\n'
            f"{_body(view, 'h3')}\n</section>"
        )
    return document(f"{book.problem}: {total} submissions", "\n".join(p for p in parts if p))
