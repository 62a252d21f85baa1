"""Per-client request limits and the instructor token check."""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW_S = 60.0
"""The limit counts requests in the last minute (a sliding window, so no burst at the
turn of a minute doubles it)."""

MAX_CLIENTS = 100_000
"""Clients remembered at once; past it the oldest are forgotten, so a flood of source
addresses cannot grow the table without bound."""


class RateLimiter:
    """At most ``per_minute`` requests per client in any 60 seconds.  Thread-safe."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, count: int = 1) -> float:
        """Count ``count`` requests from ``client`` and return 0, or, when that would go
        over the limit, count nothing and return the seconds until enough have aged out
        (what ``Retry-After`` says)."""
        now = self._clock()
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            self._seen[client] = times  # most recently seen last: the oldest go first
            while times and times[0] <= now - WINDOW_S:
                times.popleft()
            if len(times) + count > self.per_minute:
                if count > self.per_minute:
                    return WINDOW_S
                # The request that must age out for ``count`` more to fit.
                oldest = times[len(times) + count - self.per_minute - 1]
                return max(oldest + WINDOW_S - now, 0.001)
            times.extend([now] * count)
            while len(self._seen) > MAX_CLIENTS:
                del self._seen[next(iter(self._seen))]
            return 0.0


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` header's value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


def is_instructor(authorization: str | None, token: str | None) -> bool:
    """Whether an ``Authorization: Bearer ...`` header carries the instructor token
    (compared in constant time).  With no token configured, no one is."""
    if token is None or not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
