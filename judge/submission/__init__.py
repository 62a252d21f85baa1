"""What a student submitted, as the Python source the worker compiles.

Students submit Python files in whatever encoding form and line ends their editor
wrote (a UTF-8 byte-order mark, Windows or old Mac line ends) and Jupyter notebooks.
``source_of`` turns the bytes ``judge.files.read_submission`` read into one ``Source``:
the Python text, with ``\\n`` line ends and no mark, and for a notebook where each of
its lines came from ("cell 3, line 4"), so that every line the judge shows points at
what the student sees in their editor.
"""

from judge.submission.load import read, source_of
from judge.submission.source import NOTEBOOK_SUFFIX, SUFFIXES, Source, where

__all__ = ["NOTEBOOK_SUFFIX", "SUFFIXES", "Source", "read", "source_of", "where"]
