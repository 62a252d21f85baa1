"""Diagnosis that is right, measured: every engine of tests/diagnosis_corpus (a
student's engine in one of several styles, with one known bug) is graded through the
real worker, and the first line of its report, as a student reads it, must name the
method at fault and the fix listed in expected.yaml for at least 90 % of them; the
structured diagnosis (the report's ``cause`` and the random graphs' ``diagnosis``)
must never name an op outside the listed ones."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from judge.grading.grade import grade
from judge.grading.plan import Plan, prepare
from judge.report.formats import render_report
from judge.spec.catalog import Catalog

CORPUS = Path(__file__).resolve().parent / "diagnosis_corpus"
TABLE: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
DEFAULT_PROBLEM = "autograd-activations"
REQUIRED_RATE = 0.9
WORKERS = 2  # graded two at a time: each grading is one worker process


def test_every_engine_is_in_the_table_and_there_are_thirty() -> None:
    assert {p.stem for p in CORPUS.glob("*.py")} == set(TABLE)
    assert len(TABLE) >= 30


def _first_lines(name: str, plan: Plan) -> tuple[str, dict[str, Any], list[str]]:
    """The report's first line after its headline, its ``cause``, and every op the
    structured diagnosis names."""
    report = grade(CORPUS / f"{name}.py", plan)
    text = render_report("text", report).splitlines()
    data = json.loads(render_report("json", report))
    cause = data.get("cause", {})
    named = [cause["op"]] if cause.get("op") else []
    named += [t["diagnosis"]["op"] for t in data["tests"] if isinstance(t.get("diagnosis"), dict)]
    return (text[1] if len(text) > 1 else ""), cause, named


def test_the_first_line_names_the_right_op_and_fix() -> None:
    catalog = Catalog.with_extra([])
    plans = {
        problem: prepare(catalog.get(problem))
        for problem in {entry.get("problem", DEFAULT_PROBLEM) for entry in TABLE.values()}
    }
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {
            name: pool.submit(_first_lines, name, plans[entry.get("problem", DEFAULT_PROBLEM)])
            for name, entry in TABLE.items()
        }
        results = {name: future.result() for name, future in futures.items()}
    missed, wrong = [], []
    for name, (line, _cause, named) in results.items():
        entry = TABLE[name]
        says = any(word in line for word in entry["says"])
        if not (says and entry["fix"] in line):
            missed.append(f"{name}: {line.strip()}")
        wrong += [
            f"{name}: names {op}, not {entry['ops']}" for op in named if op not in entry["ops"]
        ]
    rate = 1 - len(missed) / len(TABLE)
    report = f"first line right for {rate:.0%} of {len(TABLE)} engines; missed:\n" + "\n".join(
        missed
    )
    assert not wrong, "wrong ops named:\n" + "\n".join(wrong) + "\n" + report
    assert rate >= REQUIRED_RATE, report
    print(report)  # the measured rate, with -s
