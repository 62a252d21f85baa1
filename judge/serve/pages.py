"""The problem site's pages: the problem list, a problem's page, and a result fragment.

The pages are the API's first client: the problem page's script (static/problem.js)
grades through ``POST /api/submissions?wait=true`` like any tool would, then fetches the
finished result from here as HTML, drawn by the same renderer as ``judge run --format
html`` (``judge.report.html``) for the student audience, so hidden tests follow the
hidden-test rule on the page exactly as in a student's report.  Everything a page loads
ships in the package (static/, the editor bundled from web/editor): nothing from a CDN.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
from collections.abc import Mapping
from pathlib import Path

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from judge.errors import UnknownProblem
from judge.report.audience import Audience
from judge.report.html import STYLE, render_result_fragment
from judge.report.statement import render_statement
from judge.results import Report
from judge.serve.context import Context
from judge.serve.store import Mode, State, Submission

HERE = Path(__file__).parent
# Starlette's Jinja2Templates turns autoescaping on: every value a template prints is
# escaped unless it is Markup, and only the renderer's own output is made Markup here.
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))

SUBMISSIONS_URL = "/api/submissions"
"""The API's submissions endpoint, the one place the page script learns it from."""
RESULTS_URL = "/results/"
"""Where a finished submission's result fragment is, before its id."""

# Scripts and fetches from this server only, and no inline script or event handler: a
# tag that slipped into a rendered statement or result could run nothing.  Inline
# styles stay allowed because the editor styles itself with <style> elements.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


def page_routes(context: Context) -> list[BaseRoute]:
    """The pages' routes, served beside the API: ``/`` (the problem list),
    ``/problems/{id}``, ``/results/{submission id}`` (a finished submission's result as
    an HTML fragment, for the student audience), ``/report.css`` and ``/static``."""

    async def problem_list(request: Request) -> Response:
        values = {"problems": list(context.problems.values())}
        return _page(request, "problems.html", values)

    async def problem_page(request: Request) -> Response:
        problem_id = request.path_params["problem_id"]
        problem = context.problems.get(problem_id)
        if problem is None:
            close = difflib.get_close_matches(problem_id, list(context.problems), n=3)
            return _page(
                request, "not_found.html", {"message": UnknownProblem(problem_id, close)}, 404
            )
        values = {
            "problem": problem,
            "statement": Markup(render_statement(problem.description)),
            "submissions_url": SUBMISSIONS_URL,
            "results_url": RESULTS_URL,
        }
        return _page(request, "problem.html", values)

    async def result_fragment(request: Request) -> Response:
        submission = context.store.get(request.path_params["submission_id"])
        if submission is None or submission.state is not State.DONE or not submission.report:
            # Only the page's own script asks, after the API said the submission is done.
            missing = "<p>No finished submission with this id.</p>"
            return HTMLResponse(missing, status_code=404, headers=SECURITY_HEADERS)
        report = _headed(Report.from_dict(submission.report), submission, context)
        # Always the student's cut: the pages have no instructor mode (the API has).
        fragment = render_result_fragment(report, Audience.STUDENT)
        return HTMLResponse(fragment, headers=SECURITY_HEADERS)

    async def report_css(request: Request) -> Response:
        # The report's one stylesheet, the same text the HTML files inline.
        return Response(STYLE, media_type="text/css", headers=SECURITY_HEADERS)

    return [
        Route("/", problem_list, name="problem_list"),
        Route("/problems/{problem_id}", problem_page, name="problem_page"),
        Route(RESULTS_URL + "{submission_id}", result_fragment, name="result_fragment"),
        Route("/report.css", report_css, name="report_css"),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]


def _headed(report: Report, submission: Submission, context: Context) -> Report:
    """``report`` named for its reader: the problem's title and when it was sent (in
    UTC), where a report file names the file and the problem's id; the random id means
    nothing to a student."""
    problem = context.problems.get(submission.problem)
    title = problem.title if problem is not None else submission.problem
    sent = datetime.datetime.fromtimestamp(submission.created, datetime.timezone.utc)
    kind = "Run" if submission.mode is Mode.RUN else "Submission"
    return dataclasses.replace(
        report, submission=f"{kind} of {sent:%Y-%m-%d %H:%M:%S} UTC", problem=title
    )


def _page(
    request: Request, template: str, values: Mapping[str, object], status: int = 200
) -> Response:
    """A whole page from ``template``, with the pages' security headers."""
    return TEMPLATES.TemplateResponse(
        request, template, dict(values), status_code=status, headers=SECURITY_HEADERS
    )
