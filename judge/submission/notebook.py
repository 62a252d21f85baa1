"""A Jupyter notebook (nbformat 4) as Python: its code cells in order.

What a notebook runs that is not Python is left out, as IPython would not hand it to
Python either: a cell that starts with a cell magic (``%%time``, ``%%bash``), and lines
that start with a shell escape or a line magic (``!pip install numpy``,
``%matplotlib inline``, ``files = !ls``).  A left-out line becomes a blank line (or
``pass`` where it was indented, so that a block holding only it stays a block), so
every line keeps its place and is named by its cell and its line in that cell.

The JSON is read with the standard library: only ``cells``, ``cell_type`` and
``source`` matter here, and ``nbformat`` (with its jsonschema) would add two
dependencies to check three keys.
"""

from __future__ import annotations

import io
import json
import re
import tokenize

from judge.errors import SubmissionError
from judge.submission.source import Source

# A line IPython runs itself: a shell escape or a magic, or a name assigned from one
# (``files = !ls``).  None of these is valid Python, so no Python line is taken for one.
_NOT_PYTHON = re.compile(r"\s*(?:[A-Za-z_][\w.]*\s*(?:,\s*[A-Za-z_][\w.]*\s*)*=\s*)?[!%]")
_CELL_MAGIC = re.compile(r"\s*%%")
_FIX = "open it in Jupyter and save it again, or submit a .py file"


def notebook_source(text: str, shown: str) -> Source:
    """The Python of the notebook whose JSON is ``text`` (``shown`` names it in errors).

    Raises ``SubmissionError`` saying what is wrong when ``text`` is not an nbformat 4
    notebook.
    """
    cells = _cells(text, shown)
    lines: list[str] = []
    places: list[tuple[int, int]] = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            raise SubmissionError(f"{shown}: cell {number} is not a cell; {_FIX}")
        if cell.get("cell_type") != "code":
            continue
        code = _cell_code(cell.get("source", ""), shown, number)
        cell_lines = code.split("\n")
        if cell_lines[-1] == "":  # the cell's last line end, not a line of its own
            cell_lines.pop()
        lines.extend(_python_lines(cell_lines))
        places.extend((number, index) for index in range(1, len(cell_lines) + 1))
    return Source("".join(line + "\n" for line in lines), tuple(places))


def _cells(text: str, shown: str) -> list[object]:
    """The notebook's list of cells, or ``SubmissionError`` saying why there is none."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:  # also too long a number, too deep a list
        where = f" at line {error.lineno}" if isinstance(error, json.JSONDecodeError) else ""
        raise SubmissionError(f"{shown}: not a notebook: invalid JSON{where}; {_FIX}") from None
    if not isinstance(document, dict):
        raise SubmissionError(f"{shown}: not a notebook (no cells in it); {_FIX}")
    version = document.get("nbformat")
    if version != 4:
        found = f"nbformat {version}" if isinstance(version, int) else "no nbformat version"
        raise SubmissionError(f"{shown}: a notebook of {found}; the judge reads nbformat 4: {_FIX}")
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError(f"{shown}: not a notebook (no list of cells in it); {_FIX}")
    return cells


def _cell_code(source: object, shown: str, number: int) -> str:
    """A code cell's text: nbformat stores it as one string or a list of lines."""
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        source = "".join(source)
    if not isinstance(source, str):
        raise SubmissionError(f"{shown}: cell {number} has no source text; {_FIX}")
    if "\0" in source:
        raise SubmissionError(f"{shown}: cell {number} holds NUL characters; {_FIX}")
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _python_lines(lines: list[str]) -> list[str]:
    """A code cell's lines with what is not Python blanked (see the module's doc)."""
    if lines and _CELL_MAGIC.match(lines[0]):
        return ["" for _ in lines]
    blanked = [_blank(line) if _NOT_PYTHON.match(line) else line for line in lines]
    if blanked == lines:
        return lines
    # A line of a multi-line string that starts with ! or % is text, not a magic.
    keep = _string_lines(blanked)
    pairs = enumerate(zip(lines, blanked, strict=True))
    return [line if index in keep else new for index, (line, new) in pairs]


def _blank(line: str) -> str:
    indent = line[: len(line) - len(line.lstrip())]
    return indent + "pass" if indent else ""


def _string_lines(lines: list[str]) -> set[int]:
    """The 0-based indexes of lines that lie inside a multi-line string, after its first
    line (empty if the cell does not tokenize: then its lines are left as blanked)."""
    inside: set[int] = set()
    try:
        tokens = tokenize.generate_tokens(io.StringIO("".join(s + "\n" for s in lines)).readline)
        for token in tokens:
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0], token.end[0]))  # 1-based rows after the first
    except (tokenize.TokenError, SyntaxError):
        return set()
    return inside
