"""The pull-request check's sticky comment and private specs.

The comment goes to a local HTTP server standing in for the GitHub REST API
(``GITHUB_API_URL`` on a loopback port): the first push creates one comment, the next
push edits it; a comment of a student holding the same marker is never touched; an API
that fails or is not there is a warning, and the check's verdict is the grading's.  The
private specs come from a bare git repository standing in for GitHub
(``GITHUB_SERVER_URL`` a ``file://`` folder), not from the student repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from judge.ci import comment
from judge.ci.specsource import SpecSourceError, parse
from tests.samples import MINI_SPEC
from tests.test_action import check, git, write
from tests.test_action import course as course  # the fixture, under its own name

REPOSITORY = "course/repo"
BOT = "github-actions[bot]"


class FakeGitHub:
    """The issue-comment endpoints of the REST API, in memory, recording each call."""

    def __init__(self, fail: int | None = None) -> None:
        self.comments: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str, str]] = []  # method, path, Authorization
        self.fail = fail  # answer every request with this HTTP status

    def handle(self, method: str, path: str, auth: str, body: bytes) -> tuple[int, Any]:
        self.calls.append((method, path, auth))
        if self.fail:
            return self.fail, {"message": "Server Error"}
        prefix = f"/repos/{REPOSITORY}/issues"
        route, _, query = path.partition("?")
        if method == "GET" and route == f"{prefix}/7/comments":
            page = int(dict(p.split("=") for p in query.split("&"))["page"])
            return 200, self.comments[(page - 1) * 100 : page * 100]
        if method == "POST" and route == f"{prefix}/7/comments":
            made = {"id": 1000 + len(self.comments), "body": json.loads(body)["body"]}
            self.comments.append({**made, "user": {"login": BOT}})
            return 201, made
        if method == "PATCH" and route.startswith(f"{prefix}/comments/"):
            ident = int(route.rsplit("/", 1)[1])
            for item in self.comments:
                if item["id"] == ident:
                    item["body"] = json.loads(body)["body"]
                    return 200, item
        return 404, {"message": "Not Found"}


@pytest.fixture
def api() -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status, payload = fake.handle(
                self.command, self.path, self.headers.get("Authorization", ""),
                self.rfile.read(length),
            )  # fmt: skip
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def comment_env(tmp_path: Path, url: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    return {
        "GITHUB_BASE_REF": "main",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": url,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_TOKEN": "the-job-token",
        "INPUT_COMMENT": "true",
    }


def test_one_comment_is_created_then_updated_on_the_next_push(
    course: Path, tmp_path: Path, mini_dir: Path, api: tuple[FakeGitHub, str]
) -> None:
    fake, url = api
    done, summary, _ = check(course, tmp_path, mini_dir, **comment_env(tmp_path, url))
    assert done.returncode == 1, done.stderr
    assert [call[0] for call in fake.calls] == ["GET", "POST"]
    assert {call[2] for call in fake.calls} == {"Bearer the-job-token"}
    assert len(fake.comments) == 1
    first = fake.comments[0]["body"]
    assert first.startswith(comment.marker("mini") + "\n")
    assert "| students/bob.py | ❌ failed | 1/4 |" in first
    assert first.endswith(summary)  # the comment says what the job summary says

    git(course, "rm", "-q", "students/bob.py")  # the next push: bob's file withdrawn
    git(course, "commit", "-q", "-m", "without bob")
    fake.calls.clear()
    done, summary, _ = check(course, tmp_path, mini_dir, **comment_env(tmp_path, url))
    assert done.returncode == 0, done.stderr
    assert [(m, p) for m, p, _ in fake.calls] == [
        ("GET", f"/repos/{REPOSITORY}/issues/7/comments?per_page=100&page=1"),
        ("PATCH", f"/repos/{REPOSITORY}/issues/comments/1000"),
    ]
    assert len(fake.comments) == 1
    assert "bob" not in fake.comments[0]["body"]
    assert "| students/carol.py | ✅ passed | 4/4 |" in fake.comments[0]["body"]


def test_a_students_comment_holding_the_marker_is_not_touched(
    course: Path, tmp_path: Path, mini_dir: Path, api: tuple[FakeGitHub, str]
) -> None:
    fake, url = api
    planted = {"id": 5, "body": comment.marker("mini") + "\nall passed!", "user": {"login": "bob"}}
    fake.comments.append(dict(planted))
    done, _, _ = check(course, tmp_path, mini_dir, **comment_env(tmp_path, url))
    assert done.returncode == 1, done.stderr
    assert [call[0] for call in fake.calls] == ["GET", "POST"]
    assert fake.comments[0] == planted
    assert "bob.py | ❌ failed" in fake.comments[1]["body"]


@pytest.mark.parametrize("broken", ["server error", "nobody listening"])
def test_an_api_that_fails_is_a_warning_and_the_verdict_stands(
    course: Path, tmp_path: Path, mini_dir: Path, api: tuple[FakeGitHub, str], broken: str
) -> None:
    fake, url = api
    if broken == "server error":
        fake.fail = 500
    else:
        url = "http://127.0.0.1:9"  # the discard port: connection refused
    done, summary, outputs = check(course, tmp_path, mini_dir, **comment_env(tmp_path, url))
    assert done.returncode == 1, done.stderr  # bob's wrong file, as without a comment
    warnings = [line for line in done.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1
    assert "the pull-request comment was not posted" in warnings[0]
    assert "| students/bob.py | ❌ failed | 1/4 |" in summary  # the summary is still written
    assert outputs == "passed=false\nsubmissions=2\n"


def test_without_the_comment_input_the_api_is_not_called(
    course: Path, tmp_path: Path, mini_dir: Path, api: tuple[FakeGitHub, str]
) -> None:
    fake, url = api
    env = comment_env(tmp_path, url) | {"INPUT_COMMENT": "false"}
    done, _, _ = check(course, tmp_path, mini_dir, **env)
    assert done.returncode == 1, done.stderr
    assert fake.calls == []


def test_a_long_summary_is_cut_to_githubs_limit() -> None:
    body = comment.body_for("mini", "x" * 100_000)
    assert len(body) <= comment.MAX_BODY
    assert body.endswith("(cut: the whole report is in the job summary)\n")


# -- Private specs -------------------------------------------------------------------------
@pytest.fixture
def spec_server(tmp_path: Path) -> Path:
    """A folder standing in for GitHub, holding the bare repository course/specs whose
    specs/ folder has the problem ``mini``."""
    work = tmp_path / "specs-work"
    write(work / "specs" / "mini.yaml", MINI_SPEC)
    git(work.parent, "init", "-q", "-b", "main", str(work))
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "specs")
    server = tmp_path / "server"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(server / "course" / "specs.git"))
    return server


def test_specs_from_a_private_repository_grade_the_pull_request(
    course: Path, tmp_path: Path, spec_server: Path
) -> None:
    done, summary, _ = check(
        course, tmp_path, tmp_path / "nowhere", GITHUB_BASE_REF="main", INPUT_PROBLEMS="",
        INPUT_SPECS_REPOSITORY="course/specs@main", INPUT_SPECS_PATH="specs",
        INPUT_SPECS_TOKEN="a-secret", GITHUB_SERVER_URL=f"file://{spec_server}",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "| students/bob.py | ❌ failed | 1/4 |" in summary
    assert "| students/carol.py | ✅ passed | 4/4 |" in summary
    assert "a-secret" not in done.stdout + done.stderr + summary


@pytest.mark.parametrize(
    ("source", "path", "message"),
    [
        ("course/nothing", "", "cannot clone the specs repository course/nothing"),
        ("course/specs", "../..", "specs-path '../..': no such folder in course/specs"),
        ("course/specs@--upload-pack=x", "", "is not a branch or tag name"),
    ],
)
def test_a_private_spec_source_that_fails_says_what_to_change(
    course: Path, tmp_path: Path, spec_server: Path, source: str, path: str, message: str
) -> None:
    done, _, _ = check(
        course, tmp_path, tmp_path / "nowhere", GITHUB_BASE_REF="main", INPUT_PROBLEMS="",
        INPUT_SPECS_REPOSITORY=source, INPUT_SPECS_PATH=path, INPUT_SPECS_TOKEN="a-secret",
        GITHUB_SERVER_URL=f"file://{spec_server}",
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=judge::")
    assert message in done.stdout
    assert "a-secret" not in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("source", ["course", "course/specs/x", "-x/y", "a/b@../c", "a/b@"])
def test_a_malformed_spec_repository_is_refused(source: str) -> None:
    if source == "a/b@":  # an empty ref: the default branch
        assert parse(source) == ("a/b", "")
        return
    with pytest.raises(SpecSourceError):
        parse(source)


# A submission that looks for the check's tokens in its environment and its ancestors'
# (``/proc/PID/environ`` up the chain; ``os`` may not be imported), and prints what it
# finds: its output reaches the annotations, the job summary and the comment.
SNOOP = """
_found, _pid = [], "self"
for _ in range(6):
    try:
        _found.append(open(f"/proc/{_pid}/environ", "rb").read().decode(errors="replace"))
    except Exception as error:
        _found.append(f"{_pid}: {type(error).__name__}")
    try:
        _pid = open(f"/proc/{_pid}/stat").read().rsplit(")", 1)[1].split()[1]
    except Exception:
        break
print("SNOOPED:", " ".join(_found).replace("\\0", " "))
"""


@pytest.mark.parametrize("sandbox", ["auto", "basic"])
def test_no_token_reaches_a_submission_or_what_it_prints(
    course: Path,
    tmp_path: Path,
    mini_dir: Path,
    api: tuple[FakeGitHub, str],
    spec_server: Path,
    sandbox: str,
) -> None:
    from tests.samples import WRONG_VALUE

    fake, url = api
    write(course / "students" / "bob.py", WRONG_VALUE + SNOOP)
    git(course, "commit", "-q", "-am", "bob looks around")
    env = comment_env(tmp_path, url) | {
        "INPUT_PROBLEMS": "", "INPUT_SPECS_REPOSITORY": "course/specs", "INPUT_SPECS_PATH": "specs",
        "INPUT_SPECS_TOKEN": "specs-secret-123", "INPUT_GITHUB_TOKEN": "job-secret-456",
        "GITHUB_SERVER_URL": f"file://{spec_server}", "INPUT_SANDBOX": sandbox,
    }  # fmt: skip
    done, summary, _ = check(course, tmp_path, mini_dir, **env)
    assert done.returncode == 1, done.stdout + done.stderr
    shown = done.stdout + done.stderr + summary + fake.comments[0]["body"]
    # It ran, and either printed what it found or was stopped reading /proc (the
    # sandbox's read allow-list); the tokens are not in its environment either way.
    assert "SNOOPED:" in shown or "tried to read '/proc/" in shown
    assert "specs-secret-123" not in shown
    assert "job-secret-456" not in shown
    assert {call[2] for call in fake.calls} == {"Bearer job-secret-456"}


# -- The check's own code comes from its venv, never from the checkout ----------------------
SHADOW = 'print("::notice::SHADOWED"); raise SystemExit(0)\n'


def test_a_pull_request_cannot_replace_the_judge_with_a_package_of_its_own(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    """A pull request adding judge/ (or judge/ci/pullrequest.py) at the repository's
    root, where the action runs, must not be imported in place of the judge: with
    ``python -m`` the working folder comes first on sys.path, and it would decide the
    check (exit 0) outside the sandbox, with the job's tokens."""
    import yaml

    from tests.samples import ROOT

    for name in ("judge/__init__.py", "judge/__main__.py", "judge/ci/__init__.py",
                 "judge/ci/pullrequest.py"):  # fmt: skip
        write(course / name, SHADOW)
    git(course, "add", ".")
    git(course, "commit", "-q", "-m", "my own judge")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if "judge.ci.pullrequest" in s.get("run", ""))
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    # The action's venv: this one (its python finds its pyvenv.cfg through the link).
    (runner_temp / "judge-venv").symlink_to(Path(sys.prefix))
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("")
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
        "JUDGE_CACHE_DIR": str(tmp_path / "cache"), "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_BASE_REF": "main", "RUNNER_TEMP": str(runner_temp),
        "INPUT_PROBLEM": "mini", "INPUT_PROBLEMS": str(mini_dir),
        "INPUT_INCLUDE": "students/*.py",
    }  # fmt: skip
    done = subprocess.run(
        ["bash", "-c", step["run"]], cwd=course, env=env, capture_output=True, text=True,
        timeout=90,
    )  # fmt: skip
    summary = summary_file.read_text()
    assert "SHADOWED" not in done.stdout + done.stderr
    assert done.returncode == 1, done.stdout + done.stderr  # bob's wrong file, graded
    assert "| students/bob.py | ❌ failed | 1/4 |" in summary
