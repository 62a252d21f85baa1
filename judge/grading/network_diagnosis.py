"""Name the classic mistake behind a failing network case, with its fix.

The case's program is run again, in the judge, on the reference network with each
classic flaw (``judge.engine.network_mistakes``), in the table's order; the first flaw
that reproduces what the student's network gave is the diagnosis:

* the student's run answered: the flawed network's readings are the student's, every
  one, within the problem's tolerance (a reading that is not a number, such as a
  ``None`` gradient, must be described the same way);
* the student's run raised: the flawed network raises the same exception type, with
  the same message for a broken contract (``ContractBroken``, the interpreter's own
  words) and the same missing attribute for an ``AttributeError``.

Only cases that failed are diagnosed, so a passing submission costs nothing.  A flaw
that reproduces the numbers explains them; nothing is guessed from the code.
"""

from __future__ import annotations

import re
from typing import Any

from judge.compare import Tolerance, close_enough
from judge.engine import network
from judge.engine.network_mistakes import FLAWS, MISTAKES, flawed_classes
from judge.program.network import NetworkProgram
from judge.results import Diagnosis
from judge.runner.interpreter import NetworkRun, number, paused_gc
from judge.runner.outcome import Kind, Outcome, Raised

HINT = "This looks like a classic mistake: "  # the graphs' diagnoses open the same way
_ATTRIBUTE = re.compile(r"has no attribute '([^']*)'")

Readings = dict[tuple[str, str], tuple[Any, float]]


def _run(program: NetworkProgram, flaw: str) -> Readings | BaseException:
    """The flawed network's readings on ``program`` ((name, field) -> (number, scale)),
    or the exception it raised."""
    readings: Readings = {}

    def observe(name: str, field: str, node: Any) -> None:
        scale = getattr(node, "scale" if field == "data" else "grad_scale", 0.0)
        readings[name, field] = (number(getattr(node, field)), scale or 0.0)

    wire = program.to_wire()["network"]
    try:
        with paused_gc():
            run = NetworkRun(wire, flawed_classes(flaw), observe, network.inject, network.descend)  # type: ignore[arg-type]
            run.run(wire["steps"])  # type: ignore[index]
    except Exception as error:  # the flawed network is ours; any exception is its answer
        return error
    return readings


def _same_readings(readings: Readings, outcome: Outcome, tolerance: Tolerance) -> bool:
    got = [((n, "data"), v) for n, v in outcome.data.items()]
    got += [((n, "grad"), v) for n, v in outcome.grad.items()]
    if not got:
        return False
    for key, value in got:
        if key not in readings:
            return False
        expected, scale = readings[key]
        numeric = (int, float)
        if type(value) in numeric and type(expected) in numeric:
            if not close_enough(float(value), float(expected), scale, tolerance):
                return False
        elif value != expected:
            return False
    return True


def _same_exception(error: BaseException, raised: Raised) -> bool:
    if type(error).__name__ != raised.type:
        return False
    if raised.type == "ContractBroken":
        return str(error).strip() == raised.message.strip()
    if raised.type == "AttributeError":
        ours, theirs = _ATTRIBUTE.search(str(error)), _ATTRIBUTE.search(raised.message)
        return ours is not None and theirs is not None and ours[1] == theirs[1]
    return True


def diagnose_network(
    program: NetworkProgram, outcome: Outcome, tolerance: Tolerance
) -> Diagnosis | None:
    """The classic mistake that explains a failing network case, or None."""
    raised = outcome.details if isinstance(outcome.details, Raised) else None
    if outcome.kind is not Kind.OK and raised is None:
        return None  # a timeout or a crash: no flaw of ours does that
    for flaw, mistake_id in FLAWS.items():
        answer = _run(program, flaw)
        if isinstance(answer, BaseException):
            explained = raised is not None and _same_exception(answer, raised)
        else:
            explained = raised is None and _same_readings(answer, outcome, tolerance)
        if explained:
            mistake = MISTAKES[mistake_id]
            model = program.model.kind
            return Diagnosis(mistake.where, "forward", model, HINT + mistake.fix, mistake_id)
    return None
