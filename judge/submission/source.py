"""A submission's bytes as the Python source the worker compiles, and its lines' names."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from judge.errors import SubmissionError

NOTEBOOK_SUFFIX = ".ipynb"
SUFFIXES = (".py", NOTEBOOK_SUFFIX)  # the files a class folder's students submit


@dataclass(frozen=True)
class Source:
    """The Python text of a submission and where each of its lines came from.

    ``text`` has ``\\n`` line ends only and no byte-order mark.  ``cells`` is empty for
    a Python file, whose lines are the file's own; for a notebook it holds, for each
    line of ``text`` (1-based, in order), the notebook's cell (1-based, every cell
    counted, markdown too, as a student counts them from the top) and the line in
    that cell.
    """

    text: str
    cells: tuple[tuple[int, int], ...] = ()
    # A student's folder (``judge.submission.folder``): its files' paths, and in
    # ``cells`` each line's file (0-based index into ``files``) and line in that file.
    files: tuple[str, ...] = ()

    @property
    def is_notebook(self) -> bool:
        return bool(self.cells) and not self.files

    @property
    def is_folder(self) -> bool:
        return bool(self.files)

    def locate(self, line: int) -> tuple[int | None, int]:
        """``(cell, line in the cell)`` of the text's ``line`` for a notebook;
        ``(None, line in its file)`` for a folder (``file_of`` says which file);
        ``(None, line)`` for a Python file, or a line the text does not have."""
        if self.cells and 1 <= line <= len(self.cells):
            place, number = self.cells[line - 1]
            return (None, number) if self.files else (place, number)
        return None, line

    def file_of(self, line: int) -> str | None:
        """The file of a folder that the text's ``line`` lies in (None: not a folder)."""
        if self.files and 1 <= line <= len(self.cells):
            return self.files[self.cells[line - 1][0]]
        return None

    def where(self, line: int) -> str:
        """The text's ``line`` as the student finds it: ``line 12``, ``cell 3, line 4``,
        ``nn.py, line 12`` in a folder."""
        file = self.file_of(line)
        if file is not None:
            return f"{file}, {where(*self.locate(line))}"
        return where(*self.locate(line))


def where(cell: int | None, line: int) -> str:
    """``line 12``, or ``cell 3, line 4`` in a notebook: the one spelling of a place in a
    submission, used by every message and writer."""
    return f"cell {cell}, line {line}" if cell is not None else f"line {line}"


def decode(content: bytes, shown: str) -> str:
    """``content`` as text: UTF-8, the byte-order mark dropped, line ends made ``\\n``.

    Python reads a file the same way (a file with a mark runs under ``python``); the
    worker compiles a string, where a mark is a stray character U+FEFF.
    """
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(f"{shown}: not UTF-8 text; save it as UTF-8") from None
    if "\0" in text:
        raise SubmissionError(
            f"{shown}: not a text file (it holds NUL bytes); submit your Python file itself"
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")
