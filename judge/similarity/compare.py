"""Pairs of submissions that share many fingerprints, and the lines they share.

Each submission becomes a ``Document`` (its tokens and winnowed fingerprints).  The
starter's k-grams are taken out of every document first, so the lines every student
was given never make two of them look alike.  A fingerprint held by most of a large
class is taken out too: it is the course's idiom, not a copy.  Two documents are a pair
when the fingerprints they share are at least ``threshold`` of theirs (the Dice
coefficient, 2 * shared / (theirs + its)); the shared k-grams are then chained into
fragments, each a line range in one and the line range it matches in the other.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from judge.batch.discover import Submission
from judge.errors import SubmissionError, UsageError
from judge.similarity.tokens import Token, tokens, units
from judge.similarity.winnow import WINDOW, Fingerprint, K, kgram_hashes, winnow
from judge.submission.load import read, source_of
from judge.submission.source import Source, where

# Measured (tests/test_similarity.py, docs/grading.md): independent engines of the
# corpora score at most 0.42 with each other; a copy with every name changed, methods
# shuffled and comments and docstrings rewritten scores at least 0.95.
THRESHOLD = 0.6
# Fewer shared fingerprints than this is never a pair, whatever the score: two tiny
# files (a starter with one line added) are alike by chance.
MIN_SHARED = 8
# A fingerprint in more than this share of a class (and in more than COMMON_FLOOR
# documents, so a small class keeps its evidence) is taken out as an idiom.
COMMON_SHARE = 0.5
COMMON_FLOOR = 10
# The most pairs reported, with their line ranges.  A class where everyone copied
# from everyone (1,000 files, 10 sources) has 49,500 pairs: 150 MB of JSON, and
# nothing a person reads.  The headline says how many there were.
MAX_PAIRS = 2000
# The most fragments shown for a pair (the longest), and the most times a fingerprint
# may repeat in a file to be placed in one: bounds on what a hostile file costs.
MAX_FRAGMENTS = 50
_MAX_REPEATS = 8
# Shared k-grams further apart than this (in tokens, in either file) start a new
# fragment.  Winnowing keeps one fingerprint per window inside a shared run, so two
# windows apart means the run was broken.
_GAP = 2 * WINDOW


@dataclass(frozen=True)
class Document:
    """One submission's fingerprints: ``name`` as the gradebook shows it, its text's
    ``source`` (a notebook's lines name their cells) and its ``tokens``."""

    name: str
    source: Source
    tokens: tuple[Token, ...]
    fingerprints: tuple[Fingerprint, ...]


@dataclass(frozen=True)
class Span:
    """Lines ``first``..``last`` of a submission's text, and ``where`` as its author
    finds them (``lines 10-25``, ``cell 3, lines 4-9``)."""

    first: int
    last: int
    where: str


@dataclass(frozen=True)
class Fragment:
    """A stretch of ``a``'s code and the stretch of ``b``'s it matches; ``kgrams`` is
    how many shared fingerprints chain it (more is stronger evidence)."""

    a: Span
    b: Span
    kgrams: int


@dataclass(frozen=True)
class Pair:
    """Two submissions alike beyond the threshold: ``similarity`` in 0..1, ``shared``
    fingerprints, and the ``fragments`` they share, in ``a``'s line order."""

    a: str
    b: str
    similarity: float
    shared: int
    fragments: tuple[Fragment, ...]


@dataclass(frozen=True)
class Similarity:
    """The result for a class: its ``pairs`` (most similar first), how many
    ``documents`` were compared, the ``skipped`` ones (name, reason), the
    ``threshold`` used, whether a ``starter`` was taken out, and how many pairs were
    ``found`` (more than ``pairs`` holds when ``MAX_PAIRS`` cut them)."""

    pairs: tuple[Pair, ...]
    documents: int
    skipped: tuple[tuple[str, str], ...]
    threshold: float
    starter: bool
    found: int


def document(name: str, source: Source, starter: frozenset[int] = frozenset()) -> Document:
    """The ``Document`` of ``source``, without the k-grams whose hash is in ``starter``.

    Each unit (a method, a function, the statements between them) is fingerprinted
    apart, so moving methods around changes no fingerprint.  A unit shorter than a
    k-gram (a one-line method) has none: measured on the corpora, such one-liners
    (``return self * other**-1``) are what independent engines share most.
    """
    found = tokens(source.text)
    kept: list[Fingerprint] = []
    for unit in units(found):
        hashes = kgram_hashes([token.text for token in found[unit.start : unit.stop]])
        kept.extend(
            Fingerprint(f.hash, unit.start + f.position)
            for f in winnow(hashes)
            if f.hash not in starter
        )
    return Document(name, source, tuple(found), tuple(kept))


def starter_hashes(text: str) -> frozenset[int]:
    """Every k-gram hash of the starter ``text``, unit by unit as ``document`` makes
    them (not only its fingerprints: a student's winnowing may keep another k-gram of
    the same lines)."""
    found = tokens(text)
    return frozenset(
        hash_
        for unit in units(found)
        for hash_ in kgram_hashes([token.text for token in found[unit.start : unit.stop]])
    )


def load(
    submissions: Iterable[Submission], starter: str = ""
) -> tuple[list[Document], list[tuple[str, str]]]:
    """The documents of ``submissions`` (as ``judge.batch.discover`` finds them, each
    read once with ``judge.files.read_submission``: no link followed), without the
    ``starter``'s k-grams, and ``(name, reason)`` for each that cannot be compared."""
    taken_out = starter_hashes(starter) if starter else frozenset()
    documents: list[Document] = []
    skipped: list[tuple[str, str]] = []
    for submission in submissions:
        if submission.problem:
            skipped.append((submission.name, submission.problem))
            continue
        try:
            content = read(submission.path)  # a file, or a student's folder whole
            source = source_of(submission.path, content)
        except SubmissionError as error:
            skipped.append((submission.name, str(error)))
            continue
        documents.append(document(submission.name, source, taken_out))
    return documents, skipped


def compare(
    documents: Sequence[Document],
    threshold: float = THRESHOLD,
    skipped: Sequence[tuple[str, str]] = (),
    starter: bool = False,
    limit: int = MAX_PAIRS,
) -> Similarity:
    """The pairs among ``documents`` whose similarity is at least ``threshold``: the
    ``limit`` most similar, with their fragments (``found`` counts them all).

    Time is linear in the fingerprints plus, for each fingerprint, the square of the
    documents holding it (which ``COMMON_SHARE`` bounds): an inverted index, not a
    comparison of every pair.
    """
    held: dict[int, list[int]] = defaultdict(list)  # hash -> documents holding it
    for index, doc in enumerate(documents):
        for hash_ in {f.hash for f in doc.fingerprints}:
            held[hash_].append(index)
    most = max(COMMON_FLOOR, int(COMMON_SHARE * len(documents)))
    common = {hash_ for hash_, holders in held.items() if len(holders) > most}
    sizes = [len({f.hash for f in doc.fingerprints} - common) for doc in documents]
    shared: Counter[tuple[int, int]] = Counter()
    for hash_, holders in held.items():
        if hash_ not in common:
            shared.update(itertools.combinations(holders, 2))
    above = sorted(
        (-round(2 * count / (sizes[i] + sizes[j]), 3), documents[i].name, documents[j].name, i, j)
        for (i, j), count in shared.items()
        if count >= MIN_SHARED and 2 * count / (sizes[i] + sizes[j]) >= threshold
    )
    pairs = tuple(
        Pair(a, b, -score, shared[i, j], fragments(documents[i], documents[j], common))
        for score, a, b, i, j in above[:limit]
    )
    return Similarity(pairs, len(documents), tuple(skipped), threshold, starter, len(above))


def fragments(
    a: Document, b: Document, ignored: frozenset[int] | set[int] = frozenset()
) -> tuple[Fragment, ...]:
    """The stretches ``a`` and ``b`` share: their common fingerprints (but ``ignored``)
    chained while both sides move forward by less than two windows, in ``a``'s order;
    the ``MAX_FRAGMENTS`` longest."""
    in_a, in_b = _positions(a, ignored), _positions(b, ignored)
    matches = sorted(
        (pa, pb) for hash_, found in in_a.items() for pa in found for pb in in_b.get(hash_, ())
    )
    done: list[list[tuple[int, int]]] = []
    open_: list[list[tuple[int, int]]] = []  # chains that a later match may still extend
    for pa, pb in matches:
        # Matches come in a's order: a chain that ended two windows back is done.
        done.extend(c for c in open_ if pa - c[-1][0] > _GAP)
        open_ = [c for c in open_ if pa - c[-1][0] <= _GAP]
        for chain in reversed(open_):
            last_a, last_b = chain[-1]
            if pa > last_a and 0 < pb - last_b <= _GAP:
                chain.append((pa, pb))
                break
        else:
            open_.append([(pa, pb)])
    # A k-gram that occurs twice in a file (__add__ and __sub__ alike) also matches
    # the other occurrence: a chain is kept only where no longer chain already
    # explains its lines, on either side.
    kept: list[tuple[range, range, int]] = []
    for chain in sorted(done + open_, key=lambda c: (-len(c), c[0])):
        span_a = range(chain[0][0], chain[-1][0] + K)
        span_b = range(min(p for _, p in chain), max(p for _, p in chain) + K)
        if not any(_overlap(span_a, a_) or _overlap(span_b, b_) for a_, b_, _ in kept):
            kept.append((span_a, span_b, len(chain)))
            if len(kept) == MAX_FRAGMENTS:
                break
    return tuple(
        Fragment(_span(a, span_a), _span(b, span_b), count)
        for span_a, span_b, count in sorted(kept, key=lambda k: k[0].start)
    )


def _positions(doc: Document, ignored: frozenset[int] | set[int]) -> dict[int, list[int]]:
    """Where each fingerprint of ``doc`` is, but ``ignored`` ones and those repeated
    more than ``_MAX_REPEATS`` times (a line pasted a thousand times would otherwise
    match a million ways)."""
    found: dict[int, list[int]] = defaultdict(list)
    for f in doc.fingerprints:
        if f.hash not in ignored:
            found[f.hash].append(f.position)
    return {hash_: at for hash_, at in found.items() if len(at) <= _MAX_REPEATS}


def _overlap(one: range, other: range) -> bool:
    return one.start < other.stop and other.start < one.stop


def _span(doc: Document, tokens_: range) -> Span:
    """The lines of ``doc`` that hold its tokens ``tokens_``."""
    start = doc.tokens[tokens_.start].line
    end = doc.tokens[min(tokens_.stop, len(doc.tokens)) - 1].line
    (cell, line), (end_cell, end_line) = doc.source.locate(start), doc.source.locate(end)
    file, end_file = doc.source.file_of(start), doc.source.file_of(end)
    if file is not None:  # a student's folder: named by file ("nn.py, lines 3-9")
        if file != end_file:
            return Span(start, end, f"{doc.source.where(start)} to {doc.source.where(end)}")
        lines = f"line {line}" if line == end_line else f"lines {line}-{end_line}"
        return Span(start, end, f"{file}, {lines}")
    if cell != end_cell:
        return Span(start, end, f"{where(cell, line)} to {where(end_cell, end_line)}")
    lines = f"line {line}" if line == end_line else f"lines {line}-{end_line}"
    return Span(start, end, lines if cell is None else f"cell {cell}, {lines}")


def find_similar(
    submissions: Sequence[Submission], starter: str = "", threshold: float = THRESHOLD
) -> Similarity:
    """The near-copies among ``submissions``: each read and fingerprinted without the
    k-grams of ``starter`` (the problem's starter and any code every student may use),
    then compared (see ``compare``)."""
    documents, skipped = load(submissions, starter)
    return compare(documents, threshold, skipped, starter=bool(starter.strip()))


def read_ignored(paths: Sequence[Path]) -> str:
    """The text of the instructor's files of code every student may use (``--ignore``),
    one after the other.  Raises ``UsageError`` for one that cannot be read."""
    texts = []
    for path in paths:
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise UsageError(f"--ignore {path}: cannot read it: {reason}") from None
    return "\n".join(texts)
