"""Before and after, on a busy machine: ``judge run`` of two checkouts, interleaved.

    .venv/bin/python bench/ab.py BEFORE_DIR AFTER_DIR [--rounds N]

Runs ``judge run submissions/correct.py -p basic-autograd`` from each checkout (a
``git worktree`` of the commit before a change, and one after it), warm (one cache
folder per checkout, filled by a first run) and cold (an empty ``JUDGE_CACHE_DIR``
every run), and the floor of bench/run_all.py (``python -I``, correct.py, the same
graphs), one after the other in every round, so that a change in the machine's load
falls on all of them alike (the floor runs the graphs of the after checkout's run).
Prints medians of wall time and of CPU time (the process and its children, from
``wait4``), each also as a ratio to the floor's.  CPU time moves
far less than wall time when other work shares the cores, so on a loaded machine its
ratios are the ones to compare (docs/benchmarks.md, "History").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run_all import PASSING, PROBLEM, compile_judge, floor_script  # noqa: E402

LIST_PROGRAMS = (
    "import json, sys; sys.path.insert(0, '.'); "
    "from bench.run_all import programs_of_a_run; print(json.dumps(programs_of_a_run()))"
)

Case = tuple[list[str], Path, Callable[[], dict[str, str]]]


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its children) of one run."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a checkout of the judge before the change")
    parser.add_argument("after", type=Path, help="a checkout after it")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="judge-ab-"))
    base = {**os.environ, "NO_COLOR": "1", "JUDGE_CACHE_DIR": str(scratch / "prepare")}
    os.environ["JUDGE_CACHE_DIR"] = base["JUDGE_CACHE_DIR"]
    programs = scratch / "programs.json"
    # The floor runs the graphs the *after* checkout's run runs (a change may alter them).
    listed = subprocess.run(
        [sys.executable, "-c", LIST_PROGRAMS], cwd=args.after, env=base,
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    programs.write_text(listed.stdout, encoding="utf-8")
    floor = scratch / "floor.py"
    floor.write_text(floor_script(programs), encoding="utf-8")
    fresh = iter(range(1_000_000))

    def cold() -> dict[str, str]:
        return {**base, "JUDGE_CACHE_DIR": str(scratch / f"cold{next(fresh)}")}

    cases: dict[str, Case] = {
        "floor": ([sys.executable, "-I", str(floor), str(PASSING)], scratch, lambda: base)
    }
    for name, tree in (("before", args.before), ("after", args.after)):
        run = [sys.executable, "-m", "judge", "run", str(PASSING), "-p", PROBLEM]
        warm = {**base, "JUDGE_CACHE_DIR": str(scratch / f"warm-{name}")}
        cases[f"`judge run`, {name}, warm"] = (run, tree.resolve(), lambda warm=warm: warm)
        cases[f"`judge run`, {name}, cold"] = (run, tree.resolve(), cold)
    compile_judge(args.before)
    compile_judge(args.after)
    for command, cwd, env in cases.values():
        measure(command, cwd, env())  # a warm-up, which also fills the warm caches
    results: dict[str, list[tuple[float, float]]] = {label: [] for label in cases}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for label, (command, cwd, env) in cases.items():
            results[label].append(measure(command, cwd, env()))
    floor_wall = statistics.median(wall for wall, _ in results["floor"])
    floor_cpu = statistics.median(cpu for _, cpu in results["floor"])
    print(f"{args.rounds} rounds, interleaved; load average {load:.1f} at the start\n")
    print("| measure | wall ms | x floor | CPU ms | x floor (CPU) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, values in results.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(
            f"| {label} | {wall * 1e3:.0f} | {wall / floor_wall:.2f} | "
            f"{cpu * 1e3:.0f} | {cpu / floor_cpu:.2f} |"
        )


if __name__ == "__main__":
    main()
