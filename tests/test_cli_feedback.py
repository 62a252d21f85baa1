"""Issue 10's small CLI items, through click's CliRunner and the real worker: ``run -o``
picks its format from the suffix, the text report shows the line of a random-graph
failure and says what "advisory" means, ``init`` and ``problems show`` suggest commands
that work for an instructor's own problems."""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from judge.cli import cli
from judge.report.details import ADVISORY_NOTE
from tests.samples import ROOT

WRONG_RELU = ROOT / "submissions" / "wrong_relu_mask.py"


def judge(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize(
    ("name", "extra", "read"),
    [
        ("report.json", (), lambda text: json.loads(text)["schema"] == "judge-report/1"),
        ("REPORT.JSON", (), lambda text: json.loads(text)["schema"] == "judge-report/1"),
        ("report.md", (), lambda text: text.startswith("### ")),
        ("report.xml", (), lambda text: ET.fromstring(text).tag == "testsuites"),
        ("report.txt", (), lambda text: text.splitlines()[-1].startswith("PASSED: score 4/4")),
        ("report.csv", (), lambda text: text.splitlines()[-1].startswith("PASSED: score 4/4")),
        ("report.md", ("--format", "json"), lambda text: "schema" in json.loads(text)),
    ],
)
def test_run_output_format_follows_the_suffix(
    name: str, extra: tuple[str, ...], read, good: Path, mini_dir: Path, tmp_path: Path
) -> None:
    """As ``grade -o`` does; ``--format`` wins; a suffix ``run`` has no format for (a
    gradebook's .csv) is text."""
    out = tmp_path / name
    result = judge("run", good, "-p", "mini", "--problems", mini_dir, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert read(out.read_text(encoding="utf-8"))


def test_the_text_report_shows_the_line_of_a_random_graph_failure() -> None:
    relu_line = WRONG_RELU.read_text().split("\n").index("    def relu(self):") + 1
    text = judge("run", WRONG_RELU).output
    graphs = text[text.index("✗ random graphs") :]
    assert f"diagnosis: relu (backward) at line {relu_line}, node " in graphs


def test_advisory_is_explained_where_an_advisory_check_did_not_pass(tmp_path: Path) -> None:
    text = judge("run", WRONG_RELU).output  # recursive: its deep-chain check fails
    assert "(advisory) [error]" in text
    note = " ".join(
        line.strip() for line in text.splitlines() if line.startswith(("  note", "    "))
    )
    assert f"note: {ADVISORY_NOTE}" in note
    passing = judge("run", ROOT / "submissions" / "correct.py").output
    assert "(advisory)" in passing
    assert "advisory checks are" not in passing  # nothing to explain when all passed


def test_init_suggests_a_run_that_finds_an_instructors_problem(
    mini_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "my value.py"
    result = judge("init", "mini", target, "--problems", mini_dir)
    assert result.exit_code == 0, result.output
    command = result.output.split("grade it with: ", 1)[1].strip()
    assert command == (
        f"judge run {shlex.quote(str(target))} -p mini --problems {shlex.quote(str(mini_dir))}"
    )
    ran = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert ran.exit_code == 1, ran.output  # graded (the starter fails), not "no problem"
    assert ran.output.startswith(f"{target} on mini")

    shown = judge("problems", "show", "mini", "--problems", mini_dir).output
    assert shown.splitlines()[-1] == f"Start with: judge init mini --problems {mini_dir}"


def test_init_of_a_built_in_problem_needs_no_problems_folder(tmp_path: Path) -> None:
    target = tmp_path / "value.py"
    result = judge("init", "basic-autograd", target)
    assert result.output == f"wrote {target}; grade it with: judge run {target} -p basic-autograd\n"
