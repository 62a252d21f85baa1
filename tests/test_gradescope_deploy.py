"""Gradescope deployment: ``judge gradescope build`` and the zip it writes, run as
Gradescope runs it.

The zip is unpacked into a folder laid out like the container (``source``,
``submission``, ``results`` under one root, given to the scripts as
``AUTOGRADER_ROOT``); ``setup.sh`` builds a clean venv and installs the judge from the
zip's wheel, offline; ``run_autograder`` grades a right, a wrong, a misnamed and a
missing submission, and each ``results.json`` is read back against the fields of
Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "specs").

Offline and fast: ``pip`` installs the judge's wheel alone (``PIP_NO_INDEX``,
``PIP_NO_DEPS``), and the venv sees the test venv's third-party packages (click, PyYAML,
msgspec, hypothesis), never its judge, through a ``.pth`` file the test's ``python3``
drops into each venv it makes.  The judge graded with is the wheel's: checked.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from judge import DISTRIBUTION
from judge.cli import cli
from tests.samples import GOOD_VALUE, WRONG_VALUE

# Gradescope's results.json, as its specification lists the fields.
TOP_FIELDS = {
    "score", "execution_time", "output", "output_format", "test_output_format",
    "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
    "leaderboard",
}  # fmt: skip
TEST_FIELDS = {
    "score", "max_score", "status", "name", "name_format", "number", "output",
    "output_format", "tags", "visibility", "extra_data",
}  # fmt: skip
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def check_results(data: dict[str, Any]) -> None:
    """Fail unless ``data`` is a results.json Gradescope accepts."""
    assert set(data) <= TOP_FIELDS, set(data) - TOP_FIELDS
    assert isinstance(data["score"], (int, float))
    assert isinstance(data["output"], str)
    assert isinstance(data.get("extra_data", {}), dict)
    for test in data["tests"]:
        assert set(test) <= TEST_FIELDS, set(test) - TEST_FIELDS
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["score"], (int, float))
        assert isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in VISIBILITIES
        assert isinstance(test["output"], str)
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(data["score"])


def build(tmp_path: Path, mini_dir: Path, *args: str) -> Path:
    target = tmp_path / "autograder.zip"
    result = CliRunner().invoke(
        cli,
        [
            "gradescope",
            "build",
            "-p",
            "mini",
            "--problems",
            str(mini_dir),
            "-o",
            str(target),
            *args,
        ],
    )
    assert result.exit_code == 0, result.output
    return target


def test_build_writes_the_scripts_at_the_root_of_the_zip_with_the_spec_and_a_wheel(
    tmp_path: Path, mini_dir: Path
) -> None:
    with zipfile.ZipFile(build(tmp_path, mini_dir)) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        setup = archive.read("setup.sh").decode()
        run = archive.read("run_autograder").decode()
        spec = archive.read("problems/mini.yaml").decode()
    wheels = [name for name in names if name.endswith(".whl")]
    assert wheels == [f"{DISTRIBUTION.replace('-', '_')}-{_version()}-py3-none-any.whl"]
    assert {"setup.sh", "run_autograder", "problems/mini.yaml"} <= set(names)
    assert all(modes[name] & stat.S_IXUSR for name in ("setup.sh", "run_autograder"))
    assert spec == (mini_dir / "mini.yaml").read_text()
    assert setup.startswith("#!/usr/bin/env bash") and run.startswith("#!/usr/bin/env bash")
    assert f'"$ROOT/source/{wheels[0]}"' in setup
    assert 'cd "$ROOT/submission"' in run and "run ./value.py" in run and "-p mini" in run


def test_build_pins_a_published_version_instead_of_a_wheel(tmp_path: Path, mini_dir: Path) -> None:
    with zipfile.ZipFile(build(tmp_path, mini_dir, "--judge-version", "0.1.0")) as archive:
        assert not [name for name in archive.namelist() if name.endswith(".whl")]
        assert f"install --quiet --disable-pip-version-check {DISTRIBUTION}==0.1.0" in (
            archive.read("setup.sh").decode()
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--file", "sub/value.py"], "--file 'sub/value.py': give a file name without a folder"),
        (["--wheel", "nothing.whl"], "--wheel nothing.whl: not a wheel file"),
        (["-p", "nope"], "no problem named 'nope'"),
    ],
)
def test_build_refuses_bad_options_with_a_fix(
    tmp_path: Path, mini_dir: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(
        cli, ["gradescope", "build", "--problems", str(mini_dir), "-p", "mini", *args]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def _version() -> str:
    from judge import __version__

    return __version__


def deps_site(tmp_path: Path) -> Path:
    """A folder of links to the test venv's third-party packages, without the judge (and
    its editable-install hooks) or pip: what a clean venv may borrow."""
    site = Path(sysconfig.get_paths()["purelib"])
    deps = tmp_path / "deps"
    deps.mkdir()
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(("judge", "micrograd_judge", "_editable_impl", "__editable__", "pip")):
            continue
        (deps / entry.name).symlink_to(entry)
    return deps


def _tools(tmp_path: Path, deps: Path) -> Path:
    """A bin folder for the scripts' PATH: ``python3`` (this Python; each venv it makes
    gets a .pth naming ``deps``) and an ``apt-get`` that refuses, so nothing is
    installed on this machine."""
    tools = tmp_path / "bin"
    tools.mkdir()
    pth_dir = f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"
    (tools / "python3").write_text(
        "#!/bin/sh\n"
        f'"{sys.executable}" "$@" || exit\n'
        'if [ "$1" = -m ] && [ "$2" = venv ]; then\n'
        "    for last; do :; done\n"
        f'    echo "{deps}" > "$last/{pth_dir}/test-deps.pth"\n'
        "fi\n"
    )
    (tools / "apt-get").write_text('#!/bin/sh\necho "apt-get $*" >&2\nexit 1\n')
    for tool in tools.iterdir():
        tool.chmod(0o755)
    return tools


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An autograder for ``mini`` unpacked and set up in a container-like root."""
    from tests.samples import MINI_SPEC

    tmp_path = tmp_path_factory.mktemp("gradescope")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "mini.yaml").write_text(MINI_SPEC, encoding="utf-8")
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(build(tmp_path, specs)) as archive:
        archive.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):  # zipfile does not restore modes
        (root / "source" / script).chmod(0o755)
    env = {
        "PATH": f"{_tools(tmp_path, deps_site(tmp_path))}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "AUTOGRADER_ROOT": str(root),
        "PIP_NO_INDEX": "1",
        "PIP_NO_DEPS": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "JUDGE_CACHE_DIR": str(tmp_path / "cache"),
    }
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        cwd=root / "source",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return {"root": root, "env": env, "setup": setup}


def run_autograder(autograder: dict[str, Any], files: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Run run_autograder on a submission of ``files``; its exit status and results."""
    root: Path = autograder["root"]
    for folder in ("submission", "results"):
        target = root / folder
        if target.exists():
            for entry in target.iterdir():
                entry.unlink()
        target.mkdir(exist_ok=True)
    for name, text in files.items():
        (root / "submission" / name).write_text(text, encoding="utf-8")
    # Gradescope copies the script to /autograder/run_autograder and runs it from there.
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)
    done = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env=autograder["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    results = root / "results" / "results.json"
    assert results.exists(), done.stdout + done.stderr
    return done.returncode, json.loads(results.read_text(encoding="utf-8"))


def test_setup_installs_the_zips_judge_in_its_own_venv(autograder: dict[str, Any]) -> None:
    root: Path = autograder["root"]
    python = root / "judge-venv" / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import judge; print(judge.__file__)"],
        cwd=root,
        env=autograder["env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert where.startswith(str(root / "judge-venv")), where
    assert f"judge {_version()} ({DISTRIBUTION})" in autograder["setup"].stdout
    assert "apt-get" not in autograder["setup"].stderr  # this machine has venv and bwrap


def test_a_right_submission_gets_full_marks(autograder: dict[str, Any]) -> None:
    status, data = run_autograder(autograder, {"value.py": GOOD_VALUE})
    assert status == 0
    check_results(data)
    assert data["score"] == 4.0
    assert all(test["status"] == "passed" for test in data["tests"])


def test_a_wrong_submission_is_graded_not_an_autograder_failure(
    autograder: dict[str, Any],
) -> None:
    status, data = run_autograder(autograder, {"value.py": WRONG_VALUE})
    assert status == 0  # a student who did not pass is a grade, not a broken autograder
    check_results(data)
    assert 0 < data["score"] < 4.0
    hidden = [test for test in data["tests"] if test["visibility"] == "after_published"]
    assert hidden and all("Your output" not in test["output"] for test in hidden)


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        (
            {"Value.py": GOOD_VALUE, "notes.txt": "hi"},
            "No file named value.py was submitted (the submission holds: Value.py, notes.txt). "
            "Name your file value.py and submit again.",
        ),
        ({}, "Nothing was submitted: submit your value.py and the autograder grades it."),
    ],
    ids=["misnamed", "missing"],
)
def test_a_misnamed_or_missing_file_gets_zero_with_the_reason(
    autograder: dict[str, Any], files: dict[str, str], reason: str
) -> None:
    status, data = run_autograder(autograder, files)
    assert status == 0
    check_results(data)
    assert data["score"] == 0
    assert data["output"] == reason
    assert data["tests"] and all(test["status"] == "failed" for test in data["tests"])
    assert data["extra_data"]["status"] == "error"


def test_run_writes_a_zero_for_gradescope_and_exit_2_for_other_formats(
    tmp_path: Path, mini_dir: Path
) -> None:
    missing = tmp_path / "submission" / "value.py"
    missing.parent.mkdir()
    results = tmp_path / "results.json"
    args = ["run", str(missing), "-p", "mini", "--problems", str(mini_dir)]
    graded = CliRunner().invoke(cli, [*args, "--format", "gradescope", "-o", str(results)])
    assert graded.exit_code == 1, graded.output  # a student with no grade, not a usage error
    data = json.loads(results.read_text(encoding="utf-8"))
    check_results(data)
    assert data["score"] == 0 and data["output"].startswith("Nothing was submitted")
    for fmt in ("json", "text"):
        refused = CliRunner().invoke(cli, [*args, "--format", fmt])
        assert refused.exit_code == 2
        assert "value.py" in refused.output and "Traceback" not in refused.output
