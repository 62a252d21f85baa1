"""The pull-request check: action.yml, and the script it runs against a fake pull request.

The script runs as the action runs it (``python -m judge.ci.pullrequest``) in a temp git
repository with a base commit and a change, with the ``GITHUB_*`` variables pointed at
temporary files, a minimal environment and a timeout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.samples import GOOD_VALUE, MINI_SPEC, ROOT, WRONG_VALUE

COMMAND = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Student", "-c", "user.email=s@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd)},
    )
    return done.stdout.strip()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course repository: alice's solution on main, then a pull request branch that
    adds bob's (wrong) and carol's (right) and touches the README."""
    repo = tmp_path / "course"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / "students" / "alice.py", GOOD_VALUE)
    write(repo / "README.md", "# course\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "pull-request")
    write(repo / "students" / "bob.py", WRONG_VALUE)
    write(repo / "students" / "carol.py", GOOD_VALUE + "# carol\n")
    write(repo / "README.md", "# course\nmore\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "my solutions")
    return repo


def check(
    repo: Path, tmp_path: Path, mini_dir: Path, *args: str, **env: str
) -> tuple[subprocess.CompletedProcess[str], str, str]:
    """Run the check in ``repo``; returns the process, the job summary and the outputs."""
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    summary.write_text("")
    outputs.write_text("")
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "JUDGE_CACHE_DIR": str(tmp_path / "cache"),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "INPUT_PROBLEM": "mini",
        "INPUT_PROBLEMS": str(mini_dir),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "judge.ci.pullrequest", *args],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        timeout=90,
    )
    return done, summary.read_text(), outputs.read_text()


def annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    found = []
    for line in stdout.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(pair.split("=", 1) for pair in match[2].split(","))
        found.append((match[1], props, match[3]))
    return found


def test_a_wrong_submission_fails_the_check_with_annotations_and_a_summary(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    # As actions/checkout leaves it: a clone, the base branch at origin/main.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(course), str(clone))
    git(clone, "checkout", "-q", "pull-request")
    done, summary, outputs = check(clone, tmp_path, mini_dir, GITHUB_BASE_REF="main")
    assert done.returncode == 1, done.stderr
    found = annotations(done.stdout)
    # The most likely cause first, as a notice; then the failures, as errors.
    assert [kind for kind, _, _ in found][:1] == ["notice"]
    assert found[1:] and all(kind == "error" for kind, _, _ in found[1:])
    assert {props["file"] for _, props, _ in found} == {"students/bob.py"}
    assert "used twice" in found[1][2]
    assert "## mini: 2 submissions" in summary
    assert "| students/bob.py | ❌ failed | 1/4 |" in summary
    assert "| students/carol.py | ✅ passed | 4/4 |" in summary
    assert "alice" not in summary  # unchanged in the pull request: not graded
    assert outputs == "passed=false\nsubmissions=2\n"


def test_a_pull_request_of_right_submissions_passes(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    git(course, "rm", "-q", "students/bob.py")
    git(course, "commit", "-q", "-m", "only carol")
    done, summary, outputs = check(course, tmp_path, mini_dir, GITHUB_BASE_REF="main")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "| students/carol.py | ✅ passed | 4/4 |" in summary
    assert outputs == "passed=true\nsubmissions=1\n"


def test_a_pull_request_without_submissions_passes_with_a_note(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    git(course, "checkout", "-q", "-b", "docs", "main")
    write(course / "README.md", "# course\nfixed a typo\n")
    git(course, "commit", "-q", "-am", "typo")
    done, summary, outputs = check(course, tmp_path, mini_dir, GITHUB_BASE_REF="main")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("::notice title=judge::no submissions changed")
    assert summary.startswith("### judge: no submissions changed (main...HEAD")
    assert outputs == "passed=true\nsubmissions=0\n"


def test_include_and_exclude_choose_the_submissions(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    done, summary, _ = check(
        course, tmp_path, mini_dir, "--include", "students/*.py", "--exclude", "*/bob.py",
        GITHUB_BASE_REF="main",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "students/carol.py" in summary and "bob" not in summary


def test_a_push_is_diffed_against_what_was_there_before(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"before": git(course, "rev-parse", "main")}))
    done, summary, _ = check(course, tmp_path, mini_dir, GITHUB_EVENT_PATH=str(event))
    assert done.returncode == 1, done.stderr
    assert "students/bob.py" in summary and "students/carol.py" in summary


def test_a_path_grades_that_instead_of_the_changes(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    done, summary, outputs = check(course, tmp_path, mini_dir, INPUT_PATH="students/alice.py")
    assert done.returncode == 0, done.stderr
    assert "| students/alice.py | ✅ passed | 4/4 |" in summary
    assert outputs == "passed=true\n"


def test_without_a_base_the_check_says_what_to_configure(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    done, _, _ = check(course, tmp_path, mini_dir)
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=judge::no base to compare with")
    assert "Traceback" not in done.stderr


def test_a_missing_base_branch_is_explained(course: Path, tmp_path: Path, mini_dir: Path) -> None:
    done, _, _ = check(course, tmp_path, mini_dir, GITHUB_BASE_REF="no-such-branch")
    assert done.returncode == 2
    assert done.stdout.startswith(
        "::error title=judge::cannot find the base branch 'no-such-branch'"
    )
    assert "fetch-depth: 0" in done.stdout


def test_a_shallow_checkout_is_explained(course: Path, tmp_path: Path, mini_dir: Path) -> None:
    # actions/checkout's default: one commit of the pull request, no base branch.
    shallow = tmp_path / "shallow"
    git(
        tmp_path, "clone", "-q", "--depth=1", "--branch=pull-request", course.as_uri(), str(shallow)
    )
    done, _, _ = check(shallow, tmp_path, mini_dir, GITHUB_BASE_REF="main")
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=judge::")
    assert "fetch-depth: 0" in done.stdout


def test_extra_options_reach_judge_grade(course: Path, tmp_path: Path, mini_dir: Path) -> None:
    done, _, _ = check(
        course, tmp_path, mini_dir, INPUT_PATH="students/alice.py", INPUT_ARGS="--no-such-option"
    )
    assert done.returncode == 2
    assert "No such option '--no-such-option'" in done.stderr


def test_the_base_option_is_the_ref_to_diff_against(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    done, summary, _ = check(course, tmp_path, mini_dir, "--base", "main")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "students/bob.py" in summary and "students/carol.py" in summary
    assert "alice" not in summary
    done, summary, _ = check(course, tmp_path, mini_dir, INPUT_BASE_REF="main")
    assert done.returncode == 1 and "students/carol.py" in summary


# -- a pull request cannot change its own grading (issue 9, classes 4 and 5) ---------------
LENIENT_SPEC = MINI_SPEC[: MINI_SPEC.index("  - name: used twice")]  # the visible case only
SECRET = "PRIVATE_TO_THE_RUNNER_7c2a"


@pytest.fixture
def course_with_specs(tmp_path: Path) -> Path:
    """The instructor's specs on main; a pull request that makes the spec lenient and
    submits the wrong engine."""
    repo = tmp_path / "specced"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo / "specs" / "mini.yaml", MINI_SPEC)
    write(repo / "students" / "alice.py", GOOD_VALUE)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "pull-request")
    write(repo / "specs" / "mini.yaml", LENIENT_SPEC)
    write(repo / "students" / "bob.py", WRONG_VALUE)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "my solution, and a friendlier spec")
    return repo


def test_a_pull_request_is_graded_against_the_base_branchs_specs(
    course_with_specs: Path, tmp_path: Path, mini_dir: Path
) -> None:
    repo = course_with_specs
    # The control: with the pull request's own spec, the wrong engine would pass.
    done, summary, _ = check(
        repo, tmp_path, mini_dir, INPUT_PATH="students/bob.py", INPUT_PROBLEMS="specs"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    done, summary, outputs = check(
        repo, tmp_path, mini_dir, GITHUB_BASE_REF="main", INPUT_PROBLEMS="specs"
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "| students/bob.py | ❌ failed | 1/4 |" in summary
    note = "this change edits the problem specs (specs/mini.yaml)"
    assert note in summary and "graded against the specs of main, not its own" in summary
    assert any(note in message for kind, _, message in annotations(done.stdout) if kind)
    assert outputs == "passed=false\nsubmissions=1\n"


def test_a_spec_the_pull_request_adds_is_not_used(
    course_with_specs: Path, tmp_path: Path, mini_dir: Path
) -> None:
    repo = course_with_specs
    write(repo / "specs" / "mine.yaml", LENIENT_SPEC.replace("id: mini", "id: mine"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "my own problem")
    done, _, _ = check(
        repo, tmp_path, mini_dir, GITHUB_BASE_REF="main", INPUT_PROBLEMS="specs",
        INPUT_PROBLEM="mine",
    )  # fmt: skip
    assert done.returncode == 2
    assert "no problem named 'mine'" in done.stderr


@pytest.mark.parametrize(
    "extra", ["--problems specs", "--problems=specs", "-p mine", "-pmine", "--problem=mine"]
)
def test_args_cannot_change_what_is_graded_against(
    extra: str, course_with_specs: Path, tmp_path: Path, mini_dir: Path
) -> None:
    """Options in ``args`` come after the check's own and would win: ``--problems specs``
    there read the pull request's lenient spec (the wrong engine passed)."""
    done, summary, _ = check(
        course_with_specs, tmp_path, mini_dir, GITHUB_BASE_REF="main", INPUT_PROBLEMS="specs",
        INPUT_ARGS=f"--timeout 5 {extra}",
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    option = extra.split()[0].partition("=")[0]
    assert done.stdout.startswith(f"::error title=judge::{option} in args: the check sets")
    assert "students/bob.py" not in summary  # nothing was graded


def test_args_that_do_not_split_are_explained(course: Path, tmp_path: Path, mini_dir: Path) -> None:
    done, _, _ = check(course, tmp_path, mini_dir, INPUT_PATH="students", INPUT_ARGS="--seed '1")
    assert done.returncode == 2
    assert (
        done.stdout
        == "::error title=judge::args: No closing quotation; quote as in a shell ('a b' or \"a b\")\n"
    )


def test_a_submission_committed_as_a_symlink_is_refused(
    course: Path, tmp_path: Path, mini_dir: Path
) -> None:
    private = tmp_path / "runner-secret.py"
    private.write_text(SECRET + " = (\n")
    (course / "students" / "dave.py").symlink_to(private)  # a file of the runner's
    (course / "students" / "erin.py").symlink_to("alice.py")  # a classmate's, renamed
    git(course, "add", ".")
    git(course, "commit", "-q", "-m", "links")
    done, summary, outputs = check(course, tmp_path, mini_dir, GITHUB_BASE_REF="main")
    assert done.returncode == 1
    refused = {
        props["file"]: message
        for kind, props, message in annotations(done.stdout)
        if kind == "error" and props["title"] == "judge%3A not graded"
    }
    assert set(refused) == {"students/dave.py", "students/erin.py"}, done.stdout
    assert all("is a symbolic link (git mode 120000); not graded" in m for m in refused.values())
    assert "### judge: not graded" in summary and "students/erin.py" in summary
    assert "| students/erin.py |" not in summary  # not graded under a second name
    assert SECRET not in done.stdout + done.stderr + summary
    assert outputs == "passed=false\nsubmissions=4\n"


def test_a_path_that_is_a_symlink_is_refused(course: Path, tmp_path: Path, mini_dir: Path) -> None:
    (course / "linked").symlink_to(course / "students")
    done, _, _ = check(course, tmp_path, mini_dir, INPUT_PATH="linked/alice.py")
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=judge::linked is a symbolic link")


# -- the files GitHub reads --------------------------------------------------------------
def test_action_yml_is_a_composite_action_that_runs_the_script() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    inputs = set(action["inputs"])
    assert {"problem", "path", "python-version", "sandbox"} <= inputs
    steps = action["runs"]["steps"]
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["JUDGE_ACTION_PATH"] == "${{ github.action_path }}"
    grade = next(s for s in steps if "judge.ci.pullrequest" in s.get("run", ""))
    # Every input but the interpreter reaches the script, as an environment variable.
    expected = {f"INPUT_{name.upper().replace('-', '_')}" for name in inputs - {"python-version"}}
    assert set(grade["env"]) == expected
    for name, value in grade["env"].items():
        input_name = name[len("INPUT_") :].lower().replace("_", "-")
        assert value.startswith("${{ inputs." + input_name)
    # On Linux runners the kernel layers hold, so the sandbox defaults to strict there.
    assert grade["env"]["INPUT_SANDBOX"] == (
        "${{ inputs.sandbox || (runner.os == 'Linux' && 'strict' || 'auto') }}"
    )
    assert "${{" not in grade["run"]  # inputs are never pasted into the shell
    script = (ROOT / "judge" / "ci" / "pullrequest.py").read_text()
    assert all(name in script for name in expected)


def _triggers(workflow: dict[object, object]) -> object:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare 'on' as true


def test_the_project_workflow_runs_the_ci_script_on_push_and_pull_request() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "tests.yml").read_text())
    triggers = _triggers(workflow)
    assert isinstance(triggers, dict) and {"push", "pull_request"} <= set(triggers)
    runs = [s.get("run") for job in workflow["jobs"].values() for s in job["steps"]]
    assert "bash .ci/run" in runs


def test_the_example_course_workflow_uses_the_action_with_history() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "course-workflow.yml").read_text())
    assert "pull_request" in str(_triggers(workflow))
    steps = workflow["jobs"]["grade"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert steps[1]["with"]["problem"] == "basic-autograd"
