"""The worker's messages, read: untrusted JSON objects become typed values, here only.

The worker runs beside the submission, which can write on its channel too (patch
``json.dumps``, forge a line), so what the judge keeps of a message is decided once,
here: the fields it reads (``*_KEYS``, which ``tests/test_protocol.py`` pins against
what the harness sends), of the types it expects, each text cut to the length the
harness promises to send (``TYPE_NAME_KEEP`` and its kin, ``judge.runner.interpreter``)
and each node's number kept as a number.  A malformed field is dropped, not fatal: a
forged frame must neither crash the judge nor make it hold more than the harness
would send.  Whole lines are bounded before they are parsed (``judge.runner.process``);
what is built here takes a few hundred bytes a node, whatever the line held.

The messages (newline-delimited JSON; ``judge/runner/harness.py`` writes them):

- ``{"sandbox": {...}}``: the layers that hold (read by ``judge.sandbox``);
- ``{"load_error": {...}}`` (``LOAD_ERROR_KEYS``) or ``{"ready": {...}}``
  (``READY_KEYS``);
- per request, ``{"id": n, "status": ..., ...}`` with ``ANSWER_KEYS[status]``;
- ``{"bye": true}`` after ``{"exit": true}``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from judge.program.ops import LEAF, OPS
from judge.results import Returned
from judge.runner.interpreter import (
    CLASSES_KEEP,
    FRAMES_KEEP,
    LINE_KEEP,
    REPR_KEEP,
    TYPE_NAME_KEEP,
)
from judge.runner.outcome import (
    Died,
    Forbidden,
    Frame,
    Kind,
    LoadError,
    LoadErrorKind,
    LoadResult,
    Missing,
    Outcome,
    Raised,
    TimedOut,
)

KEEP_TEXT = 8192  # characters of any longer text the worker sends (its output, a message)
KIND_KEEP = 32  # characters of an op's name as the worker sends it back

# The keys of each message the judge reads (all the harness sends, no more).
_ACCOUNT = frozenset({"type", "message", "frames"})
_LOADING = _ACCOUNT | {"kind", "output"}  # output: what it printed while it loaded
LOAD_ERROR_KEYS: dict[str, frozenset[str]] = {
    "syntax": _LOADING | {"line"},
    "exception": _LOADING,
    "entry": _LOADING | {"classes"},
    "output_limit": _LOADING,
    "forbidden": _LOADING | {"line"},
}
READY_KEYS = frozenset({"methods", "output"})
ANSWER_KEYS: dict[str, frozenset[str]] = {
    "ok": frozenset({"id", "status", "data", "grad", "cpu_s", "output"}),
    "error": _ACCOUNT | {"id", "status", "returned", "output"},
    "missing": frozenset({"id", "status", "ops", "close", "output"}),
    "timeout": frozenset({"id", "status", "frames", "output"}),
    "forbidden": frozenset({"id", "status", "message", "line", "output"}),
    "memory": frozenset({"id", "status", "output"}),
    "output_limit": frozenset({"id", "status", "output"}),
}
# Statuses after which the worker is still there to take the next request.
ALIVE_AFTER = frozenset({Kind.OK, Kind.RAISED, Kind.MISSING})


def text(value: Any, keep: int = KEEP_TEXT) -> str:
    """``value`` as text of at most ``keep`` characters (anything not text: empty)."""
    return value[:keep] if isinstance(value, str) else ""


def line_number(value: Any) -> int | None:
    """A line number the worker sent, if it is one."""
    return value if type(value) is int else None


def frames(value: Any) -> tuple[Frame, ...]:
    """The innermost ``FRAMES_KEEP`` well-formed ``[line, source]`` pairs, cut."""
    return tuple(
        Frame(frame[0], frame[1][:LINE_KEEP])
        for frame in (value if isinstance(value, list) else [])[-FRAMES_KEEP:]
        if isinstance(frame, list)
        and len(frame) == 2
        and type(frame[0]) is int
        and isinstance(frame[1], str)
    )


def raised(account: dict[str, Any]) -> Raised:
    """An exception account (``type``, ``message``, ``frames``; ``returned`` for an op
    whose result was not a node, ``interpreter.WrongReturn``)."""
    returned = account.get("returned")
    kept = None
    if isinstance(returned, dict) and isinstance(returned.get("op"), str):
        kept = Returned(
            text(returned["op"], KIND_KEEP), text(returned.get("what"), TYPE_NAME_KEEP + 40)
        )
    return Raised(
        text(account.get("type"), TYPE_NAME_KEEP),
        text(account.get("message")),
        frames(account.get("frames")),
        kept,
    )


def load_error(account: dict[str, Any]) -> LoadError:
    """Why the submission did not load, from a ``load_error`` message's account.  A
    kind the harness never sends is a crash: the account was forged."""
    kind = account.get("kind")
    known = {member.value: member for member in LoadErrorKind}
    classes = account.get("classes")
    return LoadError(
        known.get(kind, LoadErrorKind.CRASH) if isinstance(kind, str) else LoadErrorKind.CRASH,
        text(account.get("type"), TYPE_NAME_KEEP),
        text(account.get("message")),
        frames(account.get("frames")),
        line_number(account.get("line")),
        tuple(text(name, TYPE_NAME_KEEP) for name in classes[:CLASSES_KEEP])
        if isinstance(classes, list)
        else (),
        text(account.get("output")),
    )


def ready(message: dict[str, Any]) -> LoadResult | None:
    """The loaded submission from a ``ready`` message: the line of each op's method
    (ops the judge knows only).  None if the message is malformed."""
    try:
        methods = {
            k: int(v) for k, v in dict(message.get("methods", {})).items() if k in OPS or k == LEAF
        }
    except (TypeError, ValueError, OverflowError):
        return None
    return LoadResult(None, methods, text(str(message.get("output", ""))))


def kept_number(value: Any) -> float | int | dict[str, str]:
    """A node's ``data`` or ``grad`` as the worker sent it, as the judge keeps it.

    A JSON number stays a number (an int too large for a float becomes an infinity, as
    the harness would have sent it); the harness's description of anything else keeps
    its type name and repr, cut; anything else forged (text, a list, null) is described
    by its JSON type, so the comparison fails it as not a number.
    """
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        if abs(value) < 1 << 1000:
            return value
        return math.inf if value > 0 else -math.inf
    if kind is dict:
        return {
            "type": text(value.get("type"), TYPE_NAME_KEEP) or "object",
            "repr": text(value.get("repr"), REPR_KEEP),
        }
    shown = repr(value[:REPR_KEEP]) if kind is str else repr(value) if kind is bool else ""
    return {"type": kind.__name__, "repr": shown[:REPR_KEEP]}


def kept_values(values: Any, names: Iterable[str]) -> dict[str, Any] | None:
    """The numbers of the nodes ``names`` from a worker's ``data`` or ``grad`` map (see
    ``kept_number``); nodes the judge did not ask for are dropped.  None if ``values``
    is not a map at all."""
    if not isinstance(values, dict):
        return None
    return {name: kept_number(values[name]) for name in names if name in values}


def answer(message: dict[str, Any], read: list[str], stray: str = "") -> Outcome:
    """The outcome of a request from the worker's answer ``message`` (its id already
    checked), keeping the ``read`` nodes' numbers only; ``stray`` is what the worker
    wrote straight to its stdout or stderr meanwhile.  The worker is gone, or must be
    ended, unless the outcome's kind is in ``ALIVE_AFTER``."""
    status = message.get("status")
    output = text(str(message.get("output", ""))) + stray
    if status == "ok":
        data = kept_values(message.get("data"), read)
        grad = kept_values(message.get("grad"), read)
        if data is None or grad is None:
            return Outcome(Kind.CRASHED, details=Died("malformed result"))
        cpu_s = message.get("cpu_s")
        cpu_s = cpu_s if type(cpu_s) is float and 0 <= cpu_s < 1e9 else 0.0
        return Outcome(Kind.OK, data, grad, output=output, cpu_s=cpu_s)
    if status == "error":
        return Outcome(Kind.RAISED, details=raised(message), output=output)
    ops = message.get("ops")
    if (
        status == "missing"
        and isinstance(ops, list)
        and ops
        and all(isinstance(op, str) and op in OPS for op in ops)
    ):
        close = message.get("close")  # did-you-mean: op -> a name the class defines
        kept = {
            op: name[:TYPE_NAME_KEEP]
            for op, name in (close.items() if isinstance(close, dict) else ())
            if op in ops and isinstance(name, str)
        }
        return Outcome(Kind.MISSING, details=Missing(tuple(ops), kept), output=output)
    if status == "forbidden":
        forbidden = Forbidden(text(message.get("message")), line_number(message.get("line")))
        return Outcome(Kind.FORBIDDEN, details=forbidden, output=output)
    if status == "timeout":  # the worker's watchdog: where the program was
        timed_out = TimedOut(frames=frames(message.get("frames")))
        return Outcome(Kind.TIMEOUT, details=timed_out, output=output)
    if status == "memory":
        return Outcome(Kind.MEMORY, output=output)
    if status == "output_limit":
        return Outcome(Kind.CRASHED, details=Died("printed more than 1 MiB"), output=output)
    return Outcome(Kind.CRASHED, details=Died("worker broke protocol"), output=output)
