"""Throughput of `judge grade` on a class of passing submissions, against `judge run`.

    python bench/batch.py [-n 100] [-p basic-autograd] [--jobs N] [--sample K]
                          [--cases-only]

Makes N distinct copies of submissions/correct.py (a comment differs, so none is
cached or deduplicated), then measures, each as a fresh command:

* `judge run` on K of them one after another (K defaults to N), scaled to N;
* `judge grade DIR --no-cache --jobs N`: the whole batch, start-up included;
* `judge grade DIR` twice more with an empty cache: the second run is all cache hits.

`--cases-only` grades against a copy of the problem without its `properties:` block
(random graphs and stress checks), which shows the batch machinery's own cost apart
from the worker's.  Prints a Markdown table; machine load is shown, since other work on
the machine skews everything.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def judge(*args: str, env: dict[str, str]) -> float:
    """Run ``judge ARGS`` and return its wall time (exit status 0 or 1 expected)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "judge", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=1800,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"judge {' '.join(args)} failed:\n{done.stderr}")
    return elapsed


def cases_only(problem: str, folder: Path) -> Path:
    """A copy of the built-in problem's spec without its properties block."""
    source = (ROOT / "problems" / f"{problem}.yaml").read_text(encoding="utf-8")
    trimmed = re.sub(r"(?ms)^properties:.*?(?=^\S|\Z)", "", source)
    folder.mkdir()
    (folder / f"{problem}.yaml").write_text(trimmed, encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100, help="submissions in the class")
    parser.add_argument("-p", "--problem", default="basic-autograd")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, default=None, help="judge runs to time")
    parser.add_argument("--cases-only", action="store_true")
    args = parser.parse_args()
    sample = min(args.sample or args.n, args.n)

    with tempfile.TemporaryDirectory(prefix="judge-bench-") as scratch:
        tmp = Path(scratch)
        env = {**os.environ, "JUDGE_CACHE_DIR": str(tmp / "cache"), "NO_COLOR": "1"}
        extra: list[str] = []
        if args.cases_only:
            extra = ["--problems", str(cases_only(args.problem, tmp / "specs"))]
        folder = tmp / "class"
        folder.mkdir()
        solution = (ROOT / "submissions" / "correct.py").read_text(encoding="utf-8")
        for i in range(args.n):
            (folder / f"student{i:04}.py").write_text(f"{solution}\n# student {i}\n")
        files = sorted(folder.iterdir())
        load = os.getloadavg()[0]

        runs = [judge("run", str(f), "-p", args.problem, *extra, env=env) for f in files[:sample]]
        sequential = sum(runs) / len(runs) * args.n
        grade = ["grade", str(folder), "-p", args.problem, *extra, "--jobs", str(args.jobs)]
        batch = judge(*grade, "--no-cache", "-o", str(tmp / "book.csv"), env=env)
        judge(*grade, "-o", str(tmp / "book.csv"), env=env)  # fills the cache
        cached = judge(*grade, "-o", str(tmp / "book.csv"), env=env)

    what = f"{args.problem}{' (cases only)' if args.cases_only else ''}"
    print(f"{args.n} passing submissions of {what}, --jobs {args.jobs}, {os.cpu_count()} cores")
    print(f"(load average before: {load:.2f}; judge run timed on {sample} and scaled)\n")
    print("| measure | seconds | per submission | submissions/s |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in (
        (f"{args.n} x `judge run`, one after another", sequential),
        ("`judge grade` (no cache)", batch),
        ("`judge grade`, everything cached", cached),
    ):
        print(
            f"| {name} | {seconds:.2f} | {seconds / args.n * 1000:.1f} ms | "
            f"{args.n / seconds:.1f} |"
        )
    print(f"\nbatch / sequential: {batch / sequential:.2f} (target: at most 0.33)")


if __name__ == "__main__":
    main()
