"""Every report format against golden files, and each parsed the way its reader parses it.

The reports are built by hand, so the files are deterministic, and hold the text that
breaks writers: table pipes, percent signs, commas and colons, HTML, NUL bytes, runs of
backticks, a hidden test's output.  To regenerate the golden files deliberately:

    JUDGE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_formats.py
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import junitparser
import pytest
from lxml import etree

from judge.report import csv_format, github, gradescope, junit, markdown
from judge.report.formats import GRADEBOOK_FORMATS, REPORT_FORMATS, render_gradebook, render_report
from judge.report.gradebook import Entry, Gradebook
from judge.report.roster import Roster, Student
from judge.results import Counterexample, Diagnosis, Report, Status, Verdict, summarize
from tests.samples import result as Result

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("JUDGE_UPDATE_GOLDEN"))


# The problem's tests: name, kind, points, hidden.
CASES = (
    ("visible affine relu", "case", 1.0, False),
    ("used twice", "case", 1.0, True),
    ("numbers on the right", "case", 2.0, False),
    ("a deep chain", "stress", 1.0, True),
    ("tidy <names> & `code` ```", "case", 1.0, False),
    ("random graphs", "property", 0.0, False),
)
MAX_SCORE = 6.0


def passing_report() -> Report:
    tests = [Result(n, k, Verdict.PASSED, p, p, h) for n, k, p, h in CASES]
    return summarize("students/alice.py", "mini", tests, MAX_SCORE, 0.0312)


def failing_report() -> Report:
    tests = [
        Result(
            "visible affine relu",
            "case",
            Verdict.FAILED,
            0.0,
            1.0,
            False,
            "a.grad: expected 0.0, got 1\nprogram:\n    a = Value(2) | 50% : x, y\n    e.backward()",
            "debug: 100% done, a:b <b>bold</b>\n",
        ),
        Result(
            "used twice",
            "case",
            Verdict.FAILED,
            0.0,
            1.0,
            True,
            "hidden case failed: a node used twice by one op; 1 wrong gradients",
            "hidden value 3.0 printed by the student\n",
            topic="a node used twice by one op",
        ),
        Result(
            "numbers on the right",
            "case",
            Verdict.ERROR,
            0.0,
            2.0,
            False,
            "TypeError: unsupported operand type(s) for +: 'int' and 'Value'\n"
            "  at line 12 of your file: return self + other",
            line=12,
        ),
        Result(
            "a deep chain",
            "stress",
            Verdict.TIMEOUT,
            0.0,
            1.0,
            True,
            "took longer than 5 s (an endless loop, or far too slow)",
        ),
        Result("tidy <names> & `code` ```", "case", Verdict.PASSED, 1.0, 1.0, False),
        Result(
            "random graphs",
            "property",
            Verdict.FAILED,
            0.0,
            0.0,
            False,
            "advisory: grad of b is 2.0, expected 1.0\x00\x1b[31m",
            line=7,
            seed=42,
            counterexample=Counterexample("a = Value(1.0)\nb = a + a\nb.backward()\n", 2),
            diagnosis=Diagnosis(
                "add",
                "backward",
                "b",
                "a value added to itself gets its gradient twice; accumulate with +=",
            ),
        ),
    ]
    return summarize("students/carol_smith.py", "mini", tests, MAX_SCORE, 5.25, {"seed": 42})


def error_report() -> Report:
    not_run = "not run: the submission could not be loaded"
    tests = tuple(Result(n, k, Verdict.ERROR, 0.0, p, h, not_run) for n, k, p, h in CASES)
    return Report(
        "students/=dave.py",
        "mini",
        Status.ERROR,
        0.0,
        MAX_SCORE,
        0.02,
        tests,
        message="your file has a syntax error at line 3: '(' was never closed\n  def __init__(self, data:",
        extra={"line": 3},
    )


def gradebook() -> Gradebook:
    return Gradebook(
        "mini",
        MAX_SCORE,
        (
            Entry("alice", passing_report()),
            Entry("carol_smith", failing_report()),
            Entry("=dave", error_report()),
        ),
    )


def roster() -> Roster:
    """alice and =dave are on it; carol_smith is not; erin did not submit."""
    return Roster(
        (
            Student("alice", "s1", "alice@uni.edu", "Liddell, Alice", "101", "S1", "alice", "A"),
            Student("=dave", "s3", "dave@uni.edu", "", "103", "S3", "dave", "B"),
            Student("erin", "s5", "erin@uni.edu", "Erin, E.", "105", "", "", "A"),
        )
    )


REPORTS = {"passing": passing_report, "failing": failing_report, "error": error_report}
SUFFIX = {
    "text": "txt",
    "json": "json",
    "junit": "junit.xml",
    "gradescope": "gradescope.json",
    "github": "github.txt",
    "markdown": "md",
    "csv": "csv",
    "csv-wide": "wide.csv",
    "canvas": "canvas.csv",
    "lms": "lms.csv",
    "html": "html",
}
# Formats that need a roster (an LMS matches rows by its ids).
WITH_ROSTER = {"canvas", "lms"}


def book_for(fmt: str) -> Gradebook:
    """The test gradebook, with a roster for the formats that need one."""
    book = gradebook()
    if fmt not in WITH_ROSTER:
        return book
    return Gradebook(book.problem, book.max_score, book.entries, roster=roster())


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"no golden file {path}; run with JUDGE_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is meant, regenerate with "
        "JUDGE_UPDATE_GOLDEN=1 and review the diff"
    )


@pytest.mark.parametrize("which", sorted(REPORTS))
@pytest.mark.parametrize("fmt", ["junit", "gradescope", "github", "markdown", "html"])
def test_report_golden(fmt: str, which: str) -> None:
    check_golden(f"run-{which}.{SUFFIX[fmt]}", render_report(fmt, REPORTS[which]()))


@pytest.mark.parametrize("fmt", sorted(GRADEBOOK_FORMATS))
def test_gradebook_golden(fmt: str) -> None:
    check_golden(f"gradebook.{SUFFIX[fmt]}", render_gradebook(fmt, book_for(fmt)))


def test_every_run_format_renders_every_report() -> None:
    for fmt in REPORT_FORMATS:
        for which, make in REPORTS.items():
            text = render_report(fmt, make())
            assert text or (fmt, which) == ("github", "passing")


# -- Report.from_dict -------------------------------------------------------------------
@pytest.mark.parametrize("which", sorted(REPORTS))
def test_report_round_trips_through_its_dict(which: str) -> None:
    report = REPORTS[which]()
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.to_dict() == report.to_dict()
    assert again.tests == report.tests  # the typed fields too, not only their JSON


def test_from_dict_refuses_another_schema() -> None:
    data = passing_report().to_dict()
    data["schema"] = "something-else/1"
    with pytest.raises(ValueError, match="not a judge-report/1 report"):
        Report.from_dict(data)


# -- JUnit ----------------------------------------------------------------------------------
SCHEMA = etree.XMLSchema(etree.parse(str(GOLDEN / "junit.xsd")))


def _validate(text: str) -> etree._Element:
    document = etree.fromstring(text.encode("utf-8"))
    SCHEMA.assertValid(document)
    return document


def test_junit_is_valid_and_counts_match_for_a_gradebook(tmp_path: Path) -> None:
    text = junit.render_gradebook(gradebook())
    root = _validate(text)
    assert [s.get("name") for s in root] == ["alice", "carol_smith", "=dave"]
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    carol = suites["carol_smith"]
    assert (carol.tests, carol.failures, carol.errors, carol.skipped) == (6, 2, 2, 1)
    results = {case.name: case.result for case in carol}
    assert isinstance(results["visible affine relu"][0], junitparser.Failure)
    assert isinstance(results["numbers on the right"][0], junitparser.Error)
    assert isinstance(results["a deep chain"][0], junitparser.Error)
    assert results["a deep chain"][0].type == "timeout"
    assert isinstance(results["random graphs"][0], junitparser.Skipped)
    assert results["tidy <names> & `code` ```"] == []
    assert suites["=dave"].errors == 5  # the advisory test is not an error
    assert (xml.tests, xml.failures, xml.errors) == (18, 2, 7)


def test_junit_carries_messages_and_output_but_never_hidden_output() -> None:
    root = _validate(render_report("junit", failing_report()))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["visible affine relu"].find("failure")
    assert failure is not None
    assert failure.get("message") == "a.grad: expected 0.0, got 1"
    assert "program:\n    a = Value(2) | 50% : x, y" in (failure.text or "")
    assert "debug: 100% done" in (cases["visible affine relu"].findtext("system-out") or "")
    assert cases["used twice"].find("system-out") is None
    assert "hidden value" not in render_report("junit", failing_report())
    assert "hidden value" in render_report("junit", failing_report(), "instructor")


def test_junit_escapes_what_xml_cannot_hold() -> None:
    text = junit.render(failing_report())
    assert "\x00" not in text and "\x1b" not in text
    assert "\\x00\\x1b[31m" in text  # kept visible, spelled out
    _validate(text)


def test_junit_for_a_submission_that_did_not_load_says_why_in_every_error() -> None:
    root = _validate(junit.render(error_report()))
    errors = list(root.iter("error"))
    assert len(errors) == 5
    assert all("syntax error at line 3" in (e.text or "") for e in errors)
    assert "syntax error" in (root.findtext("testsuite/system-err") or "")


# -- Gradescope -----------------------------------------------------------------------------
def test_gradescope_results_have_the_keys_gradescope_reads() -> None:
    data = json.loads(gradescope.render(failing_report()))
    assert data["score"] == 1.0
    assert isinstance(data["execution_time"], (int, float))
    assert data["extra_data"]["max_score"] == 6.0
    for test in data["tests"]:
        assert {"name", "score", "max_score", "output", "visibility", "status"} <= set(test)
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["used twice"]["visibility"] == "after_published"
    assert by_name["visible affine relu"]["visibility"] == "visible"
    assert "Your output:\ndebug: 100% done" in by_name["visible affine relu"]["output"]
    assert sum(t["score"] for t in data["tests"]) == data["score"]


def test_gradescope_output_for_a_submission_that_did_not_load() -> None:
    data = json.loads(gradescope.render(error_report()))
    assert data["score"] == 0.0
    assert data["output"].startswith("your file has a syntax error at line 3")


def test_gradescope_gradebook_holds_one_results_object_per_student() -> None:
    data = json.loads(gradescope.render_gradebook(gradebook()))
    assert list(data["submissions"]) == ["alice", "carol_smith", "=dave"]
    assert data["submissions"]["alice"]["score"] == 6.0


# -- GitHub annotations -----------------------------------------------------------------------
COMMAND = re.compile(r"^::(error|warning|notice)( (?P<props>[^:]*))?::(?P<message>.*)$")


def unescape(text: str, prop: bool = False) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse_annotations(text: str) -> list[tuple[str, dict[str, str], str]]:
    parsed = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = {}
        for pair in (match["props"] or "").split(","):
            key, _, value = pair.partition("=")
            props[key] = unescape(value, prop=True)
        parsed.append((match[1], props, unescape(match["message"])))
    return parsed


def test_github_annotations_are_well_formed_and_point_at_lines() -> None:
    annotations = parse_annotations(github.render(failing_report()))
    errors = [a for a in annotations if a[0] == "error"]
    warnings = [a for a in annotations if a[0] == "warning"]
    assert [a[1].get("line") for a in errors] == [None, "12"]
    unlocated = errors[0]
    assert unlocated[1]["file"] == "students/carol_smith.py"
    assert unlocated[1]["title"] == "mini: 3 tests not passed"
    assert "a = Value(2) | 50% : x, y" in unlocated[2]
    assert "hidden value" not in unlocated[2]
    located = errors[1]
    assert located[1]["title"] == "mini: numbers on the right [error]"
    assert located[2].startswith("TypeError: unsupported operand")
    assert warnings[0][1]["line"] == "7"


def test_github_escapes_properties_and_data() -> None:
    assert github.escape_data("50%\r\nx\ry") == "50%25%0Ax\\x0dy"  # a lone CR spelled
    assert github.escape_property("a:b, 50%\n") == "a%3Ab%2C 50%25%0A"
    line = github.command("error", "two\nlines", file="a,b:c.py", line=3, title="t: x, y")
    assert line == "::error file=a%2Cb%3Ac.py,line=3,title=t%3A x%2C y::two%0Alines"
    assert parse_annotations(line) == [
        ("error", {"file": "a,b:c.py", "line": "3", "title": "t: x, y"}, "two\nlines")
    ]


def test_github_a_submission_that_did_not_load_is_one_annotation_on_its_line() -> None:
    [(kind, props, message)] = parse_annotations(github.render(error_report()))
    assert (kind, props["line"], props["file"]) == ("error", "3", "students/=dave.py")
    assert message.startswith("your file has a syntax error")


def test_github_a_passing_submission_has_no_annotations() -> None:
    assert github.render(passing_report()) == ""


# -- Markdown -----------------------------------------------------------------------------
def test_markdown_tables_have_one_row_per_test_and_escape_cells() -> None:
    text = render_report("markdown", failing_report())
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 2 + 6  # header, separator, then one row per test
    assert all(line.count(" | ") == 3 for line in rows[1:])  # no pipe leaks out of a cell
    assert "&lt;names&gt; &amp; \\`code\\`" in text
    assert "hidden value" not in text
    assert "<b>bold</b>" in text  # inside a fence, where it stays text


def test_markdown_fences_outlast_backticks_inside() -> None:
    assert markdown.fenced("a ``` b") == "````text\na ``` b\n````"


def test_markdown_gradebook_has_rows_and_a_distribution() -> None:
    text = markdown.render_gradebook(gradebook())
    assert "| alice | ✅ passed | 6/6 |  |" in text
    assert "| carol\\_smith | ❌ failed | 1/6 |" in text
    assert "### Score distribution" in text
    assert "| 100% | 1 |" in text and "| 10-<20% | 1 |" in text and "| 0-<10% | 1 |" in text


# -- CSV ---------------------------------------------------------------------------------
def test_csv_gradebook_parses_back() -> None:
    rows = list(csv.DictReader(io.StringIO(csv_format.render_gradebook(gradebook()))))
    assert list(rows[0]) == list(csv_format.COLUMNS)
    assert [r["name"] for r in rows] == ["alice", "carol_smith", "'=dave"]
    carol = rows[1]
    assert (carol["score"], carol["max_score"], carol["status"]) == ("1", "6", "failed")
    assert (
        carol["failed_tests"]
        == "visible affine relu; used twice; numbers on the right; a deep chain"
    )
    assert rows[2]["message"] == "your file has a syntax error at line 3: '(' was never closed"
    assert rows[2]["failed_tests"] == ""


# -- JSON gradebook ----------------------------------------------------------------------
def test_json_gradebook_rows_hold_full_reports() -> None:
    data = json.loads(render_gradebook("json", gradebook()))
    assert data["schema"] == "judge-gradebook/1"
    assert (data["submissions"], data["passed"], data["failed"], data["errors"]) == (3, 1, 1, 1)
    carol = data["rows"][1]
    assert carol["failed_tests"] == [
        "visible affine relu",
        "used twice",
        "numbers on the right",
        "a deep chain",
    ]
    assert data["audience"] == carol["report"]["audience"] == "student"
    instructor = json.loads(render_gradebook("json", gradebook(), "instructor"))
    full = {**failing_report().to_dict(), "audience": "instructor"}
    shown = Report.from_dict(instructor["rows"][1]["report"]).to_dict()
    assert shown.pop("cause")["text"]  # judge.report.cause, found in the view
    assert shown == full


@pytest.mark.parametrize("fmt", sorted(GRADEBOOK_FORMATS))
def test_no_raw_control_character_reaches_any_format(fmt: str) -> None:
    text = render_gradebook(fmt, book_for(fmt))
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", text), fmt
    quiet = ("csv", "text", "gradescope", "json", "csv-wide", "canvas", "lms")
    assert "\\x1b[31m" in text or fmt in quiet


def _property_failure(hidden: bool) -> Report:
    test = Result(
        "random graphs",
        "property",
        Verdict.FAILED,
        0.0,
        4.0,
        hidden,
        "wrong gradients on 71 of 200 random graphs",
        line=28,
        counterexample=Counterexample("a = Value(1.0)\nb = Value(-1.0)\nc = a * b\n", 3),
        diagnosis=Diagnosis("mul", "backward", "c", "slopes swapped"),
    )
    return summarize("s.py", "mini", [test], 4.0, 0.1)


@pytest.mark.parametrize("fmt", ["junit", "gradescope", "github", "markdown"])
def test_a_property_failure_shows_its_diagnosis_and_smallest_graph(fmt: str) -> None:
    text = render_report(fmt, _property_failure(hidden=False))
    if fmt == "github":
        text = unescape(text)
    elif fmt == "gradescope":
        text = json.loads(text)["tests"][0]["output"]
    assert "diagnosis: mul (backward), node c: slopes swapped" in text
    assert "smallest failing graph:\n    a = Value(1.0)" in text
    hidden = render_report(fmt, _property_failure(hidden=True))
    assert "slopes swapped" not in hidden and "Value(1.0)" not in hidden
