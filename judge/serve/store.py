"""Submissions and their reports in SQLite, so a restart loses nothing accepted.

One connection shared by the server's threads behind a lock: every statement is short
(a row in, a row out), and SQLite serialises writers anyway.  WAL journaling lets the
file be read (by an instructor's ``sqlite3``) while the server writes.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from judge.errors import UsageError
from judge.report.json_format import finite

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order of arrival: the queue's order
    id       TEXT NOT NULL UNIQUE,               -- random: one student cannot guess another's
    problem  TEXT NOT NULL,
    mode     TEXT NOT NULL,
    state    TEXT NOT NULL,
    source   TEXT NOT NULL,
    created  REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    report   TEXT
);
CREATE INDEX IF NOT EXISTS waiting ON submissions (state, seq);
"""
COLUMNS = "id, problem, mode, state, source, attempts, report, created"
"""A ``Submission``'s columns, in the order ``_submission`` reads them."""


class State(str, Enum):
    """Where a submission is: waiting, being graded, or graded (its report kept)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class Mode(str, Enum):
    """``run``: the visible cases only; ``submit``: every test."""

    RUN = "run"
    SUBMIT = "submit"


@dataclass(frozen=True)
class Submission:
    """One stored submission; ``report`` is the full ``judge-report/1`` dict once done."""

    id: str
    problem: str
    mode: Mode
    state: State
    source: str
    attempts: int
    report: dict[str, Any] | None
    created: float  # when it was accepted, in seconds since the epoch


@dataclass(frozen=True)
class NewSubmission:
    """A submission accepted by the API, not yet stored."""

    problem: str
    mode: Mode
    source: str


class Store:
    """The SQLite file of submissions.  Thread-safe; ``close`` when done."""

    def __init__(self, path: Path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL: a commit survives the server's crash (a power cut may
            # lose the last few), at a fraction of FULL's fsyncs.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as error:
            raise UsageError(f"--database {path}: cannot open it as SQLite ({error})") from error
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the file (what was committed stays)."""
        with self._lock:
            self._db.close()

    def add(self, submissions: Sequence[NewSubmission], max_queue: int) -> list[str] | None:
        """Store ``submissions`` as queued and return their ids, in order; None (nothing
        stored) when they would make more than ``max_queue`` wait.  All or none."""
        with self._lock:
            (waiting,) = self._db.execute(
                "SELECT COUNT(*) FROM submissions WHERE state != ?", (State.DONE.value,)
            ).fetchone()
            if waiting + len(submissions) > max_queue:
                return None
            ids = [secrets.token_urlsafe(12) for _ in submissions]
            now = time.time()
            with self._db:  # one transaction: a batch is stored whole or not at all
                self._db.execute("BEGIN")
                self._db.executemany(
                    "INSERT INTO submissions (id, problem, mode, state, source, created)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (i, s.problem, s.mode.value, State.QUEUED.value, s.source, now)
                        for i, s in zip(ids, submissions, strict=True)
                    ],
                )
            return ids

    def get(self, submission_id: str) -> Submission | None:
        """The submission with this id, or None."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {COLUMNS} FROM submissions WHERE id = ?",
                (submission_id,),
            ).fetchone()
        return None if row is None else _submission(row)

    def claim(self) -> Submission | None:
        """The oldest queued submission, now marked running (its attempts counted), or
        None when none waits."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute(
                f"SELECT {COLUMNS} FROM submissions WHERE state = ? ORDER BY seq LIMIT 1",
                (State.QUEUED.value,),
            ).fetchone()
            if row is None:
                return None
            self._db.execute(
                "UPDATE submissions SET state = ?, attempts = attempts + 1 WHERE id = ?",
                (State.RUNNING.value, row[0]),
            )
        found = _submission(row)
        return dataclasses.replace(found, state=State.RUNNING, attempts=found.attempts + 1)

    def finish(self, submission_id: str, report: dict[str, Any]) -> bool:
        """Record the report of a graded submission; it is done.  False (and nothing
        changed) if it was done already: a report is stored once, the first one."""
        text = json.dumps(finite(report), allow_nan=False)
        with self._lock, self._db:
            self._db.execute("BEGIN")
            changed = self._db.execute(
                "UPDATE submissions SET state = ?, report = ? WHERE id = ? AND state != ?",
                (State.DONE.value, text, submission_id, State.DONE.value),
            ).rowcount
        return changed == 1

    def requeue(self, submission_id: str) -> None:
        """Put a running submission back in the queue (its grading process died)."""
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "UPDATE submissions SET state = ? WHERE id = ? AND state = ?",
                (State.QUEUED.value, submission_id, State.RUNNING.value),
            )

    def requeue_interrupted(self, max_attempts: int) -> list[Submission]:
        """After a restart: put back in the queue what was running when the server
        stopped, unless it was started ``max_attempts`` times already (it may be what
        kills the server); return those, still running, for the caller to record."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "UPDATE submissions SET state = ? WHERE state = ? AND attempts < ?",
                (State.QUEUED.value, State.RUNNING.value, max_attempts),
            )
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM submissions WHERE state = ?",
                (State.RUNNING.value,),
            ).fetchall()
        return [_submission(row) for row in rows]

    def unfinished(self) -> list[str]:
        """The ids of the submissions not done yet, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM submissions WHERE state != ? ORDER BY seq", (State.DONE.value,)
            ).fetchall()
        return [row[0] for row in rows]

    def mark_running(self, submission_id: str) -> None:
        """Show a queued submission as running (a worker elsewhere started it)."""
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "UPDATE submissions SET state = ? WHERE id = ? AND state = ?",
                (State.RUNNING.value, submission_id, State.QUEUED.value),
            )

    def prune(self, before: float) -> int:
        """Delete the done submissions accepted before ``before`` (seconds since the
        epoch) and return how many; what is not done yet is kept, however old."""
        with self._lock, self._db:
            self._db.execute("BEGIN")
            deleted = self._db.execute(
                "DELETE FROM submissions WHERE state = ? AND created < ?",
                (State.DONE.value, before),
            ).rowcount
        return int(deleted)

    def counts(self) -> dict[str, int]:
        """How many submissions are in each state."""
        with self._lock:
            rows = self._db.execute(
                "SELECT state, COUNT(*) FROM submissions GROUP BY state"
            ).fetchall()
        return {state.value: 0 for state in State} | {str(s): int(n) for s, n in rows}


def _submission(row: tuple[Any, ...]) -> Submission:
    report = json.loads(row[6]) if row[6] is not None else None
    return Submission(
        row[0], row[1], Mode(row[2]), State(row[3]), row[4], int(row[5]), report, float(row[7])
    )
