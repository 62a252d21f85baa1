"""The server's settings: the limits and paths ``judge serve`` runs with, checked once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from judge.errors import UsageError

TOKEN_VARIABLE = "JUDGE_INSTRUCTOR_TOKEN"
"""The environment variable that may hold the instructor token (not an option: argv is
visible to every user of the machine in ``ps``)."""


@dataclass(frozen=True)
class ServeConfig:
    """How ``judge serve`` runs.  Every limit has a safe default for a class-sized site.

    ``database`` is the SQLite file that keeps submissions across restarts; ``problems``
    folders of specs searched after the built-in catalog; ``jobs`` submissions graded at
    once; ``max_source`` bytes of one submission's source; ``max_body`` bytes of one
    request body; ``max_queue`` submissions waiting before new ones get 503;
    ``per_minute`` requests one client may make in a minute (429 after);
    ``wait_timeout`` seconds a ``?wait=true`` request waits before answering 202;
    ``max_batch`` submissions in one batch; ``max_attempts`` times a submission is
    started before one that keeps killing the server is recorded as an error;
    ``token`` the instructor token (None: no one gets instructor reports, and batches
    are open to every client); ``keep_days`` days a done submission is kept (0: for
    ever); ``forwarded_allow_ips`` the reverse proxies whose ``X-Forwarded-For`` names
    the client (None: the header is ignored, the peer is the client); ``queue`` the
    Redis URL of a job queue whose workers grade (None: the server grades itself).
    """

    database: Path
    host: str = "127.0.0.1"
    port: int = 8000
    problems: tuple[Path, ...] = ()
    jobs: int = 2
    sandbox: str = "auto"
    max_source: int = 64 * 1024
    max_body: int = 4 * 1024 * 1024
    max_queue: int = 1000
    per_minute: int = 60
    wait_timeout: float = 120.0
    max_batch: int = 200
    max_attempts: int = 3
    token: str | None = field(default=None, repr=False)  # never in logs or tracebacks
    keep_days: int = 30
    forwarded_allow_ips: str | None = None
    queue: str | None = field(default=None, repr=False)  # its password never in logs

    def __post_init__(self) -> None:
        positive = {
            "--jobs": self.jobs,
            "--max-source": self.max_source,
            "--max-body": self.max_body,
            "--max-queue": self.max_queue,
            "--per-minute": self.per_minute,
            "--max-batch": self.max_batch,
            "--max-attempts": self.max_attempts,
        }
        for option, value in positive.items():
            if value < 1:
                raise UsageError(f"{option} must be at least 1, not {value}")
        if self.keep_days < 0:
            raise UsageError(f"--keep-days must be 0 (keep for ever) or more, not {self.keep_days}")
        if self.wait_timeout <= 0:
            raise UsageError(f"--wait-timeout must be positive, not {self.wait_timeout}")
        if self.token is not None and len(self.token) < 16:
            raise UsageError("the instructor token must be at least 16 characters long")
        for folder in self.problems:
            if not folder.is_dir():
                raise UsageError(f"--problems {folder}: no such folder")


def token_from(path: Path | None) -> str | None:
    """The instructor token from ``path`` (its first line) or else ``JUDGE_INSTRUCTOR_TOKEN``;
    None when neither gives one."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"--token-file {path}: {error.strerror}") from error
        lines = text.strip().splitlines()
        return lines[0].strip() if lines else None
    return os.environ.get(TOKEN_VARIABLE) or None
