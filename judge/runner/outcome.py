"""What came back from the worker: typed values, no judgement yet.

The worker's messages are decoded into these in one place, ``judge.runner.protocol``,
which keeps only what the judge reads, of the types it expects and cut to their
lengths; everything after it (grading, the property checks' shrinking and diagnosis)
matches on these types, never on the worker's strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple

from judge.results import Returned  # the report shows it as the worker saw it


class Kind(Enum):
    """How a request ended, as seen from the judge."""

    OK = "ok"  # the program ran; data and grad came back
    RAISED = "raised"  # the submission raised an exception
    MISSING = "missing"  # the class lacks a method the program needs
    TIMEOUT = "timeout"  # over the time limit; the worker was killed
    MEMORY = "memory"  # out of memory
    FORBIDDEN = "forbidden"  # a sandbox tripwire fired
    CRASHED = "crashed"  # the worker died, spoke out of protocol, or flooded its output


class Frame(NamedTuple):
    """A line of the submission on the stack: its number and its text, stripped."""

    line: int
    source: str


@dataclass(frozen=True)
class Raised:
    """An exception the submission raised: its type's name, its message, and its frames
    in the submission's file, innermost last.  ``returned`` when the worker raised it
    for an op that returned something that is not a node (``WrongReturn``): the op
    and the worker's words for what came back."""

    type: str
    message: str = ""
    frames: tuple[Frame, ...] = ()
    returned: Returned | None = None


@dataclass(frozen=True)
class Missing:
    """The ops a program needs that the class does not define, and, for some of them,
    a name the class does define that is a typo or two away (did you mean?)."""

    ops: tuple[str, ...]
    close: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TimedOut:
    """A program that ran out of time.  ``limit_s`` is the limit it had; ``frames``
    where the worker's watchdog found it running (none if the judge had to kill it);
    ``overall`` when the submission's time budget was spent before it could run,
    ``cut`` when it was spent while it ran, ``after_timeout`` when a test before had
    timed out (so its limit was the shorter one)."""

    limit_s: float | None = None
    frames: tuple[Frame, ...] = ()
    overall: bool = False
    cut: bool = False
    after_timeout: bool = False


@dataclass(frozen=True)
class Forbidden:
    """A sandbox tripwire fired: what was attempted, and the submission's line."""

    message: str
    line: int | None = None


@dataclass(frozen=True)
class Died:
    """Why the worker stopped answering (a signal, an exit, a broken protocol)."""

    message: str


Details = Raised | Missing | TimedOut | Forbidden | Died | None

# The details each kind of outcome carries: one place, checked when an outcome is made.
_DETAILS: dict[Kind, tuple[type, ...]] = {
    Kind.OK: (type(None),),
    Kind.RAISED: (Raised,),
    Kind.MISSING: (Missing,),
    Kind.TIMEOUT: (TimedOut,),
    Kind.MEMORY: (Died, type(None)),
    Kind.FORBIDDEN: (Forbidden,),
    Kind.CRASHED: (Died, type(None)),
}


@dataclass(frozen=True)
class Outcome:
    """The result of one program run in the worker.

    ``data`` and ``grad`` map node names to numbers, or to ``{"type", "repr"}`` for
    something that is not a number.  ``details`` says how a request that did not end
    ``OK`` ended, typed by its kind (``_DETAILS``); ``output`` is what the submission
    printed.
    """

    kind: Kind
    data: dict[str, Any] = field(default_factory=dict)
    grad: dict[str, Any] = field(default_factory=dict)
    details: Details = None
    output: str = ""
    cpu_s: float = 0.0  # the worker's CPU time for the whole answer: build, backward, read

    def __post_init__(self) -> None:
        if not isinstance(self.details, _DETAILS[self.kind]):
            raise TypeError(f"a {self.kind.value} outcome with {type(self.details).__name__}")

    @property
    def frames(self) -> tuple[Frame, ...]:
        """The submission's frames the outcome points at: where it raised, or where the
        watchdog found it running; none for the other kinds."""
        if isinstance(self.details, (Raised, TimedOut)):
            return self.details.frames
        return ()


class LoadErrorKind(Enum):
    """Why a submission did not load."""

    SYNTAX = "syntax"  # it does not compile
    EXCEPTION = "exception"  # it raised while it ran
    ENTRY = "entry"  # it defines no entry class
    OUTPUT_LIMIT = "output_limit"  # it printed too much while it ran
    FORBIDDEN = "forbidden"  # a sandbox tripwire fired while it ran
    CRASH = "crash"  # the worker died or broke the protocol (also: a kind it made up)


@dataclass(frozen=True)
class LoadError:
    """Why the submission did not load: ``type``, ``message`` and ``frames`` as for an
    exception; ``line`` the line at fault when the worker names one (a syntax error, a
    tripwire); ``classes`` the classes it defines, when the entry class is missing;
    ``output`` what it printed."""

    kind: LoadErrorKind
    type: str = ""
    message: str = ""
    frames: tuple[Frame, ...] = ()
    line: int | None = None
    classes: tuple[str, ...] = ()
    output: str = ""

    def raised(self) -> Raised:
        """The account of the exception it raised while it ran."""
        return Raised(self.type, self.message, self.frames)


@dataclass(frozen=True)
class LoadResult:
    """How loading the submission went: ``error`` is None when the class was found.

    ``methods`` maps op names to the line in the submission that defines them.
    """

    error: LoadError | None
    methods: dict[str, int] = field(default_factory=dict)
    output: str = ""
