"""Injection into what people read: one escaping function per medium, used by every
writer for every text a submission or a student's file or folder name controls.

Unit tables for each function of ``judge.report.escape``, then the attacks of issue 9
end to end: a folder name that would end the Markdown ``<details>`` block and render a
heading and a link; terminal escapes, C1 controls and bidi overrides in names and
messages of the text report and the gradebook; CSV formula look-alikes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from judge.cli import cli
from judge.report import escape
from judge.report.formats import GRADEBOOK_FORMATS, REPORT_FORMATS, render_gradebook, render_report
from judge.report.gradebook import Entry, Gradebook
from judge.report.roster import Roster, Student
from judge.results import Report, Verdict, summarize
from tests.samples import FORMULAS, GOOD_VALUE, ROSTER_NAMES
from tests.samples import result as Result

# Every character that must never reach any output raw, with why.
UNSAFE = {
    "\x1b": "ESC: starts terminal escapes (CSI, OSC)",
    "\x07": "BEL: ends an OSC title",
    "\x00": "NUL: XML cannot hold it",
    "\r": "CR: redraws a terminal line",
    "\x7f": "DEL",
    "\x85": "NEL: a line break to some readers",
    "\x9b": "CSI in one byte",
    "\x9d": "OSC in one byte",
    "\u202e": "right-to-left override",
    "\u202a": "left-to-right embedding",
    "\u2066": "left-to-right isolate",
    "\u2069": "pop directional isolate",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u061c": "Arabic letter mark",
    "\u2028": "line separator",
    "\ud800": "lone surrogate",
}
RAW = re.compile("[" + "".join(UNSAFE) + "]")
ATTACK = "\x1b[2K\r\x1b]0;pwned\x07\x85\x9b31m\u202etxt.exe\u2066\ud800"


# -- the functions, one per medium ------------------------------------------------------
MEDIA = [
    escape.terminal,
    escape.terminal_line,
    escape.markdown_inline,
    escape.markdown_block,
    escape.html_inline,
    escape.html_block,
    escape.xml,
    escape.csv_cell,
    escape.workflow_data,
    escape.workflow_property,
]


def test_every_medium_is_in_the_table() -> None:
    assert sorted(escape.__all__) == sorted(f.__name__ for f in MEDIA)


@pytest.mark.parametrize("medium", MEDIA, ids=lambda f: f.__name__)
@pytest.mark.parametrize("char", sorted(UNSAFE), ids=lambda c: f"U+{ord(c):04X}")
def test_no_medium_lets_an_unsafe_character_through(medium, char: str) -> None:
    out = medium(f"a{char}b")
    assert char not in out, UNSAFE[char]
    spelled = f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    assert spelled in out or "%" in out  # spelled out (percent-encoded once more in workflows)
    out.encode("utf-8")  # and always encodable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two\nlines\tand a tab", "two\nlines\tand a tab"),
        ("windows\r\nline", "windows\nline"),
        ("bell\x07", "bell\\x07"),
        ("zoë 李 ✓", "zoë 李 ✓"),  # ordinary Unicode is left alone
    ],
)
def test_terminal_keeps_lines_and_spells_the_rest(text: str, expected: str) -> None:
    assert escape.terminal(text) == expected


def test_terminal_line_is_one_line() -> None:
    assert escape.terminal_line("a\nb\tc") == "a\\x0ab\\x09c"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a | b", "a \\| b"),
        ("<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y"),
        ("[click](http://evil.example)", "\\[click\\](http\\://evil.example)"),
        ("![img](x)", "\\!\\[img\\](x)"),
        ("see www.evil.example", "see www\\.evil.example"),
        ("mail@evil.example", "mail\\@evil.example"),
        ("a\n\n## ALL PASSED", "a \\#\\# ALL PASSED"),
        ("it's", "it's"),
        ("*_~`#", "\\*\\_\\~\\`\\#"),
    ],
)
def test_markdown_inline_renders_as_the_literal_text(text: str, expected: str) -> None:
    assert escape.markdown_inline(text) == expected


def test_html_inline_is_one_line_of_escaped_html() -> None:
    text = "x\n\n</summary></details>\n\n## ALL PASSED\n[a](http://e)"
    assert escape.html_inline(text) == (
        "x &lt;/summary&gt;&lt;/details&gt; ## ALL PASSED [a](http://e)"
    )  # inside an HTML block Markdown is not read: one line is all it takes


def test_markdown_block_cannot_be_closed_from_inside() -> None:
    block = escape.markdown_block("```\n</details>\n\n# heading\n`````")
    fence = block.split("text", 1)[0]
    assert fence == "``````"
    assert block.endswith("\n" + fence)
    assert block.count(fence) == 2


@pytest.mark.parametrize("text", FORMULAS, ids=repr)
def test_csv_neutralises_formulas_and_their_look_alikes(text: str) -> None:
    cell = escape.csv_cell(text)
    assert cell.startswith("'"), cell
    assert "\n" not in cell and "\r" not in cell


@pytest.mark.parametrize("name", ROSTER_NAMES)
def test_csv_keeps_a_safe_name_as_it_is_so_it_matches_the_roster(name: str) -> None:
    assert escape.csv_cell(name) == name


def test_workflow_commands_stay_one_command() -> None:
    assert escape.workflow_data("a\r\nb%\n::error::x") == "a%0Ab%25%0A::error::x"
    assert escape.workflow_property("f,title=x:y") == "f%2Ctitle=x%3Ay"


# -- every writer, for names and messages ------------------------------------------------
def hostile_report(name: str) -> Report:
    tests = [
        Result(
            "visible",
            "case",
            Verdict.ERROR,
            0.0,
            1.0,
            False,
            f"ValueError: {ATTACK}",
            f"printed {ATTACK}\n",
            line=3,
        ),
        Result(
            "secret", "case", Verdict.FAILED, 0.0, 1.0, True, f"hidden {ATTACK}", topic="a topic"
        ),
    ]
    return summarize(f"class/{name}/value.py", "mini", tests, 2.0, 0.1)


@pytest.mark.parametrize("audience", ["student", "instructor"])
@pytest.mark.parametrize("fmt", sorted(REPORT_FORMATS))
def test_no_writer_lets_an_unsafe_character_through(fmt: str, audience: str) -> None:
    if fmt == "gradescope" and audience == "instructor":
        pytest.skip("gradescope is written for students only")
    text = render_report(fmt, hostile_report(ATTACK), audience)
    assert not RAW.search(text), (fmt, RAW.search(text))
    if fmt != "json":  # JSON escapes every control itself (\u001b) and keeps the text exact
        assert "\\x1b" in text or "\\\\x1b" in text  # kept, spelled out


@pytest.mark.parametrize("audience", ["student", "instructor"])
@pytest.mark.parametrize("fmt", sorted(GRADEBOOK_FORMATS))
def test_no_gradebook_writer_lets_an_unsafe_character_through(fmt: str, audience: str) -> None:
    if fmt == "gradescope" and audience == "instructor":
        pytest.skip("gradescope is written for students only")
    # Roster cells too (the LMS formats need one): every field holds the attack.
    roster = Roster((Student(ATTACK, *[ATTACK] * 7), Student("absent" + ATTACK)))
    book = Gradebook(
        "mini",
        2.0,
        (Entry(ATTACK, hostile_report(ATTACK)), Entry("bob", hostile_report("bob"))),
        roster=roster,
    )
    text = render_gradebook(fmt, book, audience)
    assert not RAW.search(text), (fmt, RAW.search(text))


def test_a_gradebook_row_cannot_be_redrawn_to_read_passed() -> None:
    redraw = "mallory\r\x1b[2Kalice   PASSED"
    book = Gradebook("mini", 2.0, (Entry(redraw, hostile_report("m")),))
    row = render_gradebook("text", book).splitlines()[0]  # the class sections follow
    assert row.startswith("mallory\\x0d\\x1b[2Kalice   PASSED  FAILED")


# -- Markdown block structure, end to end -------------------------------------------------
# A folder name holds no "/", so the link goes where none is needed.
INJECTED = (
    "x\n\n## ALL SUBMISSIONS PASSED\n\n[claim your prize](javascript:alert(1))\n\n<img src=x>"
)


def live_lines(markdown: str) -> list[str]:
    """The lines of ``markdown`` that are read as Markdown: not inside a code fence, not
    an HTML block line (a ``<details><summary>`` line, which a blank line ends)."""
    live, fence = [], ""
    for line in markdown.splitlines():
        if fence:
            fence = "" if line == fence else fence
        elif line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
        elif not line.startswith("<details><summary>"):
            live.append(line)
    return live


def assert_inert(markdown: str) -> None:
    """Nothing the injected name holds is live Markdown: no heading, link or HTML."""
    assert markdown.count("<details>") == markdown.count("</details>")
    for line in live_lines(markdown):
        assert not line.startswith("## ALL"), line  # no heading of its own
        assert "ALL SUBMISSIONS PASSED" not in line or line.startswith("| "), line
        assert not re.search(r"(?<!\\)\]\(", line), line  # no [text](link)
        assert "<img" not in line, line


@pytest.fixture
def injected_class(tmp_path: Path) -> Path:
    klass = tmp_path / "class"
    for name in (INJECTED, "bob"):
        (klass / name).mkdir(parents=True)
        broken = GOOD_VALUE + "\nValue.relu = None\n"  # fails, so it has details
        (klass / name / "value.py").write_text(broken, encoding="utf-8")
    return klass


def test_a_folder_name_cannot_end_the_details_or_add_a_heading_or_link(
    injected_class: Path, mini_dir: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.touch()
    out = tmp_path / "x.md"
    cache = tmp_path / "cache"
    env = {"GITHUB_STEP_SUMMARY": str(summary), "JUDGE_CACHE_DIR": str(cache)}
    common = ["-p", "mini", "--problems", str(mini_dir), "-j", "1"]
    runner = CliRunner()
    written = runner.invoke(cli, ["grade", str(injected_class), "-o", str(out), *common], env=env)
    assert written.exit_code == 1, written.output
    github = runner.invoke(
        cli, ["grade", str(injected_class), "--format", "github", *common], env=env
    )
    assert github.exit_code == 1, github.output
    for markdown in (out.read_text(encoding="utf-8"), summary.read_text(encoding="utf-8")):
        assert "ALL SUBMISSIONS PASSED" in markdown  # the name is there, as text
        assert_inert(markdown)
    assert all(line.startswith("::") for line in github.stdout.splitlines())


def test_terminal_escapes_in_a_name_and_a_message_reach_no_terminal(
    tmp_path: Path, mini_dir: Path
) -> None:
    name = "eve\x1b]0;pwned\x07\x9b2J\u202e"
    folder = tmp_path / "class" / name
    folder.mkdir(parents=True)
    tail = (
        "\n\nValue.relu = lambda self: (_ for _ in ()).throw(ValueError('\\x1b[2J\\x85\\u202e'))\n"
    )
    (folder / "value.py").write_text(GOOD_VALUE + tail, encoding="utf-8")
    env = {"JUDGE_CACHE_DIR": str(tmp_path / "cache")}
    runner = CliRunner()
    common = ["-p", "mini", "--problems", str(mini_dir)]
    for args in (
        ["grade", str(folder.parent), "-j", "1"],
        ["run", str(folder / "value.py")],
        ["run", str(folder / "value.py"), "--audience", "instructor"],
    ):
        result = runner.invoke(cli, [*args, *common], env=env)
        assert result.exit_code == 1, result.output
        assert not RAW.search(result.output), (args, result.output)
        assert "\\x1b]0;pwned\\x07" in result.output


def test_csv_gradebook_of_look_alike_names(tmp_path: Path) -> None:
    names = [*FORMULAS, *ROSTER_NAMES]
    book = Gradebook("mini", 2.0, tuple(Entry(n, hostile_report("x")) for n in names))
    rows = list(csv.DictReader(io.StringIO(render_gradebook("csv", book))))
    cells = [row["name"] for row in rows]
    assert all(cell.startswith("'") for cell in cells[: len(FORMULAS)]), cells
    assert cells[len(FORMULAS) :] == ROSTER_NAMES
    assert all(not row["message"].startswith(("=", "+", "-", "@")) for row in rows)


def test_json_keeps_the_name_exact(tmp_path: Path) -> None:
    # JSON escapes every character itself, and tools match names in it: it is not cut.
    book = Gradebook("mini", 2.0, (Entry("\u00a0=zoë", hostile_report("x")),))
    assert json.loads(render_gradebook("json", book))["rows"][0]["name"] == "\u00a0=zoë"


def test_an_error_that_quotes_a_name_is_spelled_out(tmp_path: Path) -> None:
    missing = tmp_path / "x\x1b]0;pwned\x07\u202e.py"
    result = CliRunner().invoke(cli, ["run", str(missing)])
    assert result.exit_code == 2, result.output
    assert not RAW.search(result.output), result.output
    assert "\\x1b]0;pwned\\x07\\u202e.py" in result.output
