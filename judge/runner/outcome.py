"""What came back from the worker for one request: plain values, no judgement yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


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
    backward_s: float = 0.0


@dataclass(frozen=True)
class LoadResult:
    """How loading the submission went: ``error`` is None when the class was found.

    ``methods`` maps op names to the line in the submission that defines them.
    """

    error: dict[str, Any] | None
    methods: dict[str, int] = field(default_factory=dict)
    output: str = ""
