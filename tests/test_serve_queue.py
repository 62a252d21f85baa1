"""``judge serve --queue`` (issue 16): the server stores, ``judge worker``s grade.

A real redis-server, a real server and real workers on loopback (``tests/redis_server.py``,
``tests/serve_server.py``): run and submit through a worker with the hidden-test rule;
a batch graded once each; with no worker, submissions wait on the queue and count
against ``--max-queue``; a restart with work queued loses nothing and grades nothing
twice; a server started before its Redis, and a Redis restarted under it, lose nothing
accepted; a job whose grading process dies every time ends as an error report saying
it crashed.  Every wait has a deadline; every process started is stopped in a finally.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from judge.serve.store import Mode, NewSubmission, Store
from tests.redis_server import (
    RedisServer,
    WorkerProcess,
    needs_redis,
    running_redis,
    running_workers,
    start_worker,
    stop_worker,
    wait_for,
)
from tests.serve_server import GRADE_DEADLINE, Server, graded, running_server, stop

pytestmark = needs_redis

ROOT = Path(__file__).resolve().parents[1]
CORRECT = (ROOT / "submissions" / "correct.py").read_text()
WRONG = (ROOT / "submissions" / "wrong_relu_mask.py").read_text()  # fails hidden cases too
# Loads until the problem's time limit: its grading process is alive for seconds.
ENDLESS = CORRECT + "\nwhile True:\n    pass\n"
TOKEN = "instructor-token-for-the-tests-0123"
INSTRUCTOR = {"Authorization": f"Bearer {TOKEN}"}
INTERACTIVE = "rq:queue:judge:interactive"
TIMEOUT = 200.0


def post(
    server: Server, body: Any, path: str = "/api/submissions", **kwargs: Any
) -> httpx.Response:
    return httpx.post(f"{server.base}{path}", json=body, timeout=TIMEOUT, **kwargs)


def submission(source: str = CORRECT, mode: str = "submit") -> dict[str, str]:
    return {"problem": "basic-autograd", "source": source, "mode": mode}


def record(server: Server, submission_id: str) -> dict[str, Any]:
    response = httpx.get(f"{server.base}/api/submissions/{submission_id}", timeout=30)
    result: dict[str, Any] = response.json()
    return result


def executions(redis_server: RedisServer, job_id: str) -> int:
    """How many times a worker ran the job to an end (RQ keeps a result per run)."""
    with redis_server.client() as client:  # type: ignore[attr-defined]
        return int(client.xlen(f"rq:results:{job_id}"))


def waiting_jobs(redis_server: RedisServer) -> int:
    with redis_server.client() as client:  # type: ignore[attr-defined]
        return int(client.llen(INTERACTIVE))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, RedisServer]]:
    """A Redis, one worker and a server with the instructor token on that queue."""
    home = tmp_path_factory.mktemp("serve-queue")
    with running_redis(home / "redis") as redis_server, running_workers(redis_server.url, home, 1):
        options = ("--queue", redis_server.url, "--per-minute", "1000")
        with running_server(home, *options, token=TOKEN) as server:
            yield server, redis_server


def test_submit_and_run_are_graded_by_a_worker(cluster: tuple[Server, RedisServer]) -> None:
    server, redis_server = cluster
    response = post(server, submission(), params={"wait": "true"})
    assert response.status_code == 200, response.text
    submitted = response.json()
    report = submitted["report"]
    assert (submitted["state"], report["status"]) == ("done", "passed")
    assert report["submission"] == submitted["id"]  # the id, not the worker's file name
    assert any(test["hidden"] for test in report["tests"])
    assert report["sandbox"]["layers"]  # graded in the worker's sandbox
    ran = post(server, submission(WRONG, "run"), params={"wait": "true"}).json()
    assert (ran["mode"], ran["report"]["status"]) == ("run", "failed")
    assert {test["kind"] for test in ran["report"]["tests"]} == {"case"}
    assert not any(test["hidden"] for test in ran["report"]["tests"])
    for job_id in (submitted["id"], ran["id"]):
        assert executions(redis_server, job_id) == 1


def test_hidden_tests_are_cut_for_a_student_as_without_the_queue(
    cluster: tuple[Server, RedisServer],
) -> None:
    server, _ = cluster
    submission_id = post(server, submission(WRONG), params={"wait": "true"}).json()["id"]
    url = f"{server.base}/api/submissions/{submission_id}"
    student = httpx.get(url, timeout=30).json()["report"]
    teacher = httpx.get(url, headers=INSTRUCTOR, timeout=30).json()["report"]
    assert (student["audience"], teacher["audience"]) == ("student", "instructor")
    hidden_failures = [
        (mine, full)
        for mine, full in zip(student["tests"], teacher["tests"], strict=True)
        if full["hidden"] and full["status"] != "passed"
    ]
    assert hidden_failures
    assert all(mine["message"] != full["message"] for mine, full in hidden_failures)


def test_a_batch_is_graded_in_order_once_each(cluster: tuple[Server, RedisServer]) -> None:
    server, redis_server = cluster
    batch = [submission(), submission(WRONG), submission(CORRECT, "run")]
    response = post(server, batch, path="/api/submissions/batch", headers=INSTRUCTOR)
    assert response.status_code == 202, response.text
    ids = response.json()["ids"]
    records = [graded(server.base, i) for i in ids]
    assert [r["report"]["status"] for r in records] == ["passed", "failed", "passed"]
    assert [executions(redis_server, i) for i in ids] == [1, 1, 1]


def test_with_no_worker_submissions_wait_on_the_queue_until_one_starts(tmp_path: Path) -> None:
    with running_redis(tmp_path / "redis") as redis_server:
        options = ("--queue", redis_server.url, "--max-queue", "2")
        with running_server(tmp_path, *options) as server:
            ids = [post(server, submission(CORRECT, "run")).json()["id"] for _ in range(2)]
            wait_for(lambda: waiting_jobs(redis_server) == 2, 30, "both jobs on the queue")
            # The queued rows count against --max-queue as without the queue.
            refused = post(server, submission())
            assert refused.status_code == 503, refused.text
            assert [record(server, i)["state"] for i in ids] == ["queued", "queued"]
            with running_workers(redis_server.url, tmp_path, 1):
                records = [graded(server.base, i) for i in ids]
            assert [r["report"]["status"] for r in records] == ["passed", "passed"]
            assert post(server, submission()).status_code == 202  # room again


def test_a_job_taken_by_a_worker_that_stopped_before_holding_it_is_sent_again(
    tmp_path: Path,
) -> None:
    """A worker killed between RQ's BLPOP and holding the job leaves it queued in no
    list: the server's sweep finds it so for ORPHAN_S and sends it again."""
    with (
        running_redis(tmp_path / "redis") as redis_server,
        running_server(tmp_path, "--queue", redis_server.url) as server,
    ):
        submission_id = post(server, submission(CORRECT, "run")).json()["id"]
        wait_for(lambda: waiting_jobs(redis_server) == 1, 30, "the job on the queue")
        with redis_server.client() as client:  # type: ignore[attr-defined]
            assert client.lpop(INTERACTIVE).decode() == submission_id  # as BLPOP did
        assert record(server, submission_id)["state"] == "queued"
        with running_workers(redis_server.url, tmp_path, 1):
            done = graded(server.base, submission_id)
        assert done["report"]["status"] == "passed", done["report"]["message"]
        assert executions(redis_server, submission_id) == 1


def test_a_restart_with_work_queued_loses_nothing_and_grades_nothing_twice(
    tmp_path: Path,
) -> None:
    from rq.job import Job

    with running_redis(tmp_path / "redis") as redis_server:
        with running_server(tmp_path, "--queue", redis_server.url) as server:
            batch = [submission(CORRECT, "run")] * 3
            ids = post(server, batch, path="/api/submissions/batch").json()["ids"]
            wait_for(lambda: waiting_jobs(redis_server) == 3, 30, "the three jobs queued")
            assert stop(server) == 0, server.output()
        # While it is stopped: one job is lost from Redis, and one submission was
        # stored but never sent (the server stopped before it could enqueue it).
        with redis_server.client() as client:  # type: ignore[attr-defined]
            Job.fetch(ids[2], connection=client).delete()
        store = Store(tmp_path / "judge.sqlite3")
        unsent = store.add([NewSubmission("basic-autograd", Mode.RUN, CORRECT)], 10)
        store.close()
        assert unsent is not None
        ids += unsent
        with (
            running_server(tmp_path, "--queue", redis_server.url) as server,
            running_workers(redis_server.url, tmp_path, 1),
        ):
            records = [graded(server.base, i) for i in ids]
        assert [r["report"]["status"] for r in records] == ["passed"] * 4
        assert [executions(redis_server, i) for i in ids] == [1, 1, 1, 1]
    database = sqlite3.connect(tmp_path / "judge.sqlite3")
    assert database.execute("SELECT COUNT(*) FROM submissions").fetchone() == (4,)


def test_a_redis_down_at_start_or_restarted_loses_nothing_accepted(tmp_path: Path) -> None:
    (tmp_path / "redis").mkdir()
    redis_server = RedisServer(tmp_path / "redis")  # not started yet
    workers: list[WorkerProcess] = []
    try:
        with running_server(tmp_path, "--queue", redis_server.url) as server:
            assert "cannot reach the Redis" in server.output()
            early = post(server, submission(CORRECT, "run"))
            assert early.status_code == 202, early.text  # accepted with Redis down
            redis_server.start()
            workers.append(start_worker(redis_server.url, tmp_path, "w0"))
            assert graded(server.base, early.json()["id"])["report"]["status"] == "passed"
            redis_server.stop()  # as a service manager restarts it: SIGTERM
            during = post(server, submission(WRONG, "run"))
            assert during.status_code == 202, during.text
            assert record(server, during.json()["id"])["state"] == "queued"
            # Down long enough for the server to see it (its client's retries spent).
            wait_for(lambda: "does not answer" in server.output(), 60, "the outage noticed")
            redis_server.start()  # same port and folder: its append-only file kept
            assert graded(server.base, during.json()["id"])["report"]["status"] == "failed"
            for submission_id in (early.json()["id"], during.json()["id"]):
                assert executions(redis_server, submission_id) == 1
        assert "answers again" in server.output()
        assert "Traceback" not in server.output()
    finally:
        for worker in workers:
            stop_worker(worker)
        redis_server.stop()


def test_a_job_whose_grading_process_dies_every_time_is_an_error_saying_crashed(
    tmp_path: Path,
) -> None:
    with (
        running_redis(tmp_path / "redis") as redis_server,
        # --max-attempts is carried by the job to the workers (the queue's default is 3).
        running_server(tmp_path, "--queue", redis_server.url, "--max-attempts", "2") as server,
    ):
        submission_id = post(server, submission(ENDLESS, "run")).json()["id"]
        worker = start_worker(redis_server.url, tmp_path, "w0")
        killed: set[int] = set()

        def horses_grading_it() -> set[int]:
            return set(worker.horses()) - killed if _started(redis_server, submission_id) else set()

        def kill_each_horse() -> dict[str, Any] | None:
            found = record(server, submission_id)
            if found["state"] == "done":
                return found
            if len(killed) < 5:  # bounded, whatever happens
                for horse in horses_grading_it():
                    os.kill(horse, signal.SIGKILL)
                    killed.add(horse)
            return None

        try:
            # The first horse is held (stopped) until the server shows the job running.
            first = wait_for(horses_grading_it, GRADE_DEADLINE, "the job started")
            for horse in first:  # type: ignore[union-attr]
                os.kill(horse, signal.SIGSTOP)
            wait_for(
                lambda: record(server, submission_id)["state"] == "running",
                60,
                "the server showing the job running",
            )
            done = wait_for(kill_each_horse, GRADE_DEADLINE, "the job given up")
        finally:
            stop_worker(worker)
    assert isinstance(done, dict)
    report = done["report"]
    assert report["status"] == "error"
    assert "crashed 2 times" in report["message"], report["message"]
    assert "the judge gave up on it" in report["message"]
    assert len(killed) == 2  # tried twice, as --max-attempts says, then never again


def _started(redis_server: RedisServer, job_id: str) -> bool:
    with redis_server.client() as client:  # type: ignore[attr-defined]
        return bool(client.hget(f"rq:job:{job_id}", "status") == b"started")


# The command line.


def test_a_refused_password_is_exit_2_and_never_shown(tmp_path: Path) -> None:
    from judge.cli import cli

    with running_redis(tmp_path / "redis", password="the-right-password-1") as redis_server:
        url = f"redis://:a-wrong-password-2@127.0.0.1:{redis_server.port}"
        database = str(tmp_path / "judge.sqlite3")
        result = CliRunner().invoke(cli, ["serve", "--queue", url, "--database", database])
    assert result.exit_code == 2, result.output
    assert "refused the credentials" in result.output
    assert "a-wrong-password-2" not in result.output


@pytest.mark.parametrize("from_env", [False, True])
def test_a_bad_queue_url_is_exit_2(tmp_path: Path, from_env: bool) -> None:
    from judge.cli import cli

    command = ["serve", "--database", str(tmp_path / "judge.sqlite3")]
    url = "http://user:secret-word@example.org/"
    env = {"JUDGE_QUEUE": url} if from_env else {}  # the password out of ps's view
    result = CliRunner().invoke(cli, command if from_env else [*command, "--queue", url], env=env)
    assert result.exit_code == 2, result.output
    assert "not a Redis URL" in result.output
    assert "secret-word" not in result.output


def test_without_rq_and_redis_serve_works_and_queue_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from judge.cli import cli
    from judge.serve.app import create_app
    from judge.serve.config import ServeConfig

    for name in [m for m in sys.modules if m.startswith(("rq", "redis", "judge.cluster"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "judge.serve.remote", raising=False)
    for name in ("rq", "redis"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    create_app(ServeConfig(database=tmp_path / "here.sqlite3"))  # grades here: no Redis
    database = str(tmp_path / "judge.sqlite3")
    url = "redis://127.0.0.1:1"
    result = CliRunner().invoke(cli, ["serve", "--queue", url, "--database", database])
    assert result.exit_code == 2, result.output
    assert "pip install 'micrograd-judge[queue]'" in result.output
