"""What came back from the worker for one request: plain values, no judgement yet.

The worker's answers are the submission's to write (it can forge them), so what the
judge keeps of them is decided here, once: the fields it reads, of the types it
expects, each text cut to the length the harness promises to send (``TYPE_NAME_KEEP``
and its kin) and each node's number kept as a number, so that no answer costs the judge
more than a few hundred bytes a node, whatever the submission sent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from judge.runner.interpreter import (
    CLASSES_KEEP,
    FRAMES_KEEP,
    LINE_KEEP,
    REPR_KEEP,
    TYPE_NAME_KEEP,
)

KEEP_TEXT = 8192  # characters of any longer text the worker sends (its output, a message)
KIND_KEEP = 32  # characters of an error account's kind ("syntax", "entry", ...)


class Kind(Enum):
    """How a request ended, as seen from the judge."""

    OK = "ok"  # the program ran; data and grad came back
    RAISED = "raised"  # the submission raised an exception
    MISSING = "missing"  # the class lacks a method the program needs
    TIMEOUT = "timeout"  # over the time limit; the worker was killed
    MEMORY = "memory"  # out of memory
    FORBIDDEN = "forbidden"  # a sandbox tripwire fired
    CRASHED = "crashed"  # the worker died, spoke out of protocol, or flooded its output


@dataclass(frozen=True)
class Outcome:
    """The result of one program run in the worker.

    ``data`` and ``grad`` map node names to numbers, or to ``{"type", "repr"}`` for
    something that is not a number.  ``details`` holds the exception or crash account
    (type, message, submission frames, signal), ``output`` what the submission printed.
    """

    kind: Kind
    data: dict[str, Any] = field(default_factory=dict)
    grad: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    output: str = ""
    cpu_s: float = 0.0  # the worker's CPU time for the whole answer: build, backward, read


@dataclass(frozen=True)
class LoadResult:
    """How loading the submission went: ``error`` is None when the class was found.

    ``methods`` maps op names to the line in the submission that defines them.
    """

    error: dict[str, Any] | None
    methods: dict[str, int] = field(default_factory=dict)
    output: str = ""


def _text(value: Any, keep: int) -> str:
    """``value`` as text of at most ``keep`` characters (anything not text: empty)."""
    return value[:keep] if isinstance(value, str) else ""


def well_formed(error: dict[str, Any]) -> dict[str, Any]:
    """An error account from the worker with only the fields the judge reads, each of
    the type it expects and cut to its length: the channel is the submission's to
    write on too, and a forged account must neither crash the judge (a malformed frame,
    a line that is text) nor make it hold more than the harness would send."""
    clean: dict[str, Any] = {
        "kind": _text(error.get("kind"), KIND_KEEP),
        "type": _text(error.get("type"), TYPE_NAME_KEEP),
        "message": _text(error.get("message"), KEEP_TEXT),
        "output": _text(error.get("output"), KEEP_TEXT),
    }
    frames = error.get("frames")
    clean["frames"] = [
        [frame[0], frame[1][:LINE_KEEP]]
        for frame in (frames if isinstance(frames, list) else [])[-FRAMES_KEEP:]
        if isinstance(frame, list)
        and len(frame) == 2
        and type(frame[0]) is int
        and isinstance(frame[1], str)
    ]
    if type(error.get("line")) is int:
        clean["line"] = error["line"]
    classes = error.get("classes")
    if isinstance(classes, list):
        clean["classes"] = [_text(name, TYPE_NAME_KEEP) for name in classes[:CLASSES_KEEP]]
    returned = error.get("returned")
    if isinstance(returned, dict) and isinstance(returned.get("op"), str):
        # An op whose result was not a new node (harness.WrongReturn): its name and
        # the harness's words for what came back.
        clean["returned"] = {
            "op": _text(returned["op"], KIND_KEEP),
            "what": _text(returned.get("what"), TYPE_NAME_KEEP + 40),
        }
    return clean


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
            "type": _text(value.get("type"), TYPE_NAME_KEEP) or "object",
            "repr": _text(value.get("repr"), REPR_KEEP),
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
