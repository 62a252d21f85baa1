"""Where a graph runs: the submission's worker, or one of our engines in this process.

Property checks only need ``run(program, timeout) -> Outcome``; a grading ``Session``
has it (it runs the submission in its sandboxed worker), and so does ``EngineRunner``,
which runs an engine of our own (the reference, a broken engine) here, for tests and
benchmarks.  ``run_each`` runs many graphs with a runner's ``run_many`` where it has
one (a ``Session`` pipelines them to its worker), else one by one.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any, Protocol

from judge.program.model import Program
from judge.runner.interpreter import answer, paused_gc
from judge.runner.outcome import Kind, Outcome, Raised


class Runner(Protocol):
    """Runs one graph program and reports what came back."""

    def run(self, program: Program | dict[str, Any], timeout: float) -> Outcome: ...


def run_each(
    runner: Runner, programs: Sequence[Program | dict[str, Any]], timeout: float
) -> Generator[Outcome, None, None]:
    """The outcome of each of ``programs``, in order, as ``runner.run`` would give it:
    through the runner's ``run_many`` if it has one (fewer round trips to a worker; no
    CPU times), else one ``run`` at a time.  A caller that stops early closes it."""
    many = getattr(runner, "run_many", None)
    if many is not None:
        yield from many(programs, timeout)
        return
    for program in programs:
        yield runner.run(program, timeout)


class EngineRunner:
    """Runs an engine class of the judge's own as if it were a submission.

    Never use it for a submission: it has no sandbox and no time limit.
    """

    def __init__(self, engine: type) -> None:
        self.engine = engine
        self.runs = 0

    def run(self, program: Program | dict[str, Any], timeout: float) -> Outcome:
        """Build the graph, call backward, read every node (or the ``read`` ones), timed
        in CPU seconds exactly as the worker times a submission (``interpreter.answer``)."""
        self.runs += 1
        wire: dict[str, Any] = program.to_wire() if isinstance(program, Program) else program
        try:
            with paused_gc():
                data, grad, cpu_s = answer(self.engine, wire)
        except Exception as error:
            return Outcome(Kind.RAISED, details=Raised(type(error).__name__, str(error)))
        return Outcome(Kind.OK, data, grad, cpu_s=cpu_s)
