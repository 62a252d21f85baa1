"""Latency of `judge run` on one submission, against two baselines run alongside it.

    python bench/latency.py [--runs 30] [--submission submissions/correct.py] [-p ID]

Prints a Markdown table of medians and ratios.  The baselines, measured in the same
invocation so that machine noise cancels out of the ratios:

* ``python -c pass`` with the same interpreter: the cost of starting Python at all;
* the floor: ``python -I`` importing the submission and running every case's graph
  with no judge around it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from judge.spec.catalog import Catalog  # noqa: E402


def floor_script(submission: Path, problem_id: str) -> str:
    """A bare script that imports the submission and runs the problem's graphs."""
    problem = Catalog.with_extra([]).get(problem_id)
    programs = [case.program.to_wire() for case in problem.cases]
    harness = (ROOT / "judge" / "runner" / "harness.py").read_text()
    return (
        f"{harness}\n"
        f"namespace = {{}}\n"
        f"exec(compile(open({str(submission)!r}).read(), 'submission', 'exec'), namespace)\n"
        f"for program in {programs!r}:\n"
        f"    nodes = execute(program['ops'], program['backward'], namespace['Value'])\n"
        f"    [(n.data, n.grad) for n in nodes.values()]\n"
    )


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``command`` over ``runs`` runs (after one warm-up)."""
    subprocess.run(command, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--submission", type=Path, default=ROOT / "submissions" / "correct.py")
    parser.add_argument("-p", "--problem", default="basic-autograd")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        floor = Path(folder) / "floor.py"
        floor.write_text(floor_script(args.submission.resolve(), args.problem))
        judge = [sys.executable, "-m", "judge", "run", str(args.submission), "-p", args.problem]
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("floor: python -I, the submission and the graphs", [sys.executable, "-I", str(floor)]),
            (f"judge run {args.submission.name} -p {args.problem}", judge),
        ]
        medians = {name: median_seconds(command, args.runs) for name, command in rows}
    base = medians[rows[1][0]]
    print("| command | median (ms) | ratio to the floor |\n| --- | ---: | ---: |")
    for name, seconds in medians.items():
        print(f"| `{name}` | {seconds * 1000:.1f} | {seconds / base:.2f} |")


if __name__ == "__main__":
    main()
