"""The graph-program compiler: the Python subset, its data form, its errors."""

from __future__ import annotations

import builtins
from pathlib import Path

import pytest

from judge.program.compile import ProgramError, compile_program
from judge.program.model import Instruction


def test_nested_expression_gets_temporaries_in_evaluation_order() -> None:
    program = compile_program("a = Value(2.0)\nb = Value(-3)\nd = a + b * 10\nd.backward()")
    assert program.instructions == (
        Instruction("a", "value", (2.0,), 1),
        Instruction("b", "value", (-3,), 2),
        Instruction("_1", "mul", ("b", 10), 3),
        Instruction("d", "add", ("a", "_1"), 3),
    )
    assert program.backward == "d"
    assert program.names == ("a", "b", "d")


@pytest.mark.parametrize(
    ("source", "op", "args"),
    [
        ("x = 2 + a", "radd", (2, "a")),
        ("x = 2 - a", "rsub", (2, "a")),
        ("x = -2.5 * a", "rmul", (-2.5, "a")),
        ("x = 1 / a", "rdiv", (1, "a")),
        ("x = a - 1", "sub", ("a", 1)),
        ("x = a / a", "div", ("a", "a")),
        ("x = a ** -1", "pow", ("a", -1)),
        ("x = -a", "neg", ("a",)),
        ("x = a.sigmoid()", "sigmoid", ("a",)),
    ],
)
def test_each_form_compiles_to_its_op(source: str, op: str, args: tuple[object, ...]) -> None:
    program = compile_program(f"a = Value(1.5)\n{source}")
    assert program.instructions[-1] == Instruction("x", op, args, 2)


def test_wire_form_is_plain_lists() -> None:
    program = compile_program("a = Value(1)\nb = a.relu()\nb.backward()")
    assert program.to_wire() == {
        "ops": [["a", "value", [1]], ["b", "relu", ["a"]]],
        "backward": "b",
    }


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("a = Value(1)\nb = a + c", 2, "'c' is used before it is assigned"),
        ("a = Value(1)\nimport os", 2, "only assignments"),
        ("a = Value(1)\nb = a ** a", 2, "exponent of ** must be a number"),
        ("a = Value(1)\nb = a.foo()", 2, "unsupported call"),
        ("a = Value(x)", 1, "exactly one number literal"),
        ("a = Value(1)\na = a + 1", 2, "assigned twice"),
        ("a = Value(1)\na.backward()\nb = a + 1", 2, "must be the last statement"),
        ("a = Value(1)\nb = a @ a", 2, "unsupported operator"),
        ("a = Value(1)\nb = 2 + 3", 2, "has no Value"),
        ("a = Value(1)\nb = a", 2, "only copies a name"),
        ("_a = Value(1)", 1, "reserved"),
        ("a = Value(1\n", 1, "syntax error"),
        ("a = Value(1e999)", 1, "finite"),
        ("a = Value(1)\nb = a.relu(2)", 2, "takes no arguments"),
        ("", 1, "defines no nodes"),
    ],
)
def test_errors_name_the_line_and_the_problem(source: str, line: int, words: str) -> None:
    with pytest.raises(ProgramError) as raised:
        compile_program(source)
    assert raised.value.line == line
    assert words in raised.value.message


class _Executed(Exception):
    """Raised by the sentinel ``Value``: the program was run, not compiled."""


def test_program_is_never_executed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # If compile_program ran the source, the sentinel would fire: ``Value`` resolves to
    # the sentinel class (a builtin for the test's span), which writes a file and raises,
    # and the rejected call would write a file of its own.
    sentinel = tmp_path / "executed"

    class Sentinel:
        def __init__(self, *args: object) -> None:
            sentinel.write_text("Value() was called")
            raise _Executed

    monkeypatch.setattr(builtins, "Value", Sentinel, raising=False)
    valid = "a = Value(1.0)\nb = a * 2 + a\nb.backward()"
    assert compile_program(valid).backward == "b"
    with pytest.raises(ProgramError):
        compile_program(f"a = Value(1)\nb = open({str(sentinel)!r}, 'w').write('run')")
    assert not sentinel.exists()
    # The sentinel does fire when the same source is run, so the test above can fail.
    with pytest.raises(_Executed):
        exec(valid, {})
    assert sentinel.read_text() == "Value() was called"
