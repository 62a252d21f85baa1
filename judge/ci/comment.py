"""The pull-request check's sticky comment: one comment on the pull request, written on
the first push and edited on each later one, so the grade is where the student looks.

The comment is found again by a hidden marker (an HTML comment naming the problem, so
two checks of one pull request keep one comment each) and by its author (by default
``github-actions[bot]``, whose token the job has): a student who pastes the marker into
a comment of their own does not get it overwritten, nor hide the judge's.  Uses the
GitHub REST API (``GITHUB_API_URL``, so a test points it at a local server) with the
standard library only; every failure is a ``CommentError`` the check reports as a
warning, never as its verdict.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

# GitHub refuses longer comment bodies (65,536 characters).
MAX_BODY = 65_000
PER_PAGE = 100
MAX_PAGES = 30  # 3,000 comments: a bound on what one run reads
TIMEOUT_S = 30
DEFAULT_AUTHOR = "github-actions[bot]"


class CommentError(Exception):
    """The comment could not be read or written: the message says what the API
    answered and what to change (usually the workflow's ``permissions``)."""


@dataclass(frozen=True)
class Target:
    """Where the comment goes: ``repository`` is ``owner/name``, ``number`` the pull
    request's."""

    api_url: str
    repository: str
    number: int
    token: str
    author: str = DEFAULT_AUTHOR


@dataclass(frozen=True)
class Comment:
    """An issue comment as far as the check reads it."""

    id: int
    body: str
    author: str


def marker(problem: str) -> str:
    """The hidden line that marks the check's comment for ``problem``."""
    return f"<!-- judge: pull-request check of {problem.replace('--', '- -')} -->"


def body_for(problem: str, summary: str) -> str:
    """The comment: the marker, then the job summary's Markdown (cut to GitHub's
    limit, saying so)."""
    head = marker(problem) + "\n"
    if len(head) + len(summary) > MAX_BODY:
        cut = "\n\n…(cut: the whole report is in the job summary)\n"
        summary = summary[: MAX_BODY - len(head) - len(cut)] + cut
    return head + summary


def post(target: Target, problem: str, summary: str) -> str:
    """Create the check's comment or edit the one already there; ``"created"`` or
    ``"updated"``.  Raises ``CommentError``."""
    body = body_for(problem, summary)
    existing = find(target, marker(problem))
    if existing is None:
        _call(target, "POST", f"/issues/{target.number}/comments", {"body": body})
        return "created"
    if existing.body != body:
        _call(target, "PATCH", f"/issues/comments/{existing.id}", {"body": body})
    return "updated"


def find(target: Target, mark: str) -> Comment | None:
    """The first comment by ``target.author`` that holds ``mark``, or None."""
    for page in range(1, MAX_PAGES + 1):
        listing = _call(
            target, "GET", f"/issues/{target.number}/comments?per_page={PER_PAGE}&page={page}"
        )
        if not isinstance(listing, list):
            raise CommentError("the API's list of comments is not a list")
        for item in listing:
            comment = _comment(item)
            if comment is not None and comment.author == target.author and mark in comment.body:
                return comment
        if len(listing) < PER_PAGE:
            return None
    return None


def _comment(item: Any) -> Comment | None:
    """A comment of the API's answer, or None for one that is not shaped as one."""
    if not isinstance(item, dict):
        return None
    user = item.get("user")
    ident, body = item.get("id"), item.get("body")
    login = user.get("login") if isinstance(user, dict) else None
    if type(ident) is not int or not isinstance(body, str) or not isinstance(login, str):
        return None
    return Comment(ident, body, login)


def _call(target: Target, method: str, path: str, payload: dict[str, str] | None = None) -> Any:
    url = f"{target.api_url.rstrip('/')}/repos/{target.repository}{path}"
    request = urllib.request.Request(
        url,
        method=method,
        data=None if payload is None else json.dumps(payload).encode("utf-8"),
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {target.token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "judge-pull-request-check",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            text = response.read(16 * 1024 * 1024).decode("utf-8")
    except urllib.error.HTTPError as error:
        hint = (
            " (give the workflow 'permissions: pull-requests: write'; a pull request "
            "from a fork gets a read-only token on 'pull_request')"
            if error.code in (401, 403, 404)
            else ""
        )
        raise CommentError(f"{method} {url}: HTTP {error.code} {error.reason}{hint}") from None
    except (urllib.error.URLError, OSError, UnicodeDecodeError) as error:
        raise CommentError(f"{method} {url}: {getattr(error, 'reason', error)}") from None
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        raise CommentError(f"{method} {url}: the answer is not JSON") from None
