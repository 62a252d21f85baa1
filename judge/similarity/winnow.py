"""Winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003), the fingerprints of MOSS.

Every run of ``k`` consecutive tokens (a k-gram) is hashed; of every ``window``
consecutive hashes, the smallest is kept, each position once ("robust winnowing": on
a tie the one already kept stays, else the rightmost is taken, so a run of equal hashes
keeps one per window, not every one).  Two texts that share a run of at least
``window + k - 1`` tokens are guaranteed to share a fingerprint, and runs shorter than
``k`` tokens never count: a shared ``return self + other`` is noise, a shared method
is not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import NamedTuple

# Measured on the corpora (tests/test_similarity.py): at k = 25, w = 20, independent
# engines share a few idioms (``def __radd__(self, other): return self + other`` is 16
# tokens) while a copy shares whole methods.
K = 25
WINDOW = 20


class Fingerprint(NamedTuple):
    """A kept hash and the index of its k-gram's first token."""

    hash: int
    position: int


def kgram_hashes(texts: Sequence[str], k: int = K) -> list[int]:
    """The hash of each k-gram of ``texts`` (token texts), in order.

    A stable 64-bit hash (BLAKE2b), not ``hash()``, which differs between processes:
    the same class gives the same report every time.
    """
    joined = [text.encode() for text in texts]
    return [
        int.from_bytes(
            hashlib.blake2b(b"\0".join(joined[i : i + k]), digest_size=8).digest(), "big"
        )
        for i in range(len(joined) - k + 1)
    ]


def winnow(hashes: Sequence[int], window: int = WINDOW) -> list[Fingerprint]:
    """The fingerprints winnowing keeps from ``hashes`` (see the module's docstring).

    A sequence shorter than one window keeps its smallest hash, so a short text still
    has a fingerprint.
    """
    if not hashes:
        return []
    if len(hashes) <= window:
        smallest = min(range(len(hashes)), key=lambda i: (hashes[i], -i))
        return [Fingerprint(hashes[smallest], smallest)]
    kept: list[Fingerprint] = []
    chosen = -1
    for start in range(len(hashes) - window + 1):
        if chosen < start:  # the last minimum left the window: look again
            chosen = start
            for i in range(start + 1, start + window):
                if hashes[i] <= hashes[chosen]:
                    chosen = i
            kept.append(Fingerprint(hashes[chosen], chosen))
        elif hashes[start + window - 1] < hashes[chosen]:  # a smaller one came in
            chosen = start + window - 1
            kept.append(Fingerprint(hashes[chosen], chosen))
    return kept
