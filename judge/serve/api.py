"""The JSON API: problems, submissions, batches; errors as JSON with a reason.

Request bodies become typed values here and nowhere else (``msgspec``, whose errors
name the bad field: the 422's reason).  A student's report hides hidden tests' details
(``judge.report.audience``); the instructor token shows them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from importlib import resources
from typing import Any, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from judge.report.audience import Audience, for_audience
from judge.report.json_format import finite
from judge.results import Report
from judge.serve.context import Context
from judge.serve.limits import is_instructor, retry_after
from judge.serve.store import Mode, NewSubmission, State, Submission

QUEUE_FULL_RETRY_S = 10
"""What ``Retry-After`` says when the queue is full: about a few grades' time."""


def _decode(raw: bytes, kind: Any) -> Any:
    """``raw`` decoded as ``kind``, or ``ApiError`` 422 naming what is wrong with it."""
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:  # a DecodeError too: caught first
        raise ApiError(422, f"bad body: {error}") from None
    except msgspec.DecodeError as error:
        raise ApiError(422, f"bad body: not JSON ({error})") from None


class SubmissionBody(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /api/submissions``'s body; ``mode`` defaults to ``submit``."""

    problem: str
    source: str
    mode: Literal["run", "submit"] = "submit"


class ApiError(Exception):
    """A request the API refuses: its status, reason and extra headers."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None):
        super().__init__(reason)
        self.status, self.reason, self.headers = status, reason, headers or {}


def error_response(error: ApiError) -> JSONResponse:
    """The JSON body every refusal has: ``{"status": N, "reason": "..."}``."""
    body = {"status": error.status, "reason": error.reason}
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def openapi() -> dict[str, Any]:
    """The OpenAPI description of this API (``judge/serve/openapi.json``)."""
    text = resources.files("judge.serve").joinpath("openapi.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


class Api:
    """The API's handlers over a running server's ``Context``."""

    def __init__(self, context: Context):
        self.context = context
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        context.queue.listen(self._finished)

    def routes(self) -> list[BaseRoute]:
        """The API's routes, under ``/api``."""
        return [
            Route("/api/openapi.json", self.describe, methods=["GET"]),
            Route("/api/problems", self.list_problems, methods=["GET"]),
            Route("/api/problems/{problem_id}", self.show_problem, methods=["GET"]),
            Route("/api/submissions", self.submit, methods=["POST"]),
            Route("/api/submissions/batch", self.submit_batch, methods=["POST"]),
            Route("/api/submissions/{submission_id}", self.show_submission, methods=["GET"]),
        ]

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake ``?wait=true`` requests on ``loop`` (the server's, once it runs)."""
        self._loop = loop

    async def describe(self, request: Request) -> Response:
        """``GET /api/openapi.json``."""
        return JSONResponse(openapi())

    async def list_problems(self, request: Request) -> Response:
        """``GET /api/problems``: ``[{id, title, difficulty}]``."""
        return JSONResponse(
            [
                {"id": p.id, "title": p.title, "difficulty": p.difficulty}
                for p in self.context.problems.values()
            ]
        )

    async def show_problem(self, request: Request) -> Response:
        """``GET /api/problems/{id}``: the statement, starter and visible cases."""
        try:
            problem = self._problem(request.path_params["problem_id"])
        except ApiError as error:
            return error_response(error)
        cases = [
            {"name": case.name, "topic": case.topic, "points": case.points, "source": case.source}
            for case in problem.cases
            if not case.hidden
        ]
        return JSONResponse(
            {
                "id": problem.id,
                "title": problem.title,
                "difficulty": problem.difficulty,
                "statement": problem.description,
                "starter": problem.starter,
                "entry": problem.entry,
                "max_score": problem.max_score,
                "cases": cases,
            }
        )

    async def submit(self, request: Request) -> Response:
        """``POST /api/submissions[?wait=true]``: 202 with the id, or 200 and the record."""
        try:
            wait = _wait_flag(request)
            instructor = self._instructor(request)
            if not instructor:
                self._take(request, 1)
            body = _decode(await self._body(request), SubmissionBody)
            ids = self._accept([body])
        except ApiError as error:
            return error_response(error)
        if not wait:
            return JSONResponse({"id": ids[0]}, status_code=202)
        return await self._waited(ids[0], instructor)

    async def submit_batch(self, request: Request) -> Response:
        """``POST /api/submissions/batch``: a list of submissions → ``{"ids": [...]}``."""
        try:
            instructor = self._instructor(request)
            if self.context.config.token is not None and not instructor:
                raise ApiError(
                    401, "batch submissions need the instructor token (Authorization: Bearer TOKEN)"
                )
            raw = await self._body(request)
            bodies = _decode(raw, list[SubmissionBody])
            if not bodies:
                raise ApiError(422, "bad body: the batch is empty")
            if len(bodies) > self.context.config.max_batch:
                raise ApiError(
                    413,
                    f"a batch holds at most {self.context.config.max_batch} submissions, "
                    f"not {len(bodies)}: split it",
                )
            if not instructor:
                self._take(request, len(bodies))
            ids = self._accept(bodies)
        except ApiError as error:
            return error_response(error)
        return JSONResponse({"ids": ids}, status_code=202)

    async def show_submission(self, request: Request) -> Response:
        """``GET /api/submissions/{id}``: the record, with the report once done."""
        found = self.context.store.get(request.path_params["submission_id"])
        if found is None:
            return error_response(ApiError(404, "no submission with this id"))
        return JSONResponse(record(found, self._instructor(request)))

    async def _waited(self, submission_id: str, instructor: bool) -> Response:
        """The record once done (200), or as it is after ``wait_timeout`` (202)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(submission_id, []).append(future)
        try:
            found = self.context.store.get(submission_id)  # done before we listened?
            if found is not None and found.state is not State.DONE:
                with contextlib.suppress(asyncio.TimeoutError):  # answered 202 below
                    await asyncio.wait_for(future, self.context.config.wait_timeout)
                found = self.context.store.get(submission_id)
        finally:
            waiting = self._waiters.get(submission_id, [])
            if future in waiting:
                waiting.remove(future)
            if not waiting:
                self._waiters.pop(submission_id, None)
        if found is None:  # cannot happen: stored rows are never deleted
            return error_response(ApiError(404, "no submission with this id"))
        status = 200 if found.state is State.DONE else 202
        return JSONResponse(record(found, instructor), status_code=status)

    def _finished(self, submission_id: str) -> None:
        """From a grading thread: wake the requests waiting on ``submission_id``."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake, submission_id)

    def _wake(self, submission_id: str) -> None:
        for future in self._waiters.get(submission_id, []):
            if not future.done():
                future.set_result(None)

    def _problem(self, problem_id: str) -> Any:
        problem = self.context.problems.get(problem_id)
        if problem is None:
            raise ApiError(404, f"unknown problem {problem_id!r}; GET /api/problems lists them")
        return problem

    def _instructor(self, request: Request) -> bool:
        return is_instructor(request.headers.get("authorization"), self.context.config.token)

    def _take(self, request: Request, count: int) -> None:
        client = request.client.host if request.client is not None else "unknown"
        wait = self.context.limiter.take(client, count)
        if wait:
            per_minute = self.context.config.per_minute
            raise ApiError(
                429,
                f"too many submissions: at most {per_minute} a minute from one client",
                {"Retry-After": retry_after(wait)},
            )

    async def _body(self, request: Request) -> bytes:
        """The body, refused (413) as soon as it passes ``max_body`` bytes."""
        limit = self.context.config.max_body
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ApiError(413, f"the body is over {limit} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"the body is over {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _accept(self, bodies: list[SubmissionBody]) -> list[str]:
        """Check each submission, store them all as queued and wake the graders."""
        config = self.context.config
        for index, body in enumerate(bodies):
            where = f"submission {index}: " if len(bodies) > 1 else ""
            self._problem(body.problem)
            size = len(body.source.encode("utf-8"))  # msgspec refuses lone surrogates
            if size > config.max_source:
                raise ApiError(
                    413, f"{where}the source is {size} bytes, over the limit of {config.max_source}"
                )
        new = [NewSubmission(b.problem, Mode(b.mode), b.source) for b in bodies]
        ids = self.context.store.add(new, config.max_queue)
        if ids is None:
            raise ApiError(
                503,
                f"the grading queue is full ({config.max_queue} waiting); retry later",
                {"Retry-After": str(QUEUE_FULL_RETRY_S)},
            )
        self.context.queue.wake()
        return ids


def record(submission: Submission, instructor: bool) -> dict[str, Any]:
    """A submission as the API shows it: the report cut for a student unless
    ``instructor``."""
    report = submission.report
    if report is not None:
        audience = Audience.INSTRUCTOR if instructor else Audience.STUDENT
        report = finite(for_audience(Report.from_dict(report), audience).to_dict())
    return {
        "id": submission.id,
        "problem": submission.problem,
        "mode": submission.mode.value,
        "state": submission.state.value,
        "report": report,
    }


def _wait_flag(request: Request) -> bool:
    value = request.query_params.get("wait", "false").lower()
    if value not in ("true", "1", "false", "0"):
        raise ApiError(422, f"wait must be true or false, not {value!r}")
    return value in ("true", "1")
