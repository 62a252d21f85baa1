"""The results model: verdicts, test results, the report.

Every layer builds it (grading, property checks, batch) and every writer reads it, so it
sits below all of them and imports nothing of the judge (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

SCHEMA = "judge-report/1"


class Verdict(str, Enum):
    """The outcome of one test."""

    PASSED = "passed"
    FAILED = "failed"  # ran, but some number was wrong
    ERROR = "error"  # the submission raised, or lacks what the test needs
    TIMEOUT = "timeout"
    MEMORY = "memory"
    FORBIDDEN = "forbidden"  # the sandbox caught the submission doing something it may not
    CRASHED = "crashed"  # the worker died or broke the protocol
    FLAKY = "flaky"  # different answers on the same graph from one run to the next


class Status(str, Enum):
    """The outcome of a whole submission."""

    PASSED = "passed"  # full score
    FAILED = "failed"
    ERROR = "error"  # could not be loaded at all


@dataclass(frozen=True)
class Diagnosis:
    """The operation at fault and the phase; ``op`` may also be ``value`` (the
    constructor) or ``backward`` (the backward pass itself).  ``mistake`` is the id
    of a recognised classic mistake (see ``judge.properties.localise``)."""

    op: str
    phase: str  # "forward" or "backward"
    node: str
    hint: str
    mistake: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``diagnosis`` object of ``judge-report/1``."""
        fields: dict[str, Any] = {
            "op": self.op,
            "phase": self.phase,
            "node": self.node,
            "hint": self.hint,
        }
        if self.mistake is not None:
            fields["mistake"] = self.mistake
        return fields

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        """The inverse of ``to_dict``."""
        mistake = data.get("mistake")
        return cls(
            str(data["op"]),
            str(data["phase"]),
            str(data["node"]),
            str(data["hint"]),
            None if mistake is None else str(mistake),
        )


@dataclass(frozen=True)
class Counterexample:
    """A failing graph as a runnable snippet (``code``, what differs in its comments)
    and its size; ``expected`` and ``got`` by ``node.field`` (or what happened instead,
    ``got["exception"]``...), when there are numbers to show."""

    code: str
    nodes: int
    expected: dict[str, Any] | None = None
    got: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``counterexample`` object of ``judge-report/1``."""
        fields: dict[str, Any] = {"code": self.code, "nodes": self.nodes}
        if self.expected is not None:
            fields["expected"] = self.expected
        if self.got is not None:
            fields["got"] = self.got
        return fields

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counterexample:
        """The inverse of ``to_dict``."""
        expected, got = data.get("expected"), data.get("got")
        return cls(
            str(data["code"]),
            int(data["nodes"]),
            None if expected is None else dict(expected),
            None if got is None else dict(got),
        )


@dataclass(frozen=True)
class Returned:
    """An operation that returned something that is not a new Value: the op's name and
    what it returned, in words (``None``, ``a plain number``...)."""

    op: str
    what: str

    def to_dict(self) -> dict[str, Any]:
        """The ``returned`` object of ``judge-report/1``."""
        return {"op": self.op, "what": self.what}


@dataclass(frozen=True, kw_only=True)
class TestResult:
    """One test's verdict and what a student needs to act on it.

    ``topic`` is what the test checks, in the spec's words: all a student is told of a
    hidden test besides its verdict (see ``judge.report.audience``).  The optional
    fields are written into the JSON only when set, in this order: ``line`` (and the
    notebook ``cell``) where to look in the submission, the ``seed`` of random graphs,
    how many ``graphs`` ran and ``failed_graphs`` failed, the smallest
    ``counterexample``, its ``diagnosis``, the op that ``returned`` a wrong kind of
    thing, the ops ``missing`` from the class, and a stress check's ``timing`` (CPU
    seconds and growth, by name, written as keys of the test).
    """

    name: str
    kind: str  # "case", "property", "stress"
    status: Verdict
    score: float
    max_score: float
    hidden: bool
    message: str = ""
    output: str = ""
    topic: str = ""
    line: int | None = None
    cell: int | None = None
    seed: int | None = None
    graphs: int | None = None
    failed_graphs: int | None = None
    counterexample: Counterexample | None = None
    diagnosis: Diagnosis | None = None
    returned: Returned | None = None
    missing: tuple[str, ...] | None = None
    timing: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status is Verdict.PASSED

    def optional_fields(self) -> dict[str, Any]:
        """The optional fields that are set, as ``judge-report/1`` writes them."""
        fields: dict[str, Any] = {}
        for key in ("line", "cell", "seed", "graphs", "failed_graphs"):
            value = getattr(self, key)
            if value is not None:
                fields[key] = value
        for key in ("counterexample", "diagnosis", "returned"):
            value = getattr(self, key)
            if value is not None:
                fields[key] = value.to_dict()
        if self.missing is not None:
            fields["missing"] = list(self.missing)
        return {**fields, **self.timing}

    def to_dict(self) -> dict[str, Any]:
        """This test's entry in the ``judge-report/1`` contract."""
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status.value,
            "score": self.score,
            "max_score": self.max_score,
            "hidden": self.hidden,
            "message": self.message,
            "output": self.output,
            **({"topic": self.topic} if self.topic else {}),
            **self.optional_fields(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        """The inverse of ``to_dict``: a number under any other key is a timing.

        Raises ``KeyError``, ``ValueError`` or ``TypeError`` on a malformed entry.
        """

        def number(key: str) -> int | None:
            value = data.get(key)
            return None if value is None else int(value)

        def typed(key: str, read: Callable[[dict[str, Any]], Any]) -> Any:
            value = data.get(key)
            return None if value is None else read(dict(value))

        missing = data.get("missing")
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            status=Verdict(data["status"]),
            score=float(data["score"]),
            max_score=float(data["max_score"]),
            hidden=bool(data["hidden"]),
            message=str(data.get("message", "")),
            output=str(data.get("output", "")),
            topic=str(data.get("topic", "")),
            line=number("line"),
            cell=number("cell"),
            seed=number("seed"),
            graphs=number("graphs"),
            failed_graphs=number("failed_graphs"),
            counterexample=typed("counterexample", Counterexample.from_dict),
            diagnosis=typed("diagnosis", Diagnosis.from_dict),
            returned=typed("returned", lambda d: Returned(str(d["op"]), str(d["what"]))),
            missing=None if missing is None else tuple(str(op) for op in missing),
            timing={
                key: value
                for key, value in data.items()
                if key not in _TEST_KEYS
                and isinstance(value, (int, float))
                and not isinstance(value, bool)
            },
        )


@dataclass(frozen=True)
class Report:
    """The grading of one submission against one problem."""

    submission: str
    problem: str
    status: Status
    score: float
    max_score: float
    duration_s: float
    tests: tuple[TestResult, ...]
    message: str = ""  # why the run is an error, when it is one
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The inverse of ``to_dict``: keys outside the contract's core go to ``extra``.

        Raises ``KeyError``, ``ValueError`` or ``TypeError`` on a malformed dict.
        """
        if data.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} report: schema {data.get('schema')!r}")
        return cls(
            str(data["submission"]),
            str(data["problem"]),
            Status(data["status"]),
            float(data["score"]),
            float(data["max_score"]),
            float(data["duration_s"]),
            tuple(TestResult.from_dict(t) for t in data["tests"]),
            str(data.get("message", "")),
            {k: v for k, v in data.items() if k not in _REPORT_KEYS},
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``judge-report/1`` JSON contract."""
        return {
            "schema": SCHEMA,
            "submission": self.submission,
            "problem": self.problem,
            "status": self.status.value,
            "score": self.score,
            "max_score": self.max_score,
            "duration_s": round(self.duration_s, 4),
            **({"message": self.message} if self.message else {}),
            **self.extra,
            "tests": [test.to_dict() for test in self.tests],
        }


_REPORT_KEYS = frozenset(
    {"schema", "submission", "problem", "status", "score", "max_score", "duration_s"}
    | {"message", "tests"}
)
_TEST_KEYS = frozenset(
    {"name", "kind", "status", "score", "max_score", "hidden", "message", "output", "topic"}
    | {"line", "cell", "seed", "graphs", "failed_graphs", "counterexample", "diagnosis"}
    | {"returned", "missing"}
)


def summarize(
    submission: str,
    problem: str,
    tests: list[TestResult],
    max_score: float,
    duration_s: float,
    extra: dict[str, Any] | None = None,
) -> Report:
    """A report whose status follows from its tests: passed only at full score."""
    score = round(sum(t.score for t in tests), 6)
    status = (
        Status.PASSED
        if score >= max_score and all(t.passed or t.max_score == 0 for t in tests)
        else Status.FAILED
    )
    return Report(
        submission, problem, status, score, max_score, duration_s, tuple(tests), extra=extra or {}
    )
