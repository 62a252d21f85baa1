"""Which reading a submission gets: a notebook's cells, or a Python file as it is."""

from __future__ import annotations

from pathlib import Path, PurePath

from judge.files import read_submission
from judge.submission import folder
from judge.submission.notebook import notebook_source
from judge.submission.source import NOTEBOOK_SUFFIX, Source, decode


def read(path: Path) -> bytes:
    """The bytes to grade of the submission at ``path``, read once and safely: a file's
    (``judge.files.read_submission``), or a student's folder packed whole
    (``judge.submission.folder``: its modules, as one byte string).  These bytes are
    graded, hashed for the cache and compared for twins; ``source_of`` reads both."""
    if folder.is_folder(path):
        return folder.pack(folder.read_folder(path))
    return read_submission(path)


def source_of(name: str | PurePath, content: bytes) -> Source:
    """The ``Source`` of the submission ``name`` (its path or file name: the suffix
    says whether it is a notebook) whose bytes are ``content``.

    UTF-8 with or without a byte-order mark, and any line ends (``\\r\\n``, ``\\r``,
    ``\\n``), as Python itself reads a file.  Raises ``SubmissionError`` for text that
    is not UTF-8, holds NUL bytes (a binary file named like a submission), or a
    notebook that is not one (see ``judge.submission.notebook``).
    """
    if folder.is_packed(content):
        return folder.source(folder.unpack(content))
    shown = str(name)
    text = decode(content, shown)
    if PurePath(shown).suffix.lower() == NOTEBOOK_SUFFIX or _looks_like_notebook(text):
        return notebook_source(text, shown)
    return Source(text)


def _looks_like_notebook(text: str) -> bool:
    """Whether ``text`` is a notebook saved under a .py name (a download renamed): JSON
    with ``nbformat`` and ``cells`` keys, which as Python would fail with ``NameError:
    null``.  No Python file starts with ``{`` and quotes both keys."""
    return text.lstrip().startswith("{") and '"nbformat"' in text and '"cells"' in text
