"""Class analytics, rosters, LMS import files and regrading (issue 11's gradebook half).

Outputs are read back as their consumers read them: CSV through ``csv.DictReader`` with
the columns Canvas's gradebook import expects, JSON through ``json.loads``; the
commands run through click's CliRunner on the small ``mini`` problem.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from judge.batch.compare import compare, read_gradebook, render_text
from judge.batch.roster import parse_roster, read_roster
from judge.cli import cli
from judge.errors import UsageError
from judge.report import canvas_csv, csv_format, csv_wide, lms_csv
from judge.report.analytics import analyse
from judge.report.formats import render_gradebook
from judge.report.gradebook import Entry, Gradebook
from judge.report.roster import Roster, Student
from judge.results import Diagnosis, Report, Status, Verdict, summarize
from judge.results import TestResult as Result_
from tests.samples import FORMULAS, GOOD_VALUE, MINI_SPEC, ROSTER_NAMES, WRONG_VALUE, touch
from tests.samples import result as make_result

# What Canvas's gradebook import reads before the assignment columns: its export's layout
# (an institution's guide to it: https://teaching.resources.osu.edu/toolsets/carmencanvas/
# guides/calculating-final-grades/import-csv-file-carmen-grades).
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


# -- a class built by hand ---------------------------------------------------------------
def _test(name: str, passed: bool, points: float = 1.0, **fields: Any) -> Result_:
    verdict = Verdict.PASSED if passed else Verdict.FAILED
    return make_result(name, "case", verdict, points if passed else 0.0, points, False, **fields)


def _hidden(name: str, passed: bool, **fields: Any) -> Result_:
    verdict = Verdict.PASSED if passed else Verdict.FAILED
    return make_result(name, "property", verdict, float(passed), 1.0, True, **fields)


ASSIGNED = Diagnosis("add", "backward", "b", "h", "grad-assigned")
MUL_WRONG = Diagnosis("mul", "backward", "c", "h")


def _report(name: str, *tests: Result_) -> Report:
    return summarize(f"class/{name}.py", "toy", list(tests), 4.0, 0.1)


def klass() -> Gradebook:
    """Four graded students and one that could not be graded; 'twice' is the hard test."""
    error = Report(
        "class/=peggy.py",
        "toy",
        Status.ERROR,
        0.0,
        4.0,
        0.0,
        tuple(
            make_result(n, "case", Verdict.ERROR, 0.0, p, False)
            for n, p in (("add", 1), ("twice", 2))
        ),
        "syntax error",
    )
    return Gradebook(
        "toy",
        4.0,
        (
            Entry(
                "ann",
                _report(
                    "ann", _test("add", True), _test("twice", True, 2), _hidden("graphs", True)
                ),
            ),
            # The same mistake in two tests counts once for the student.
            Entry(
                "bo",
                _report(
                    "bo",
                    _test("add", True),
                    _test("twice", False, 2, diagnosis=ASSIGNED),
                    _hidden("graphs", False, diagnosis=ASSIGNED),
                ),
            ),
            Entry(
                "cy",
                _report(
                    "cy",
                    _test("add", False),
                    _test("twice", False, 2, diagnosis=ASSIGNED),
                    _hidden("graphs", False),
                ),
            ),
            # Only a hidden test diagnoses this one: a student's view must not count it.
            Entry(
                "di",
                _report(
                    "di",
                    _test("add", True),
                    _test("twice", True, 2),
                    _hidden("graphs", False, diagnosis=MUL_WRONG),
                ),
            ),
            Entry("=peggy", error),
        ),
    )


def test_pass_rates_count_graded_submissions_only() -> None:
    stats = {t.name: t for t in analyse(klass()).tests}
    assert (stats["add"].passed, stats["add"].graded) == (3, 4)
    assert (stats["twice"].passed, stats["twice"].pass_rate) == (2, 0.5)
    assert stats["twice"].mean_points == 1.0
    assert (stats["graphs"].passed, stats["graphs"].hidden) == (1, True)


def test_mistakes_counted_once_per_student_most_common_first() -> None:
    mistakes = analyse(klass()).mistakes
    assert [(m.mistake, m.students) for m in mistakes] == [
        ("grad-assigned", ("bo", "cy")),
        (None, ("di",)),
    ]
    assert mistakes[0].label == "gradients are assigned (=) instead of accumulated (+=)"
    assert mistakes[1].label == "wrong backward step in __mul__"


def test_a_students_gradebook_counts_no_diagnosis_of_a_hidden_test() -> None:
    """The audience rule holds for analytics: a hidden test's diagnosis is cut for
    students before any writer (and so any analytics) sees it."""
    student = json.loads(render_gradebook("json", klass(), "student"))["analytics"]
    instructor = json.loads(render_gradebook("json", klass(), "instructor"))["analytics"]
    assert [m["students"] for m in instructor["mistakes"]] == [["bo", "cy"], ["di"]]
    assert [m["students"] for m in student["mistakes"]] == [["bo", "cy"]]
    # The verdicts stay, so the hidden test's pass rate is the same in both.
    assert student["tests"] == instructor["tests"]


def test_json_text_and_markdown_hold_the_class_sections() -> None:
    data = json.loads(render_gradebook("json", klass(), "instructor"))["analytics"]
    twice = next(t for t in data["tests"] if t["name"] == "twice")
    assert (twice["passed"], twice["graded"], twice["pass_rate"]) == (2, 4, 0.5)
    assert {"score": "100%", "submissions": 1} in data["distribution"]  # ann
    assert {"score": "70-<80%", "submissions": 1} in data["distribution"]  # di, 3/4
    assert sum(row["submissions"] for row in data["distribution"]) == 5
    text = render_gradebook("text", klass(), "instructor")
    assert "Pass rate per test (4 graded submissions;" in text
    assert "  twice              2/4    50%  mean 1/2" in text
    assert "     2  gradients are assigned (=) instead of accumulated (+=): bo, cy" in text
    markdown = render_gradebook("markdown", klass(), "instructor")
    assert "| twice | 2/4 | 50% | 1/2 |" in markdown
    assert "| gradients are assigned (=) instead of accumulated (+=) | 2 | bo, cy |" in markdown


# -- CSVs --------------------------------------------------------------------------------
def test_wide_csv_has_a_column_of_points_per_test() -> None:
    rows = list(csv.DictReader(io.StringIO(csv_wide.render_gradebook(klass()))))
    assert list(rows[0]) == ["name", "score", "max_score", "status", "add", "twice", "graphs"]
    for row in rows:
        # Empty: a test the report does not list (=peggy's, built by hand, has no graphs).
        points = sum(float(row[test] or 0) for test in ("add", "twice", "graphs"))
        assert points == float(row["score"]), row
    assert [r["twice"] for r in rows] == ["2", "0", "0", "2", "0"]
    assert rows[-1]["name"] == "'=peggy"  # a formula look-alike, neutralised


def roster() -> Roster:
    return parse_roster(
        "Name,ID,Email,Full Name,LMS ID,SIS User ID,SIS Login ID,Section\n"
        'ann,s1,ann@uni.edu,"Lee, Ann",101,S1,ann,A\n'
        "=peggy,s7,peggy@uni.edu,,107,S7,peggy,B\n"
        "zed,s9,zed@uni.edu,,109,S9,zed,A\n"
    )


def with_roster(book: Gradebook) -> Gradebook:
    return Gradebook(book.problem, book.max_score, book.entries, roster=roster())


def test_a_roster_adds_id_columns_and_matches_names_verbatim() -> None:
    """=peggy matches her roster line though her name cell is neutralised: the id
    column says who she is."""
    rows = list(csv.DictReader(io.StringIO(csv_format.render_gradebook(with_roster(klass())))))
    assert list(rows[0])[:4] == ["name", "id", "email", "score"]
    by_id = {r["id"]: r for r in rows if r["id"]}
    assert by_id["s7"]["name"] == "'=peggy" and by_id["s7"]["email"] == "peggy@uni.edu"
    assert by_id["s1"]["score"] == "4"
    assert [r["name"] for r in rows if not r["id"]] == ["bo", "cy", "di"]
    wide = list(csv.DictReader(io.StringIO(csv_wide.render_gradebook(with_roster(klass())))))
    assert [r["id"] for r in wide] == ["s1", "", "", "", "s7"]


def test_roster_loose_ends_in_json_text_and_markdown() -> None:
    book = with_roster(klass())
    data = json.loads(render_gradebook("json", book))
    assert data["roster"] == {
        "students": 3,
        "missing": [
            {"name": "zed", "id": "s9", "email": "zed@uni.edu", "lms_id": "109"}
            | {"sis_user_id": "S9", "sis_login_id": "zed", "section": "A"}
        ],
        "unlisted": ["bo", "cy", "di"],
    }
    assert data["rows"][0]["student"]["full_name"] == "Lee, Ann"
    assert data["rows"][1]["student"] is None
    text = render_gradebook("text", book)
    assert "Roster: 1 without a submission: zed" in text
    assert "Roster: 3 submissions not on it: bo, cy, di" in text
    assert "3 submissions not on the roster: bo, cy, di." in render_gradebook("markdown", book)


def test_canvas_csv_has_canvas_columns_and_a_row_per_roster_student() -> None:
    text = canvas_csv.render_gradebook(with_roster(klass()), "Autograd (4321)")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert reader.fieldnames == [*CANVAS_COLUMNS, "Autograd (4321)"]
    assert [(r["Student"], r["ID"], r["SIS User ID"], r["SIS Login ID"]) for r in rows] == [
        ("Lee, Ann", "101", "S1", "ann"),
        ("'=peggy", "107", "S7", "peggy"),
        ("zed", "109", "S9", "zed"),
    ]
    # A student who did not submit gets no grade (Canvas keeps what it has).
    assert [r["Autograd (4321)"] for r in rows] == ["4", "0", ""]
    assert [r["Section"] for r in rows] == ["A", "B", "A"]


def test_plain_lms_csv_columns() -> None:
    text = lms_csv.render_gradebook(with_roster(klass()))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["Username", "ID number", "Email address", "Name", "toy"]
    assert [(r["Username"], r["Email address"], r["toy"]) for r in rows] == [
        ("ann", "ann@uni.edu", "4"),
        ("peggy", "peggy@uni.edu", "0"),
        ("zed", "zed@uni.edu", ""),
    ]


@pytest.mark.parametrize("fmt", ["csv", "csv-wide", "canvas", "lms"])
def test_no_csv_cell_is_a_formula_and_safe_names_stay_verbatim(fmt: str) -> None:
    """Names and every roster field: a formula look-alike is neutralised in whichever
    column it lands; a name a spreadsheet would not run is written as it is."""
    names = [*FORMULAS, *ROSTER_NAMES]
    entries = tuple(Entry(n, _report("x", _test("add", True))) for n in names)
    students = []
    for n in names:
        v = n if n in FORMULAS else "1"
        full = n if n in FORMULAS else ""  # else the name itself is shown
        students.append(Student(n, v, v, full, v, v, v, v))
    book = Gradebook("toy", 4.0, entries, roster=Roster(tuple(students)))
    options = {"assignment": "=cmd|' /C calc'!A0"} if fmt in ("canvas", "lms") else {}
    reader = csv.DictReader(io.StringIO(render_gradebook(fmt, book, **options)))
    rows = list(reader)
    assert len(rows) == len(names)
    assert all(not header.startswith("=") for header in reader.fieldnames or [])
    for row in rows:
        for column, cell in row.items():
            assert not cell.lstrip(" \u00a0\u2003\u3000").startswith(("=", "+", "-", "@")), (
                column,
                cell,
            )
    shown = "Name" if fmt == "lms" else "Student" if fmt == "canvas" else "name"
    assert [row[shown] for row in rows[len(FORMULAS) :]] == ROSTER_NAMES


@pytest.mark.parametrize("writer", [canvas_csv.render_gradebook, lms_csv.render_gradebook])
def test_lms_csvs_refuse_a_gradebook_without_a_roster(writer: object) -> None:
    with pytest.raises(UsageError, match="needs --roster FILE"):
        writer(klass())  # type: ignore[operator]


# -- reading a roster --------------------------------------------------------------------
def test_roster_file_with_a_byte_order_mark_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes("\ufeffname,email\r\nann,ann@uni.edu\r\n,\r\n\r\nbo,\r\n".encode())
    found = read_roster(path)
    assert found.students == (Student("ann", email="ann@uni.edu"), Student("bo"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty; its first line must name the columns"),
        ("email\nann@uni.edu\n", "line 1: no 'name' column"),
        ("name,emial\nann,a\n", "line 1: unknown column 'emial'. Did you mean 'email'?"),
        ("name,id,ID\nann,1,2\n", "line 1: the column 'id' appears twice"),
        ("name\nann\nbo\nann\n", "line 4: 'ann' is on line 2 too; names must be unique"),
        ("name,id\nann,1,2\n", "line 2: 3 cells but 2 columns"),
        ("name,id\n,1\n", "line 2: the name is empty"),
    ],
)
def test_a_bad_roster_says_where_and_what_to_do(text: str, message: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_roster(text, "r.csv")
    assert f"--roster r.csv: {message}" in str(error.value)


def test_an_unreadable_roster(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read it"):
        read_roster(tmp_path / "none.csv")
    (tmp_path / "latin.csv").write_bytes(b"name\nJos\xe9\n")
    with pytest.raises(UsageError, match=r"not UTF-8 .*save it as CSV UTF-8"):
        read_roster(tmp_path / "latin.csv")


# -- comparing gradebooks ----------------------------------------------------------------
def test_compare_names_whose_score_changed_and_the_tests_that_flipped() -> None:
    old = klass()
    fixed = _report("bo", _test("add", True), _test("twice", True, 2), _hidden("graphs", False))
    entries = [Entry("bo", fixed) if e.name == "bo" else e for e in old.entries if e.name != "cy"]
    new = Gradebook("toy", 4.0, (*entries, Entry("new", _report("new", _test("add", True)))))
    result = compare(old, new)
    assert [(c.name, c.old_score, c.new_score) for c in result.changed] == [("bo", 1.0, 3.0)]
    assert [(f.test, f.old, f.new) for f in result.changed[0].flips] == [
        ("twice", "failed", "passed")
    ]
    assert (result.unchanged, result.added, result.removed) == (3, ("new",), ("cy",))
    text = render_text(result, "old.json")
    assert text.splitlines()[:2] == [
        "Compared with old.json: 1 of 4 submissions changed",
        "  bo  1 → 3  +twice (failed → passed)",
    ]
    assert "New submissions: new" in text and "No longer submitted: cy" in text
    assert "graded" not in text  # the same problem: no note


def test_compare_notes_another_problem_and_tests_the_spec_changed() -> None:
    old = klass()
    renamed = [
        Entry(
            e.name,
            replace(
                e.report,
                tests=tuple(
                    replace(t, name="two uses") if t.name == "twice" else t for t in e.report.tests
                ),
            ),
        )
        for e in old.entries
    ]
    text = render_text(compare(old, Gradebook("other", 4.0, tuple(renamed))), "old.json")
    assert "note: old.json graded toy, this run other" in text
    assert "Tests added: two uses" in text and "Tests removed: twice" in text
    assert text.startswith("Compared with old.json: 0 of 5 submissions changed")


def test_compare_reads_a_json_gradebook_back(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(render_gradebook("json", klass()), encoding="utf-8")
    again = read_gradebook(path)
    assert [e.name for e in again.entries] == [e.name for e in klass().entries]
    assert compare(again, klass()).changed == ()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not JSON"),
        (
            b'{"schema": "judge-report/1"}',
            "not a judge-gradebook/1 gradebook (found 'judge-report/1')",
        ),
        (b"[1, 2]", "not a judge-gradebook/1 gradebook (found 'list')"),
        (b'{"schema": "judge-gradebook/1", "rows": [{"name": "a"}]}', "a malformed gradebook"),
    ],
)
def test_a_bad_old_gradebook_is_a_usage_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "old.json"
    path.write_bytes(content)
    with pytest.raises(UsageError) as error:
        read_gradebook(path)
    assert message in str(error.value)
    assert "judge grade --format json" in str(error.value)


# -- through the command line ------------------------------------------------------------
pytestmark = pytest.mark.usefixtures("private_cache")  # each test starts with none


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def small_class(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    touch(folder / "alice.py", GOOD_VALUE)
    touch(folder / "bob.py", WRONG_VALUE)
    touch(folder / "=peggy.py", WRONG_VALUE + "# peggy's own copy\n")
    return folder


def test_grade_writes_a_canvas_csv_with_the_roster(
    tmp_path: Path, small_class: Path, mini_dir: Path
) -> None:
    roster_file = touch(
        tmp_path / "roster.csv",
        "name,lms_id,sis_user_id,sis_login_id,section,full_name\n"
        'alice,1,S1,alice,A,"Smith, Alice"\n=peggy,7,S7,peggy,A,\ncarl,3,S3,carl,B,\n',
    )
    out = tmp_path / "canvas.csv"
    args = ("grade", small_class, "-p", "mini", "--problems", mini_dir, "-j", 1)
    result = invoke(
        *args,
        "--format",
        "canvas",
        "--roster",
        roster_file,
        "--assignment",
        "Autograd (55)",
        "-o",
        out,
    )
    assert result.exit_code == 1, result.output
    reader = csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
    rows = {row["ID"]: row for row in reader}
    assert reader.fieldnames == [*CANVAS_COLUMNS, "Autograd (55)"]
    assert (rows["1"]["Student"], rows["1"]["Autograd (55)"]) == ("Smith, Alice", "4")
    assert rows["7"]["Autograd (55)"] == "1"  # =peggy, matched by her exact name
    assert rows["3"]["Autograd (55)"] == ""
    assert "note: 1 on the roster without a submission: carl" in result.stderr
    assert "note: 1 submission(s) not on the roster: bob" in result.stderr


def test_an_lms_format_without_a_roster_stops_before_grading(
    small_class: Path, mini_dir: Path
) -> None:
    result = invoke("grade", small_class, "-p", "mini", "--problems", mini_dir, "--format", "lms")
    assert result.exit_code == 2
    assert "--format lms needs --roster FILE" in result.stderr
    assert "graded" not in result.stderr  # nothing was


def test_a_bad_roster_stops_before_grading(
    tmp_path: Path, small_class: Path, mini_dir: Path
) -> None:
    bad = touch(tmp_path / "roster.csv", "student,id\nann,1\n")
    result = invoke("grade", small_class, "-p", "mini", "--problems", mini_dir, "--roster", bad)
    assert result.exit_code == 2
    assert "unknown column 'student'" in result.stderr and "Traceback" not in result.output


def test_regrade_after_a_spec_fix_shows_whose_score_changed(
    tmp_path: Path, small_class: Path, mini_dir: Path
) -> None:
    """A mid-term fix of the 'used twice' case: bob (gradients assigned) now passes it."""
    old = tmp_path / "old.json"
    first = invoke("grade", small_class, "-p", "mini", "--problems", mini_dir, "-j", 1, "-o", old)
    assert first.exit_code == 1, first.output
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    spec = MINI_SPEC.replace("b = a * a\n      c = b + a\n", "b = a * 2.0\n      c = b + 1.0\n")
    assert spec != MINI_SPEC
    (fixed / "mini.yaml").write_text(spec, encoding="utf-8")
    result = invoke(
        "grade",
        small_class,
        "-p",
        "mini",
        "--problems",
        fixed,
        "-j",
        1,
        "--compare",
        old,
        "-o",
        tmp_path / "new.json",
    )
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert "Compared with " in lines[0] and lines[0].endswith(": 2 of 3 submissions changed")
    assert "  bob     1 → 2  +used twice (failed → passed)" in lines
    assert "  =peggy  1 → 2  +used twice (failed → passed)" in lines
    # Nothing was graded from the cache: the spec's digest is part of the key.
    assert "(3 graded, 0 from the cache" in result.stdout


def test_compare_with_a_file_that_is_not_a_gradebook(
    tmp_path: Path, small_class: Path, mini_dir: Path
) -> None:
    csv_file = touch(tmp_path / "grades.csv", "name,score\n")
    result = invoke(
        "grade", small_class, "-p", "mini", "--problems", mini_dir, "--compare", csv_file
    )
    assert result.exit_code == 2
    assert "not JSON" in result.stderr and "Traceback" not in result.output


def test_a_graded_class_lists_its_diagnosed_mistakes(tmp_path: Path) -> None:
    """End to end on engines of the diagnosis corpus: two assign gradients (in __add__,
    in __mul__: one mistake), one starts every grad at 1."""
    corpus = Path(__file__).parent / "diagnosis_corpus"
    folder = tmp_path / "class"
    for name, engine in [
        ("ann", "add_grad_assigned_kahn"),
        ("bo", "mul_grad_assigned_dispatch"),
        ("cy", "grad_starts_at_one_level"),
    ]:
        touch(folder / f"{name}.py", (corpus / f"{engine}.py").read_text(encoding="utf-8"))
    result = invoke("grade", folder, "-p", "autograd-activations", "--format", "json", "-j", 2)
    assert result.exit_code == 1, result.output
    analytics = json.loads(result.stdout)["analytics"]
    assert [(m["mistake"], m["students"]) for m in analytics["mistakes"]] == [
        ("grad-assigned", ["ann", "bo"]),
        ("grad-starts-at-one", ["cy"]),
    ]
    assert analytics["graded"] == 3
    assert all(t["graded"] == 3 for t in analytics["tests"])
