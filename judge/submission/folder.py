"""A student's folder as a submission: ``engine.py`` + ``nn.py``, or ``micrograd/...``.

Students hand in micrograd's layout, several modules importing each other
(``from engine import Value``, ``from micrograd.engine import Value``, ``from .engine
import Value``).  ``read_folder`` reads the folder's Python files once, safely (no link
followed anywhere inside, one name per file, bounded in count, depth and size), into a
``Folder``; from then on the folder is these bytes, never the disk again.

A ``Folder`` travels as the submission's ``content`` like a file's bytes do (``pack``):
one byte string, so the result cache's key, the twins of a batch and the pool's
messages take a folder as they take a file.  A packed folder starts with a NUL byte,
which no file submission holds (``judge.submission.source.decode`` refuses them), so
the two cannot be confused.

The worker gets the modules under their own relative paths (the names imports need;
the folder's own name, the student's perhaps, is never used) and compiles them all
under one file name, each at its place in ``source(folder).text``: every line the
worker reports is a line of that text, which ``Source.where`` names as the student
finds it ("nn.py, line 12"), and every layer of the sandbox that knows the
submission's code by its file name knows all of the folder's modules by it.

The entry module is the one whose top level defines the problem's entry class
(``class Value``); when several do, the shallowest, then the first by path; when none
does, the first module (the worker then says the class is missing).
"""

from __future__ import annotations

import ast
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from judge.errors import SubmissionError, UnsafeSubmission
from judge.files import MAX_SUBMISSION_BYTES, open_folder, open_folder_at, read_regular_at
from judge.submission.source import Source, decode

MAX_MODULES = 64  # .py files in one student's folder
MAX_DEPTH = 4  # folders below the student's (micrograd/ is one)
MAX_ENTRIES = 2000  # entries listed in all, .py or not, before giving up
_PACKED = b"\0judge-folder/1\n"
_INIT = "__init__.py"


@dataclass(frozen=True)
class Folder:
    """The Python files of a student's folder: ``(path, bytes)`` pairs sorted by path,
    each path relative and ``/``-separated (``micrograd/engine.py``)."""

    files: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class Module:
    """One module of a folder: its import name, file, and first line in the text."""

    name: str
    path: str
    package: bool
    first_line: int


def is_packed(content: bytes) -> bool:
    """Whether ``content`` is a packed ``Folder`` rather than a file's bytes."""
    return content.startswith(_PACKED)


def pack(folder: Folder) -> bytes:
    """``folder`` as one byte string (see the module's doc); ``unpack`` reverses it."""
    parts = [_PACKED]
    for path, data in folder.files:
        parts += [path.encode("utf-8"), b"\0", str(len(data)).encode(), b"\0", data]
    return b"".join(parts)


def unpack(content: bytes) -> Folder:
    """The ``Folder`` that ``pack`` made ``content`` of."""
    files: list[tuple[str, bytes]] = []
    at = len(_PACKED)
    while at < len(content):
        name_end = content.index(b"\0", at)
        size_end = content.index(b"\0", name_end + 1)
        size = int(content[name_end + 1 : size_end])
        start = size_end + 1
        files.append((content[at:name_end].decode("utf-8"), content[start : start + size]))
        at = start + size
    return Folder(tuple(files))


def read_folder(path: Path) -> Folder:
    """The Python files of the student's folder ``path``, read once and safely.

    Every ``.py`` file whose name can be imported (``engine.py``, ``micrograd/nn.py``),
    in folders whose names can be imported too, skipping names that start with ``.``
    or ``_`` (``__pycache__``, ``.ipynb_checkpoints``) but ``__init__.py``.  Nothing
    is followed: a symbolic link named like a module or standing for a folder makes the
    whole folder unsafe (``UnsafeSubmission``), as do a hard-linked file and a module
    that is not a regular file.  Raises ``SubmissionError`` for a folder with no module,
    more than ``MAX_MODULES``, deeper than ``MAX_DEPTH``, more than
    ``MAX_SUBMISSION_BYTES`` in all, or a file that is not UTF-8.
    """
    shown = path.name or str(path)
    descriptor = open_folder(path)
    files: list[tuple[str, bytes]] = []
    try:
        _read_into(descriptor, PurePosixPath(), shown, files, [0])
    finally:
        os.close(descriptor)
    if not files:
        raise SubmissionError(f"{shown}/: no .py file in it; give the folder with your modules")
    return Folder(tuple(sorted(files)))


def _read_into(
    descriptor: int,
    here: PurePosixPath,
    shown: str,
    files: list[tuple[str, bytes]],
    listed: list[int],
) -> None:
    """Read the modules of the open folder ``descriptor`` (``here`` below the student's
    folder) into ``files``; ``listed`` counts the entries seen, across the walk."""
    try:
        names = sorted(os.listdir(descriptor))
    except OSError as error:
        raise SubmissionError(f"{shown}/{here}: cannot list it: {error.strerror}") from None
    listed[0] += len(names)
    if listed[0] > MAX_ENTRIES:
        raise SubmissionError(
            f"{shown}/: more than {MAX_ENTRIES} entries; is this the right folder?"
        )
    for name in names:
        relative = here / name
        where = f"{shown}/{relative}"
        if name.startswith((".", "_")) and name != _INIT:
            continue
        mode = os.lstat(name, dir_fd=descriptor).st_mode
        module = name.endswith(".py") and name[:-3].isidentifier()
        importable = module or (stat.S_ISDIR(mode) and name.isidentifier())
        if importable and not here.parts and name.removesuffix(".py") in sys.stdlib_module_names:
            # The student's modules are allowed to import each other: one named
            # like the standard library's would open the allow-list to that name.
            raise SubmissionError(
                f"{where}: the standard library has a module of that name; rename "
                "it (an import of it would not know which one you mean)"
            )
        if stat.S_ISLNK(mode):
            if module or "." not in name:  # a module, or maybe a folder of them
                raise UnsafeSubmission(
                    f"{where} is a symbolic link; not graded: the judge follows no link "
                    "in a student's folder (copy the file itself into it)"
                )
            continue
        if stat.S_ISDIR(mode) and name.isidentifier():
            if len(relative.parts) > MAX_DEPTH:
                raise SubmissionError(f"{where}: folders nested deeper than {MAX_DEPTH}")
            inner = open_folder_at(descriptor, name, where)
            try:
                _read_into(inner, relative, shown, files, listed)
            finally:
                os.close(inner)
        elif module or name == _INIT:
            if len(files) >= MAX_MODULES:
                raise SubmissionError(f"{shown}/: more than {MAX_MODULES} .py files")
            files.append((str(relative), read_regular_at(descriptor, name, where)))
            if sum(len(data) for _, data in files) > MAX_SUBMISSION_BYTES:
                raise SubmissionError(f"{shown}/: its .py files hold more than 1 MiB in all")


def modules(folder: Folder) -> list[Module]:
    """The folder's modules in text order (its files' order), with the packages its
    folders make even without an ``__init__.py`` (those have no file: ``path`` "")."""
    found: list[Module] = []
    line = 1
    have = {path for path, _ in folder.files}
    packages: set[str] = set()
    for path, data in folder.files:
        parts = PurePosixPath(path).parts
        for depth in range(1, len(parts)):
            package = ".".join(parts[:depth])
            init = "/".join([*parts[:depth], _INIT])
            if package not in packages and init not in have:
                found.append(Module(package, "", True, line))
            packages.add(package)
        is_init = parts[-1] == _INIT
        name = ".".join(parts[:-1] if is_init else [*parts[:-1], parts[-1][:-3]])
        found.append(Module(name, path, is_init, line))
        line += len(_lines(data, path))
    return found


def _lines(data: bytes, path: str) -> list[str]:
    text = decode(data, path)
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n")


def source(folder: Folder) -> Source:
    """The folder as one Python text, its modules one after the other (each ending with
    a line end), every line named by its file and its line there."""
    lines: list[str] = []
    places: list[tuple[int, int]] = []
    for index, (path, data) in enumerate(folder.files):
        own = _lines(data, path)
        lines += own
        places += [(index, number) for number in range(1, len(own) + 1)]
    text = "".join(line + "\n" for line in lines)
    return Source(text, tuple(places), tuple(path for path, _ in folder.files))


def entry_module(folder: Folder, entry: str) -> Module:
    """The module the worker loads: the one whose top level defines the class ``entry``
    (the shallowest, then the first by path, if several do); the first module if none
    does."""
    files = [module for module in modules(folder) if module.path]
    defining = [module for module in files if _defines(folder, module.path, entry)]
    chosen = min(defining, key=lambda m: (m.path.count("/"), m.path), default=None)
    return chosen or files[0]


def _defines(folder: Folder, path: str, entry: str) -> bool:
    data = dict(folder.files)[path]
    try:
        tree = ast.parse(decode(data, path))
    except (SyntaxError, ValueError, SubmissionError, RecursionError, MemoryError):
        return False
    return any(isinstance(node, ast.ClassDef) and node.name == entry for node in tree.body)


def normalized(folder: Folder) -> Folder:
    """``folder`` with each file as the text ``source`` takes of it (UTF-8, no
    byte-order mark, ``\n`` line ends), so the worker counts the same lines."""
    return Folder(tuple((path, decode(data, path).encode("utf-8")) for path, data in folder.files))


def worker_modules(folder: Folder, entry: str) -> dict[str, object]:
    """The worker's description of ``folder`` (its configuration's ``modules``): every
    module's name, file (relative; "" for a package without ``__init__.py``) and
    whether it is a package, in text order (the worker counts the lines itself, as
    ``source`` does), and which module is the entry."""
    return {
        "entry": entry_module(folder, entry).name,
        "list": [[m.name, m.path, m.package] for m in modules(folder)],
    }


def is_folder(path: Path) -> bool:
    """Whether ``path`` is a folder itself (not a link to one: that is refused later)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False
