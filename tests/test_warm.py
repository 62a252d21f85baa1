"""Warm workers (issue 14): each submission's worker prestarted before its submission is
known, with the cold path's isolation: a fresh process per submission, every layer
applied after its configuration arrives, nothing of one student reachable by another.
The hostile corpus runs again here through prestarted workers."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from judge.grading.session import Session
from judge.program.compile import compile_program
from judge.runner import warm
from judge.runner.outcome import Kind
from judge.sandbox import plan
from tests import test_sandbox_hostile as hostile
from tests.samples import GOOD_VALUE
from tests.test_sandbox_hostile import arena  # noqa: F401  (the fixture, for the corpus)

PROGRAM = compile_program("a = Value(2.0)\nb = a * a + 1\nb.backward()").to_wire()
MARKER = "FIRST-STUDENT-7d2e"


@pytest.fixture
def sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Session]]:
    monkeypatch.setenv(warm.SWITCH, "1")
    opened: list[Session] = []

    def open_session(source: str) -> Session:
        path = tmp_path / f"student{len(opened)}.py"
        path.write_text(source, encoding="utf-8")
        session = Session(path, "Value", {}, math.inf, plan("auto"), path.read_bytes())
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        session.close()
    warm.discard()


def test_the_switch() -> None:
    before = os.environ.pop(warm.SWITCH, None)
    try:
        warm.use(False)
        assert not warm.enabled()
        warm.use(True)
        assert warm.enabled()
        os.environ[warm.SWITCH] = "0"
        assert not warm.enabled()
        warm.use(False)
        os.environ[warm.SWITCH] = "1"
        assert warm.enabled()
    finally:
        warm.use(False)
        os.environ.pop(warm.SWITCH, None)
        if before is not None:
            os.environ[warm.SWITCH] = before


def test_each_session_takes_the_spare_and_a_new_one_starts(
    sessions: Callable[[str], Session],
) -> None:
    first = sessions(GOOD_VALUE)
    assert first.start(10).error is None
    spare = warm._spare
    assert spare is not None and spare.alive and spare.prestarted
    # Nothing of a submission is in a spare's workspace before it is taken.
    assert spare.workspace is not None and os.listdir(spare.workspace.folder) == []
    if os.geteuid() == 0:  # closed to everyone but its own user from the start
        info = os.stat(spare.workspace.folder)
        assert (info.st_uid, info.st_mode & 0o777) == (spare.workspace.user[0], 0o500)

    second = sessions(GOOD_VALUE)
    assert second.start(10).error is None
    assert second.worker is spare and not spare.prestarted  # the spare, now this one's
    assert warm._spare is not None and warm._spare is not spare  # and a new spare
    assert first.worker is not None and first.worker.process is not None
    assert spare.process is not None and spare.process.pid != first.worker.process.pid
    for session in (first, second):
        outcome = session.run(PROGRAM, 10)
        assert outcome.kind is Kind.OK and outcome.data["b"] == 5.0
    if os.geteuid() == 0:  # each worker its own user, as on the cold path
        assert first.worker.workspace is not None and second.worker is not None
        assert second.worker.workspace is not None
        assert first.worker.workspace.user != second.worker.workspace.user
    assert "seccomp" in second.layers or sys.platform != "linux"


def test_a_student_cannot_reach_the_one_graded_before(sessions: Callable[[str], Session]) -> None:
    first = sessions(f"# {MARKER}\n" + GOOD_VALUE)
    assert first.start(10).error is None
    assert first.worker is not None and first.worker.workspace is not None
    # The first student's worker is alive and its file in place: the next one, taken
    # from the spare, tries to read it, list its folder and signal its process.
    target = first.worker.workspace.copy
    assert first.worker.process is not None
    pid = first.worker.process.pid
    snoop = GOOD_VALUE.replace(
        "    def backward(self):\n",
        "    def backward(self):\n"
        "        import os\n"
        f"        print(open({target!r}).read())\n"
        f"        print(os.listdir({os.path.dirname(target)!r}))\n"
        f"        os.kill({pid}, 9)\n",
    )
    second = sessions(snoop)
    assert second.start(10).error is None
    outcome = second.run(PROGRAM, 10)
    assert outcome.kind in (Kind.FORBIDDEN, Kind.RAISED), outcome
    assert MARKER not in outcome.output + str(outcome.details)
    assert first.worker is not None and first.worker.alive
    assert first.run(PROGRAM, 10).kind is Kind.OK


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks /proc")
@pytest.mark.parametrize(("level", "bwrap"), hostile.LEVELS)
@pytest.mark.parametrize("name", sorted(hostile.EXPECTED))
def test_the_hostile_corpus_is_contained_through_warm_workers(
    arena: hostile.Arena,  # noqa: F811
    name: str,
    level: str,
    bwrap: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same test, every check of it, with the judge taking prestarted workers; its
    # spare must be gone too when it exits (nothing left in TMPDIR, no process).
    monkeypatch.setenv(warm.SWITCH, "1")
    hostile.test_hostile_submission_is_contained(arena, name, level, bwrap)
