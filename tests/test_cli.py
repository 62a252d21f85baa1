"""The command line, driven through click's CliRunner: exit codes and exact output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from judge.cli import cli
from tests.samples import GOOD_VALUE


@pytest.fixture
def invoke() -> Callable[..., object]:
    def run(*args: str) -> object:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return run


def test_run_passes_a_correct_submission(invoke, good: Path, mini_dir: Path) -> None:
    result = invoke("run", str(good), "-p", "mini", "--problems", str(mini_dir))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{good} on mini"
    assert lines[1] == "  ✓ visible affine relu  1/1"
    assert lines[2] == "  ✓ used twice (hidden)  1/1"
    assert lines[-1].startswith("PASSED: score 4/4, 3/3 tests passed in ")


def test_run_json_contract(invoke, good: Path, mini_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = invoke(
        "run",
        str(good),
        "-p",
        "mini",
        "--problems",
        str(mini_dir),
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert result.exit_code == 0
    assert result.output == ""
    report = json.loads(out.read_text())
    assert report["schema"] == "judge-report/1"
    assert (report["status"], report["score"], report["max_score"]) == ("passed", 4.0, 4.0)
    assert set(report) >= {"submission", "problem", "duration_s", "tests"}
    test = report["tests"][0]
    assert set(test) >= {
        "name",
        "kind",
        "status",
        "score",
        "max_score",
        "hidden",
        "message",
        "output",
    }


def test_visible_failure_shows_program_and_values(invoke, write, mini_dir: Path) -> None:
    # Gradient assigned instead of accumulated: 'a' used twice loses a contribution.
    assigned = GOOD_VALUE.replace("self.grad += other.data", "self.grad = other.data")
    wrong = write("wrong.py", assigned)
    result = invoke("run", str(wrong), "-p", "mini", "--problems", str(mini_dir))
    assert result.exit_code == 1
    assert "✗ used twice (hidden) [failed]  0/1" in result.output
    assert "hidden case failed (a wrong value): a node used twice by one op" in result.output
    assert "a = Value(3.0)" not in result.output  # a hidden program is never shown
    assert result.output.splitlines()[-1].startswith("FAILED: score 1/4")


def test_visible_case_failure_lists_nodes(invoke, write, mini_dir: Path) -> None:
    wrong = write("norelumask.py", GOOD_VALUE.replace("(out.data > 0) * out.grad", "out.grad"))
    result = invoke("run", str(wrong), "-p", "mini", "--problems", str(mini_dir))
    assert result.exit_code == 1
    assert "d.grad: expected 0.0, got 1.0" in result.output
    assert "    d = a + b * c" in result.output  # the visible program is shown


def test_missing_operation_errors_only_the_tests_that_need_it(invoke, write, mini_dir) -> None:
    source = (
        GOOD_VALUE.split("    def relu(self):")[0]
        + GOOD_VALUE.split("out._backward = backward\n        return out\n")[-1]
    )
    no_relu = write("norelu.py", source)
    report = json.loads(
        invoke(
            "run", str(no_relu), "-p", "mini", "--problems", str(mini_dir), "--format", "json"
        ).output
    )
    statuses = {t["name"]: t["status"] for t in report["tests"]}
    assert statuses == {
        "visible affine relu": "error",
        "used twice": "passed",
        "numbers on the right": "error",
    }
    assert "does not implement relu (a.relu()): define relu" in report["tests"][0]["message"]


def test_syntax_error_is_a_run_error_with_the_line(invoke, write, mini_dir: Path) -> None:
    broken = write("broken.py", "class Value:\n    def __init__(self, data)\n        pass\n")
    result = invoke("run", str(broken), "-p", "mini", "--problems", str(mini_dir))
    assert result.exit_code == 1
    assert "syntax error at line 2" in result.output
    assert result.output.splitlines()[-1].startswith("ERROR: score 0/4")


def test_timeout_option_limits_each_test(invoke, write, mini_dir: Path) -> None:
    slow = write("slow.py", GOOD_VALUE.replace("self.grad = 1.0", "while True: pass"))
    result = invoke(
        "run",
        str(slow),
        "-p",
        "mini",
        "--problems",
        str(mini_dir),
        "--timeout",
        "0.3",
        "--format",
        "json",
    )
    report = json.loads(result.output)
    assert {t["status"] for t in report["tests"]} == {"timeout"}
    assert "took longer than 0.3 s" in report["tests"][0]["message"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["run", "missing.py"], 2, "no such file"),
        (["run", "{good}", "-p", "basic-autogrd"], 2, "Did you mean 'basic-autograd'?"),
        (["run", "{good}", "--format", "xml"], 2, "Invalid value for '--format'"),
        (["run", "{good}", "--problems", "nowhere"], 2, "not a folder of problem specs"),
        (["problems", "check", "nowhere"], 2, "not a folder of problem specs"),
        (["problems", "show", "nope"], 2, "no problem named 'nope'"),
    ],
)
def test_bad_input_exit_codes(invoke, good: Path, args: list[str], code: int, words: str) -> None:
    result = CliRunner().invoke(cli, [a.format(good=good) for a in args])
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_problems_check_reports_file_and_line(invoke, write) -> None:
    from tests.samples import MINI_SPEC

    path = write("specs/mini.yaml", MINI_SPEC.replace("e: 1.0}", "e: 2.0}"))
    result = CliRunner().invoke(cli, ["problems", "check", str(path.parent)])
    assert result.exit_code == 2
    assert f"{path}:21: case 'visible affine relu': grad of 'e' is written as 2.0" in result.output


def test_problems_list_show_and_init(invoke, mini_dir: Path, tmp_path: Path) -> None:
    listed = invoke("problems", "list", "--problems", str(mini_dir))
    assert "mini" in listed.output and "3 cases (1 visible)" in listed.output
    shown = invoke("problems", "show", "mini", "--problems", str(mini_dir))
    assert "e = d.relu()" in shown.output  # the visible case
    assert "b = a * a" not in shown.output  # hidden ones stay hidden
    target = tmp_path / "mine.py"
    assert invoke("init", "mini", str(target), "--problems", str(mini_dir)).exit_code == 0
    assert target.read_text() == "class Value:\n    pass\n"
    again = CliRunner().invoke(cli, ["init", "mini", str(target), "--problems", str(mini_dir)])
    assert again.exit_code == 2 and "already exists" in again.output


def test_internal_errors_exit_3_without_traceback(monkeypatch, good, mini_dir) -> None:
    import judge.grading.grade as grade_module

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(grade_module, "grade", explode)
    result = CliRunner().invoke(cli, ["run", str(good), "-p", "mini", "--problems", str(mini_dir)])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: boom" in result.output
    assert "Traceback" not in result.output


def test_unwritable_output_is_a_usage_error(good: Path, mini_dir: Path) -> None:
    args = ["run", str(good), "-p", "mini", "--problems", str(mini_dir), "-o", "/proc/none/x"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "cannot write /proc/none/x" in result.output


def test_output_flood_while_loading_is_explained(write, mini_dir: Path) -> None:
    flood = write("flood.py", "while True:\n    print('x' * 1000)\n")
    result = CliRunner().invoke(cli, ["run", str(flood), "-p", "mini", "--problems", str(mini_dir)])
    assert result.exit_code == 1
    assert "stopped while loading: it printed more than 1048576 characters" in result.output


def test_hidden_test_output_is_not_shown_to_the_student(write, mini_dir: Path) -> None:
    # Printing inside an operator would reveal a hidden graph's values.
    leaky = GOOD_VALUE.replace(
        "self.grad += other.data", "print('SECRET', self.data); self.grad = other.data"
    )
    path = write("leaky.py", leaky)
    result = CliRunner().invoke(cli, ["run", str(path), "-p", "mini", "--problems", str(mini_dir)])
    assert "used twice (hidden) [failed]" in result.output
    assert "SECRET 3.0" not in result.output


def test_the_sandbox_option_offers_every_level_the_sandbox_has() -> None:
    # The command line spells the levels out (importing the sandbox would slow its
    # start-up); a level added to the sandbox must be offered there too.
    from judge.cli import SANDBOX_LEVELS
    from judge.sandbox.levels import Level

    assert tuple(level.value for level in Level) == SANDBOX_LEVELS
