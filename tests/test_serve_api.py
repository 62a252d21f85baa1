"""The submissions API of ``judge serve``, against a real server on a loopback port.

Every endpoint and every error status of issue 15, through httpx and a server started
in a subprocess (``tests/serve_server.py``); the restart tests stop it and start it
again on the same database.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from judge import results
from judge.report.audience import hidden_message
from judge.serve.store import Mode, NewSubmission, Store
from tests.serve_server import Server, graded, running_server, stop

ROOT = Path(__file__).resolve().parents[1]
CORRECT = (ROOT / "submissions" / "correct.py").read_text()
WRONG = (ROOT / "submissions" / "wrong_relu_mask.py").read_text()  # fails hidden cases too
TOKEN = "instructor-token-for-the-tests-0123"
INSTRUCTOR = {"Authorization": f"Bearer {TOKEN}"}
TIMEOUT = 200.0  # a ?wait=true request: a grade with every core busy, with margin


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with the instructor token and small size limits."""
    home = tmp_path_factory.mktemp("serve-api")
    options = ("--max-source", "9000", "--max-body", "40000", "--max-batch", "3")
    with running_server(home, *options, "--per-minute", "1000", token=TOKEN) as running:
        yield running


def post(
    server: Server, body: Any, path: str = "/api/submissions", **kwargs: Any
) -> httpx.Response:
    return httpx.post(f"{server.base}{path}", json=body, timeout=TIMEOUT, **kwargs)


def submission(
    source: str = CORRECT, mode: str = "submit", problem: str = "basic-autograd"
) -> dict:
    return {"problem": problem, "source": source, "mode": mode}


def assert_error(response: httpx.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert reason in body["reason"]


# Problems.


def test_problems_lists_each_with_title_and_difficulty(server: Server) -> None:
    problems = httpx.get(f"{server.base}/api/problems", timeout=30).json()
    basic = next(p for p in problems if p["id"] == "basic-autograd")
    assert basic == {
        "id": "basic-autograd",
        "title": "Implementing Basic Autograd Operations",
        "difficulty": "medium",
    }


def test_a_problem_shows_its_statement_starter_and_visible_cases_only(server: Server) -> None:
    from judge.api import problem as load

    expected = load("basic-autograd")
    shown = httpx.get(f"{server.base}/api/problems/basic-autograd", timeout=30).json()
    assert shown["statement"] == expected.description
    assert shown["starter"] == expected.starter
    visible = [case.name for case in expected.cases if not case.hidden]
    assert [case["name"] for case in shown["cases"]] == visible
    assert len(visible) < len(expected.cases)  # there were hidden ones to leave out
    hidden_sources = {case.source for case in expected.cases if case.hidden}
    assert not hidden_sources & {case["source"] for case in shown["cases"]}


def test_an_unknown_problem_is_404(server: Server) -> None:
    response = httpx.get(f"{server.base}/api/problems/basic-autogard", timeout=30)
    assert_error(response, 404, "unknown problem 'basic-autogard'")
    assert_error(post(server, submission(problem="nope")), 404, "unknown problem 'nope'")


# Submissions.


def test_submit_and_wait_answers_200_with_the_finished_report(server: Server) -> None:
    response = post(server, submission(), params={"wait": "true"})
    assert response.status_code == 200, response.text
    record = response.json()
    assert record["problem"] == "basic-autograd"
    assert (record["mode"], record["state"]) == ("submit", "done")
    report = record["report"]
    assert report["schema"] == "judge-report/1"
    assert (report["status"], report["score"]) == ("passed", report["max_score"])
    assert report["submission"] == record["id"]
    assert any(test["hidden"] for test in report["tests"])
    # Graded in the same sandbox as judge run.
    assert report["sandbox"]["level"] == "auto" and report["sandbox"]["layers"]


def test_submit_without_wait_answers_202_and_the_id_finds_it(server: Server) -> None:
    response = post(server, submission())
    assert response.status_code == 202, response.text
    (key,) = response.json()
    submission_id = response.json()["id"]
    assert key == "id"
    first = httpx.get(f"{server.base}/api/submissions/{submission_id}", timeout=30).json()
    assert first["state"] in ("queued", "running", "done")
    assert first["report"] is None or first["state"] == "done"
    assert graded(server.base, submission_id)["report"]["status"] == "passed"


def test_run_grades_the_visible_cases_only(server: Server) -> None:
    record = post(server, submission(WRONG, "run"), params={"wait": "true"}).json()
    assert (record["mode"], record["state"]) == ("run", "done")
    tests = record["report"]["tests"]
    assert tests and not any(test["hidden"] for test in tests)
    assert {test["kind"] for test in tests} == {"case"}  # no random graphs on a run
    assert record["report"]["status"] == "failed"  # its visible relu case fails


def test_a_student_sees_hidden_tests_cut_and_the_instructor_whole(server: Server) -> None:
    submission_id = post(server, submission(WRONG), params={"wait": "true"}).json()["id"]
    student = httpx.get(f"{server.base}/api/submissions/{submission_id}", timeout=30).json()
    teacher = httpx.get(
        f"{server.base}/api/submissions/{submission_id}", headers=INSTRUCTOR, timeout=30
    ).json()
    assert student["report"]["audience"] == "student"
    assert teacher["report"]["audience"] == "instructor"
    failed_hidden = [
        (mine, full)
        for mine, full in zip(student["report"]["tests"], teacher["report"]["tests"], strict=True)
        if full["hidden"] and full["status"] != "passed"
    ]
    assert failed_hidden
    for mine, full in failed_hidden:
        assert mine["message"] == hidden_message(results.TestResult.from_dict(full))
        assert mine["message"] != full["message"]
    wrong_token = {"Authorization": "Bearer not-the-token-at-all-000"}
    guessed = httpx.get(
        f"{server.base}/api/submissions/{submission_id}", headers=wrong_token, timeout=30
    ).json()
    assert guessed["report"]["audience"] == "student"


def test_a_result_page_is_headed_by_the_problem_title_and_time_not_the_id(
    server: Server,
) -> None:
    record = post(server, submission(CORRECT, "run"), params={"wait": "true"}).json()
    page = httpx.get(f"{server.base}/results/{record['id']}", timeout=30).text
    headline = page.split("</h2>")[0]
    assert "on Implementing Basic Autograd Operations, score" in headline
    assert re.search(r"Run of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", headline), headline
    assert record["id"] not in page
    assert record["report"]["submission"] == record["id"]  # the API keeps the id


def test_an_unknown_submission_is_404(server: Server) -> None:
    response = httpx.get(f"{server.base}/api/submissions/no-such-id", timeout=30)
    assert_error(response, 404, "no submission with this id")


# Batches.


def test_a_batch_with_the_token_is_queued_in_order_and_graded(server: Server) -> None:
    batch = [submission(), submission(WRONG), submission(CORRECT, "run")]
    response = post(server, batch, path="/api/submissions/batch", headers=INSTRUCTOR)
    assert response.status_code == 202, response.text
    ids = response.json()["ids"]
    assert len(set(ids)) == 3
    records = [graded(server.base, i) for i in ids]
    assert [r["report"]["status"] for r in records] == ["passed", "failed", "passed"]
    assert [r["mode"] for r in records] == ["submit", "submit", "run"]


def test_a_batch_without_the_token_is_401(server: Server) -> None:
    response = post(server, [submission()], path="/api/submissions/batch")
    assert_error(response, 401, "instructor token")


def test_a_batch_over_max_batch_is_413_and_queues_nothing(server: Server) -> None:
    response = post(server, [submission()] * 4, path="/api/submissions/batch", headers=INSTRUCTOR)
    assert_error(response, 413, "at most 3 submissions")


def test_a_batch_with_one_bad_item_queues_none(server: Server) -> None:
    batch = [submission(), submission(problem="nope")]
    response = post(server, batch, path="/api/submissions/batch", headers=INSTRUCTOR)
    assert_error(response, 404, "unknown problem 'nope'")


# Sizes and bodies.


def test_a_source_over_the_limit_is_413(server: Server) -> None:
    assert_error(post(server, submission("x" * 9001)), 413, "over the limit of 9000")
    assert post(server, submission("#" * 8999 + "\n")).status_code == 202  # at the limit


def test_a_body_over_the_limit_is_413_before_it_is_read_whole(server: Server) -> None:
    response = httpx.post(
        f"{server.base}/api/submissions", content=b"{" + b" " * 50000 + b"}", timeout=30
    )
    assert_error(response, 413, "over 40000 bytes")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b'{"problem": "basic-autograd"}', "missing required field `source`"),
        (b'{"problem": "basic-autograd", "source": 3}', "Expected `str`, got `int`"),
        (b'{"problem": "basic-autograd", "source": "", "mode": "grade"}', "mode"),
        (b'{"problem": "basic-autograd", "source": "", "owner": "me"}', "unknown field `owner`"),
        (b'["a list"]', "Expected `object`, got `array`"),
        (b'{"problem": "basic-autograd", "source": "\\ud800"}', "bad body: not JSON"),
    ],
)
def test_a_bad_body_is_422_saying_what_is_wrong(server: Server, body: bytes, reason: str) -> None:
    response = httpx.post(f"{server.base}/api/submissions", content=body, timeout=30)
    assert_error(response, 422, reason)


def test_a_bad_wait_value_is_422(server: Server) -> None:
    assert_error(post(server, submission(), params={"wait": "maybe"}), 422, "wait must be")


def test_an_unknown_route_is_a_json_404(server: Server) -> None:
    response = httpx.get(f"{server.base}/api/nothing-here", timeout=30)
    assert_error(response, 404, "Not Found")


# The description.


def test_the_openapi_description_lists_exactly_the_api_routes(server: Server) -> None:
    from judge.serve.api import Api

    described = httpx.get(f"{server.base}/api/openapi.json", timeout=30).json()
    assert described["openapi"].startswith("3.")
    context = types.SimpleNamespace(queue=types.SimpleNamespace(listen=lambda _: None))
    routes = Api(context).routes()  # type: ignore[arg-type]
    served = {
        (route.path, method.lower()) for route in routes for method in route.methods - {"HEAD"}
    }  # type: ignore[attr-defined]
    listed = {(path, method) for path, item in described["paths"].items() for method in item}
    assert listed == served


# Limits that need a server of their own.


def test_a_queue_too_full_for_the_work_is_503_with_retry_after(tmp_path: Path) -> None:
    with running_server(tmp_path, "--max-queue", "2") as server:
        # Three never fit a queue of two, whatever is graded meanwhile: all or none.
        response = post(server, [submission()] * 3, path="/api/submissions/batch")
        assert_error(response, 503, "the grading queue is full (2 waiting)")
        assert int(response.headers["Retry-After"]) >= 1
        assert post(server, [submission()] * 2, path="/api/submissions/batch").status_code == 202


def test_too_many_submissions_from_one_client_is_429_with_retry_after(tmp_path: Path) -> None:
    with running_server(tmp_path, "--per-minute", "3", token=TOKEN) as server:
        codes = [post(server, submission(f"# {i}\n")).status_code for i in range(3)]
        assert codes == [202, 202, 202]
        refused = post(server, submission())
        assert_error(refused, 429, "at most 3 a minute")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # Without the token a batch counts each submission; the instructor is not limited.
        assert post(server, [submission()], path="/api/submissions/batch").status_code == 401
        assert post(server, submission(), headers=INSTRUCTOR).status_code == 202


@pytest.mark.parametrize("trusted", [True, False])
def test_the_rate_limit_counts_forwarded_clients_only_behind_a_trusted_proxy(
    tmp_path: Path, trusted: bool
) -> None:
    options = ["--per-minute", "2"]
    if trusted:  # the test's own address is the reverse proxy's
        options += ["--forwarded-allow-ips", "127.0.0.1"]
    with running_server(tmp_path, *options) as server:

        def send(client: str) -> int:
            forwarded = {"X-Forwarded-For": client}
            return post(server, submission("# x\n", "run"), headers=forwarded).status_code

        clients = ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.1"]
        codes = [send(client) for client in clients]
    if trusted:  # two clients behind one proxy: each has its own two a minute
        assert codes == [202, 202, 202, 429]
    else:  # the header is anyone's to write: one peer, one limit
        assert codes == [202, 202, 429, 429]


def test_a_wait_past_wait_timeout_answers_202_with_the_record_as_it_is(tmp_path: Path) -> None:
    # A source that loops while loading cannot be graded before the problem's time
    # limit (seconds) has passed, far past a wait of 0.5 s.
    endless = CORRECT + "\nwhile True:\n    pass\n"
    with running_server(tmp_path, "--wait-timeout", "0.5") as server:
        response = post(server, submission(endless, "run"), params={"wait": "true"})
        assert response.status_code == 202, response.text
        record = response.json()
        assert record["state"] in ("queued", "running")
        assert record["report"] is None
        assert graded(server.base, record["id"])["report"]["status"] == "error"


# Restarts.


def test_queued_work_is_graded_after_a_restart(tmp_path: Path) -> None:
    database = tmp_path / "judge.sqlite3"
    store = Store(database)  # as a server that stopped with these waiting left them
    waiting = store.add([NewSubmission("basic-autograd", Mode.SUBMIT, CORRECT)] * 2, 10)
    store.close()
    assert waiting is not None
    _mark_running(database, waiting[1], attempts=1)  # it was being graded when it died
    with running_server(tmp_path) as server:
        records = [graded(server.base, i) for i in waiting]
    assert [r["report"]["status"] for r in records] == ["passed", "passed"]


def test_a_submission_running_at_every_death_is_given_up_after_max_attempts(
    tmp_path: Path,
) -> None:
    database = tmp_path / "judge.sqlite3"
    store = Store(database)
    ids = store.add([NewSubmission("basic-autograd", Mode.SUBMIT, CORRECT)], 10)
    store.close()
    assert ids is not None
    _mark_running(database, ids[0], attempts=2)
    with running_server(tmp_path, "--max-attempts", "2") as server:
        record = graded(server.base, ids[0])
    assert record["report"]["status"] == "error"
    assert "the server stopped while grading it, 2 times" in record["report"]["message"]


def test_a_restart_loses_nothing_accepted(tmp_path: Path) -> None:
    with running_server(tmp_path, "--jobs", "1") as server:
        ids = post(server, [submission()] * 3, path="/api/submissions/batch").json()["ids"]
        # SIGTERM, as a service manager stops it: a clean stop, so exit 0 (not -15,
        # which systemd would log as a failure), grading cut short for the next start.
        assert stop(server) == 0, server.output()
        assert "Traceback" not in server.output()
    with running_server(tmp_path, "--jobs", "1") as server:
        records = [graded(server.base, i) for i in ids]
    assert [r["report"]["status"] for r in records] == ["passed"] * 3
    rows = sqlite3.connect(tmp_path / "judge.sqlite3").execute("SELECT COUNT(*) FROM submissions")
    assert rows.fetchone() == (3,)  # none duplicated


def test_done_submissions_older_than_keep_days_are_deleted_at_start(tmp_path: Path) -> None:
    database = tmp_path / "judge.sqlite3"
    store = Store(database)
    ids = store.add([NewSubmission("basic-autograd", Mode.RUN, "# x\n")] * 4, 10)
    assert ids is not None
    old_done, old_queued, recent_done, edge_done = ids
    for done in (old_done, recent_done, edge_done):
        report = results.Report(done, "basic-autograd", results.Status.ERROR, 0, 0, 0, (), "-")
        store.finish(done, report.to_dict())
    store.close()
    day = 24 * 3600
    with sqlite3.connect(database) as db:  # accepted long ago, as a clock would say
        for submission_id, age in ((old_done, 31), (old_queued, 400), (edge_done, 29)):
            db.execute(
                "UPDATE submissions SET created = created - ? WHERE id = ?",
                (age * day, submission_id),
            )
    with running_server(tmp_path, "--keep-days", "30") as server:
        found = {
            i: httpx.get(f"{server.base}/api/submissions/{i}", timeout=30).status_code for i in ids
        }
    # Only the done one past 30 days goes; one not yet graded stays, however old.
    assert found == {old_done: 404, old_queued: 200, recent_done: 200, edge_done: 200}


def _mark_running(database: Path, submission_id: str, attempts: int) -> None:
    with sqlite3.connect(database) as db:
        db.execute(
            "UPDATE submissions SET state = 'running', attempts = ? WHERE id = ?",
            (attempts, submission_id),
        )


# The command line.


def test_serve_without_the_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from judge.cli import cli

    for name in [m for m in sys.modules if m.startswith(("judge.serve.run", "judge.serve.app"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if not installed
    result = CliRunner().invoke(cli, ["serve", "--database", "/nonexistent/x.sqlite3"])
    assert result.exit_code == 2
    assert "pip install 'micrograd-judge[serve]'" in result.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--jobs", "0"], "--jobs must be at least 1, not 0"),
        (["--keep-days", "-1"], "--keep-days must be 0 (keep for ever) or more, not -1"),
        (["--wait-timeout", "0"], "--wait-timeout must be positive"),
        (["--problems", "/nonexistent"], "--problems /nonexistent: no such folder"),
    ],
)
def test_bad_serve_options_exit_2(options: list[str], message: str) -> None:
    from judge.cli import cli

    result = CliRunner().invoke(cli, ["serve", *options])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_short_instructor_token_is_refused(tmp_path: Path) -> None:
    from judge.cli import cli

    token = tmp_path / "token"
    token.write_text("short\n")
    result = CliRunner().invoke(cli, ["serve", "--token-file", str(token)])
    assert result.exit_code == 2
    assert "at least 16 characters" in result.output
