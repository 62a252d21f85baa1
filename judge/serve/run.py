"""Run the server: the app of ``create_app`` under uvicorn, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
import sys
from types import FrameType

import uvicorn

from judge.serve.app import create_app
from judge.serve.config import ServeConfig

REQUEST_LINE_TIMEOUT_S = 5
"""Seconds an idle keep-alive connection is held open: a slow client cannot pin one."""

MAX_CONNECTIONS = 200
"""Connections served at once (uvicorn answers 503 past it): bounded memory under a flood."""


def serve(config: ServeConfig) -> None:
    """Serve ``config``'s problems and API on its host and port until stopped.

    Raises ``SpecErrors`` for a broken problem and ``UsageError`` for a database that
    cannot be opened, before anything listens.  Uvicorn handles SIGINT and SIGTERM:
    requests in flight finish, grading stops, and what was running is requeued at the
    next start.  After SIGTERM (how a service manager stops a service) the process
    exits 0; after Ctrl-C, as interrupted.
    """
    app = create_app(config)
    # Uvicorn restores the handlers it found and raises the signal it caught again once
    # it has shut down, so a stop it handled would end the process by SIGTERM (status
    # -15, a failure to systemd); this handler, the one it restores, makes it exit 0.
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,  # a line per poll drowns the errors; the database is the record
        timeout_keep_alive=REQUEST_LINE_TIMEOUT_S,
        limit_concurrency=MAX_CONNECTIONS,
        server_header=False,
        # uvicorn's ProxyHeadersMiddleware, only for the proxies named: by default it
        # would trust X-Forwarded-For from loopback, and a local client could then
        # spread its requests over made-up addresses past the rate limit.
        proxy_headers=config.forwarded_allow_ips is not None,
        forwarded_allow_ips=config.forwarded_allow_ips,
    )


def _stopped(signum: int, frame: FrameType | None) -> None:
    """SIGTERM outside uvicorn's handling (or raised again by it after its shutdown):
    a clean stop."""
    sys.exit(0)
