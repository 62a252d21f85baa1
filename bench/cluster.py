"""Grading on the job queue (issue 16): throughput through 1, 2 and 4 `judge worker`s,
the queue's overhead per job against grading in process, and how long an interactive
run waits while a class is regraded.

    .venv/bin/python bench/cluster.py [-n 2000] [--workers 1,2,4] [--probe-class 1000]

Starts a real ``redis-server`` on a free loopback port (Debian's, as the tests do),
makes N distinct passing ``basic-autograd`` submissions (``student_variant`` of
submissions/correct.py: no cache hit, no twin), and measures, each as a fresh command:

* in process: ``judge grade DIR --no-cache --jobs J`` for J = 1 and 2 (this machine's
  cores), the baseline;
* on the queue: with W workers started and idle beforehand, ``judge grade DIR --queue
  URL --no-cache`` for each W (Redis flushed between runs), so the figure is the queue's
  own cost and the workers' grading, not their start-up;
* the priority probe: with 2 workers busy on a regrade of ``--probe-class`` submissions,
  ``judge serve --queue URL`` is asked to ``run`` a correct solution with
  ``?wait=true``, five times, a few seconds apart; the time from request to report is
  what a student waits while a class is being regraded.

Prints Markdown tables for docs/benchmarks.md ("Grading on a queue"); the load average
is shown, since other work on the machine skews everything.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run_all import student_variant  # noqa: E402
from tests.redis_server import (  # noqa: E402
    judge_env,
    running_redis,
    running_workers,
)
from tests.serve_server import free_port  # noqa: E402

PROBLEM = "basic-autograd"
PROBES = 5
PROBE_GAP_S = 4.0


def judge(*args: str, env: dict[str, str]) -> float:
    """Run ``judge ARGS`` to its end; its wall time (exit 0 expected: all pass)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "judge", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=7200,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"judge {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
    return elapsed


def make_class(folder: Path, size: int) -> Path:
    """``size`` distinct passing submissions in ``folder``."""
    folder.mkdir(parents=True)
    solution = (ROOT / "submissions" / "correct.py").read_text(encoding="utf-8")
    for index in range(size):
        (folder / f"student{index:04}.py").write_text(student_variant(solution, index))
    return folder


def flush(url: str) -> None:
    """Empty Redis: each run grades every submission again, none gathered from before."""
    import redis

    with redis.Redis.from_url(url) as client:
        client.flushall()


@contextlib.contextmanager
def serving(url: str, home: Path, env: dict[str, str]) -> Iterator[str]:
    """A ``judge serve --queue`` on a free port; its base URL while the block runs."""
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "judge", "serve", "--queue", url, "--port", str(port)]
    command += ["--database", str(home / "serve.sqlite3"), "--per-minute", "1000"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api/problems", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("judge serve --queue did not start")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def probe(base: str) -> float:
    """Seconds from posting a ``run`` of a correct solution to its finished report."""
    import httpx

    body = {
        "problem": PROBLEM,
        "source": (ROOT / "submissions" / "correct.py").read_text(encoding="utf-8"),
        "mode": "run",
    }
    started = time.perf_counter()
    answer = httpx.post(f"{base}/api/submissions?wait=true", json=body, timeout=600)
    elapsed = time.perf_counter() - started
    record = answer.json()
    if answer.status_code != 200 or record["report"]["status"] != "passed":
        raise SystemExit(f"the probe did not pass: {answer.status_code} {record}")
    return elapsed


def priority_probe(url: str, home: Path, folder: Path, env: dict[str, str]) -> list[float]:
    """Probe latencies while two workers regrade ``folder`` on the batch queue."""
    flush(url)
    command = [sys.executable, "-m", "judge", "grade", str(folder), "-p", PROBLEM]
    command += ["--queue", url, "--no-cache", "-o", str(home / "probe-book.csv")]
    regrade = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with serving(url, home, env) as base:
            time.sleep(PROBE_GAP_S)  # the regrade's jobs are queued and being graded
            latencies = []
            for _ in range(PROBES):
                latencies.append(probe(base))
                if regrade.poll() is not None:
                    raise SystemExit("the regrade ended before the probes did: raise --probe-class")
                time.sleep(PROBE_GAP_S)
        return latencies
    finally:
        regrade.terminate()
        regrade.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="submissions in the class")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to measure")
    parser.add_argument("--probe-class", type=int, default=1000)
    args = parser.parse_args()
    counts = [int(part) for part in args.workers.split(",")]

    with tempfile.TemporaryDirectory(prefix="judge-bench-cluster-") as scratch:
        home = Path(scratch)
        env = {**judge_env(home), "JUDGE_CACHE_DIR": str(home / "cache"), "NO_COLOR": "1"}
        folder = make_class(home / "class", args.n)
        probe_class = make_class(home / "probe-class", args.probe_class)
        load = os.getloadavg()[0]
        grade = ["grade", str(folder), "-p", PROBLEM, "--no-cache", "-o", str(home / "b.csv")]
        judge("run", str(folder / "student0000.py"), "-p", PROBLEM, env=env)  # warm caches
        local = {jobs: judge(*grade, "--jobs", str(jobs), env=env) for jobs in (1, 2)}
        queued: dict[int, float] = {}
        with running_redis(home / "redis") as server:
            for count in counts:
                flush(server.url)
                with running_workers(server.url, home, count, "--heartbeat", "5"):
                    queued[count] = judge(*grade, "--queue", server.url, env=env)
            with running_workers(server.url, home, 2, "--heartbeat", "5"):
                latencies = priority_probe(server.url, home, probe_class, env)

    cores = os.cpu_count() or 1
    print(f"{args.n} passing submissions of {PROBLEM}, {cores} cores, load before {load:.2f}\n")
    print("| how | seconds | per submission | submissions/s | per worker/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for jobs, seconds in local.items():
        rate = args.n / seconds
        print(
            f"| in process, `--jobs {jobs}` | {seconds:.1f} | {seconds / args.n * 1000:.1f} ms "
            f"| {rate:.1f} | {rate / jobs:.1f} |"
        )
    for count, seconds in queued.items():
        rate = args.n / seconds
        print(
            f"| queue, {count} worker{'s' if count > 1 else ''} | {seconds:.1f} "
            f"| {seconds / args.n * 1000:.1f} ms | {rate:.1f} | {rate / count:.1f} |"
        )
    if 1 in queued:
        overhead = (queued[1] - local[1]) / args.n * 1000
        print(
            f"\nqueue overhead per job (1 worker against `--jobs 1`): {overhead:+.1f} ms "
            f"({queued[1] / local[1]:.2f}x)"
        )
    print(
        f"\nan interactive `run` during a regrade of {args.probe_class} (2 workers): "
        f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s "
        f"({', '.join(f'{x:.2f}' for x in latencies)})"
    )


if __name__ == "__main__":
    main()
