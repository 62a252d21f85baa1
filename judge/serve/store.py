"""Submissions and their reports in SQLite, so a restart loses nothing accepted.

One connection shared by the server's threads behind a lock: every statement is short
(a row in, a row out), and SQLite serialises writers anyway.  WAL journaling lets the
file be read (by an instructor's ``sqlite3``) while the server writes.
"""

from __future__ import annotations

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
                "SELECT id, problem, mode, state, source, attempts, report"
                " FROM submissions WHERE id = ?",
                (submission_id,),
            ).fetchone()
        return None if row is None else _submission(row)

    def claim(self) -> Submission | None:
        """The oldest queued submission, now marked running (its attempts counted), or
        None when none waits."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute(
                "SELECT id, problem, mode, state, source, attempts, report FROM submissions"
                " WHERE state = ? ORDER BY seq LIMIT 1",
                (State.QUEUED.value,),
            ).fetchone()
            if row is None:
                return None
            self._db.execute(
                "UPDATE submissions SET state = ?, attempts = attempts + 1 WHERE id = ?",
                (State.RUNNING.value, row[0]),
            )
        found = _submission(row)
        return Submission(
            found.id,
            found.problem,
            found.mode,
            State.RUNNING,
            found.source,
            found.attempts + 1,
            None,
        )

    def finish(self, submission_id: str, report: dict[str, Any]) -> None:
        """Record the report of a graded submission; it is done."""
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.execute(
                "UPDATE submissions SET state = ?, report = ? WHERE id = ?",
                (State.DONE.value, json.dumps(finite(report), allow_nan=False), submission_id),
            )

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
                "SELECT id, problem, mode, state, source, attempts, report FROM submissions"
                " WHERE state = ?",
                (State.RUNNING.value,),
            ).fetchall()
        return [_submission(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """How many submissions are in each state."""
        with self._lock:
            rows = self._db.execute(
                "SELECT state, COUNT(*) FROM submissions GROUP BY state"
            ).fetchall()
        return {state.value: 0 for state in State} | {str(s): int(n) for s, n in rows}


def _submission(row: tuple[Any, ...]) -> Submission:
    report = json.loads(row[6]) if row[6] is not None else None
    return Submission(row[0], row[1], Mode(row[2]), State(row[3]), row[4], int(row[5]), report)
