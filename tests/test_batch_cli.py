"""``judge grade`` and the new ``judge run`` formats through the command line.

CliRunner drives most of it; interrupting and killing a batch runs the real command in
a subprocess, in a temp dir, with a minimal environment and a timeout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from judge.cli import cli
from tests.samples import GOOD_VALUE, HANGING_VALUE, ROOT, WRONG_VALUE, touch

JUNIT_SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parent / "golden" / "junit.xsd")))


pytestmark = pytest.mark.usefixtures("private_cache")  # each test starts with none


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def classroom(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    touch(folder / "alice.py", GOOD_VALUE)
    touch(folder / "bob.py", WRONG_VALUE)
    touch(folder / "carol" / "value.py", "class Value(:\n")
    touch(folder / "dave.py", "import os\nos._exit(3)\n")
    touch(folder / "eve.py", 'print("x" * 10_000_000)\n' + GOOD_VALUE)  # floods its output
    return folder


def grade(classroom: Path, mini_dir: Path, *args: object) -> Result:
    return invoke("grade", classroom, "-p", "mini", "--problems", mini_dir, "-j", 2, *args)


def test_grade_prints_a_table_and_a_summary(classroom: Path, mini_dir: Path) -> None:
    result = grade(classroom, mini_dir)
    assert result.exit_code == 1
    lines = result.stdout.split("\n\n", 1)[0].splitlines()  # the rows; class sections follow
    assert [line.split()[:3] for line in lines] == [
        ["alice", "PASSED", "4/4"],
        ["bob", "FAILED", "1/4"],
        ["carol", "ERROR", "0/4"],
        ["dave", "ERROR", "0/4"],
        ["eve", "ERROR", "0/4"],
    ]
    assert lines[1].endswith("s  used twice, numbers on the right")
    assert "your file has a syntax error at line 1" in lines[2]
    assert result.stderr.startswith(
        "5 submissions on mini: 1 passed, 1 failed, 3 could not be graded; mean score 1/4 "
        "(5 graded, 0 from the cache, "
    )


def test_grade_again_is_all_from_the_cache(classroom: Path, mini_dir: Path) -> None:
    first = grade(classroom, mini_dir, "--format", "json")
    again = grade(classroom, mini_dir, "--format", "json")
    assert "(0 graded, 5 from the cache, " in again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    regraded = grade(classroom, mini_dir, "--regrade")
    assert "(5 graded, 0 from the cache, " in regraded.stderr
    uncached = grade(classroom, mini_dir, "--no-cache")
    assert "(5 graded, 0 from the cache, " in uncached.stderr


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("book.csv", None),
        ("book.json", None),
        ("book.md", None),
        ("book.xml", None),
        ("results.json", "gradescope"),
        ("notes.txt", "github"),
        ("book.txt", None),
    ],
)
def test_grade_writes_every_format(
    classroom: Path, mini_dir: Path, tmp_path: Path, name: str, fmt: str | None
) -> None:
    out = tmp_path / "out" / name
    result = grade(classroom, mini_dir, "-o", out, *(["--format", fmt] if fmt else []))
    assert result.exit_code == 1
    assert result.stdout.startswith("5 submissions on mini: ")  # the file holds the output
    assert result.stdout.rstrip().endswith(f"; wrote {out}")
    text = out.read_text(encoding="utf-8")
    if name == "book.csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(r["name"], r["status"], r["score"]) for r in rows] == [
            ("alice", "passed", "4"),
            ("bob", "failed", "1"),
            ("carol", "error", "0"),
            ("dave", "error", "0"),
            ("eve", "error", "0"),
        ]
        assert rows[1]["failed_tests"] == "used twice; numbers on the right"
    elif name == "book.json":
        data = json.loads(text)
        assert data["schema"] == "judge-gradebook/1"
        assert [r["report"]["schema"] for r in data["rows"]] == ["judge-report/1"] * 5
    elif name == "book.md":
        assert "| bob | ❌ failed | 1/4 | used twice, numbers on the right |" in text
        assert "### Score distribution" in text
    elif name == "book.xml":
        root = etree.fromstring(text.encode())
        JUNIT_SCHEMA.assertValid(root)
        assert [s.get("name") for s in root] == ["alice", "bob", "carol", "dave", "eve"]
    elif fmt == "gradescope":
        data = json.loads(text)
        assert data["submissions"]["bob"]["score"] == 1.0
        assert all("visibility" in t for t in data["submissions"]["bob"]["tests"])
    elif fmt == "github":
        lines = text.splitlines()
        # A failing submission's most likely cause comes first, as a notice.
        assert all(
            line.startswith("::error file=")
            or (line.startswith("::notice file=") and "most likely cause::" in line)
            for line in lines
        )
        assert any(line.startswith("::error file=") for line in lines)
        assert any("carol/value.py,line=1," in line for line in lines)
    else:
        assert text.startswith("alice  PASSED  4/4")


def test_grade_github_appends_the_job_summary(
    classroom: Path, mini_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = grade(classroom, mini_dir, "--format", "github")
    cause, first_error = result.stdout.splitlines()[:2]
    assert cause.startswith("::notice file=") and "most likely cause::" in cause
    assert first_error.startswith("::error file=")
    text = summary.read_text()
    assert text.startswith("earlier step\n## mini: 5 submissions")


def test_grade_all_passing_exits_zero(tmp_path: Path, mini_dir: Path) -> None:
    touch(tmp_path / "c" / "alice.py", GOOD_VALUE)
    touch(tmp_path / "c" / "bob.py", GOOD_VALUE + "# mine\n")
    assert grade(tmp_path / "c", mini_dir).exit_code == 0


def test_grade_files_given_one_by_one(classroom: Path, mini_dir: Path) -> None:
    result = invoke(
        "grade", classroom / "alice.py", classroom / "bob.py", "-p", "mini", "--problems", mini_dir
    )
    assert result.exit_code == 1
    rows = result.stdout.split("\n\n", 1)[0].splitlines()  # the class sections follow
    assert [line.split()[0] for line in rows] == [
        str(classroom / "alice.py"),
        str(classroom / "bob.py"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["empty"], "empty: no submissions found; expected"),
        (["missing"], "missing: no such file or folder"),
        (["class", "-p", "mni"], "no problem named 'mni'. Did you mean 'mini'?"),
        (["class", "-o", "class/alice.py/out.csv"], "is not a writable folder"),
        (["class", "--file", "../x.py"], "give a file name inside each student's folder"),
    ],
)
def test_grade_usage_errors_say_what_to_fix(
    args: list[str],
    message: str,
    classroom: Path,
    mini_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    args = [*args, "--problems", str(mini_dir)] + ([] if "-p" in args else ["-p", "mini"])
    result = invoke("grade", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


# -- judge run, new formats -----------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["junit", "gradescope", "github", "markdown"])
def test_run_speaks_every_format(
    fmt: str, mini_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    wrong = touch(tmp_path / "wrong.py", WRONG_VALUE)
    result = invoke("run", wrong, "-p", "mini", "--problems", mini_dir, "--format", fmt)
    assert result.exit_code == 1
    out = result.stdout
    if fmt == "junit":
        JUNIT_SCHEMA.assertValid(etree.fromstring(out.encode()))
    elif fmt == "gradescope":
        assert json.loads(out)["score"] == 1.0
    elif fmt == "github":
        cause, first_error = out.splitlines()[:2]
        assert cause.startswith(f"::notice file={wrong},") and "most likely cause::" in cause
        assert first_error.startswith(f"::error file={wrong},title=mini%3A 2 tests not passed::")
        assert summary.read_text().startswith("### ❌ **FAILED**")
    else:
        assert "| ❌ | used twice (hidden) | 0/1 |" in out
    if fmt != "github":
        assert not summary.exists()


# -- interrupting and killing a real batch -----------------------------------------------------
def _environment(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "JUDGE_CACHE_DIR": str(tmp_path / "cache"),
        "TMPDIR": str(tmp_path / "tmp"),
    }


def _slow_class(tmp_path: Path) -> Path:
    """Six quick submissions, then two whose backward never ends."""
    folder = tmp_path / "class"
    for i in range(6):
        touch(folder / f"a{i}.py", GOOD_VALUE + f"# {i}\n")
    for i in range(2):
        touch(folder / f"z{i}.py", HANGING_VALUE + f"# {i}\n")
    return folder


def _start(tmp_path: Path, folder: Path, mini_dir: Path) -> subprocess.Popen[str]:
    """The batch, its output in files: waiting for it never waits for its children."""
    with open(tmp_path / "out.txt", "w") as out, open(tmp_path / "err.txt", "w") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "judge", "grade", str(folder), "-p", "mini", "--problems",
             str(mini_dir), "-j", "2", "--timeout", "0.5", "-o", str(tmp_path / "book.csv")],
            cwd=tmp_path, env=_environment(tmp_path), text=True,
            stdout=out, stderr=err, start_new_session=True,
        )  # fmt: skip


def _output(tmp_path: Path) -> tuple[str, str]:
    return (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()


def _wait_for_cached(tmp_path: Path, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(list((tmp_path / "cache").glob("results/*/*.json"))) < count:
        assert time.monotonic() < deadline, f"the batch never got that far: {_output(tmp_path)}"
        time.sleep(0.02)


def _left_behind(root: Path) -> list[int]:
    """Processes still working in ``root`` (the pool's and the workers' directories)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if os.readlink(entry / "cwd").startswith(str(root)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _describe(pids: list[int]) -> list[str]:
    described = []
    for pid in pids:
        try:
            described.append(
                Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            )
        except OSError:
            continue
    return described


def _wait_until_gone(root: Path, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while _left_behind(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _left_behind(root)


def _rerun(tmp_path: Path, folder: Path, mini_dir: Path) -> tuple[int, str, str]:
    process = _start(tmp_path, folder, mini_dir)
    code = process.wait(timeout=60)
    return (code, *_output(tmp_path))


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(tmp_path: Path, mini_dir: Path) -> None:
    folder = _slow_class(tmp_path)
    process = _start(tmp_path, folder, mini_dir)
    try:
        _wait_for_cached(tmp_path, 6)
        time.sleep(0.2)  # the slow two are being graded now
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C on a terminal does
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    _, err = _output(tmp_path)
    assert process.returncode == 130, err
    assert "interrupted: 6 of 8 submissions done and cached; no output written." in err
    assert "Traceback" not in err
    assert not (tmp_path / "book.csv").exists()
    left = _wait_until_gone(tmp_path, 5)  # the multiprocessing resource tracker lingers
    assert left == [], _describe(left)  # every worker was killed on the way out
    assert not list((tmp_path / "tmp").glob("judge-worker-*"))
    code, out, err = _rerun(tmp_path, folder, mini_dir)
    assert code == 1, err
    assert "(2 graded, 6 from the cache, " in out
    assert len((tmp_path / "book.csv").read_text().splitlines()) == 1 + 8


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_a_killed_batch_resumes_without_regrading(tmp_path: Path, mini_dir: Path) -> None:
    folder = _slow_class(tmp_path)
    process = _start(tmp_path, folder, mini_dir)
    try:
        _wait_for_cached(tmp_path, 6)
        process.kill()  # SIGKILL: no chance to clean up
        process.wait(timeout=20)
        # Its pool processes notice, kill their workers and exit.
        left = _wait_until_gone(tmp_path, 10)
        assert left == [], _describe(left)
        code, out, err = _rerun(tmp_path, folder, mini_dir)
        assert code == 1, err
        assert "(2 graded, 6 from the cache, " in out
    finally:
        for pid in _wait_until_gone(tmp_path, 0):
            os.kill(pid, signal.SIGKILL)  # only processes this test started


def test_grade_seed_and_examples_reach_every_report_and_the_cache(tmp_path: Path) -> None:
    touch(tmp_path / "c" / "alice.py", (ROOT / "submissions" / "correct.py").read_text())
    args = ["grade", tmp_path / "c", "-p", "basic-autograd", "--examples", 3, "--format", "json"]
    first = invoke(*args, "--seed", 1)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["rows"][0]["report"]["seed"] == 1
    assert "(1 graded, 0 from the cache, " in invoke(*args, "--seed", 2).stderr
    assert "(0 graded, 1 from the cache, " in invoke(*args, "--seed", 1).stderr
