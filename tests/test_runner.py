"""The worker process: protocol, captured output, limits, and what it sends back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from judge.program.compile import compile_program
from judge.runner.outcome import Died, Kind, Missing, Raised
from judge.runner.process import WorkerProcess
from tests.samples import GOOD_VALUE

CONFIG = {"entry": "Value", "limits": {"RLIMIT_CORE": 0}}
PROGRAM = compile_program("a = Value(2.0)\nb = a * a + 1\nb.backward()").to_wire()


@pytest.fixture
def start(tmp_path: Path) -> Callable[..., WorkerProcess]:
    workers: list[WorkerProcess] = []

    def starter(source: str) -> WorkerProcess:
        path = tmp_path / f"sub{len(workers)}.py"
        path.write_text(source, encoding="utf-8")
        worker = WorkerProcess(path, CONFIG)
        workers.append(worker)
        return worker

    yield starter
    for worker in workers:
        worker.kill()


def test_runs_programs_and_reads_every_node(start: Callable[..., WorkerProcess]) -> None:
    worker = start(GOOD_VALUE)
    load = worker.start(timeout=10)
    assert load.error is None
    assert set(load.methods) >= {"value", "add", "mul", "relu"}
    outcome = worker.request(PROGRAM, timeout=10)
    assert outcome.kind is Kind.OK
    assert outcome.data == {"a": 2.0, "_1": 4.0, "b": 5.0}
    assert outcome.grad["a"] == 4.0
    # The same worker serves the next request.
    assert worker.request(PROGRAM, timeout=10).kind is Kind.OK
    worker.close()
    assert not worker.alive


def test_prints_are_captured_per_test_and_cut(start: Callable[..., WorkerProcess]) -> None:
    source = GOOD_VALUE.replace(
        "    def backward(self):\n", "    def backward(self):\n        print('x' * 10000)\n"
    )
    worker = start(source)
    worker.start(timeout=10)
    outcome = worker.request(PROGRAM, timeout=10)
    assert outcome.kind is Kind.OK
    assert outcome.output.startswith("x" * 4096)
    assert "more characters cut" in outcome.output


def test_exception_reports_type_and_submission_lines(start: Callable[..., WorkerProcess]) -> None:
    source = GOOD_VALUE.replace("self.grad = 1.0", "self.grad = 1 / 0")
    worker = start(source)
    worker.start(timeout=10)
    outcome = worker.request(PROGRAM, timeout=10)
    assert outcome.kind is Kind.RAISED
    assert isinstance(outcome.details, Raised)
    assert outcome.details.type == "ZeroDivisionError"
    line, text = outcome.details.frames[-1]
    assert text == "self.grad = 1 / 0"
    assert GOOD_VALUE.splitlines()[line - 1].strip() == "self.grad = 1.0"
    assert worker.alive  # an exception does not cost the worker


def test_missing_method_is_reported_not_crashed(start: Callable[..., WorkerProcess]) -> None:
    worker = start(GOOD_VALUE)
    worker.start(timeout=10)
    outcome = worker.request(compile_program("a = Value(1)\nb = a.tanh()").to_wire(), 10)
    assert outcome.kind is Kind.MISSING
    assert outcome.details == Missing(("tanh",), {})


def test_endless_loop_times_out_and_is_killed(start: Callable[..., WorkerProcess]) -> None:
    worker = start(GOOD_VALUE.replace("self.grad = 1.0", "while True: pass"))
    worker.start(timeout=10)
    outcome = worker.request(PROGRAM, timeout=0.5)
    assert outcome.kind is Kind.TIMEOUT
    assert not worker.alive


def test_exit_during_a_request_is_a_crash(start: Callable[..., WorkerProcess]) -> None:
    worker = start("import os\n" + GOOD_VALUE.replace("self.grad = 1.0", "os._exit(0)"))
    worker.start(timeout=10)
    outcome = worker.request(PROGRAM, timeout=5)
    assert outcome.kind is Kind.CRASHED
    assert isinstance(outcome.details, Died)
    assert "exited" in outcome.details.message


def test_forged_result_lines_on_stdout_do_not_count(start: Callable[..., WorkerProcess]) -> None:
    forged = '{"id": 1, "status": "ok", "data": {}, "grad": {}}'
    source = GOOD_VALUE.replace(
        "self.grad = 1.0", f"import sys; sys.__stdout__.write({forged!r} + '\\n'); 1/0"
    )
    worker = start(source)
    worker.start(timeout=10)
    outcome = worker.request(PROGRAM, timeout=5)
    assert outcome.kind is Kind.RAISED


@pytest.mark.parametrize(
    ("source", "kind", "words"),
    [
        ("class Value(:\n    pass\n", "syntax", "invalid syntax"),
        ("class Other:\n    pass\n", "entry", "no class named 'Value'"),
        ("raise RuntimeError('boom')\n", "exception", "boom"),
        ("import sys\nsys.exit(0)\n", "exception", ""),
    ],
)
def test_load_errors(
    start: Callable[..., WorkerProcess], source: str, kind: str, words: str
) -> None:
    load = start(source).start(timeout=10)
    assert load.error is not None
    assert load.error.kind.value == kind
    assert words in load.error.message


def test_non_numbers_are_described(start: Callable[..., WorkerProcess]) -> None:
    source = GOOD_VALUE.replace("self.grad = 0.0", "self.grad = complex(0, 1)")
    worker = start(source)
    worker.start(timeout=10)
    outcome = worker.request(compile_program("a = Value(1)").to_wire(), 10)
    assert outcome.grad["a"] == {"type": "complex", "repr": "1j"}
