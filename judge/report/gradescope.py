"""Gradescope's ``results.json``, so the judge drops into a Gradescope autograder.

``judge run /autograder/submission/value.py --format gradescope -o
/autograder/results/results.json`` is a whole ``run_autograder``.  Hidden cases are
``"visibility": "after_published"``: a student sees them once the grades are
published, so they are always cut to a student's view (``judge.report.audience``):
verdict and topic, nothing the submission produced.  Gradescope has no place for the
total, so the problem, the status and the maximum go in ``extra_data``.
"""

from __future__ import annotations

from typing import Any

from judge.report.audience import Audience, for_audience
from judge.report.details import full_message
from judge.report.escape import terminal
from judge.report.gradebook import Gradebook
from judge.report.json_format import dumps
from judge.results import Report, Status, TestResult


def _test_output(test: TestResult) -> str:
    message = full_message(test)
    parts = [message] if message else []
    if test.output and not test.passed:
        parts.append("Your output:\n" + test.output.rstrip())
    return terminal("\n\n".join(parts))


def results(report: Report) -> dict[str, Any]:
    """The ``results.json`` object for one report, as its student may see it."""
    report = for_audience(report, Audience.STUDENT)
    if report.status is Status.ERROR and report.message:
        summary = report.message
    else:
        passed = sum(1 for t in report.tests if t.passed)
        summary = f"{passed}/{len(report.tests)} tests passed"
    return {
        "score": report.score,
        "execution_time": round(report.duration_s, 3),
        "output": terminal(summary),
        "tests": [
            {
                "name": test.name,
                "number": str(number),
                "score": test.score,
                "max_score": test.max_score,
                "status": "passed" if test.passed else "failed",
                "output": _test_output(test),
                "visibility": "after_published" if test.hidden else "visible",
            }
            for number, test in enumerate(report.tests, start=1)
        ],
        "extra_data": {
            "problem": report.problem,
            "status": report.status.value,
            "max_score": report.max_score,
        },
    }


def render(report: Report) -> str:
    """``results.json`` for one submission."""
    return dumps(results(report))


def render_gradebook(book: Gradebook) -> str:
    """One ``results.json`` object per student, keyed by name (for archiving or upload
    scripts; Gradescope itself grades one submission at a time)."""
    document = {
        "problem": book.problem,
        "max_score": book.max_score,
        "submissions": {entry.name: results(entry.report) for entry in book.entries},
    }
    return dumps(document)
