"""Issue 9, attack classes 4 and 12: no link is followed out of a student's own space,
and every entry named ``*.py`` in a class folder gets a row.

A student who can place links in the class folder (a git symlink, an archive that
unpacks one, a shared drive) must not be graded on, or shown a line of, a file they did
not write: the instructor's solutions, a private file, a classmate's submission.
"""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from judge.batch.discover import discover
from judge.batch.run import grade_batch
from judge.errors import SubmissionError, UnsafeSubmission
from judge.files import MAX_SUBMISSION_BYTES, read_submission, write_atomic
from judge.grading.grade import grade
from judge.grading.plan import prepare
from judge.spec.catalog import Catalog
from tests.samples import GOOD_VALUE, ROOT, WRONG_VALUE, touch

SECRET = "INSTRUCTOR_ONLY_9f3c = ("  # a first line that is a syntax error if graded
SOLUTION_MARK = "# instructor's reference solution 5d1e"
FORMATS = ("text", "json", "csv", "markdown", "junit", "github", "gradescope")


def judge(*args: object, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess: a FIFO that blocked the judge would hang it, and
    the timeout turns that into a failure instead of a stuck test run."""
    env = {"PATH": os.environ.get("PATH", ""), "JUDGE_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "judge", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def hostile_class(tmp_path: Path) -> Path:
    """A class folder where everyone but alice tries to be graded on someone else's file,
    or is something that is not a file at all."""
    private = touch(tmp_path / "private" / "notes.py", SECRET + "\n")
    solution = touch(tmp_path / "solutions" / "value.py", SOLUTION_MARK + "\n" + GOOD_VALUE)
    folder = tmp_path / "class"
    touch(folder / "alice.py", GOOD_VALUE)
    (folder / "bob.py").symlink_to("alice.py")  # a classmate's file under a second name
    (folder / "mallory.py").symlink_to(private)  # a private file, to have it quoted
    (folder / "eve").symlink_to(solution.parent, target_is_directory=True)  # solutions
    (folder / "frank").mkdir()
    (folder / "frank" / "value.py").symlink_to(solution)  # a link inside a real folder
    (folder / "gone.py").symlink_to(tmp_path / "nowhere.py")  # dangling
    os.mkfifo(folder / "pipe.py")  # opening it for reading would wait for a writer
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "sock.py"))
    (folder / "lib.py").mkdir()  # a folder named like a file
    (folder / "ghost").symlink_to(tmp_path / "gone", target_is_directory=True)  # to nothing
    (folder / "loop").symlink_to("loop")  # to itself: stat fails with ELOOP
    (folder / "notes.md").symlink_to(private)  # stands for a file that is skipped anyway
    os.link(solution, folder / "harry.py")  # a hard link: O_NOFOLLOW cannot see it
    return folder


REFUSED = {
    "bob": "bob.py is a symbolic link; not graded",
    "mallory": "mallory.py is a symbolic link; not graded",
    "eve": "eve is a symbolic link; not graded",
    "frank": "frank/value.py is a symbolic link; not graded",
    "gone": "gone.py is a symbolic link; not graded",
    "pipe": "pipe.py is a named pipe (FIFO), not a regular file; not graded",
    "sock": "sock.py is a socket, not a regular file; not graded",
    "lib.py": "no .py or .ipynb file in lib.py/",
    "ghost": "ghost is a symbolic link; not graded",
    "loop": "loop is a symbolic link; not graded",
    "harry": "harry.py has 2 names (hard links); not graded",
}


def test_every_entry_gets_a_row_and_no_link_is_followed(
    hostile_class: Path, mini_dir: Path, tmp_path: Path
) -> None:
    done = judge(
        "grade", hostile_class, "-p", "mini", "--problems", mini_dir, "--format", "json",
        "--timeout", 2, "-j", 1, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)["rows"]}
    assert set(rows) == {"alice", *REFUSED}  # nobody missing, nobody twice
    assert rows["alice"]["status"] == "passed"
    for name, why in REFUSED.items():
        assert rows[name]["status"] == "error", name
        assert rows[name]["score"] == 0, name
        assert why in rows[name]["message"], (name, rows[name]["message"])


@pytest.mark.parametrize("output_format", FORMATS)
def test_no_line_of_a_file_the_student_did_not_write_is_shown(
    output_format: str, hostile_class: Path, mini_dir: Path, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    summary.touch()
    env_note = f"GITHUB_STEP_SUMMARY={summary}"
    done = subprocess.run(
        ["env", env_note, sys.executable, "-m", "judge", "grade", str(hostile_class), "-p",
         "mini", "--problems", str(mini_dir), "--format", output_format, "--timeout", "2",
         "-j", "1"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
             "JUDGE_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    everything = done.stdout + done.stderr + summary.read_text(encoding="utf-8")
    assert "mallory" in everything  # the row is there...
    assert "INSTRUCTOR_ONLY" not in everything  # ...without the private file's line
    assert "5d1e" not in everything


def test_run_refuses_a_link_and_quotes_nothing_of_its_target(tmp_path: Path) -> None:
    private = touch(tmp_path / "private.py", SECRET + "\n")
    (tmp_path / "value.py").symlink_to(private)
    done = judge("run", "value.py", "-p", "basic-autograd", cwd=tmp_path)
    assert done.returncode == 2
    assert "value.py is a symbolic link; not graded" in done.stderr
    assert "INSTRUCTOR_ONLY" not in done.stdout + done.stderr


def test_a_student_folder_that_links_elsewhere_is_refused_with_file(
    tmp_path: Path, mini_dir: Path
) -> None:
    touch(tmp_path / "solutions" / "value.py", GOOD_VALUE)
    touch(tmp_path / "class" / "alice" / "value.py", WRONG_VALUE)
    (tmp_path / "class" / "eve").symlink_to(tmp_path / "solutions")
    (tmp_path / "class" / "sam").mkdir()
    (tmp_path / "class" / "sam" / "sub").symlink_to(tmp_path / "solutions")
    done = judge(
        "grade", tmp_path / "class", "-p", "mini", "--problems", mini_dir, "--format",
        "json", "--file", "sub/value.py", "--timeout", 2, cwd=tmp_path,
    )  # fmt: skip
    rows = {row["name"]: row for row in json.loads(done.stdout)["rows"]}
    assert rows["eve"]["message"].startswith("eve is a symbolic link; not graded")
    assert rows["sam"]["message"].startswith("sam/sub is a symbolic link; not graded")
    assert rows["alice"]["message"] == "no sub/value.py in alice/"
    assert all(row["score"] == 0 for row in rows.values())


def test_an_unreadable_file_is_a_row_saying_why(
    tmp_path: Path, mini_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    touch(tmp_path / "class" / "alice.py", GOOD_VALUE)
    touch(tmp_path / "class" / "locked.py", GOOD_VALUE)
    real_open = os.open

    def denied(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if str(path) == "locked.py":  # as root, chmod 000 would not keep the judge out
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    plan = prepare(Catalog.with_extra([mini_dir]).get("mini"))
    book = grade_batch(discover(tmp_path / "class"), plan, jobs=1).gradebook
    rows = {entry.name: entry.report for entry in book.entries}
    assert rows["alice"].status.value == "passed"
    assert rows["locked"].status.value == "error"
    assert rows["locked"].message.endswith("locked.py: cannot read it: Permission denied")


# -- read_submission, the one safe read ---------------------------------------------------
def test_read_submission_reads_a_regular_file_once(tmp_path: Path) -> None:
    path = touch(tmp_path / "class" / "bob" / "value.py", GOOD_VALUE)
    assert read_submission(path) == GOOD_VALUE.encode()


def test_read_submission_follows_no_link_below_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the working folder is trusted (``/`` for a path outside it): a folder the
    user typed is opened without following a link too, as ``class/*`` may name one."""
    real = touch(tmp_path / "real" / "value.py", GOOD_VALUE)
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "eve").symlink_to(real.parent)
    (tmp_path / "class" / "bob.py").symlink_to(real)
    (tmp_path / "alias").symlink_to(real.parent)
    monkeypatch.chdir(tmp_path / "class")
    with pytest.raises(UnsafeSubmission, match=r"^eve is a symbolic link"):
        read_submission(Path("eve/value.py"))
    with pytest.raises(UnsafeSubmission, match=r"^bob\.py is a symbolic link"):
        read_submission(Path("bob.py"))
    with pytest.raises(UnsafeSubmission, match=r"^\.\./alias is a symbolic link"):
        read_submission(Path("../alias/value.py"))
    assert read_submission(Path("../real/value.py")) == GOOD_VALUE.encode()
    # An absolute path is walked from / (here, outside the working folder)...
    with pytest.raises(
        UnsafeSubmission, match=f"^{re.escape(str(tmp_path))}/alias is a symbolic link"
    ):
        read_submission(tmp_path / "alias" / "value.py")
    assert read_submission(real) == GOOD_VALUE.encode()
    # ...and the working folder is the user's own choice, however they got there.
    monkeypatch.chdir(tmp_path / "alias")
    assert read_submission(Path("value.py")) == GOOD_VALUE.encode()
    assert read_submission(tmp_path / "real" / "value.py") == GOOD_VALUE.encode()


def test_read_submission_refuses_a_hard_link(tmp_path: Path) -> None:
    """A hard link is a second name of someone else's file, as a symbolic link is, but
    ``O_NOFOLLOW`` cannot see it: a file with more than one name is refused."""
    solution = touch(tmp_path / "solutions" / "value.py", GOOD_VALUE)
    os.link(solution, tmp_path / "bob.py")
    with pytest.raises(UnsafeSubmission, match=r"bob\.py has 2 names \(hard links\)"):
        read_submission(tmp_path / "bob.py")
    (tmp_path / "bob.py").unlink()  # the control: with one name again, it is read
    assert read_submission(solution) == GOOD_VALUE.encode()


def test_read_submission_never_waits_on_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    outcome: list[BaseException | bytes] = []
    reader = threading.Thread(
        target=lambda: outcome.append(_attempt(tmp_path / "pipe.py")), daemon=True
    )
    reader.start()
    reader.join(timeout=30)  # a deadline on the test, not a timing verdict
    if reader.is_alive():  # unblock the reader so that the thread ends
        with open(tmp_path / "pipe.py", "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert isinstance(outcome[0], UnsafeSubmission)
    assert "named pipe (FIFO)" in str(outcome[0])


def _attempt(path: Path) -> BaseException | bytes:
    try:
        return read_submission(path)
    except SubmissionError as error:
        return error


def test_read_submission_refuses_what_cannot_be_graded(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_bytes(b"#" * (MAX_SUBMISSION_BYTES + 1))
    (tmp_path / "latin.py").write_bytes(b"\xff\xfe")
    (tmp_path / "dir.py").mkdir()
    with pytest.raises(SubmissionError, match="larger than 1 MiB"):
        read_submission(tmp_path / "big.py")
    with pytest.raises(SubmissionError, match="not UTF-8"):
        read_submission(tmp_path / "latin.py")
    with pytest.raises(SubmissionError, match="not a file"):
        read_submission(tmp_path / "dir.py")
    with pytest.raises(SubmissionError, match="no such file"):
        read_submission(tmp_path / "missing.py")


def test_the_bytes_read_are_the_bytes_graded(tmp_path: Path, mini_dir: Path) -> None:
    """What was read (and hashed for the cache) is what the worker gets: the file on
    disk, swapped since, is not read again."""
    plan = prepare(Catalog.with_extra([mini_dir]).get("mini"))
    path = touch(tmp_path / "value.py", WRONG_VALUE)
    report = grade(path, plan, content=GOOD_VALUE.encode())
    assert report.status.value == "passed"


# -- -o files ------------------------------------------------------------------------------
def test_outputs_follow_the_umask_and_keep_a_replaced_files_mode(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.csv", "a\n")
        assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644
        os.umask(0o077)
        write_atomic(tmp_path / "private.csv", "a\n")
        assert stat.S_IMODE((tmp_path / "private.csv").stat().st_mode) == 0o600
    finally:
        os.umask(previous)
    shared = tmp_path / "shared.csv"
    shared.write_text("old\n")
    os.chmod(shared, 0o664)
    os.chown(shared, -1, 4242)  # as root here; elsewhere a group of one's own
    write_atomic(shared, "new\n")
    assert shared.read_text() == "new\n"
    assert stat.S_IMODE(shared.stat().st_mode) == 0o664
    assert shared.stat().st_gid == 4242


# -- the paths on the command line ----------------------------------------------------------
@pytest.fixture
def linked_class(tmp_path: Path) -> Path:
    """alice's own folder, and bob's "folder": a link to the instructor's solutions, which
    the shell's ``class/*`` names as if it were bob's."""
    touch(tmp_path / "solutions" / "value.py", SOLUTION_MARK + "\n" + GOOD_VALUE)
    touch(tmp_path / "class" / "alice" / "value.py", WRONG_VALUE)
    (tmp_path / "class" / "bob").symlink_to("../solutions", target_is_directory=True)
    return tmp_path / "class"


@pytest.mark.parametrize(
    "paths",
    [("class/alice", "class/bob"), ("class/alice/value.py", "class/bob/value.py")],
    ids=["class/*", "class/*/value.py"],
)
def test_a_linked_student_folder_named_on_the_command_line_is_refused(
    paths: tuple[str, ...], linked_class: Path, mini_dir: Path, tmp_path: Path
) -> None:
    done = judge(
        "grade", *paths, "-p", "mini", "--problems", mini_dir, "--format", "json",
        "--timeout", 2, "-j", 1, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)["rows"]}
    bob = next(row for name, row in rows.items() if name.startswith("class/bob"))
    assert bob["status"] == "error"
    assert bob["message"].startswith("class/bob is a symbolic link; not graded")
    assert bob["score"] == 0


def test_judge_run_refuses_a_file_behind_a_linked_folder(
    linked_class: Path, tmp_path: Path, mini_dir: Path
) -> None:
    mini = ("-p", "mini", "--problems", mini_dir, "--timeout", 2)
    done = judge("run", "class/bob/value.py", *mini, cwd=tmp_path)
    assert done.returncode == 2
    assert "class/bob is a symbolic link; not graded" in done.stderr
    assert "5d1e" not in done.stdout + done.stderr
    done = judge("run", "value.py", *mini, cwd=linked_class / "bob")
    assert done.returncode == 0, done.stderr  # the working folder is the user's own choice


def test_an_output_does_not_take_set_id_bits_from_the_file_it_replaces(tmp_path: Path) -> None:
    """A report is no program: replacing a set-uid, set-gid or sticky file keeps its
    permissions only."""
    for old_mode, new_mode in ((0o4755, 0o755), (0o2664, 0o664), (0o1644, 0o644)):
        target = tmp_path / f"report-{old_mode:o}.txt"
        target.write_text("old\n")
        os.chmod(target, old_mode)
        assert stat.S_IMODE(target.stat().st_mode) == old_mode  # the control
        write_atomic(target, "new\n")
        assert stat.S_IMODE(target.stat().st_mode) == new_mode
