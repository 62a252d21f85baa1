"""The queue's faults (issue 16), on a real redis-server and real ``judge worker``s.

A worker killed with SIGKILL mid-job: another grades the job, its result is stored and
delivered once.  A grading process killed every time it grades one submission: that
one is ``crashed`` after ``ATTEMPTS`` tries, the rest graded.  Redis stopped and started
again mid-run: the workers and the grade command carry on, every result arrives.  A
worker started before Redis waits for it.  SIGTERM finishes the job under way.

A slow submission spins on the CPU as it loads (well inside its time limit), so a test
can catch its job running; every wait polls a condition with a deadline.
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
    RedisServer,
    WorkerProcess,
    judge_env,
    needs_redis,
    running_redis,
    running_workers,
    start_worker,
    stop_worker,
    wait_for,
)
from tests.samples import GOOD_VALUE, MINI_SPEC, WRONG_VALUE

pytestmark = needs_redis
GRADE_DEADLINE = 300.0
SLOW_SPEC = MINI_SPEC.replace("id: mini", "id: slow-mini").replace(
    "time_limit: 3", "time_limit: 20"
)
# The attempts a job gets (judge.cluster.queues.ATTEMPTS, read where it is defined).
ATTEMPTS = 3


def spinning(seconds: float, tag: str) -> str:
    """A correct submission that spins on the CPU for ``seconds`` as it loads."""
    spin = f"import time\n_end = time.time() + {seconds}\nwhile time.time() < _end:\n    pass\n"
    return f"# {tag}\n{spin}{GOOD_VALUE}"


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "slow-mini.yaml").write_text(SLOW_SPEC)
    return folder


def start_grade(home: Path, folder: Path, specs: Path, url: str) -> subprocess.Popen[str]:
    """``judge grade FOLDER --queue URL`` in the background, its JSON gradebook on stdout."""
    command = [sys.executable, "-m", "judge", "grade", str(folder), "--problems", str(specs)]
    command += ["-p", "slow-mini", "--format", "json", "--no-cache", "--queue", url]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=judge_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish(
    process: subprocess.Popen[str], workers: list[WorkerProcess]
) -> tuple[dict[str, Any], str]:
    """Wait for a grade command; its rows by name and its stderr."""
    try:
        stdout, stderr = process.communicate(timeout=GRADE_DEADLINE)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        logs = "\n".join(worker.output() for worker in workers)
        pytest.fail(f"judge grade did not finish:\n{stderr}\n{logs}")
    assert stdout, stderr + "\n".join(worker.output() for worker in workers)
    rows = {row["name"]: row for row in json.loads(stdout)["rows"]}
    return rows, stderr


def kill_group(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def jobs_by_name(server: RedisServer) -> dict[str, Any]:
    """Every grade job in Redis, by the name of the submission it grades."""
    from rq.job import Job
    from rq.serializers import JSONSerializer

    connection = server.client()
    found = {}
    for key in connection.scan_iter("rq:job:grade-*"):  # type: ignore[attr-defined]
        job_id = key.decode().removeprefix("rq:job:")
        if ":" in job_id:
            continue
        job = Job.fetch(job_id, connection=connection, serializer=JSONSerializer)
        found[Path(job.args[0]["name"]).stem] = job
    return found


def grading_horse(worker: WorkerProcess) -> int | None:
    """The worker's work horse once it is grading (it has started the submission's own
    process), else None."""
    for horse in worker.horses():
        try:
            children = Path(f"/proc/{horse}/task/{horse}/children").read_text().split()
        except OSError:
            continue
        if children:
            return horse
    return None


def gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie counts: it runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def slow_plan(home: Path, examples: int) -> tuple[Any, Any, dict[str, str]]:
    """A request for a correct submission whose plan takes seconds to make (thousands
    of random graphs on basic-autograd), and an environment for workers that draws them
    anew (a cache folder of the test's own)."""
    from judge.cluster.request import request_for
    from judge.grading.grade import Options
    from judge.spec.catalog import Catalog

    problem = Catalog.with_extra([]).get("basic-autograd")
    code = GOOD_VALUE.encode()
    request = request_for("s.py", code, problem, Options(), seed=11, examples=examples)
    return problem, request, judge_env(home) | {"JUDGE_CACHE_DIR": str(home / "cache")}


def test_a_worker_killed_mid_job_leaves_it_to_another_graded_once(
    tmp_path: Path, specs: Path
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a_slow.py").write_text(spinning(4.0, "slow"))
    (folder / "b.py").write_text(GOOD_VALUE)
    (folder / "c.py").write_text(WRONG_VALUE)
    with running_redis(tmp_path / "redis") as server:
        first = start_worker(server.url, tmp_path, "first")
        grade = start_grade(tmp_path, folder, specs, server.url)
        try:
            horse = wait_for(lambda: grading_horse(first), 120, "the first worker grading a_slow")
            assert isinstance(horse, int)
            assert jobs_by_name(server)["a_slow"].get_status() == "started"
            first.kill()
            wait_for(lambda: gone(horse), 30, "the killed worker's horse to die with it")
            with running_workers(server.url, tmp_path, 1) as others:
                rows, stderr = finish(grade, [first, *others])
            jobs = jobs_by_name(server)
            slow = jobs["a_slow"]
            facts = (slow.get_status(), slow.retries_left, len(slow.results()))
        finally:
            stop_worker(first)
            kill_group(grade)
    assert grade.returncode == 1, stderr
    assert sorted(rows) == ["a_slow", "b", "c"]
    assert rows["a_slow"]["status"] == "passed"
    assert "(3 graded, 0 from the cache" in stderr
    # Started twice (once by each worker: one retry spent), one result stored.
    assert facts == ("finished", ATTEMPTS - 2, 1)
    assert jobs["b"].retries_left == ATTEMPTS - 1


def test_a_worker_killed_while_it_prepares_a_plan_leaves_the_job_to_another(
    tmp_path: Path,
) -> None:
    """A worker makes a job's plan (reference values, random graphs) before it forks the
    job's horse: seconds for a first job, minutes for many graphs.  Killed then, its job
    must already be one a worker is known to hold, so that another starts it again; it
    was in no queue and no registry, "queued" forever, and its client waited forever."""
    from judge.cluster.client import Finished, QueueClient

    problem, request, env = slow_plan(tmp_path, examples=3000)
    with running_redis(tmp_path / "redis") as server:
        client = QueueClient(server.url)
        connection = server.client()
        client.enqueue(problem, [request], priority="batch", ids=["grade-s"])
        first = start_worker(server.url, tmp_path, "first", "--heartbeat", "2", env=env)
        try:
            wait_for(
                lambda: connection.llen("rq:queue:judge:batch") == 0,  # type: ignore[attr-defined]
                120,
                "the first worker to take the job",
            )
            assert grading_horse(first) is None, "the plan took no time: nothing tested"
            first.kill()
            with running_workers(server.url, tmp_path, 1):

                def ended() -> object:
                    look = client.look(["grade-s"], wait_s=1.0, everything=True)
                    return dict(look.ended).get("grade-s")

                result = wait_for(ended, GRADE_DEADLINE, "the job graded by another worker")
        finally:
            stop_worker(first)
            client.close()
    assert isinstance(result, Finished), result
    assert result.answer["kind"] == "graded"
    assert result.report["status"] == "passed"


def test_a_plan_longer_than_a_heartbeat_is_not_taken_for_a_dead_worker(tmp_path: Path) -> None:
    """While a worker makes a long plan, its heartbeats go on: another worker's clean-up
    does not take the job for abandoned and start it a second time."""
    import re

    from judge.cluster.client import Finished, QueueClient

    problem, request, env = slow_plan(tmp_path, examples=5000)
    beat = ["--heartbeat", "1", "--maintenance", "1"]  # abandoned after 1 + 5 s
    with running_redis(tmp_path / "redis") as server:
        client = QueueClient(server.url)
        client.enqueue(problem, [request], priority="batch", ids=["grade-s"])
        first = start_worker(server.url, tmp_path, "first", *beat, env=env)
        other = None
        try:
            wait_for(lambda: "grade-s" in first.output(), 120, "the first worker to take it")
            other = start_worker(server.url, tmp_path, "other", *beat, env=env)
            result = wait_for(
                lambda: dict(client.look(["grade-s"], wait_s=1.0, everything=True).ended).get(
                    "grade-s"
                ),
                GRADE_DEADLINE,
                "the job graded",
            )
            job = jobs_by_name(server)["s"]
            facts = (job.retries_left, len(job.results()))
        finally:
            stop_worker(first)
            if other is not None:
                stop_worker(other)
            client.close()
    took = re.search(r"its plan took ([0-9.]+) s", first.output())
    assert took is not None and float(took[1]) > 1 + 5, "the plan was quick: nothing tested"
    assert isinstance(result, Finished) and result.report["status"] == "passed"
    assert facts == (ATTEMPTS - 1, 1), "started once, graded once"
    assert other is not None and "grade-s" not in other.output(), "never the other's"


def test_a_submission_that_kills_its_grading_process_every_time_is_crashed(
    tmp_path: Path, specs: Path
) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a_doomed.py").write_text(spinning(4.0, "doomed"))
    (folder / "b.py").write_text(GOOD_VALUE)
    (folder / "c.py").write_text(WRONG_VALUE)
    kills = 0
    with running_redis(tmp_path / "redis") as server:
        grade = start_grade(tmp_path, folder, specs, server.url)
        try:
            with running_workers(server.url, tmp_path, 1) as workers:
                worker = workers[0]

                def doomed_running() -> int | None:
                    horse = grading_horse(worker)
                    job = jobs_by_name(server).get("a_doomed")
                    if horse is None or job is None or job.get_status() != "started":
                        return None
                    return horse

                while kills < ATTEMPTS + 1:  # one more than it takes: must not be needed
                    wait_for(
                        lambda: doomed_running() or grade.poll() is not None,
                        120,
                        "a_doomed graded again, or the batch over",
                    )
                    if grade.poll() is not None:
                        break
                    horse = doomed_running()
                    if horse is None:
                        continue
                    left = jobs_by_name(server)["a_doomed"].retries_left
                    os.kill(horse, signal.SIGKILL)
                    kills += 1
                    wait_for(lambda h=horse: gone(h), 30, "the killed horse")  # type: ignore[misc]

                    def noticed(left: int = left) -> bool:
                        job = jobs_by_name(server)["a_doomed"]
                        return job.get_status() == "failed" or job.retries_left < left

                    # The retry may start at once: its status alone could miss it.
                    wait_for(noticed, 60, "the worker to notice its horse died")
                    if jobs_by_name(server)["a_doomed"].get_status() == "failed":
                        break
                rows, stderr = finish(grade, workers)
        finally:
            kill_group(grade)
    assert kills == ATTEMPTS
    assert grade.returncode == 3, stderr  # the judge failed on one submission
    assert rows["a_doomed"]["status"] == "error"
    assert f"crashed {ATTEMPTS} times" in rows["a_doomed"]["message"]
    assert rows["b"]["status"] == "passed"
    assert rows["c"]["status"] == "failed"


def test_redis_restarted_mid_run_loses_nothing(tmp_path: Path, specs: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    names = [f"s{n}" for n in range(6)]
    for name in names:
        (folder / f"{name}.py").write_text(spinning(1.5, name))
    with running_redis(tmp_path / "redis") as server:
        grade = start_grade(tmp_path, folder, specs, server.url)
        try:
            with running_workers(server.url, tmp_path, 2) as workers:
                wait_for(
                    lambda: any(
                        j.get_status() == "finished" for j in jobs_by_name(server).values()
                    ),
                    120,
                    "a first job finished",
                )
                server.stop()
                wait_for(
                    lambda: any("Error 111" in w.output() for w in workers),
                    60,
                    "a worker to see Redis gone",
                )
                server.start()
                rows, stderr = finish(grade, workers)
                alive = [worker.process.poll() is None for worker in workers]
        finally:
            kill_group(grade)
    assert grade.returncode == 0, stderr
    assert sorted(rows) == names
    assert all(row["status"] == "passed" for row in rows.values()), rows
    assert alive == [True, True], "the workers reconnected"


def test_a_redis_that_comes_back_empty_has_the_class_enqueued_again_spec_and_all(
    tmp_path: Path, specs: Path
) -> None:
    """A Redis restarted without its data (no AOF kept) lost the jobs and the spec they
    name: the grade command enqueues the jobs again with the spec, and they are graded
    (without the spec, every job failed on every attempt: "crashed 3 times")."""
    import shutil

    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    (folder / "bob.py").write_text(WRONG_VALUE)
    with running_redis(tmp_path / "redis") as server:
        grade = start_grade(tmp_path, folder, specs, server.url)
        try:
            wait_for(lambda: len(jobs_by_name(server)) == 2, 120, "both jobs enqueued")
            server.stop()
            for entry in server.folder.iterdir():  # its data gone: the AOF and any dump
                if entry.is_dir():
                    shutil.rmtree(entry)
                elif entry.name != "redis.log":
                    entry.unlink()
            server.start()
            wait_for(lambda: len(jobs_by_name(server)) == 2, 120, "both jobs enqueued again")
            with running_workers(server.url, tmp_path, 1) as workers:
                rows, stderr = finish(grade, workers)
        finally:
            kill_group(grade)
    assert grade.returncode == 1, stderr
    assert rows["alice"]["status"] == "passed", rows["alice"]["message"]
    assert rows["bob"]["status"] == "failed", rows["bob"]["message"]


def test_a_job_taken_by_a_worker_that_stopped_before_holding_it_is_enqueued_again(
    tmp_path: Path, specs: Path
) -> None:
    """RQ takes a job from a worker's two queues with BLPOP; a worker killed before it
    holds the job (milliseconds later) leaves it ``queued`` in no queue's list, where no
    worker would ever find it.  The grade command's sweep sees it so for ``ORPHAN_S``
    and enqueues it again (without that, it waited for ever)."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    with running_redis(tmp_path / "redis") as server:
        grade = start_grade(tmp_path, folder, specs, server.url)
        try:
            wait_for(lambda: len(jobs_by_name(server)) == 1, 120, "the job enqueued")
            connection = server.client()
            # What the killed worker's BLPOP did: the job out of its list, still queued.
            taken = connection.lpop("rq:queue:judge:batch")  # type: ignore[attr-defined]
            assert taken is not None and taken.decode() == jobs_by_name(server)["alice"].id
            assert jobs_by_name(server)["alice"].get_status() == "queued"
            with running_workers(server.url, tmp_path, 1) as workers:
                rows, stderr = finish(grade, workers)
        finally:
            kill_group(grade)
    assert grade.returncode == 0, stderr
    assert rows["alice"]["status"] == "passed", rows["alice"]["message"]


def test_a_worker_started_before_redis_waits_for_it(tmp_path: Path, specs: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(GOOD_VALUE)
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis")
    worker = start_worker(server.url, tmp_path, "early")
    try:
        wait_for(lambda: "cannot reach the Redis" in worker.output(), 60, "the worker to wait")
        assert worker.process.poll() is None
        server.start()
        grade = start_grade(tmp_path, folder, specs, server.url)
        try:
            rows, stderr = finish(grade, [worker])
        finally:
            kill_group(grade)
        assert rows["alice"]["status"] == "passed", stderr
        assert "connected to the Redis" in worker.output()
    finally:
        status = stop_worker(worker)
        server.stop()
    assert status == 0, worker.output()


def test_sigterm_finishes_the_job_under_way_then_exits_0(tmp_path: Path, specs: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "a_slow.py").write_text(spinning(3.0, "slow"))
    with running_redis(tmp_path / "redis") as server:
        worker = start_worker(server.url, tmp_path, "polite")
        grade = start_grade(tmp_path, folder, specs, server.url)
        try:
            wait_for(lambda: grading_horse(worker), 120, "the worker grading")
            worker.process.terminate()
            status = worker.process.wait(timeout=GRADE_DEADLINE)
            rows, stderr = finish(grade, [worker])
            retries_left = jobs_by_name(server)["a_slow"].retries_left
        finally:
            stop_worker(worker)
            kill_group(grade)
    assert status == 0, worker.output()
    assert rows["a_slow"]["status"] == "passed", stderr
    assert retries_left == ATTEMPTS - 1, "graded by the worker told to stop, not again"
