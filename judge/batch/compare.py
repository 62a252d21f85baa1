"""Regrading: what changed between an earlier gradebook and a new one.

After a spec is fixed mid-term or the judge is upgraded, ``judge grade --compare
OLD.json`` grades again and says whose score changed, old → new, with the tests that
flipped (passed before and not now, or the other way round).  The earlier gradebook is
a ``judge-gradebook/1`` JSON file, for students or for the instructor alike: only
names, scores, statuses and each test's verdict are compared, and a hidden test keeps
its verdict in either view.

Submissions are matched by the student's name (a name met twice, by its first, second...
occurrence).  Tests are matched by name: a test the spec added or removed is listed
once for the class, not as a flip of every student's.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judge.errors import UsageError
from judge.report.escape import terminal_line
from judge.report.gradebook import SCHEMA, Entry, Gradebook
from judge.results import Report

MAX_GRADEBOOK_BYTES = 256 << 20


@dataclass(frozen=True)
class Flip:
    """A test whose outcome changed: ``old`` and ``new`` are its verdicts."""

    test: str
    old: str
    new: str

    @property
    def fixed(self) -> bool:
        """Whether it passes now (and did not before)."""
        return self.new == "passed"


@dataclass(frozen=True)
class Change:
    """A submission whose score, status or tests changed."""

    name: str
    old_score: float
    new_score: float
    old_status: str
    new_status: str
    flips: tuple[Flip, ...]

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON."""
        return {
            "name": self.name,
            "old_score": self.old_score,
            "new_score": self.new_score,
            "old_status": self.old_status,
            "new_status": self.new_status,
            "flipped": [{"test": f.test, "old": f.old, "new": f.new} for f in self.flips],
        }


@dataclass(frozen=True)
class Comparison:
    """What changed from the ``old`` gradebook to the ``new`` one."""

    old_problem: str
    new_problem: str
    old_max: float
    new_max: float
    changed: tuple[Change, ...]
    unchanged: int
    added: tuple[str, ...]  # submissions only in the new gradebook
    removed: tuple[str, ...]  # submissions only in the old one
    tests_added: tuple[str, ...]
    tests_removed: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The comparison as JSON."""
        return {
            "old_problem": self.old_problem,
            "new_problem": self.new_problem,
            "old_max_score": self.old_max,
            "new_max_score": self.new_max,
            "changed": [c.to_dict() for c in self.changed],
            "unchanged": self.unchanged,
            "added": list(self.added),
            "removed": list(self.removed),
            "tests_added": list(self.tests_added),
            "tests_removed": list(self.tests_removed),
        }


def read_gradebook(path: Path) -> Gradebook:
    """The ``judge-gradebook/1`` JSON file at ``path`` as a gradebook; raises
    ``UsageError`` for a file that cannot be read or is not one."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_GRADEBOOK_BYTES + 1)
    except OSError as error:
        raise UsageError(f"--compare {path}: cannot read it: {error.strerror}") from None
    hint = "give a gradebook written by judge grade --format json (or -o FILE.json)"
    if len(data) > MAX_GRADEBOOK_BYTES:
        raise UsageError(f"--compare {path}: too large for a gradebook; {hint}")
    try:
        book = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"--compare {path}: not JSON ({error}); {hint}") from None
    if not isinstance(book, dict) or book.get("schema") != SCHEMA:
        found = book.get("schema") if isinstance(book, dict) else type(book).__name__
        raise UsageError(f"--compare {path}: not a {SCHEMA} gradebook (found {found!r}); {hint}")
    try:
        entries = tuple(
            Entry(str(row["name"]), Report.from_dict(row["report"])) for row in book["rows"]
        )
        return Gradebook(str(book["problem"]), float(book["max_score"]), entries)
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(f"--compare {path}: a malformed gradebook ({error!r}); {hint}") from None


def _keyed(book: Gradebook) -> dict[tuple[str, int], Entry]:
    seen: Counter[str] = Counter()
    keyed = {}
    for entry in book.entries:
        keyed[(entry.name, seen[entry.name])] = entry
        seen[entry.name] += 1
    return keyed


def _test_names(book: Gradebook) -> dict[str, None]:
    return {t.name: None for e in book.entries for t in e.report.tests}


def _verdicts(report: Report) -> dict[str, str]:
    return {t.name: t.status.value for t in report.tests}


def compare(old: Gradebook, new: Gradebook) -> Comparison:
    """Whose score, status or tests changed from ``old`` to ``new``, in ``new``'s order."""
    before, after = _keyed(old), _keyed(new)
    old_tests, new_tests = _test_names(old), _test_names(new)
    changed = []
    for key, entry in after.items():
        if key not in before:
            continue
        was, now = before[key].report, entry.report
        flips = tuple(_flips(_verdicts(was), _verdicts(now)))
        if flips or was.score != now.score or was.status is not now.status:
            changed.append(
                Change(key[0], was.score, now.score, was.status.value, now.status.value, flips)
            )
    return Comparison(
        old.problem,
        new.problem,
        old.max_score,
        new.max_score,
        tuple(changed),
        sum(1 for key in after if key in before) - len(changed),
        tuple(key[0] for key in after if key not in before),
        tuple(key[0] for key in before if key not in after),
        tuple(name for name in new_tests if name not in old_tests),
        tuple(name for name in old_tests if name not in new_tests),
    )


def _flips(was: dict[str, str], now: dict[str, str]) -> Iterator[Flip]:
    """Tests both reports ran whose passing changed.  A report that could not be
    graded has every test as an error, so loading and breaking show as flips too."""
    for name, verdict in now.items():
        old = was.get(name)
        if old is not None and (old == "passed") != (verdict == "passed"):
            yield Flip(name, old, verdict)


def _points(value: float) -> str:
    return f"{value:g}"


def render_text(comparison: Comparison, source: str) -> str:
    """The comparison for a terminal: a line per changed submission, old → new, with
    the tests it now passes (+) and fails (-); then who is new or gone."""
    c = comparison
    total = len(c.changed) + c.unchanged
    lines = [
        f"Compared with {terminal_line(source)}: {len(c.changed)} of {total} "
        f"submission{'s' if total != 1 else ''} changed"
        + (
            f" (maximum {_points(c.old_max)} → {_points(c.new_max)})"
            if c.old_max != c.new_max
            else ""
        )
    ]
    names = [terminal_line(change.name) for change in c.changed]
    width = max((len(name) for name in names), default=0)
    for change, name in zip(c.changed, names, strict=True):
        scores = f"{_points(change.old_score)} → {_points(change.new_score)}"
        status = (
            f" ({change.old_status} → {change.new_status})"
            if change.old_status != change.new_status
            else ""
        )
        flips = "; ".join(
            f"{'+' if f.fixed else '-'}{terminal_line(f.test)} ({f.old} → {f.new})"
            for f in change.flips
        )
        lines.append(f"  {name:<{width}}  {scores}{status}  {flips}".rstrip())
    if c.old_problem != c.new_problem:
        lines.append(
            f"note: {terminal_line(source)} graded {terminal_line(c.old_problem)}, "
            f"this run {terminal_line(c.new_problem)}"
        )
    if c.tests_added:
        lines.append("Tests added: " + ", ".join(map(terminal_line, c.tests_added)))
    if c.tests_removed:
        lines.append("Tests removed: " + ", ".join(map(terminal_line, c.tests_removed)))
    if c.added:
        lines.append("New submissions: " + ", ".join(map(terminal_line, c.added)))
    if c.removed:
        lines.append("No longer submitted: " + ", ".join(map(terminal_line, c.removed)))
    return "\n".join(lines) + "\n"
