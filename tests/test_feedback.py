"""Feedback a student can act on, through the real worker: an op that returns None, a
number, a tuple or an operand changed in place is named as such, with its line and the
fix; a timeout names the line that was running; the report's first line names the
cause; hints only where they match; did-you-mean for a misspelt method."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from judge.grading.grade import Options, grade
from judge.grading.plan import Plan, prepare
from judge.report.formats import render_report
from judge.results import Report, Status, Verdict
from judge.spec.catalog import Catalog
from tests.samples import GOOD_VALUE


@pytest.fixture(scope="module")
def basic_plan() -> Plan:
    return prepare(Catalog.with_extra([]).get("basic-autograd"), examples=40)


def _engine(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """GOOD_VALUE with ``old`` replaced by ``new`` (which must be found), and the line of
    ``new``'s first line in it."""
    if old not in GOOD_VALUE:
        raise ValueError(f"not in GOOD_VALUE: {old!r}")
    source = GOOD_VALUE.replace(old, new, 1)
    path = tmp_path / "submission.py"
    path.write_text(source)
    return path, 1 + source[: source.index(new)].count("\n")


def _grade(path: Path, plan: Plan) -> Report:
    return grade(path, plan)


RELU_RETURN = "        out._backward = backward\n        return out\n\n    def backward"
RELU_DEF = "    def relu(self):\n"


@pytest.mark.parametrize(
    ("new_return", "said"),
    [
        ("", "`relu` returned None (line {line}): did you forget `return out`?"),
        ("        return out.data\n", "`relu` returned a plain number ("),
        ("        return out, backward\n", "`relu` returned a tuple (line {line})"),
    ],
    ids=["none", "number", "tuple"],
)
def test_a_wrong_return_value_is_named(
    new_return: str, said: str, basic_plan: Plan, tmp_path: Path
) -> None:
    source = GOOD_VALUE.replace(
        RELU_RETURN, "        out._backward = backward\n" + new_return + "\n    def backward"
    )
    assert source != GOOD_VALUE
    path = tmp_path / "submission.py"
    path.write_text(source)
    line = 1 + source.splitlines().index(RELU_DEF.rstrip("\n"))
    report = _grade(path, basic_plan)
    shown = [t for t in report.tests if not t.hidden and not t.passed]
    assert shown, report
    expected = said.format(line=line)
    for test in shown:
        assert test.message.startswith(expected), test.message
        assert "AttributeError" not in test.message and "NoneType" not in test.message
    random = next(t for t in report.tests if t.name == "random graphs")
    assert random.diagnosis.op == "relu"
    assert random.line == line


def test_an_op_that_changes_an_operand_and_returns_it_is_named(
    basic_plan: Plan, tmp_path: Path
) -> None:
    path, line = _engine(
        tmp_path,
        "    def __add__(self, other):\n"
        "        other = other if isinstance(other, Value) else Value(other)\n",
        "    def __add__(self, other):\n"
        "        other = other if isinstance(other, Value) else Value(other)\n"
        "        self.data += other.data\n"
        "        return self\n",
    )
    report = _grade(path, basic_plan)
    random = next(t for t in report.tests if t.name == "random graphs")
    assert random.status is Verdict.ERROR
    assert random.message.startswith(f"`__add__` returned self, changed in place (line {line})")
    assert random.diagnosis.op == "add"


def test_an_operand_returned_unchanged_is_judged_by_its_numbers(
    basic_plan: Plan, tmp_path: Path
) -> None:
    """relu of a positive node may return the node itself: no error, the numbers decide
    (here they are right wherever the node is not used again)."""
    path, _ = _engine(
        tmp_path,
        "    def relu(self):\n",
        "    def relu(self):\n        if self.data > 0:\n            return self\n",
    )
    report = _grade(path, basic_plan)
    assert not any("returned" in t.message for t in report.tests)


def test_a_timeout_says_which_line_was_running(basic_plan: Plan, tmp_path: Path) -> None:
    """An endless loop in backward(): each timeout names the loop's line (the worker's
    watchdog answers just before the limit), and the random graphs say it too."""
    path, line = _engine(
        tmp_path,
        "        self.grad = 1.0\n",
        "        while self is not None:\n            self.grad = 1.0\n",
    )
    report = grade(path, basic_plan, Options(timeout=0.5, budget=8.0))
    timeouts = [t for t in report.tests if t.status is Verdict.TIMEOUT and not t.hidden]
    assert timeouts, report
    # The first has the whole limit (0.5 s, watched from 0.4 s); later ones, a quarter
    # of a second, are told where they were too unless the machine is too busy to
    # answer within the margin: then they say nothing, never a wrong line.
    first = timeouts[0]
    assert first.line in (line, line + 1), first
    assert f"it was running line {first.line} of your file: " in first.message
    for test in timeouts[1:]:
        assert test.line in (None, line, line + 1), test
    random = next(t for t in report.tests if t.name == "random graphs")
    if random.line is not None:
        assert random.line in (line, line + 1)
        assert random.diagnosis.op == "backward"


def test_a_misspelt_method_gets_did_you_mean(basic_plan: Plan, tmp_path: Path) -> None:
    path, _ = _engine(tmp_path, "    def relu(self):\n", "    def rleu(self):\n")
    report = _grade(path, basic_plan)
    shown = [t for t in report.tests if not t.hidden and not t.passed]
    assert shown
    for test in shown:
        assert "did you mean `relu`, not `rleu`?" in test.message, test.message


@pytest.mark.parametrize(
    ("method", "name", "close"),
    [
        ("relu", "rleu", True),
        ("tanh", "tahn", True),
        ("sigmoid", "sigmod", True),
        ("__sub__", "__rsub__", False),
        ("log", "exp", False),
        ("relu", "reset", False),
    ],
)
def test_did_you_mean_is_for_typos_only(method: str, name: str, close: bool) -> None:
    from judge.runner.harness import close_names
    from judge.runner.interpreter import METHOD

    op = next(op for op, m in METHOD.items() if m == method)
    cls = type("Value", (), {name: lambda self: self})
    assert close_names(cls, [op]) == ({op: name} if close else {})


# -- the first line: the most likely cause ---------------------------------------------
def test_the_first_line_names_the_cause_and_groups_the_same_error(
    basic_plan: Plan, tmp_path: Path
) -> None:
    """The unfinished starter's mistake: relu returns None.  Text, JSON and Markdown
    open with it, once, with the number of tests it broke."""
    source = GOOD_VALUE.replace(RELU_RETURN, "        out._backward = backward\n\n    def backward")
    path = tmp_path / "submission.py"
    path.write_text(source)
    line = 1 + source.splitlines().index(RELU_DEF.rstrip("\n"))
    report = grade(path, basic_plan)
    rendered = render_report("text", report)
    first = f"  Most likely cause: `relu` returned None (line {line}): did you forget `return out`?"
    assert rendered.splitlines()[1].startswith(first), rendered
    broken = [t for t in report.tests if not t.hidden and "returned None" in t.message]
    assert f"(the same wrong return in {len(broken)} tests)" in rendered.splitlines()[1]
    cause = json.loads(render_report("json", report))["cause"]
    assert (cause["op"], cause["phase"], cause["line"]) == ("relu", "forward", line)
    assert cause["fix"] == "did you forget `return out`?"
    markdown = render_report("markdown", report).splitlines()
    assert markdown[2].startswith("**Most likely cause:** \\`relu\\` returned None")


def test_a_student_is_told_no_more_of_hidden_tests_in_the_cause(
    basic_plan: Plan, tmp_path: Path
) -> None:
    """Only hidden tests fail: a student's cause names their topics, and no exception,
    line or value; an instructor's names the error."""
    report = grade(
        _engine(tmp_path, "    def relu(self):\n", "    def relu(self):\n")[0], basic_plan
    )
    failing = replace(
        report,
        status=Status.FAILED,
        tests=tuple(
            replace(
                t,
                status=Verdict.ERROR,
                score=0.0,
                message="SecretError: 3.25 1.5 (hidden values)",
                line=7,
            )
            if t.hidden
            else t
            for t in report.tests
        ),
    )
    student = json.loads(render_report("json", failing))["cause"]
    assert "SecretError" not in json.dumps(student) and "line" not in student
    assert student["text"].startswith(f"{sum(t.hidden for t in report.tests)} hidden tests failed")
    instructor = json.loads(render_report("json", failing, "instructor"))["cause"]
    assert "SecretError" in instructor["text"]


def test_a_passing_report_has_no_cause(basic_plan: Plan) -> None:
    from tests.samples import ROOT

    report = grade(ROOT / "tests" / "corpus" / "correct" / "basic_classic.py", basic_plan)
    assert report.status is Status.PASSED
    assert "cause" not in json.loads(render_report("json", report))
    assert "Most likely cause" not in render_report("text", report)


# -- order-dependent results: the cause first, flaky last ------------------------------
@pytest.mark.parametrize(
    ("name", "mistake"),
    [("no_topo_sort", "no-topological-sort"), ("visited_by_value", "visited-by-value")],
)
def test_an_order_dependent_mistake_is_told_as_a_mistake_not_as_flaky(
    name: str, mistake: str, basic_plan: Plan
) -> None:
    """These may answer differently from run to run (they walk a set of nodes, in an
    order that changes with the worker's hash seed); the mistake explains why, so the
    verdict is failed, never flaky, and when two runs differed the message says why.
    (tests/test_stress_order.py holds an engine that differs on every run.)"""
    from tests.samples import ROOT

    report = grade(ROOT / "tests" / "corpus" / "wrong" / f"{name}.py", basic_plan)
    random = next(t for t in report.tests if t.name == "random graphs")
    assert random.status is Verdict.FAILED, random.message
    assert random.diagnosis.mistake == mistake
    if "one run to the next" in random.message:
        assert "change from one run to the next because of this mistake" in random.message


def test_flaky_only_when_nothing_explains_it_and_then_says_where(
    basic_plan: Plan, tmp_path: Path
) -> None:
    path, _ = _engine(
        tmp_path,
        "            self.grad += (out.data > 0) * out.grad\n",
        "            self.grad += (out.data > 0) * out.grad * (1 + random.random())\n",
    )
    source = "import random\n" + path.read_text()
    path.write_text(source)
    line = 1 + source.splitlines().index(
        "            self.grad += (out.data > 0) * out.grad * (1 + random.random())"
    )
    report = grade(path, basic_plan)
    random = next(t for t in report.tests if t.name == "random graphs")
    assert random.status is Verdict.FLAKY, random.message
    assert f"your code draws random numbers (line {line}: " in random.message


# -- hints only where they match -------------------------------------------------------
def test_a_stress_hint_only_under_the_failure_it_explains(basic_plan: Plan, tmp_path: Path) -> None:
    """A TypeError on the deep chain gets no advice about recursion; a recursive sort's
    RecursionError gets it."""
    from tests.samples import ROOT

    path, _ = _engine(
        tmp_path,
        "        self.grad = 1.0\n",
        "        if len(order) > 1500:\n            raise TypeError('too big')\n"
        "        self.grad = 1.0\n",
    )
    report = grade(path, basic_plan)
    deep = next(t for t in report.tests if t.name.startswith("stress: deep chain"))
    assert deep.message.startswith("TypeError: too big"), deep.message
    assert "recursi" not in deep.message and "explicit stack" not in deep.message
    others = [t for t in report.tests if t.kind == "stress" and t.name != deep.name]
    assert all("visited" not in t.message for t in others)
    recursive = grade(ROOT / "tests" / "corpus" / "correct" / "basic_classic.py", basic_plan)
    deep = next(t for t in recursive.tests if t.name.startswith("stress: deep chain"))
    assert "RecursionError" in deep.message and "explicit stack" in deep.message


def test_did_you_mean_is_bounded_whatever_the_class_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A class with 100,000 names (and 100 bases) costs at most a thousand comparisons
    per missing method, all of names of about the method's length."""
    from judge.runner import harness

    calls: list[str] = []

    def counted(a: str, b: str) -> int:
        calls.append(b)
        return 99

    monkeypatch.setattr(harness, "typo_distance", counted)
    names = {f"n{i}": i for i in range(100_000)}
    bases = tuple(type(f"B{i}", (), {f"b{i}x": 0}) for i in range(100))
    cls = type("Value", bases, names)
    assert harness.close_names(cls, ["relu", "tanh"]) == {}
    assert 0 < len(calls) <= 2 * 1000
    assert all(abs(len(name) - 4) <= 1 for name in calls)
