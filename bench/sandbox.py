"""What the sandbox costs: one worker's life (start, load, one program, close) at each
level, against the same worker with no sandbox at all.

    python bench/sandbox.py [--runs 60] [--submission submissions/correct.py]

Prints a Markdown table of medians; the difference to the first row is the sandbox's
cost per worker (a run starts one worker, and one more after each test that kills it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from judge.grading.session import DEFAULT_LIMITS  # noqa: E402
from judge.runner.process import WorkerProcess  # noqa: E402
from judge.sandbox import Sandbox, plan  # noqa: E402

PROGRAM = {"ops": [["a", "value", [2.0]], ["b", "mul", ["a", "a"]]], "backward": "b"}


def lifetime(submission: Path, sandbox: Sandbox | None) -> float:
    """Seconds from launching a worker to its exit, with one program run."""
    config: dict[str, Any] = {"entry": "Value", "limits": {**DEFAULT_LIMITS, "RLIMIT_CPU": 60}}
    started = time.perf_counter()
    worker = WorkerProcess(submission, config, sandbox)
    if worker.start(10).error is not None:
        raise SystemExit(f"{submission} did not load")
    worker.request(PROGRAM, 10)
    worker.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--submission", type=Path, default=ROOT / "submissions" / "correct.py")
    args = parser.parse_args()
    auto = plan("auto")
    setups: list[tuple[str, Sandbox | None]] = [
        ("no sandbox", None),
        ("basic", plan("basic")),
        ("auto without bwrap", auto.without_bwrap()),
    ]
    if auto.bwrap is not None:
        setups.append(("auto (with bwrap)", auto))
    times: dict[str, list[float]] = {name: [] for name, _ in setups}
    for _ in range(3):  # warm the page cache and the bytecode caches
        for _, sandbox in setups:
            lifetime(args.submission, sandbox)
    for _ in range(args.runs):  # interleaved, so that machine noise hits every row alike
        for name, sandbox in setups:
            times[name].append(lifetime(args.submission, sandbox))
    base = statistics.median(times["no sandbox"])
    layers: dict[str, str] = {}
    for name, sandbox in setups:
        if sandbox is not None:
            worker = WorkerProcess(args.submission, {"entry": "Value", "limits": {}}, sandbox)
            worker.start(10)
            worker.close()
            layers[name] = ", ".join(worker.layers)
    print("| setup | median ms | added ms | layers |")
    print("| --- | ---: | ---: | --- |")
    for name, _ in setups:
        median = statistics.median(times[name])
        print(
            f"| {name} | {median * 1000:.1f} | {(median - base) * 1000:+.1f} | "
            f"{layers.get(name, '')} |"
        )


if __name__ == "__main__":
    main()
