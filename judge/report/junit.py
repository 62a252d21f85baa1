"""JUnit XML, as Jenkins, GitLab and GitHub test reporters read it.

A ``<testsuite>`` per submission and a ``<testcase>`` per test.  A wrong number is a
``<failure>``; an exception, a timeout, a crash or a sandbox stop is an ``<error>``; an
advisory test (worth 0 points) that did not pass is ``<skipped>`` with its message,
because it never fails a run.  What the submission printed goes in ``<system-out>``
(for a student, a hidden test has none: see ``judge.report.audience``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from judge.report.details import full_message
from judge.report.escape import xml as clean
from judge.report.gradebook import Gradebook
from judge.results import Report, Status, TestResult, Verdict

_WRONG_ANSWER = {Verdict.FAILED, Verdict.FLAKY}


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def _testcase(suite: ET.Element, test: TestResult, report: Report, classname: str) -> None:
    case = ET.SubElement(suite, "testcase", name=clean(test.name), classname=clean(classname))
    if test.passed:
        pass
    elif test.max_score == 0:
        ET.SubElement(case, "skipped", message=clean("advisory: " + _first_line(test.message)))
    else:
        tag = "failure" if test.status in _WRONG_ANSWER else "error"
        detail = full_message(test)
        if report.status is Status.ERROR and report.message:
            detail = f"{report.message}\n\n({test.message})"  # the cause comes first
        element = ET.SubElement(
            case, tag, message=clean(_first_line(detail)), type=test.status.value
        )
        element.text = clean(detail)
    if test.output and not test.passed:
        ET.SubElement(case, "system-out").text = clean(test.output)


def _suite(name: str, report: Report) -> ET.Element:
    tests = report.tests
    scoring = [t for t in tests if not t.passed and t.max_score > 0]
    suite = ET.Element(
        "testsuite",
        name=clean(name),
        tests=str(len(tests)),
        failures=str(sum(1 for t in scoring if t.status in _WRONG_ANSWER)),
        errors=str(sum(1 for t in scoring if t.status not in _WRONG_ANSWER)),
        skipped=str(sum(1 for t in tests if not t.passed and t.max_score == 0)),
        time=f"{report.duration_s:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("submission", report.submission),
        ("problem", report.problem),
        ("status", report.status.value),
        ("score", f"{report.score:g}"),
        ("max_score", f"{report.max_score:g}"),
        ("audience", str(report.extra.get("audience", ""))),
    ):
        if not value:
            continue
        ET.SubElement(properties, "property", name=key, value=clean(value))
    for test in tests:
        _testcase(suite, test, report, name)
    if report.status is Status.ERROR and report.message:
        ET.SubElement(suite, "system-err").text = clean(report.message)
    return suite


def _document(name: str, suites: Iterable[ET.Element]) -> str:
    root = ET.Element("testsuites", name=clean(name))
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    time = 0.0
    for suite in suites:
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        time += float(suite.get("time", "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{time:.3f}")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def render(report: Report) -> str:
    """One submission's report as a JUnit document with one testsuite."""
    return _document(f"judge {report.problem}", [_suite(report.submission, report)])


def render_gradebook(book: Gradebook) -> str:
    """A batch as a JUnit document: a testsuite per submission, named by student."""
    return _document(
        f"judge {book.problem}", [_suite(entry.name, entry.report) for entry in book.entries]
    )
