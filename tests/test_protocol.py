"""The worker protocol's contract: what the harness sends is what the judge reads.

The harness (``judge/runner/harness.py``) writes the messages; ``judge.runner.protocol``
reads them into typed values and declares the keys it reads.  Here the harness's own
code writes every kind of message, in this process (a ``Worker`` serving requests from
a string, its lockdown stubbed, its last words caught before it would end the process),
and each message must carry exactly the keys the protocol declares for it and decode
into the typed value with nothing lost.  A key added on one side and not the other
fails here, not as a message the judge silently drops.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from judge.program.compile import compile_program
from judge.results import Returned
from judge.runner import harness, protocol
from judge.runner.outcome import (
    Died,
    Forbidden,
    Frame,
    Kind,
    LoadErrorKind,
    Missing,
    Raised,
    TimedOut,
)
from tests.samples import GOOD_VALUE

PROGRAM = compile_program("a = Value(2.0)\nb = a * a\nb.backward()").to_wire()
TANH = compile_program("a = Value(1.0)\nb = a.tanh()").to_wire()


class _Lockdown:
    """The sandbox's worker side, doing nothing: no limit, no layer, in this process."""

    @staticmethod
    def limit(limits: dict[str, int]) -> list[str]:
        return []


class Ended(Exception):
    """The worker would have ended its process here (``os._exit``)."""


@pytest.fixture(autouse=True)
def _in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(harness, "load_lockdown", lambda: _Lockdown)
    monkeypatch.delitem(sys.modules, "submission", raising=False)
    yield
    sys.modules.pop("submission", None)


def serve(tmp_path: Path, source: str, *programs: dict[str, Any]) -> list[dict[str, Any]]:
    """Every message the harness sends for ``source`` and ``programs``, then exit."""
    path = tmp_path / "submission.py"
    path.write_text(source, encoding="utf-8")
    lines = [{"submission": str(path), "entry": "Value"}]
    lines += [{"id": i, "program": p} for i, p in enumerate(programs, 1)]
    lines.append({"exit": True})
    requests = iter([json.dumps(line) + "\n" for line in lines])
    with open(tmp_path / "responses", "w+", encoding="utf-8") as responses:
        harness.Worker(_Requests(requests), responses).serve()
        responses.seek(0)
        return [json.loads(line) for line in responses]


class _Requests:
    """The request pipe: ``readline`` for the configuration, then iteration."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines

    def readline(self) -> str:
        return next(self.lines)

    def __iter__(self) -> Iterator[str]:
        return self.lines


class _NoPipe:
    """A response pipe never written to: last words go through ``_write``."""

    def fileno(self) -> int:
        return -1


def last_words(tmp_path: Path, call: str, request_id: int | None) -> dict[str, Any]:
    """The message a worker writes as it ends the process: ``forbidden`` (a tripwire) or
    ``timed_out`` (the watchdog), at line 3 of a submission."""
    path = tmp_path / "submission.py"
    path.write_text("x = 1\ny = 2\nwhile True: pass\n", encoding="utf-8")
    worker = harness.Worker(None, _NoPipe())
    worker.path = str(path)
    worker.request_id = request_id
    written: list[bytes] = []

    def write(fd: int, data: bytes) -> int:
        written.append(data)
        return len(data)

    def end(code: int) -> Any:
        raise Ended

    with pytest.raises(Ended):
        if call == "forbidden":
            worker.forbidden("tried to open /etc/passwd", 3, _write=write, _exit=end)
        else:
            frame = type(
                "F",
                (),
                {
                    "f_code": type("C", (), {"co_filename": str(path)}),
                    "f_lineno": 3,
                    "f_back": None,
                },
            )
            worker.timed_out(request_id or 0, frame, _write=write, _exit=end)
    return dict(json.loads(b"".join(written)))


def load_error_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    assert "sandbox" in messages[0]
    assert len(messages) == 2, messages
    return dict(messages[1]["load_error"])


# -- loading ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("class Value(:\n", LoadErrorKind.SYNTAX),
        ("raise RuntimeError('boom')\n", LoadErrorKind.EXCEPTION),
        ("class Other:\n    pass\n", LoadErrorKind.ENTRY),
        ("print('x' * (1 << 21))\n", LoadErrorKind.OUTPUT_LIMIT),
    ],
)
def test_a_load_error_has_the_keys_the_protocol_reads(
    tmp_path: Path, source: str, kind: LoadErrorKind
) -> None:
    account = load_error_of(serve(tmp_path, source))
    assert set(account) == protocol.LOAD_ERROR_KEYS[kind.value]
    error = protocol.load_error(account)
    assert error.kind is kind
    assert (error.type, error.message) == (account["type"], account["message"])
    assert error.frames == tuple(Frame(*frame) for frame in account["frames"])
    assert error.line == account.get("line")
    assert error.classes == tuple(account.get("classes", ()))
    assert error.output == account["output"]


def test_a_forbidden_load_has_the_keys_the_protocol_reads(tmp_path: Path) -> None:
    account = last_words(tmp_path, "forbidden", None)["load_error"]
    assert set(account) == protocol.LOAD_ERROR_KEYS["forbidden"]
    error = protocol.load_error(account)
    assert error.kind is LoadErrorKind.FORBIDDEN
    assert error.line == 3
    assert error.message.startswith("tried to open /etc/passwd\n  at line 3 of your file")


def test_every_kind_of_load_error_is_pinned() -> None:
    assert set(protocol.LOAD_ERROR_KEYS) == {k.value for k in LoadErrorKind} - {"crash"}


def test_ready_has_the_keys_the_protocol_reads(tmp_path: Path) -> None:
    messages = serve(tmp_path, GOOD_VALUE)
    assert set(messages[1]) == {"ready"}
    assert set(messages[1]["ready"]) == protocol.READY_KEYS
    loaded = protocol.ready(messages[1]["ready"])
    assert loaded is not None and loaded.error is None
    assert loaded.methods == messages[1]["ready"]["methods"]
    assert messages[-1] == {"bye": True}


# -- answers ---------------------------------------------------------------------------
def answers(tmp_path: Path, source: str, *programs: dict[str, Any]) -> list[dict[str, Any]]:
    messages = serve(tmp_path, source, *programs)
    assert "ready" in messages[1], messages[1]
    assert messages[-1] == {"bye": True}
    return messages[2:-1]


def test_an_answer_has_the_keys_the_protocol_reads(tmp_path: Path) -> None:
    ok, missing = answers(tmp_path, GOOD_VALUE, PROGRAM, TANH)
    assert set(ok) == protocol.ANSWER_KEYS["ok"]
    outcome = protocol.answer(ok, ["a", "b"])
    assert (outcome.kind, outcome.data, outcome.grad) == (Kind.OK, ok["data"], ok["grad"])
    assert outcome.cpu_s == ok["cpu_s"]
    assert set(missing) == protocol.ANSWER_KEYS["missing"]
    assert protocol.answer(missing, []).details == Missing(("tanh",), {})


def test_an_exception_and_a_wrong_return_have_the_keys_the_protocol_reads(
    tmp_path: Path,
) -> None:
    raising = GOOD_VALUE.replace("self.grad = 1.0", "self.grad = 1 / 0")
    (error,) = answers(tmp_path, raising, PROGRAM)
    assert set(error) == protocol.ANSWER_KEYS["error"] - {"returned"}
    details = protocol.answer(error, []).details
    assert isinstance(details, Raised)
    assert (details.type, details.message) == ("ZeroDivisionError", "division by zero")
    assert details.frames == tuple(Frame(*frame) for frame in error["frames"])
    assert details.frames[-1].source == "self.grad = 1 / 0"

    wrong = GOOD_VALUE.replace("        return out\n", "        out\n", 1)
    assert wrong != GOOD_VALUE
    (returned,) = answers(tmp_path, wrong, compile_program("a = Value(1.0)\nb = a + a").to_wire())
    assert set(returned) == protocol.ANSWER_KEYS["error"]
    details = protocol.answer(returned, []).details
    assert isinstance(details, Raised)
    assert details.returned == Returned(returned["returned"]["op"], "None")


@pytest.mark.parametrize(
    ("line", "status"),
    [("raise MemoryError", "memory"), ("print('x' * (1 << 21))", "output_limit")],
)
def test_the_worker_s_other_endings_have_the_keys_the_protocol_reads(
    tmp_path: Path, line: str, status: str
) -> None:
    source = GOOD_VALUE.replace("self.grad = 1.0", line)
    (answer,) = answers(tmp_path, source, PROGRAM)
    assert answer["status"] == status
    assert set(answer) == protocol.ANSWER_KEYS[status]
    kind = protocol.answer(answer, []).kind
    assert kind is (Kind.MEMORY if status == "memory" else Kind.CRASHED)


def test_a_tripwire_and_the_watchdog_have_the_keys_the_protocol_reads(tmp_path: Path) -> None:
    forbidden = last_words(tmp_path, "forbidden", 7)
    assert set(forbidden) == protocol.ANSWER_KEYS["forbidden"]
    outcome = protocol.answer(forbidden, [])
    assert outcome.details == Forbidden(forbidden["message"], 3)

    timeout = last_words(tmp_path, "timeout", 7)
    assert set(timeout) == protocol.ANSWER_KEYS["timeout"]
    assert protocol.answer(timeout, []).details == TimedOut(frames=(Frame(3, "while True: pass"),))


def test_every_status_is_pinned() -> None:
    assert set(protocol.ANSWER_KEYS) == {
        "ok",
        "error",
        "missing",
        "timeout",
        "forbidden",
        "memory",
        "output_limit",
    }


# -- forged answers --------------------------------------------------------------------
@pytest.mark.parametrize(
    "forged",
    [
        {"status": "missing", "ops": [[1]]},  # unhashable: once a TypeError in the judge
        {"status": "missing", "ops": ["format_disk"]},
        {"status": "ok", "data": [], "grad": {}},
        {"status": "launch"},
    ],
)
def test_a_forged_answer_is_a_crash(forged: dict[str, Any]) -> None:
    outcome = protocol.answer(forged, ["a"])
    assert outcome.kind is Kind.CRASHED
    assert isinstance(outcome.details, Died)


def test_a_forged_account_keeps_what_it_can_and_drops_the_rest() -> None:
    details = protocol.answer(
        {
            "status": "error",
            "type": ["not", "text"],
            "message": "m" * 100_000,
            "frames": [[1, "ok"], ["x", 1], 3, [2, "also ok", "extra"], [4, "kept"]],
            "returned": {"op": "relu", "what": 5},
        },
        [],
    ).details
    assert details == Raised(
        "", "m" * protocol.KEEP_TEXT, (Frame(1, "ok"), Frame(4, "kept")), Returned("relu", "")
    )


def test_an_outcome_s_details_match_its_kind() -> None:
    """The details are typed by the kind (one table, ``outcome._DETAILS``): an outcome
    that says it raised cannot carry a timeout's details."""
    from judge.runner.outcome import Outcome

    with pytest.raises(TypeError):
        Outcome(Kind.RAISED, details=TimedOut())
    with pytest.raises(TypeError):
        Outcome(Kind.TIMEOUT)
