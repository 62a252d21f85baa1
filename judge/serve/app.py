"""The ASGI app of ``judge serve``: the API and the pages over one ``Context``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from judge.serve.api import Api
from judge.serve.config import ServeConfig
from judge.serve.context import Context
from judge.serve.limits import RateLimiter
from judge.serve.pages import page_routes
from judge.serve.queue import GradingQueue
from judge.serve.store import Store
from judge.spec.catalog import Catalog


def create_app(config: ServeConfig) -> Starlette:
    """The app serving ``config``'s problems.  Loads and checks every problem now (a
    broken spec raises ``SpecErrors`` before anything listens) and opens the database;
    grading starts with the app's lifespan and stops with it."""
    catalog = Catalog.with_extra(list(config.problems))
    problems = {problem.id: problem for problem in catalog.problems()}
    store = Store(config.database)
    queue = GradingQueue(config, store, problems)
    context = Context(config, problems, store, queue, RateLimiter(config.per_minute))
    api = Api(context)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        api.bind(asyncio.get_running_loop())
        queue.start()
        try:
            yield
        finally:
            queue.stop()
            store.close()

    app = Starlette(
        routes=[*api.routes(), *page_routes(context)],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.context = context
    return app


async def _http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (no such route, wrong method) as the API's JSON errors."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    reason = error.detail if isinstance(error, HTTPException) else "internal error"
    headers = error.headers if isinstance(error, HTTPException) else None
    return JSONResponse({"status": status, "reason": reason}, status_code=status, headers=headers)
