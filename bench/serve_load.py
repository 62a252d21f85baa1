"""A bounded load test of ``judge serve`` on loopback (issue 15): 500 submissions from
50 concurrent clients, nothing lost or duplicated; latency and the server's memory.

    .venv/bin/python bench/serve_load.py [--clients 50] [--submissions 500] [--jobs 2]

Starts ``judge serve`` on a free port with a fresh database, then 50 clients (asyncio
tasks, each its own connection) each post their share of the submissions with
``?wait=true`` (correct and wrong ``basic-autograd`` sources in turn, every one
``submit``: every test, hidden ones and random graphs included) and time each from
request to finished report.  Meanwhile the server's resident memory (the server process,
and it with its grading processes and their sandboxed workers) is sampled from /proc.
At the end it checks that every id is distinct, every record is ``done`` with the
expected verdict, and the database holds exactly the submissions sent; it exits 1 if
not.  Prints the Markdown row for docs/benchmarks.md ("Serving").  Latency includes
the wait in the queue: with N clients and ``--jobs`` J, a submission waits for about
N/J grades.  The server's per-minute limit is raised for the run (one client address).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "passed": (ROOT / "submissions" / "correct.py").read_text(),
    "failed": (ROOT / "submissions" / "wrong_relu_mask.py").read_text(),
}
START_DEADLINE = 60.0
REQUEST_TIMEOUT = 900.0  # a ?wait=true at the back of a 500-long queue


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_kib(pid: int) -> int:
    """The resident memory of one process, KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every process under ``pid``, from /proc's children lists."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            found += [int(c) for c in children]
            todo += [int(c) for c in children]
    return found


class MemorySampler(threading.Thread):
    """Peaks of the server's RSS, alone and with everything under it, every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.server_peak, self.total_peak = pid, 0, 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            server = rss_kib(self.pid)
            total = server + sum(rss_kib(child) for child in descendants(self.pid))
            self.server_peak = max(self.server_peak, server)
            self.total_peak = max(self.total_peak, total)


async def client(
    http: httpx.AsyncClient, base: str, jobs: list[str], results: list[tuple[str, str, float]]
) -> None:
    """Post ``jobs`` (expected verdicts) one after the other, waiting for each report."""
    for expected in jobs:
        body = {"problem": "basic-autograd", "source": SOURCES[expected], "mode": "submit"}
        started = time.perf_counter()
        response = await http.post(f"{base}/api/submissions", params={"wait": "true"}, json=body)
        elapsed = time.perf_counter() - started
        response.raise_for_status()
        record = response.json()
        if record["state"] != "done" or record["report"]["status"] != expected:
            raise SystemExit(f"wrong record for a {expected} source: {record['state']} {record}")
        results.append((record["id"], expected, elapsed))


async def load(base: str, clients: int, submissions: int) -> list[tuple[str, str, float]]:
    results: list[tuple[str, str, float]] = []
    verdicts = list(SOURCES)
    shares = [
        [verdicts[(c + i) % 2] for i in range(submissions // clients + (c < submissions % clients))]
        for c in range(clients)
    ]
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
        await asyncio.gather(*(client(http, base, share, results) for share in shares))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--submissions", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="judge-serve-load-") as home:
        database = Path(home) / "judge.sqlite3"
        port = free_port()
        command = [sys.executable, "-m", "judge", "serve", "--port", str(port)]
        command += ["--database", str(database), "--jobs", str(args.jobs)]
        command += ["--per-minute", "1000000", "--wait-timeout", str(REQUEST_TIMEOUT)]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8"}
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_DEADLINE
            while True:
                try:
                    if httpx.get(f"{base}/api/problems", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("judge serve did not start") from None
                    time.sleep(0.2)
            idle_kib = rss_kib(server.pid)
            sampler = MemorySampler(server.pid)
            sampler.start()
            started = time.perf_counter()
            results = asyncio.run(load(base, args.clients, args.submissions))
            wall = time.perf_counter() - started
            sampler.stopping.set()
            sampler.join()
            load_avg = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=60)
        rows = (
            sqlite3.connect(database)
            .execute("SELECT id, state, json_extract(report, '$.status') FROM submissions")
            .fetchall()
        )
    ids = [i for i, _, _ in results]
    stored = {i: (state, status) for i, state, status in rows}
    lost = [i for i, expected, _ in results if stored.get(i) != ("done", expected)]
    problems = []
    if len(results) != args.submissions:
        problems.append(f"{args.submissions - len(results)} submissions got no answer")
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} duplicated ids")
    if len(rows) != args.submissions:
        problems.append(f"the database holds {len(rows)} submissions, not {args.submissions}")
    if lost:
        problems.append(f"{len(lost)} stored records differ from their answers")
    latencies = sorted(elapsed for _, _, elapsed in results)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * len(latencies)) - 1)]
    print(
        f"{len(results)} submissions from {args.clients} clients, --jobs {args.jobs}: "
        f"{wall:.1f} s, {len(results) / wall:.1f} a second, load average {load_avg:.1f}"
    )
    print(f"latency p50 {p50:.2f} s, p99 {p99:.2f} s, max {latencies[-1]:.2f} s")
    print(
        f"server RSS idle {idle_kib / 1024:.0f} MiB, peak {sampler.server_peak / 1024:.0f} MiB; "
        f"with its grading processes and workers peak {sampler.total_peak / 1024:.0f} MiB"
    )
    print(
        "\n| submissions | clients | --jobs | wall s | per s | p50 s | p99 s "
        "| server RSS MiB (idle / peak) | with graders, peak MiB | lost | duplicated |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {len(results)} | {args.clients} | {args.jobs} | {wall:.0f} | "
        f"{len(results) / wall:.1f} | {p50:.1f} | {p99:.1f} | "
        f"{idle_kib / 1024:.0f} / {sampler.server_peak / 1024:.0f} | "
        f"{sampler.total_peak / 1024:.0f} | {len(lost) + args.submissions - len(results)} | "
        f"{len(ids) - len(set(ids))} |"
    )
    for problem in problems:
        print(f"FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
