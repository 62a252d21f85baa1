"""Run the server: the app of ``create_app`` under uvicorn, until Ctrl-C or SIGTERM."""

from __future__ import annotations

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
    next start.
    """
    app = create_app(config)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
        log_level="warning",
        access_log=False,  # a line per poll drowns the errors; the database is the record
        timeout_keep_alive=REQUEST_LINE_TIMEOUT_S,
        limit_concurrency=MAX_CONNECTIONS,
        server_header=False,
    )
