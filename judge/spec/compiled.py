"""A spec parsed once: its checked ``Problem`` cached in compiled form.

Loading a spec costs a run about 30 ms before its first request: importing PyYAML and
the loader (25 ms), then parsing, validating and compiling the file's programs (5 ms).
The result is plain data (``Problem``: msgspec structs and frozen dataclasses), cached
in the user's cache (``judge.cachedir``: private, checked before it is read) and read
back in a tenth of a millisecond.  It is pickled, since msgspec cannot decode the
model's union of two dataclasses (a case's graph ``Program`` or ``NetworkProgram``),
and unpickled by ``_DataOnly``, which builds nothing but the judge's own data classes:
any other global a file names (a function, a class of another module, a builtin) is
refused, and the spec is loaded from its YAML instead.  So a cache entry, even one
planted despite ``judge.cachedir``'s checks, can make at worst a wrong problem, never
run code.

The key is the spec's bytes, the path it was read from (errors and reports quote it),
and the judge's code (``judge.fingerprint``: a change to the loader or to what it
compiles to makes a new key).  A spec with errors is never cached: it is loaded again,
and its errors reported, every time.
"""

from __future__ import annotations

import binascii
import contextlib
import dataclasses
import hashlib
import io
import pickle
import sys
from pathlib import Path
from typing import Any

import msgspec

from judge.cachedir import cache_dir, read_private
from judge.errors import UnsafeCache
from judge.files import write_atomic
from judge.fingerprint import code_fingerprint
from judge.spec.model import Problem

FORMAT = 1
KIND = "specs"  # the cache folder's kind, beside "graphs" and the results


def spec_key(path: Path, content: bytes) -> str:
    """The cache key of the spec at ``path`` whose bytes are ``content``."""
    digest = hashlib.sha256(b"%d\0%s\0" % (FORMAT, str(path).encode()))
    digest.update(code_fingerprint().encode() + b"\0")
    digest.update(content)
    return digest.hexdigest()


def load(path: Path) -> Problem:
    """The problem the spec at ``path`` describes: from the cache when it holds this
    spec's compiled form, else loaded (``judge.spec.loader``, which raises the spec's
    errors) and cached."""
    try:
        content = path.read_bytes()
    except OSError:
        content = None  # the loader says what is wrong with the path
    entry = _entry(spec_key(path, content)) if content is not None else None
    if entry is not None:
        cached = read_private(entry)
        if cached is not None:
            decoded = _decode(_unwrapped(cached))
            if decoded is not None:
                return decoded
    # Imported here, not above: PyYAML and the loader are what a cached spec saves.
    from judge.spec.loader import load_problem

    problem = load_problem(path)
    if entry is not None:
        _save(entry, problem)
    return problem


class _DataOnly(pickle.Unpickler):
    """An unpickler that builds only the judge's data classes (msgspec structs and
    dataclasses of judge modules already imported): calling one only stores fields."""

    def find_class(self, module: str, name: str) -> Any:
        found = (
            getattr(sys.modules.get(module), name, None) if module.startswith("judge.") else None
        )
        if isinstance(found, type) and (
            issubclass(found, msgspec.Struct) or dataclasses.is_dataclass(found)
        ):
            return found
        raise pickle.UnpicklingError(f"{module}.{name} is not a data class of the judge")


def _decode(content: bytes) -> Problem | None:
    try:
        problem = _DataOnly(io.BytesIO(content)).load()
    except Exception:  # any damage: the spec is loaded from its YAML instead
        return None
    return problem if isinstance(problem, Problem) else None


def _unwrapped(stored: bytes) -> bytes:
    """The pickle an entry holds (as base64 text: ``files.write_atomic`` writes text)."""
    try:
        return binascii.a2b_base64(stored)
    except binascii.Error:
        return b""


def _save(entry: Path, problem: Problem) -> None:
    """Cache ``problem`` if its compiled form reads back as the very same problem."""
    try:
        content = pickle.dumps(problem, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    if _decode(content) == problem:
        with contextlib.suppress(OSError):
            write_atomic(entry, binascii.b2a_base64(content).decode("ascii"), private=True)


def _entry(key: str) -> Path | None:
    """Where the compiled form with ``key`` is cached, or None without a usable cache."""
    try:
        return cache_dir(KIND) / f"{key[:40]}.pickle"
    except (OSError, UnsafeCache):
        return None
