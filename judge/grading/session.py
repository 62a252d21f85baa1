"""A grading session: one submission's worker, restarted whenever a test kills it."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judge.program.model import Program
from judge.runner import cputime, warm
from judge.runner.outcome import Died, Kind, LoadResult, Outcome, TimedOut
from judge.runner.process import WorkerProcess
from judge.sandbox import Sandbox
from judge.sandbox import plan as sandbox_plan

if TYPE_CHECKING:
    from judge.spec.model import Problem

# Limits the harness applies to itself before the submission loads (see harness.lockdown).
DEFAULT_LIMITS = {
    "RLIMIT_AS": 2 << 30,  # bytes of address space: enough for a 100,000-node graph
    "RLIMIT_FSIZE": 0,  # no file may grow
    "RLIMIT_CORE": 0,  # no core dumps
}

# After a test times out, each later one gets at most this long: a submission that hangs
# once (backward() never returns) would hang again on every test, and must not cost a
# full limit per test.  The allowance grows with the graph: a correct engine answers in
# 2 to 4 microseconds of CPU a node (a few ms for a case, 0.4 s for 100,000 nodes), so
# this leaves it ten times that on a busy machine.  Not below 0.5 s: the worker's
# watchdog answers 5 % before the limit, and that must hold one of its 20 ms ticks for a
# timeout to say which line was running.
AFTER_TIMEOUT_S = 0.5
AFTER_TIMEOUT_PER_NODE_S = 50e-6


def _kernel_cpu(outcome: Outcome, before: float | None, after: float | None) -> Outcome:
    """``outcome`` with the CPU time the kernel saw the worker use for it (see
    ``judge.runner.cputime``), which is the measure wherever the kernel can tell: the
    worker's own figure is the submission's to forge, up (a quadratic engine claiming
    1 s for every answer makes its growth look flat) as well as down.  It counts the
    whole request: reading it, the answer (build, backward, reading back) and writing
    the answer, so the reference is timed the same way (``stress.reference_seconds``).
    Where the kernel cannot tell (not Linux), the worker's figure stands."""
    if before is None or after is None:
        return outcome
    return dataclasses.replace(outcome, cpu_s=max(after - before, 0.0))


# A worker's start is mostly the judge's own (an interpreter, the sandbox's layers): on
# a loaded machine it can take longer than a short test limit, and a correct submission
# must not fail to load for it.  A submission that hangs as it loads costs this much at
# most, and the budget bounds the rest.
START_FLOOR_S = 2.0


def sandbox_for(problem: Problem, level: str) -> Sandbox:
    """The sandbox a submission of ``problem`` is graded in at ``level`` (auto, strict
    or basic), with the problem's imports allowed and forbidden; ``UsageError`` for an
    unknown level."""
    return sandbox_plan(level, problem.imports, problem.forbid_imports)


@contextlib.contextmanager
def worker_booting(problem: Problem, level: str) -> Iterator[None]:
    """Start the worker of the next submission of ``problem`` now (``warm.prestart``),
    and kill it at the end of the block if no session took it (an error, Ctrl-C).

    For a process that grades one submission (``judge run``): the worker's start
    (bubblewrap, an interpreter, the harness: ~40 ms) then overlaps the rest of the
    judge's own start (its imports, the plan) instead of following it.  Isolation is
    the warm workers' (``judge.runner.warm``): nothing of the submission exists for
    the worker, and no sandbox layer is applied, before a session takes it.
    """
    warm.prestart(sandbox_for(problem, level))
    try:
        yield
    finally:
        warm.discard()


def after_timeout_limit(nodes: int) -> float:
    """The most a graph of ``nodes`` nodes may take once the submission has timed out."""
    return AFTER_TIMEOUT_S + AFTER_TIMEOUT_PER_NODE_S * nodes


class Session:
    """Runs programs for one submission, starting a fresh worker after a fatal outcome.

    ``content`` is the submission's bytes, read once (see ``judge.files.read_submission``);
    every worker gets a copy of them, never of what ``submission`` names by then.
    ``deadline`` is the monotonic time after which no more programs are started (the
    end of the submission's time budget); ``budget_spent`` turns True once a program
    could not run, or was cut short, because of it.  After a program times out, later
    ones get at most ``after_timeout_limit`` (``timed_out`` turns True).
    ``sandbox`` locks the workers down (see ``judge.sandbox``); ``layers`` lists the
    layers that held for the first one.  ``clean_exit`` turns False if a worker did
    not end the protocol properly when closed.
    """

    def __init__(
        self,
        submission: Path,
        entry: str,
        config: dict[str, Any],
        deadline: float,
        sandbox: Sandbox | None = None,
        content: bytes | None = None,
    ):
        self.submission = submission
        self.content = content
        self.config = {"entry": entry, "limits": DEFAULT_LIMITS, **config}
        self.deadline = deadline
        self.sandbox = sandbox
        self.worker: WorkerProcess | None = None
        self.load: LoadResult | None = None
        self.layers: list[str] = []
        self.clean_exit = True
        self.budget_spent = False
        self.timed_out = False
        self.worker_pids: list[int] = []  # the worker's processes, for cputime

    def start(self, timeout: float) -> LoadResult:
        """Start a worker and load the submission (kept for later ``run`` calls).

        Raises ``SandboxError`` if the sandbox's level cannot be met on this machine.
        """
        config = self.config
        if self.sandbox is not None and math.isfinite(self.deadline):
            # CPU seconds for the time left: a backstop behind the wall-clock timers.
            cpu = math.ceil(max(self.deadline - time.monotonic(), 0)) + 1
            config = {**config, "limits": {**config["limits"], "RLIMIT_CPU": cpu}}
        self.worker = warm.worker(self.submission, config, self.sandbox, self.content)
        self.load = self.worker.start(max(timeout, START_FLOOR_S))
        self.sandbox = self.worker.sandbox  # without bwrap, if it turned out broken
        self.layers = self.layers or self.worker.layers
        if self.load.error is not None:
            self.worker = None
        elif self.worker.process is not None:
            self.worker_pids = cputime.process_tree(self.worker.process.pid)
        return self.load

    @property
    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline

    def run(self, program: Program | dict[str, Any], timeout: float) -> Outcome:
        """Run one program, within ``timeout`` (less after a timeout) and the session's
        deadline; an answer's ``cpu_s`` is the kernel's reading where it can tell."""
        if self.out_of_time:
            self.budget_spent = True
            return Outcome(Kind.TIMEOUT, details=TimedOut(overall=True))
        if self.worker is None or not self.worker.alive:
            load = self.start(timeout)
            if load.error is not None:
                return Outcome(Kind.CRASHED, details=Died("the worker failed to restart"))
        assert self.worker is not None
        wire: dict[str, Any] = program.to_wire() if isinstance(program, Program) else program
        limit = self._limit(wire, timeout)
        left = self.deadline - time.monotonic()
        before = cputime.cpu_seconds(self.worker_pids)
        outcome = self.worker.request(wire, max(min(limit, left), 0.05))
        if outcome.kind is Kind.OK:
            outcome = _kernel_cpu(outcome, before, cputime.cpu_seconds(self.worker_pids))
        return self._settled(outcome, left < limit)

    def run_many(
        self, programs: Sequence[Program | dict[str, Any]], timeout: float
    ) -> Generator[Outcome, None, None]:
        """Run ``programs`` as ``run`` runs each, yielding their outcomes in order, but
        pipelined (``WorkerProcess.request_many``): a few writes instead of a round trip
        per program.  Each keeps its own limit; after one that stops the worker (a
        timeout, a crash) the rest still run, on a fresh worker, as ``run`` would run
        them.  The outcomes carry no CPU time: time a program with ``run``.  A caller
        may stop early; the worker is then killed (answers to the requests it was sent
        would still come) and the next ``run`` starts another."""
        wires = [p.to_wire() if isinstance(p, Program) else p for p in programs]
        done = 0
        while done < len(wires):
            if self.out_of_time or self.worker is None or not self.worker.alive:
                # The budget is spent, or the worker must be (re)started: as ``run``.
                yield self.run(wires[done], timeout)
                done += 1
                continue
            rest = wires[done:]
            limits = [self._limit(wire, timeout) for wire in rest]
            pipeline = self.worker.request_many(rest, limits, self.deadline)
            try:
                for outcome, cut in pipeline:
                    done += 1
                    yield self._settled(outcome, cut)
            finally:
                pipeline.close()  # kills the worker if its answers are left unread
                if self.worker is not None and not self.worker.alive:
                    self.worker = None

    def _limit(self, wire: dict[str, Any], timeout: float) -> float:
        """A program's time limit: ``timeout``, less once a program has timed out."""
        if self.timed_out:
            return min(timeout, after_timeout_limit(len(wire["ops"])))
        return timeout

    def _settled(self, outcome: Outcome, cut: bool) -> Outcome:
        """Note what ``outcome`` means for the session (a worker gone, a timeout, the
        budget spent, ``cut`` saying it ran into the deadline) and mark it so."""
        if self.worker is not None and not self.worker.alive:
            self.worker = None
        if isinstance(outcome.details, TimedOut):
            details = dataclasses.replace(outcome.details, after_timeout=self.timed_out)
            if cut:
                self.budget_spent = True
                details = dataclasses.replace(details, cut=True)
            self.timed_out = True
            outcome = dataclasses.replace(outcome, details=details)
        return outcome

    def close(self) -> None:
        if self.worker is not None:
            self.clean_exit = self.worker.close() and self.clean_exit
            self.worker = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None and self.worker is not None:
            # Interrupted (Ctrl-C) or failed: no goodbye, which could take a second.
            self.worker.kill()
            self.worker = None
        self.close()
