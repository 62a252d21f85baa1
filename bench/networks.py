"""What grading a network costs: a passing ``mlp`` submission against a passing
``basic-autograd`` one (issue 13's target: no more than twice).

    .venv/bin/python bench/networks.py [--rounds N]

Runs ``judge run submissions/networks/mlp.py -p mlp`` and ``judge run
submissions/correct.py -p basic-autograd`` one after the other in every round, with a
warm cache (a private folder, filled by a first run of each), so that a change in the
machine's load falls on both alike.  The verdict is on CPU time (the process and its
children, from ``wait4``), which moves far less than wall time when other work shares
the cores; wall time is printed beside it.  Prints a Markdown table and the row for
docs/benchmarks.md ("Networks").  bench/run_all.py runs it at its end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2.0  # issue 13: an mlp grading costs no more than twice a basic-autograd one
RUNS = {
    "mlp": ROOT / "submissions" / "networks" / "mlp.py",
    "basic-autograd": ROOT / "submissions" / "correct.py",
}


def measure(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its children) of one run, which must pass."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} did not pass (exit {status})")
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def compare(rounds: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of ``judge run`` per problem, interleaved rounds."""
    with tempfile.TemporaryDirectory(prefix="judge-bench-networks-") as cache:
        env = {**os.environ, "NO_COLOR": "1", "JUDGE_CACHE_DIR": cache}
        commands = {
            problem: [sys.executable, "-m", "judge", "run", str(path), "-p", problem]
            for problem, path in RUNS.items()
        }
        for command in commands.values():  # fill the cache: the warm runs are measured
            measure(command, env)
        times: dict[str, list[tuple[float, float]]] = {problem: [] for problem in RUNS}
        for _ in range(rounds):
            for problem, command in commands.items():
                times[problem].append(measure(command, env))
    return {
        problem: (statistics.median(w for w, _ in got), statistics.median(c for _, c in got))
        for problem, got in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    medians = compare(args.rounds)
    print(f"\n## Networks (issue 13): `judge run`, warm cache, {args.rounds} rounds\n")
    print("| submission | median wall ms | median CPU ms |")
    print("| --- | ---: | ---: |")
    for problem, (wall_s, cpu_s) in medians.items():
        name = f"{RUNS[problem].relative_to(ROOT)} -p {problem}"
        print(f"| {name} | {wall_s * 1e3:.0f} | {cpu_s * 1e3:.0f} |")
    ratio = medians["mlp"][1] / medians["basic-autograd"][1]
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"\nmlp / basic-autograd, CPU time: {ratio:.2f} (target <= {TARGET:g}: {verdict})")
    print(f"load at start: {load:.1f}")


if __name__ == "__main__":
    main()
