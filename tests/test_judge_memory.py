"""Bounded judge memory: whatever a submission answers, the judge stays under 200 MB on
``basic-autograd``.

The attack (``tests/hostile/judge_side/long_type_name.py``) makes every node's data and
grad a number-like object of a class whose name is 400,000 characters long.  Before the
cuts the judge held every answer and copied the name into its messages: 636 MB at
100,000 characters, 2.4 GB at 400,000.  Now the worker sends at most ``TYPE_NAME_KEEP``
characters of it, and the judge cuts again (``uncut_type_names.py`` switches the
worker's cut off) and keeps only the numbers it compares.

The judge's peak is its own: ``judge run`` runs in a child Python that reports
``ru_maxrss`` of itself (RUSAGE_SELF) at exit, so its workers, children of it, do not
count.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from judge.runner.interpreter import FRAMES_KEEP, LINE_KEEP, REPR_KEEP, TYPE_NAME_KEEP
from judge.runner.outcome import LoadErrorKind
from judge.runner.protocol import KEEP_TEXT, kept_number, kept_values, load_error
from tests.samples import GOOD_VALUE, ROOT, worker_switches

HOSTILE = ROOT / "tests" / "hostile" / "judge_side"
LIMIT_KB = 200 * 1024
LENGTH = 400_000
PEAK = """\
import atexit, resource, sys
atexit.register(lambda: print(
    "peak-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))
from judge.cli import main
sys.argv[0] = "judge"
main()
"""


def submission(folder: Path, *tails: str) -> Path:
    text = GOOD_VALUE
    for tail in tails:
        text += "\n" + (HOSTILE / tail).read_text(encoding="utf-8")
    path = folder / "long_names.py"
    path.write_text(text.replace("__LENGTH__", str(LENGTH)), encoding="utf-8")
    return path


def judge_peak(path: Path, work: Path) -> tuple[int, dict[str, Any], int]:
    """``judge run`` on basic-autograd: exit code, report, and the judge's peak RSS in KiB."""
    env = {"PATH": os.defpath, "TMPDIR": str(work), "PYTHONPATH": str(ROOT), **worker_switches()}
    result = subprocess.run(
        [sys.executable, "-c", PEAK, "run", str(path), "--format", "json"],
        cwd=path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    peak = re.search(r"peak-kb (\d+)", result.stderr)
    assert peak is not None, result.stderr
    return result.returncode, json.loads(result.stdout), int(peak.group(1))


@pytest.mark.parametrize(
    "tails",
    [["long_type_name.py"], ["long_type_name.py", "uncut_type_names.py"]],
    ids=["worker-cuts", "judge-cuts"],
)
def test_long_type_names_cannot_spend_the_judges_memory(tmp_path: Path, tails: list[str]) -> None:
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    code, report, peak_kb = judge_peak(submission(tmp_path, *tails), work)
    assert code == 1
    assert peak_kb < LIMIT_KB, f"the judge peaked at {peak_kb // 1024} MB"
    assert report["score"] == 0
    # The report names the class, cut: a message never carries the whole name.
    assert all(len(test["message"]) < 4 * KEEP_TEXT for test in report["tests"])
    assert "N" * (TYPE_NAME_KEEP + 1) not in json.dumps(report)


def test_a_forged_number_keeps_only_a_cut_description() -> None:
    name, shown = "N" * 50_000, "x" * 50_000
    assert kept_number({"type": name, "repr": shown, "extra": [0] * 1000}) == {
        "type": "N" * TYPE_NAME_KEEP,
        "repr": "x" * REPR_KEEP,
    }
    assert kept_number(2.5) == 2.5
    assert kept_number(3) == 3
    assert kept_number(10**400) == float("inf")
    assert kept_number(-(10**400)) == float("-inf")
    assert kept_number(True) == {"type": "bool", "repr": "True"}
    assert kept_number(None) == {"type": "NoneType", "repr": ""}
    assert kept_number("y" * 10_000) == {"type": "str", "repr": repr("y" * REPR_KEEP)[:REPR_KEEP]}
    assert kept_number([1.0] * 10_000) == {"type": "list", "repr": ""}


def test_only_the_nodes_asked_for_are_kept() -> None:
    values = {"a": 1.0, "b": 2.0, **{f"junk{i}": 0.0 for i in range(1000)}}
    assert kept_values(values, ["a", "b", "c"]) == {"a": 1.0, "b": 2.0}
    assert kept_values([1.0], ["a"]) is None


def test_a_forged_error_account_is_cut_to_what_the_harness_sends() -> None:
    frames = [[i, "s" * 10_000] for i in range(1000)]
    account = load_error(
        {
            "kind": "k" * 10_000,
            "type": "T" * 100_000,
            "message": "m" * 100_000,
            "output": "o" * 100_000,
            "frames": frames,
            "classes": ["C" * 100_000] * 10_000,
            "line": 3,
        }
    )
    assert len(account.type) == TYPE_NAME_KEEP
    assert len(account.message) == len(account.output) == KEEP_TEXT
    assert account.kind is LoadErrorKind.CRASH  # a kind the harness never sends
    assert account.frames == tuple((i, "s" * LINE_KEEP) for i in range(1000 - FRAMES_KEEP, 1000))
    assert len(account.classes) < 100
    assert {len(name) for name in account.classes} == {TYPE_NAME_KEEP}
    assert len(json.dumps(dataclasses.asdict(account), default=str)) < 8 * KEEP_TEXT
