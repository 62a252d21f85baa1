"""Pipelined requests (issue 14): many graphs sent to the worker in a few writes, the
answers read as they stream back, each graph keeping its own deadline and verdict."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from judge.grading.session import Session
from judge.program.compile import compile_program
from judge.runner import process
from judge.runner.outcome import Died, Kind, TimedOut
from judge.sandbox import plan
from tests.samples import GOOD_VALUE

# 150 graphs: more than two pipelined writes (process.PIPELINE_MAX graphs at most each).
PROGRAMS = [
    compile_program(
        f"a = Value({k}.0)\nb = a * a + {k}\nc = (b * a).relu()\nc.backward()"
    ).to_wire()
    for k in range(150)
]
# Multiplying by 13 never returns; anything else is correct.
HANGS_ON_13 = GOOD_VALUE.replace(
    "    def __mul__(self, other):\n",
    "    def __mul__(self, other):\n"
    "        while getattr(other, 'data', other) == 13.0:\n"
    "            pass\n",
)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Callable[..., Session]]:
    sessions: list[Session] = []

    def make(source: str, sandboxed: bool = True) -> Session:
        path = tmp_path / f"sub{len(sessions)}.py"
        path.write_text(source, encoding="utf-8")
        sandbox = plan("auto") if sandboxed else None
        made = Session(path, "Value", {}, math.inf, sandbox, path.read_bytes())
        sessions.append(made)
        assert made.start(10).error is None
        return made

    yield make
    for made in sessions:
        made.close()


def test_pipelined_answers_are_the_one_by_one_answers(session: Callable[..., Session]) -> None:
    assert len(PROGRAMS) > 2 * process.PIPELINE_MAX
    graded = session(GOOD_VALUE)
    one_by_one = [graded.run(program, 10) for program in PROGRAMS]
    pipelined = list(graded.run_many(PROGRAMS, 10))
    assert len(pipelined) == len(PROGRAMS)
    for single, many in zip(one_by_one, pipelined, strict=True):
        assert many.kind is single.kind is Kind.OK
        assert (many.data, many.grad) == (single.data, single.grad)
        # No CPU time: the kernel cannot split its reading between graphs run back to
        # back, and the worker's own figure is the submission's to forge.
        assert many.cpu_s == 0.0
    assert graded.worker is not None and graded.worker.alive  # one worker served them all


def test_a_graph_that_hangs_gets_its_own_verdict_and_the_rest_still_run(
    session: Callable[..., Session],
) -> None:
    programs = [
        compile_program(f"a = Value(2.0)\nb = a * {k}.0\nb.backward()").to_wire()
        for k in range(10, 17)
    ]
    graded = session(HANGS_ON_13)
    first_worker = graded.worker
    outcomes = list(graded.run_many(programs, 1.0))
    assert [o.kind for o in outcomes] == [Kind.OK] * 3 + [Kind.TIMEOUT] + [Kind.OK] * 3
    hung = outcomes[3].details
    assert isinstance(hung, TimedOut) and hung.limit_s == 1.0 and not hung.cut
    # The worker's watchdog found the loop (unless the judge's deadline came first, on
    # a machine too busy for the watchdog's margin: then there is no line).
    loop = "while getattr(other, 'data', other) == 13.0:"
    assert [frame.source for frame in hung.frames][-1:] in ([loop], [])
    assert [o.data["b"] for o in outcomes if o.kind is Kind.OK] == [
        20.0,
        22.0,
        24.0,
        28.0,
        30.0,
        32.0,
    ]
    assert graded.timed_out and graded.worker is not first_worker  # a fresh worker ran the rest


def test_each_graph_has_its_own_deadline_not_the_batch(session: Callable[..., Session]) -> None:
    # 24 graphs of 0.1 s each (asleep: no CPU, so the watchdog leaves them alone) take
    # 2.4 s together: one deadline for the whole batch at the limit, 2 s, would cut it.
    sleepy = "import time\n" + GOOD_VALUE.replace(
        "    def backward(self):\n", "    def backward(self):\n        time.sleep(0.1)\n"
    )
    graded = session(sleepy)
    outcomes = list(graded.run_many(PROGRAMS[:24], 2.0))
    assert [o.kind for o in outcomes] == [Kind.OK] * 24


def test_stopping_early_leaves_no_answer_behind(session: Callable[..., Session]) -> None:
    graded = session(GOOD_VALUE)
    stream = graded.run_many(PROGRAMS, 10)
    taken = [next(stream) for _ in range(3)]
    assert all(o.kind is Kind.OK for o in taken)
    worker = graded.worker
    assert worker is not None and worker.process is not None
    stream.close()
    # Answers to the graphs still in flight would arrive unasked: that worker is gone,
    # and the next graph runs on a fresh one.
    assert worker.process.poll() is not None
    again = graded.run(PROGRAMS[5], 10)
    assert again.kind is Kind.OK and again.data["c"] == 150.0


def test_an_answer_out_of_turn_in_a_pipeline_is_a_crash(session: Callable[..., Session]) -> None:
    # On the fifth graph the submission writes an answer of its own to the worker's
    # channel, for a request that does not exist: the judge reads it in the fifth's
    # place.  (Unsandboxed: this is the judge's side of the protocol, and the sandbox
    # would stop the write's search for the channel first.)
    forger = GOOD_VALUE.replace(
        "    def backward(self):\n",
        "    def backward(self):\n"
        "        if self.data == 80.0:\n"
        "            import os, sys\n"
        '            os.write(int(sys.argv[2]), b\'{"id": 999, "status": "ok"}\\n\')\n',
    )
    graded = session(forger, sandboxed=False)
    outcomes = list(graded.run_many(PROGRAMS[:8], 10))
    kinds = [o.kind for o in outcomes]
    assert kinds[:4] == [Kind.OK] * 4
    assert kinds[4] is Kind.CRASHED
    assert isinstance(outcomes[4].details, Died)
    assert outcomes[4].details.message == "worker answered out of turn"
    assert len(outcomes) == 8  # the rest ran on a fresh worker
