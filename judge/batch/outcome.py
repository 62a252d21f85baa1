"""What grading one submission of a batch gave, as frozen values.

These cross the boundary between a pool process and the batch (pickled), so they hold
only a report or plain text: no exception object, whose class might not survive the
trip.  ``Collector.deliver`` (``judge.batch.run``) matches on the type.
"""

from __future__ import annotations

from dataclasses import dataclass

from judge.results import Report


@dataclass(frozen=True)
class Graded:
    """The submission was graded (whatever its verdicts): cached, and given to twins."""

    report: Report


@dataclass(frozen=True)
class Unreadable:
    """The submission could not be read or run as one (a link, too big, not Python):
    a row saying why, every test an error."""

    message: str


@dataclass(frozen=True)
class JudgeFailed:
    """The judge itself failed on this submission (a bug, or its grading process
    died): a row saying so and how to report it; the batch goes on."""

    message: str


@dataclass(frozen=True)
class Aborted:
    """A fault that would hit every submission alike (no sandbox here, say): the batch
    stops with this message and exit code."""

    message: str
    exit_code: int


@dataclass(frozen=True)
class Cancelled:
    """The grading was interrupted (Ctrl-C, SIGTERM, the batch gone): stop them all."""


Outcome = Graded | Unreadable | JudgeFailed | Aborted | Cancelled
FINISHED = (Graded, Unreadable, JudgeFailed)  # outcomes that end a submission's grading
