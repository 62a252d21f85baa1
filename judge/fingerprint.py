"""One digest of the code that decides a grade, for every cache to key on.

Both caches (graded results, ``judge.batch.cache``; graph corpora,
``judge.properties.corpus``) serve what they hold as if computed now, so their keys
must change whenever the code that computed it could have: a fix to grading code
without a version bump, or a file a hand-kept list forgot.  The fingerprint is
therefore every Python file of the package (names and bytes), the version, and the
version of hypothesis, which draws the graphs.  The specs are the other half of each
key: a result keys on its spec file's digest, a corpus on the graph shape its spec
asks for.  Hashing the package (600 kB) takes about 8 ms, once per process.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path

from judge.version import __version__

PACKAGE = Path(__file__).resolve().parent


def source_digest(root: Path) -> str:
    """A sha256 of every ``*.py`` file under ``root``: its path from ``root`` and its
    bytes, in a fixed order (compiled files and other data are not code)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix().encode()
        content = path.read_bytes()
        digest.update(b"%d:%s%d:" % (len(relative), relative, len(content)))
        digest.update(content)
    return digest.hexdigest()


def _hypothesis_version() -> str:
    """hypothesis's version.py, read without importing hypothesis (200 ms)."""
    spec = importlib.util.find_spec("hypothesis")
    if spec is not None and spec.origin is not None:
        version = Path(spec.origin).with_name("version.py")
        if version.is_file():
            return hashlib.sha256(version.read_bytes()).hexdigest()
    return "absent"


@functools.cache
def code_fingerprint() -> str:
    """The digest of the judge's own code (every module of the package), its version
    and hypothesis's: what both caches key on."""
    parts = (__version__, source_digest(PACKAGE), _hypothesis_version())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
