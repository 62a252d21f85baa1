"""The ASGI app of ``judge serve``: the API and the pages over one ``Context``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from judge.serve.api import Api
from judge.serve.config import ServeConfig
from judge.serve.context import Context
from judge.serve.limits import RateLimiter
from judge.serve.pages import page_routes
from judge.serve.queue import GradingQueue, SubmissionQueue
from judge.serve.store import Store
from judge.spec.catalog import Catalog
from judge.spec.model import Problem

DAY_S = 24 * 3600.0


def create_app(config: ServeConfig, clock: Callable[[], float] = time.time) -> Starlette:
    """The app serving ``config``'s problems.  Loads and checks every problem now (a
    broken spec raises ``SpecErrors`` before anything listens) and opens the database;
    grading and pruning (by ``clock``'s date) start with the app's lifespan and stop
    with it."""
    catalog = Catalog.with_extra(list(config.problems))
    problems = {problem.id: problem for problem in catalog.problems()}
    store = Store(config.database)
    try:
        queue = _queue(config, store, problems)
    except BaseException:  # a Redis URL or password refused: nothing will serve
        store.close()
        raise
    context = Context(config, problems, store, queue, RateLimiter(config.per_minute))
    api = Api(context)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api.bind(asyncio.get_running_loop())
        pruning = asyncio.create_task(_prune_daily(store, config.keep_days, clock))
        queue.start()
        try:
            yield
        finally:
            pruning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pruning
            queue.stop()
            store.close()

    app = Starlette(
        routes=[*api.routes(), *page_routes(context)],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.context = context
    return app


def _queue(config: ServeConfig, store: Store, problems: dict[str, Problem]) -> SubmissionQueue:
    """What grades: this process's grading processes, or workers behind ``--queue``
    (imported only then: without it, no Redis client needs to be installed)."""
    if config.queue is None:
        return GradingQueue(config, store, problems)
    from judge.cluster.connect import require_queue_extra

    require_queue_extra()  # else the import below fails on redis with a traceback
    from judge.serve.remote import RemoteQueue

    return RemoteQueue(config, store, problems)


async def _prune_daily(store: Store, keep_days: int, clock: Callable[[], float]) -> None:
    """Delete the submissions done more than ``keep_days`` ago, now and once a day."""
    if keep_days == 0:
        return
    while True:
        await asyncio.to_thread(store.prune, clock() - keep_days * DAY_S)
        await asyncio.sleep(DAY_S)  # a timer, not a wait for another task


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (no such route, wrong method) as the API's JSON errors."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    reason = error.detail if isinstance(error, HTTPException) else "internal error"
    headers = error.headers if isinstance(error, HTTPException) else None
    return JSONResponse({"status": status, "reason": reason}, status_code=status, headers=headers)
