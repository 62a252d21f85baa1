"""What the API's and the pages' handlers share: the settings, problems, store, queue."""

from __future__ import annotations

from dataclasses import dataclass

from judge.serve.config import ServeConfig
from judge.serve.limits import RateLimiter
from judge.serve.queue import SubmissionQueue
from judge.serve.store import Store
from judge.spec.model import Problem


@dataclass(frozen=True)
class Context:
    """The running server's parts; ``problems`` maps each served id to its problem, in
    the catalog's order."""

    config: ServeConfig
    problems: dict[str, Problem]
    store: Store
    queue: SubmissionQueue
    limiter: RateLimiter
