"""Issue 10: the files students really submit are graded, with lines they can find.

UTF-8 with or without a byte-order mark and any line ends; Jupyter notebooks (their
code cells, magics and shell lines left out, places named ``cell N, line M``) in
``judge run`` and ``judge grade``; and every entry that cannot be graded is a row.
Each is tested through the real worker.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from judge.cli import cli
from judge.errors import SubmissionError
from judge.submission import Source, source_of
from tests.samples import GOOD_VALUE, ROOT

BOM = b"\xef\xbb\xbf"
# GOOD_VALUE with __mul__ raising on its own line, for a line to find in messages.
RAISING_VALUE = GOOD_VALUE.replace(
    "        out = Value(self.data * other.data, (self, other))\n",
    "        raise ValueError('mul is broken')\n",
)
RAISE_LINE = RAISING_VALUE.split("\n").index("        raise ValueError('mul is broken')") + 1


def judge(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def notebook(*cells: str | Sequence[str], kind: str = "code") -> str:
    """An nbformat 4 notebook as Jupyter writes it: a markdown cell first, then a code
    cell for each of ``cells`` (text, or a list of lines as nbformat stores them)."""
    body = [{"cell_type": "markdown", "metadata": {}, "source": ["# My engine\n", "!not code"]}]
    for number, source in enumerate(cells, 1):
        body.append(
            {
                "cell_type": kind,
                "execution_count": number,
                "metadata": {},
                "outputs": [],
                "source": source if isinstance(source, str) else list(source),
            }
        )
    return json.dumps({"cells": body, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def lines_of(text: str) -> list[str]:
    """``text`` as nbformat stores a cell: lines with their ends."""
    return text.splitlines(True)


# The class split over cells as a student writes it: set-up magics first, then the class,
# a cell that times it (a cell magic: not Python), and a check that prints.
CLASS_CELLS = (
    ["!pip install numpy\n", "%matplotlib inline\n", "import math"],
    lines_of(GOOD_VALUE),
    "%%time\nValue(2) * 3\n",
    "v = Value(2.0)\nif v.data:\n    %time v * v\nprint((v * v).data)\n",
)


# --- encodings and line ends -------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"a = 1\nb = 2\n", "a = 1\nb = 2\n"),
        (BOM + b"a = 1\r\nb = 2\r\n", "a = 1\nb = 2\n"),
        (b"a = 1\rb = 2\r", "a = 1\nb = 2\n"),
        (BOM + b"s = '\xc3\xa9'\r\n# \x0c form feed\n", "s = 'é'\n# \x0c form feed\n"),
    ],
)
def test_python_text_as_python_reads_it(content: bytes, text: str) -> None:
    assert source_of("value.py", content) == Source(text)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text; save it as UTF-8"),
        (b"class Value:\x00\x00\x00", r"not a text file \(it holds NUL bytes\)"),
    ],
)
def test_bytes_that_are_not_python_text_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(SubmissionError, match=rf"^value\.py: {message}"):
        source_of("value.py", content)


@pytest.mark.parametrize(
    ("encode", "added"),
    [
        (lambda text: BOM + text.encode(), 0),
        (lambda text: BOM + text.replace("\n", "\r\n").encode(), 0),
        (lambda text: text.replace("\n", "\r").encode(), 0),
        # A form feed and a line separator in comments: line breaks to str.splitlines,
        # not to Python's parser, so they must not shift the lines quoted after them.
        (lambda text: ("# \x0c page\n# \u2028 sep\n" + text).replace("\n", "\r\n").encode(), 2),
    ],
    ids=["bom", "bom-crlf", "cr", "formfeed-crlf"],
)
def test_any_line_end_grades_with_the_right_lines(
    encode: Callable[[str], bytes], added: int, tmp_path: Path, mini_dir: Path
) -> None:
    good = tmp_path / "good.py"
    good.write_bytes(encode(GOOD_VALUE))
    result = judge("run", good, "-p", "mini", "--problems", mini_dir)
    assert result.exit_code == 0, result.output

    raising = tmp_path / "raising.py"
    raising.write_bytes(encode(RAISING_VALUE))
    args = ("--format", "json", "--audience", "instructor")
    result = judge("run", raising, "-p", "mini", "--problems", mini_dir, *args)
    report = json.loads(result.output)
    failed = [t for t in report["tests"] if t["status"] == "error"]
    line = RAISE_LINE + added
    assert failed, result.output
    for test in failed:
        assert test["line"] == line
        assert (
            f"at line {line} of your file: raise ValueError('mul is broken')" in (test["message"])
        )


# --- notebooks ---------------------------------------------------------------------------


def test_a_notebook_is_its_code_cells_without_magics() -> None:
    source = source_of("alice.ipynb", notebook(*CLASS_CELLS).encode())
    text = source.text.split("\n")
    assert text[:3] == ["", "", "import math"]  # the shell escape and the line magic
    assert source.locate(3) == (2, 3)  # the markdown cell counts: the class is cell 3
    first_class_line = 4
    assert source.locate(first_class_line) == (3, 1)
    assert source.where(first_class_line + 1) == "cell 3, line 2"
    cell_magic = len(CLASS_CELLS[0]) + len(CLASS_CELLS[1])  # 0-based: the %%time cell
    assert text[cell_magic : cell_magic + 2] == ["", ""]  # the %%time cell
    assert text[cell_magic + 2 : cell_magic + 6] == [
        "v = Value(2.0)",
        "if v.data:",
        "    pass",  # an indented magic keeps its block a block
        "print((v * v).data)",
    ]
    assert source.where(cell_magic + 6) == "cell 5, line 4"
    compile(source.text, "alice.ipynb", "exec")


def test_a_magic_look_alike_in_a_string_is_kept() -> None:
    cell = 'NOTE = """\n!important: not a shell line\n% of it\n"""\n!echo shell\n'
    text = source_of("n.ipynb", notebook(cell).encode()).text
    assert text == 'NOTE = """\n!important: not a shell line\n% of it\n"""\n\n'


def test_a_notebook_saved_as_py_is_read_as_the_notebook_it_is() -> None:
    content = notebook("a = 1\n").encode()
    assert source_of("value.py", content) == source_of("value.ipynb", content)
    assert source_of("value.py", b'{"a": 1}\n').text == '{"a": 1}\n'  # a Python dict


def test_notebook_cells_with_windows_line_ends_and_a_bom() -> None:
    content = BOM + notebook("a = 1\r\nb = 2\r\n").replace("\n", "\r\n").encode()
    assert source_of("n.ipynb", content) == Source("a = 1\nb = 2\n", ((2, 1), (2, 2)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not a notebook: invalid JSON at line 1"),
        ("[" * 100_000, "not a notebook: invalid JSON"),
        ("[1, 2]", r"not a notebook \(no cells in it\)"),
        ('{"nbformat": 3, "worksheets": []}', "a notebook of nbformat 3; the judge reads "),
        ('{"cells": []}', "a notebook of no nbformat version"),
        ('{"nbformat": 4, "cells": {}}', r"not a notebook \(no list of cells in it\)"),
        ('{"nbformat": 4, "cells": [7]}', "cell 1 is not a cell"),
        ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}', "cell 1 has no source"),
        (
            '{"nbformat": 4, "cells": [{"cell_type": "code", "source": "\\u0000"}]}',
            "cell 1 holds NUL",
        ),
    ],
)
def test_a_malformed_notebook_says_what_is_wrong(content: str, message: str) -> None:
    with pytest.raises(SubmissionError, match=rf"^bad\.ipynb: {message}") as caught:
        source_of("bad.ipynb", content.encode())
    assert "submit a .py file" in str(caught.value)


def test_judge_run_grades_a_notebook(tmp_path: Path, mini_dir: Path) -> None:
    path = tmp_path / "alice.ipynb"
    path.write_text(notebook(*CLASS_CELLS), encoding="utf-8")
    result = judge("run", path, "-p", "mini", "--problems", mini_dir)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("PASSED: score 4/4")


def test_a_notebook_failure_is_named_by_cell_and_line_everywhere(
    tmp_path: Path, mini_dir: Path
) -> None:
    """The text report, the JSON ``line`` and ``cell``, and the GitHub annotation."""
    path = tmp_path / "alice.ipynb"
    path.write_text(notebook(CLASS_CELLS[0], lines_of(RAISING_VALUE)), encoding="utf-8")
    args = ("run", path, "-p", "mini", "--problems", mini_dir, "--audience", "instructor")
    where = f"cell 3, line {RAISE_LINE}"

    text = judge(*args).output
    assert where in text.splitlines()[1]  # the most likely cause, first
    assert f"at {where} of your notebook: raise ValueError('mul is broken')" in text
    assert "your file" not in text

    report = json.loads(judge(*args, "--format", "json").output)
    failed = [t for t in report["tests"] if t["status"] == "error"]
    assert failed
    assert {(t["cell"], t["line"]) for t in failed} == {(3, RAISE_LINE)}

    annotations = judge(*args, "--format", "github").output.splitlines()
    errors = [a for a in annotations if a.startswith("::error ")]
    assert errors
    for annotation in errors:
        # A line of the notebook's JSON is not the student's line: the place is in words.
        assert ",line=" not in annotation
        assert where in annotation


def test_a_notebook_syntax_error_names_its_cell(tmp_path: Path, mini_dir: Path) -> None:
    path = tmp_path / "alice.ipynb"
    path.write_text(notebook("import math\n", "x = 1\ny = (\n"), encoding="utf-8")
    result = judge("run", path, "-p", "mini", "--problems", mini_dir, "--format", "json")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert report["message"].startswith("your notebook has a syntax error at cell 3, line 2")
    assert (report["cell"], report["line"]) == (3, 2)


def test_judge_run_refuses_a_malformed_notebook_clearly(tmp_path: Path, mini_dir: Path) -> None:
    path = tmp_path / "alice.ipynb"
    path.write_text('{"nbformat": 4, "cells": [', encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(path), "-p", "mini", "--problems", str(mini_dir)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {path}: not a notebook: invalid JSON at line 1; open it in Jupyter and "
        "save it again, or submit a .py file\n"
    )


def test_a_notebook_or_a_marked_file_gets_the_diagnosis_of_a_python_file(tmp_path: Path) -> None:
    """The random graphs' diagnosis finds the method at fault by reading the text the
    worker compiled: a notebook's cells, a file without its byte-order mark."""
    correct = (ROOT / "submissions" / "correct.py").read_text(encoding="utf-8")
    broken = correct.replace(
        "self.grad += (1.0 if self.data > 0 else 0.0) * out.grad",
        "self.grad += out.grad / (self.data > 0)",
    )
    assert broken != correct
    relu_line = broken.split("\n").index("    def relu(self):") + 1
    (tmp_path / "marked.py").write_bytes(BOM + broken.replace("\n", "\r\n").encode())
    (tmp_path / "cells.ipynb").write_text(notebook("import math\n", lines_of(broken)))
    for name, cell in (("marked.py", None), ("cells.ipynb", 3)):
        args = ("--format", "json", "--audience", "instructor")
        report = json.loads(judge("run", tmp_path / name, "-p", "basic-autograd", *args).output)
        graphs = next(t for t in report["tests"] if t["name"] == "random graphs")
        assert graphs["diagnosis"]["op"] == "relu", graphs
        assert graphs["line"] == relu_line
        assert graphs.get("cell") == cell
        assert graphs["diagnosis"]["phase"] == "backward"


# --- judge grade: notebooks, and a row for every entry ------------------------------------


def test_judge_grade_takes_notebooks_and_gives_every_entry_a_row(
    tmp_path: Path, mini_dir: Path
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.ipynb").write_text(notebook(*CLASS_CELLS), encoding="utf-8")
    (folder / "bob").mkdir()
    (folder / "bob" / "engine.ipynb").write_text(notebook(lines_of(GOOD_VALUE)))
    (folder / "bob" / ".ipynb_checkpoints").mkdir()  # Jupyter's copies: not a second file
    (folder / "bob" / ".ipynb_checkpoints" / "engine-checkpoint.ipynb").write_text("{")
    (folder / "carol.ipynb").write_text('{"nbformat": 4, "cells": [', encoding="utf-8")
    (folder / "dan.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")  # an image, renamed
    (folder / "erin.py").write_bytes(b"class Value:\x00\x00")  # UTF-8, but binary
    (folder / "gina").mkdir()
    (folder / "gina" / "value.py").write_text(GOOD_VALUE)
    (folder / "gina" / "value.ipynb").write_text(notebook(lines_of(GOOD_VALUE)))
    (folder / "notes.txt").write_text("not a submission")
    out = tmp_path / "grades.json"
    args = ("grade", folder, "-p", "mini", "--problems", mini_dir, "--no-cache", "-o", out)
    result = judge(*args)
    assert result.exit_code == 1, result.output
    book = json.loads(out.read_text())
    rows = {row["name"]: row for row in book["rows"]}
    assert sorted(rows) == ["alice", "bob", "carol", "dan", "erin", "gina"]
    assert rows["alice"]["status"] == rows["bob"]["status"] == "passed"
    why = {name: rows[name]["message"] for name in ("carol", "dan", "erin", "gina")}
    assert all(rows[name]["status"] == "error" for name in why)
    assert why["carol"].startswith(f"{folder}/carol.ipynb: not a notebook: invalid JSON at line 1")
    assert why["dan"] == f"{folder}/dan.py: not UTF-8 text; save it as UTF-8"
    assert why["erin"].startswith(f"{folder}/erin.py: not a text file (it holds NUL bytes)")
    assert why["gina"] == (
        "gina/ holds several files to grade (value.ipynb, value.py); pass --file NAME to choose one"
    )
