"""What the property phase costs: per random graph, per stress check, and in a whole run.

    python bench/properties.py [--runs 20] [--submission submissions/correct.py] [-p ID]

Prints a Markdown table:

* preparing the plan's graphs on a cache miss (hypothesis imported and run, stress
  references evaluated) and from the cache;
* the random-graph check of a passing submission in a live worker, per graph;
* each stress check;
* the median wall time of the whole ``judge run`` (a fresh process, warm cache), with
  the random graphs and without them (a copy of the problem with no ``properties:``).

Uses a private cache directory, so it neither reads nor disturbs yours.
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
sys.path.insert(0, str(ROOT))


def median_run(command: list[str], runs: int, env: dict[str, str]) -> float:
    """Median wall time of ``command`` over ``runs`` runs, after one warm-up."""
    subprocess.run(command, capture_output=True, check=False, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--submission", type=Path, default=ROOT / "submissions" / "correct.py")
    parser.add_argument("-p", "--problem", default="basic-autograd")
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="judge-bench-cache-")
    os.environ["JUDGE_CACHE_DIR"] = cache

    import judge
    from judge.grading.session import Session
    from judge.properties.check import Context, check_random, check_stress
    from judge.properties.corpus import generate
    from judge.properties.prepare import prepare_properties, shape_of

    problem = judge.problem(args.problem)
    if problem.properties is None:
        raise SystemExit(f"{args.problem} has no properties: section")
    properties = problem.properties
    rows: list[tuple[str, str]] = []

    started = time.perf_counter()
    prepared = prepare_properties(problem, properties)
    rows.append(
        ("prepare, cache miss (import hypothesis, draw graphs, stress references)", _ms(started))
    )
    started = time.perf_counter()
    generate(shape_of(properties), properties.seed, properties.examples)
    rows.append(("of which drawing the graphs, hypothesis already imported", _ms(started)))
    started = time.perf_counter()
    prepared = prepare_properties(problem, properties)
    rows.append(("prepare, cached", _ms(started)))

    with Session(args.submission, problem.entry, {}, float("inf")) as session:
        session.start(10.0)
        context = Context(problem, session, 10.0, {}, args.submission)
        check_random(prepared, context)  # warm the worker
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = check_random(prepared, context)
            times.append(time.perf_counter() - started)
        per_graph = statistics.median(times) / len(prepared.graphs)
        rows.append(
            (
                f"random graphs: {len(prepared.graphs)} graphs ({result.status.value})",
                f"{statistics.median(times) * 1e3:.1f} ms, {per_graph * 1e6:.0f} µs a graph",
            )
        )
        for graph in prepared.stress:
            started = time.perf_counter()
            result = check_stress(graph, context)
            rows.append((f"{graph.title} ({result.status.value})", _ms(started)))

    env = {**os.environ, "NO_COLOR": "1"}
    judge = [sys.executable, "-m", "judge", "run", str(args.submission)]
    with_properties = median_run([*judge, "-p", args.problem], args.runs, env)
    rows.append((f"`judge run -p {args.problem}`, median", f"{with_properties * 1e3:.0f} ms"))
    folder = Path(tempfile.mkdtemp(prefix="judge-bench-specs-"))
    spec = Path(problem.path).read_text(encoding="utf-8").split("\nproperties:")[0]
    (folder / f"{args.problem}.yaml").write_text(spec + "\n", encoding="utf-8")
    without = median_run([*judge, "-p", args.problem, "--problems", str(folder)], args.runs, env)
    rows.append(("the same run without `properties:`, median", f"{without * 1e3:.0f} ms"))

    print(f"| {args.problem}, {args.submission.name} | time |")
    print("| --- | --- |")
    for label, value in rows:
        print(f"| {label} | {value} |")


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1e3:.1f} ms"


if __name__ == "__main__":
    main()
