"""Grading on the job queue (issue 16): a real redis-server, real ``judge worker``s.

``judge grade --queue`` gives the gradebook ``judge grade`` gives; interactive jobs go
before batch ones; passwords and TLS are accepted and a refused password is a clear
exit 2 without it; Ctrl-C cancels what is queued and a rerun gathers what finished;
without rq and redis importable, everything but ``--queue`` works as before.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.redis_server import (
    ROOT,
    judge_env,
    needs_redis,
    running_redis,
    running_workers,
    start_worker,
    stop_worker,
    wait_for,
)
from tests.samples import GOOD_VALUE, HANGING_VALUE, MINI_SPEC, WRONG_VALUE
from tests.test_submissions import notebook

pytestmark = needs_redis
GRADE_DEADLINE = 240.0  # seconds for a small class on a busy 2-core machine

KILLS_ITS_PARENT = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + GOOD_VALUE


def make_class(folder: Path) -> Path:
    """A class with one of each: correct, wrong, hanging, hostile, notebook, folder."""
    folder.mkdir(parents=True)
    (folder / "alice.py").write_text(GOOD_VALUE)
    (folder / "bob.py").write_text(WRONG_VALUE)
    (folder / "carol.py").write_text(HANGING_VALUE)
    (folder / "dan.py").write_text(KILLS_ITS_PARENT)
    (folder / "erin.ipynb").write_text(notebook(GOOD_VALUE))
    (folder / "fay").mkdir()
    (folder / "fay" / "engine.py").write_text(GOOD_VALUE)
    (folder / "fay" / "nn.py").write_text("from engine import Value\n\nclass MLP:\n    pass\n")
    return folder


def judge(
    home: Path, *args: object, timeout: float = GRADE_DEADLINE
) -> subprocess.CompletedProcess[str]:
    """Run a judge command to its end, in a minimal environment."""
    return subprocess.run(
        [sys.executable, "-m", "judge", *map(str, args)],
        cwd=ROOT,
        env=judge_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def comparable(gradebook_json: str) -> dict[str, Any]:
    """A JSON gradebook without what differs from one grading to the next (times)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items() if key != "duration_s"}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    book: dict[str, Any] = strip(json.loads(gradebook_json))
    return book


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "mini.yaml").write_text(MINI_SPEC)
    return folder


@pytest.mark.parametrize(
    "problem", [("-p", "mini"), ("-p", "basic-autograd", "--examples", "20", "--seed", "7")]
)
def test_the_queue_gives_the_gradebook_grading_here_gives(
    tmp_path: Path, specs: Path, problem: tuple[str, ...]
) -> None:
    folder = make_class(tmp_path / "class")
    common = [folder, "--problems", specs, *problem, "--format", "json", "--no-cache"]
    here = judge(tmp_path, "grade", *common)
    assert here.returncode == 1, here.stderr
    with (
        running_redis(tmp_path / "redis") as server,
        running_workers(server.url, tmp_path, 2) as workers,
    ):
        queued = judge(tmp_path, "grade", *common, "--queue", server.url)
        logs = "\n".join(worker.output() for worker in workers)
        assert queued.returncode == 1, queued.stderr + logs
        done = [w.name for w in workers if "Job OK" in w.output()]
    assert comparable(queued.stdout) == comparable(here.stdout)
    rows = {row["name"]: row for row in json.loads(queued.stdout)["rows"]}
    assert len(rows) == 6
    assert rows["alice"]["status"] == rows["erin"]["status"] == rows["fay"]["status"] == "passed"
    assert rows["bob"]["status"] == "failed"
    assert sorted(done) == ["w0", "w1"], "both workers graded"


def test_a_rerun_gathers_from_the_cache_and_regrade_grades_again(
    tmp_path: Path, specs: Path, private_cache: Path
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    (folder / "bob.py").write_text(WRONG_VALUE)
    env_home = tmp_path
    with (
        running_redis(tmp_path / "redis") as server,
        running_workers(server.url, tmp_path, 1) as workers,
    ):
        common = [folder, "--problems", specs, "-p", "mini", "--queue", server.url]
        first = judge(env_home, "grade", *common)
        again = judge(env_home, "grade", *common)
        regraded = judge(env_home, "grade", *common, "--regrade")
        graded_by_then = workers[0].output().count("Job OK")
        uncached = judge(env_home, "grade", *common, "--no-cache")
        graded_in_all = workers[0].output().count("Job OK")
    assert "(2 graded, 0 from the cache" in first.stderr, first.stderr
    assert "(0 graded, 2 from the cache" in again.stderr, again.stderr
    assert "(2 graded, 0 from the cache" in regraded.stderr, regraded.stderr
    # --no-cache takes nothing from the reports the queue keeps a day either.
    assert "(2 graded, 0 from the cache" in uncached.stderr, uncached.stderr
    assert graded_in_all - graded_by_then == 2


def test_interactive_jobs_go_before_batch_ones(tmp_path: Path) -> None:
    """Enqueued while no worker runs, then taken by one worker: the interactive job is
    started before every batch job enqueued ahead of it."""
    from judge.cluster.client import QueueClient
    from judge.cluster.request import request_for
    from judge.grading.grade import Options
    from judge.spec.catalog import Catalog

    problem = Catalog.with_extra([]).get("basic-autograd")
    with running_redis(tmp_path / "redis") as server:
        client = QueueClient(server.url)
        batch = [
            request_for(f"s{n}.py", GOOD_VALUE.encode(), problem, Options(), mode="run")
            for n in range(4)
        ]
        batch_ids = [f"batch-{n}" for n in range(4)]
        client.enqueue(problem, batch, priority="batch", ids=batch_ids)
        run = request_for("run.py", GOOD_VALUE.encode(), problem, Options(), mode="run")
        client.enqueue(problem, [run], priority="interactive", ids=["run-1"])
        worker = start_worker(server.url, tmp_path, "solo", "--burst")
        try:
            results = dict(client.results([*batch_ids, "run-1"]))
            assert worker.process.wait(timeout=GRADE_DEADLINE) == 0, worker.output()
        finally:
            stop_worker(worker)
        from rq.job import Job

        started = {
            job_id: Job.fetch(job_id, connection=client.redis).started_at
            for job_id in [*batch_ids, "run-1"]
        }
        client.close()
    assert all(result.report["status"] == "passed" for result in results.values())  # type: ignore[union-attr]
    assert started["run-1"] < min(started[job_id] for job_id in batch_ids)
    # A run grades the visible cases only.
    assert all(not test["hidden"] for test in results["run-1"].report["tests"])  # type: ignore[union-attr]


def test_a_password_in_the_url_works_and_a_wrong_one_is_a_clear_exit_2(
    tmp_path: Path, specs: Path
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    secret = "s3cret-Passw0rd"
    with running_redis(tmp_path / "redis", password=secret) as server:
        wrong = server.url.replace(secret, "not-the-Passw0rd")
        refused = judge(
            tmp_path, "grade", folder, "--problems", specs, "-p", "mini", "--queue", wrong
        )
        anonymous = server.url.replace(f":{secret}@", "")
        no_password = judge(
            tmp_path, "grade", folder, "--problems", specs, "-p", "mini", "--queue", anonymous
        )
        worker_refused = judge(tmp_path, "worker", "--queue", wrong, timeout=60)
        with running_workers(server.url, tmp_path, 1) as workers:
            graded = judge(
                tmp_path, "grade", folder, "--problems", specs, "-p", "mini", "--queue", server.url
            )
            log = workers[0].output()
    assert refused.returncode == 2, refused.stderr
    assert "refused the credentials" in refused.stderr
    assert "not-the-Passw0rd" not in refused.stderr + refused.stdout
    assert "***@127.0.0.1" in refused.stderr
    assert no_password.returncode == 2 and "needs a password" in no_password.stderr
    assert worker_refused.returncode == 2, worker_refused.stderr
    assert "not-the-Passw0rd" not in worker_refused.stderr + worker_refused.stdout
    assert graded.returncode == 0, graded.stderr + log
    assert secret not in graded.stderr + graded.stdout + log


def test_with_no_worker_grade_says_so_and_waits_and_the_password_stays_out_of_ps(
    tmp_path: Path, specs: Path
) -> None:
    """``judge grade`` takes the queue from $JUDGE_QUEUE, as ``judge worker`` does (a URL
    in its arguments is in every user's ``ps``); with no worker alive on the queue it
    says so after a while, rather than waiting in silence, and grades once one starts."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    secret = "s3cret-Passw0rd"
    log = tmp_path / "grade.log"
    with running_redis(tmp_path / "redis", password=secret) as server:
        command = [sys.executable, "-m", "judge", "grade", str(folder)]
        command += ["--problems", str(specs), "-p", "mini", "--no-cache"]  # graded here
        with log.open("wb") as sink:
            grade = subprocess.Popen(
                command,
                cwd=ROOT,
                env=judge_env(tmp_path) | {"JUDGE_QUEUE": server.url},
                stdout=subprocess.PIPE,
                stderr=sink,
                start_new_session=True,
            )
        try:
            arguments = Path(f"/proc/{grade.pid}/cmdline").read_bytes()
            wait_for(
                lambda: "no judge worker is taking jobs" in log.read_text(),
                120,
                "judge grade to say that no worker runs",
            )
            waited = grade.poll() is None
            with running_workers(server.url, tmp_path, 1):
                status = grade.wait(timeout=GRADE_DEADLINE)
        finally:
            if grade.poll() is None:
                os.killpg(grade.pid, signal.SIGKILL)
            grade.wait(timeout=60)
            if grade.stdout is not None:
                grade.stdout.close()
    said = log.read_text()
    assert waited, said
    assert status == 0, said
    assert "grading on the workers of redis://***@127.0.0.1" in said
    assert "1 submission(s) wait on the queue until one starts" in said
    assert secret.encode() not in arguments
    assert secret not in said


def test_tls_with_a_certificate_the_url_names(tmp_path: Path, specs: Path) -> None:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    files = {"cert": tmp_path / "cert.pem", "key": tmp_path / "key.pem", "ca": tmp_path / "ca.pem"}
    certificate.cert_chain_pems[0].write_to_path(str(files["cert"]))
    certificate.private_key_pem.write_to_path(str(files["key"]))
    authority.cert_pem.write_to_path(str(files["ca"]))
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    with running_redis(tmp_path / "redis", tls=files) as server:
        assert server.url.startswith("rediss://")
        plain = server.url.replace("rediss://", "redis://").split("?")[0]
        refused = judge(
            tmp_path, "grade", folder, "--problems", specs, "-p", "mini", "--queue", plain
        )
        with running_workers(server.url, tmp_path, 1) as workers:
            graded = judge(
                tmp_path, "grade", folder, "--problems", specs, "-p", "mini", "--queue", server.url
            )
            log = workers[0].output()
    assert refused.returncode == 2, refused.stderr  # a TLS port does not speak plain Redis
    assert graded.returncode == 0, graded.stderr + log


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:1", "not a Redis URL"),
        ("127.0.0.1:6379", "not a Redis URL"),
        ("redis://127.0.0.1:1", "cannot reach the Redis at redis://127.0.0.1:1"),
        ("redis://:hunter22@127.0.0.1:1/0", "cannot reach the Redis at redis://***@127.0.0.1:1/0"),
        ("redis://127.0.0.1:1/0?socket_timeout=soon", "Invalid value for 'socket_timeout'"),
        ("rediss://:hunter22@127.0.0.1:1?ssl_cert_reqs=bogus", "Requirements Flag: bogus"),
    ],
)
def test_a_bad_queue_url_is_exit_2_saying_why(tmp_path: Path, url: str, says: str) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    result = judge(tmp_path, "grade", folder, "--queue", url, timeout=60)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert "hunter22" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_url_redis_py_refuses_is_exit_2_for_a_worker_not_waited_on(tmp_path: Path) -> None:
    url = "rediss://:hunter22@127.0.0.1:1?ssl_cert_reqs=bogus"
    result = judge(tmp_path, "worker", "--queue", url, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Requirements Flag: bogus" in result.stderr
    assert "hunter22" not in result.stderr


def test_ctrl_c_cancels_the_queued_jobs_and_a_rerun_gathers_them(
    tmp_path: Path, specs: Path
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.py").write_text(GOOD_VALUE + f"\n# {name}\n")
    with running_redis(tmp_path / "redis") as server:
        import redis

        connection = redis.Redis.from_url(server.url)
        command = [sys.executable, "-m", "judge", "grade", str(folder), "--problems", str(specs)]
        command += ["-p", "mini", "--queue", server.url]
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=judge_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: connection.llen("rq:queue:judge:batch") == 3, 60, "3 queued jobs")
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 130, stderr
        assert connection.llen("rq:queue:judge:batch") == 0, "the queued jobs are cancelled"
        with running_workers(server.url, tmp_path, 1):
            rerun = judge(
                tmp_path, "grade", folder, "--problems", specs, "-p", "mini", "--queue", server.url
            )
        connection.close()
    assert rerun.returncode == 0, rerun.stderr
    assert "(3 graded, 0 from the cache" in rerun.stderr


BLOCK_QUEUE_MODULES = """
import sys

class _Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("rq", "redis"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Refuse())
"""


def test_without_rq_and_redis_everything_but_queue_works(tmp_path: Path, specs: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCK_QUEUE_MODULES)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    env = {**judge_env(tmp_path), "PYTHONPATH": str(blocker)}

    def run(*args: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "judge", *map(str, args)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=GRADE_DEADLINE,
        )

    probe = run("--version")
    assert probe.returncode == 0
    check = subprocess.run(
        [sys.executable, "-c", "import rq"], env=env, capture_output=True, text=True, timeout=60
    )
    assert check.returncode != 0, "the blocker works"
    graded = run("grade", folder, "--problems", specs, "-p", "mini", "--no-cache")
    assert graded.returncode == 0, graded.stderr
    ran = run("run", folder / "alice.py", "--problems", specs, "-p", "mini")
    assert ran.returncode == 0, ran.stderr
    for command in (
        ("grade", folder, "--queue", "redis://127.0.0.1:1"),
        ("worker", "--queue", "redis://127.0.0.1:1"),
    ):
        refused = run(*command)
        assert refused.returncode == 2, refused.stderr
        assert "pip install 'micrograd-judge[queue]'" in refused.stderr
        assert "Traceback" not in refused.stderr


def test_redact_hides_the_password_everywhere() -> None:
    from judge.cluster.connect import hide, redact

    url = "redis://user:pa55word@host:6379/0"
    assert redact(url) == "redis://***@host:6379/0"
    assert redact("redis://host:6379") == "redis://host:6379"
    assert hide(f"cannot connect to {url}: pa55word rejected", url) == (
        "cannot connect to redis://***@host:6379/0: *** rejected"
    )


def test_a_job_naming_another_function_is_refused_not_run(tmp_path: Path) -> None:
    """Whoever can write to Redis can make a job name any importable function (RQ
    imports it by name); a worker runs only the grade request, and no callback."""
    from rq import Queue
    from rq.callbacks import Callback
    from rq.job import Job
    from rq.serializers import JSONSerializer

    marker = tmp_path / "ran"
    with running_redis(tmp_path / "redis") as server:
        connection = server.client()
        queue = Queue("judge:batch", connection=connection, serializer=JSONSerializer)  # type: ignore[arg-type]
        queue.enqueue_call("os.system", args=(f"touch {marker}",), job_id="forged")
        queue.enqueue_call(
            "judge.cluster.task.grade_request",
            args=({},),
            job_id="forged-callback",
            on_failure=Callback("os.system"),
        )
        worker = start_worker(server.url, tmp_path, "wary", "--burst")
        try:
            status = worker.process.wait(timeout=GRADE_DEADLINE)
        finally:
            stop_worker(worker)
        forged = Job.fetch("forged", connection=connection, serializer=JSONSerializer)  # type: ignore[arg-type]
        failed = forged.get_status(), forged.latest_result()
        callback = Job.fetch("forged-callback", connection=connection, serializer=JSONSerializer)  # type: ignore[arg-type]
        callback_status = callback.get_status()
    assert status == 0, worker.output()
    assert not marker.exists(), "os.system ran"
    assert failed[0] == "failed"
    assert failed[1] is not None and "not a grade request" in (failed[1].exc_string or "")
    assert callback_status == "failed"  # its bad payload failed it; the callback did not run
    assert "UntrustedJob" in worker.output() or "not a grade request" in worker.output()


def test_a_job_naming_another_key_to_wake_pushes_nothing_there(tmp_path: Path) -> None:
    """A worker pushes a job's id on the wake-up list its job names; a job written into
    Redis naming a queue's own list there would have its id pushed back on that queue
    as it ends, to be run again, and again, forever."""
    from rq import Queue
    from rq.job import Job
    from rq.serializers import JSONSerializer

    with running_redis(tmp_path / "redis") as server:
        connection = server.client()
        queue = Queue("judge:batch", connection=connection, serializer=JSONSerializer)  # type: ignore[arg-type]
        queue.enqueue_call(
            "judge.cluster.task.grade_request",
            args=({},),
            job_id="forged-wake",
            meta={"notify": "rq:queue:judge:batch"},
        )
        worker = start_worker(server.url, tmp_path, "wary", "--burst")
        try:
            status = worker.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            stop_worker(worker)
        job = Job.fetch("forged-wake", connection=connection, serializer=JSONSerializer)  # type: ignore[arg-type]
        runs = len(job.results())
        queued = connection.lrange("rq:queue:judge:batch", 0, -1)  # type: ignore[attr-defined]
    assert status == 0, "the burst worker never ran out of jobs:\n" + worker.output()
    assert queued == []
    assert runs == 1


def test_an_answer_that_is_not_a_grade_is_not_reused_by_a_rerun(tmp_path: Path) -> None:
    """A worker of another judge version answers that it will not grade; once the
    workers are upgraded, enqueueing the same id again grades it, rather than handing
    back the refusal RQ keeps a day (the results cache keeps only grades, too)."""
    from msgspec.structs import replace

    from judge.cluster.client import Finished, QueueClient
    from judge.cluster.request import request_for
    from judge.grading.grade import Options
    from judge.spec.catalog import Catalog

    problem = Catalog.with_extra([]).get("basic-autograd")
    request = request_for("s.py", GOOD_VALUE.encode(), problem, Options(), mode="run")
    with running_redis(tmp_path / "redis") as server:
        client = QueueClient(server.url)
        try:
            old = replace(request, judge_version="0.0.1-other")
            client.enqueue(problem, [old], priority="batch", ids=["grade-s"])
            answers = []
            for attempt in range(2):
                worker = start_worker(server.url, tmp_path, f"burst{attempt}", "--burst")
                try:
                    answers.append(dict(client.results(["grade-s"]))["grade-s"])
                    assert worker.process.wait(timeout=GRADE_DEADLINE) == 0, worker.output()
                finally:
                    stop_worker(worker)
                again = client.enqueue(problem, [request], priority="batch", ids=["grade-s"])
                assert again == (["grade-s"] if attempt == 0 else []), attempt
        finally:
            client.close()
    refused, graded = answers
    assert isinstance(refused, Finished) and refused.answer["kind"] == "aborted"
    assert "run the same version on both sides" in refused.answer["message"]
    assert isinstance(graded, Finished) and graded.answer["kind"] == "graded"
    assert graded.report["status"] == "passed"


def test_a_request_a_worker_cannot_read_from_another_version_says_which(
    tmp_path: Path,
) -> None:
    """A newer judge's request may carry a field this worker does not know: the job
    fails saying which versions differ, not only that a field is unknown."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from judge.cluster.client import Crashed, QueueClient
    from judge.cluster.request import encode, request_for
    from judge.grading.grade import Options
    from judge.spec.catalog import Catalog

    problem = Catalog.with_extra([]).get("basic-autograd")
    request = request_for("s.py", GOOD_VALUE.encode(), problem, Options(), mode="run")
    newer = encode(request) | {"judge_version": "99.0", "priority_hint": 1}
    with running_redis(tmp_path / "redis") as server:
        client = QueueClient(server.url)
        try:
            queue = Queue("judge:batch", connection=client.redis, serializer=JSONSerializer)
            queue.enqueue_call("judge.cluster.task.grade_request", args=(newer,), job_id="new")
            worker = start_worker(server.url, tmp_path, "older", "--burst")
            try:
                result = dict(client.results(["new"]))["new"]
                assert worker.process.wait(timeout=GRADE_DEADLINE) == 0, worker.output()
            finally:
                stop_worker(worker)
        finally:
            client.close()
    assert isinstance(result, Crashed), result
    assert "the request came from judge 99.0: run the same version" in result.message
    assert "priority_hint" in result.message


def test_a_second_worker_of_the_same_name_is_exit_2(tmp_path: Path) -> None:
    with (
        running_redis(tmp_path / "redis") as server,
        running_workers(server.url, tmp_path, 1) as workers,
    ):
        wait_for(lambda: "Listening on" in workers[0].output(), 60, "the first worker")
        twin = judge(tmp_path, "worker", "--queue", server.url, "--name", "w0", timeout=60)
        first_alive = workers[0].process.poll() is None
    assert twin.returncode == 2, twin.stderr
    assert "a worker named 'w0' is already at work" in twin.stderr
    assert first_alive
