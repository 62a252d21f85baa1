"""The second stage of the random-graph check: explain why the submission failed.

From the corpus run (``judge.properties.stages``), ``explain`` picks the failing graph
that says most, reruns it (flaky or wrong?), shrinks it (``shrink``), finds the
operation at fault and the phase (``localise``), follows a fault into the op the
diagnosed one is often built from, and looks the numbers up in the classic mistakes
(``recognise``).  The result is an ``Explanation``, which ``judge.properties.check``
turns into the test's verdict, message and details.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from judge.program.model import Program
from judge.properties.localise import Diagnosis, locate, method_line, underlying
from judge.properties.prepare import PreparedProperties
from judge.properties.recognise import Observation, recognise
from judge.properties.rules import fair
from judge.properties.shrink import Attempt, Budget, shrink
from judge.properties.stages import Context, CorpusRun, flaky
from judge.runner.outcome import Kind, Outcome, Raised, TimedOut


@dataclass(frozen=True)
class Explanation:
    """Why the submission failed the corpus: the smallest failing graph found
    (``small``), the operation at fault and the classic mistake if any
    (``diagnosis``), whether the first failing graph answered differently when run
    again (``flaky``), and the submission's line to look at (``line``)."""

    small: Attempt
    diagnosis: Diagnosis | None
    flaky: bool
    line: int | None


def first_failure(failures: Sequence[Attempt]) -> Attempt:
    """The failure that says most.  An op that returned something not a Value first
    (the worker saw it happen, so the cause is certain, and the numbers it led to
    explain nothing); then wrong numbers: they can be matched against the classic
    mistakes; then whatever failed first."""
    return next(
        (
            f
            for f in failures
            if isinstance(f.outcome.details, Raised) and f.outcome.details.returned is not None
        ),
        next((f for f in failures if f.outcome.kind is Kind.OK), failures[0]),
    )


def explain(run: CorpusRun, prepared: PreparedProperties, context: Context) -> Explanation:
    """Explain the corpus run's failures (there must be at least one)."""
    first = first_failure(run.failures)
    tolerance = context.problem.tolerance
    timeout = context.probe_timeout
    unsteady = first.shrinkable and flaky(first.program, first.outcome, first.reference, context)
    small = shrink(
        first, context.runner, tolerance, timeout, Budget(), frozenset(prepared.properties.ops)
    )
    diagnosis = locate(
        small, context.runner, tolerance, timeout, context.source, context.problem.entry
    )
    if diagnosis is not None and small.outcome.kind is Kind.OK:
        deeper = underlying(diagnosis, small, context.runner, tolerance, timeout)
        # The op is built on another, which is wrong alone: the fault is there.
        found = locate(deeper, context.runner, tolerance, timeout) if deeper else None
        if deeper is not None and found is not None:
            diagnosis = with_mistake(found, deeper, prepared, run.answered, context)
        else:
            diagnosis = with_mistake(diagnosis, small, prepared, run.answered, context)
    line = None
    if diagnosis is not None:
        line = method_line(
            diagnosis.op, dict(context.methods), context.source, context.problem.entry
        )
    if isinstance(small.outcome.details, TimedOut) and small.outcome.details.frames:
        line = small.outcome.details.frames[-1].line  # where the watchdog found it running
    return Explanation(small, diagnosis, unsteady, line)


def with_mistake(
    diagnosis: Diagnosis,
    small: Attempt,
    prepared: PreparedProperties,
    answered: Sequence[tuple[int, Outcome]],
    context: Context,
) -> Diagnosis:
    """The diagnosis with the classic mistake's hint, when one explains the numbers
    (unless the localisation established the mistake already, by experiment)."""
    if diagnosis.mistake is not None:
        return diagnosis
    failing = Observation(small.program, small.reference, (small.outcome.data, small.outcome.grad))
    others = [
        Observation(
            prepared.graphs[index].program,
            prepared.graphs[index].reference,
            (outcome.data, outcome.grad),
        )
        for index, outcome in answered
    ]
    tolerance = context.problem.tolerance

    def probe(program: Program) -> Observation | None:
        reference = fair(program)
        if reference is None:
            return None
        outcome = context.runner.run(program, context.probe_timeout)
        if outcome.kind is not Kind.OK:
            return None
        return Observation(program, reference, (outcome.data, outcome.grad))

    mistake = recognise(failing, others, tolerance, probe)
    if mistake is None:
        return diagnosis
    op = mistake.op or diagnosis.op
    phase = mistake.phase if mistake.op is not None else diagnosis.phase
    return dataclasses.replace(diagnosis, op=op, phase=phase, hint=mistake.hint, mistake=mistake.id)
