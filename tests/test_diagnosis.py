"""Counterexamples and diagnosis through the real worker: every classic mistake in the
test corpus fails with a graph of a handful of nodes, the right operation and phase,
and, for the mistakes in the library, the right hint.  Also: flaky submissions,
exceptions in a backward step, determinism, stress checks and the report formats."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import msgspec
import pytest

from judge.grading.grade import grade
from judge.grading.plan import Plan, prepare
from judge.grading.session import Session
from judge.program.compile import compile_program
from judge.properties.check import Context, check_random
from judge.properties.localise import locate
from judge.properties.mistakes import BY_ID
from judge.properties.prepare import PreparedProperties, prepare_properties
from judge.properties.runners import EngineRunner
from judge.properties.shrink import attempt
from judge.report import text
from judge.results import Status, Verdict
from judge.spec.catalog import Catalog
from judge.spec.model import Problem, Tolerance
from tests.samples import MINI_SPEC

CORPUS = Path(__file__).resolve().parent / "corpus"
PROBLEM = "autograd-activations"  # every op: every corpus mistake fails here
# Nodes.  Four suffice for every mistake when the submission is deterministic; a mistake
# whose answers depend on set iteration order (visited set keyed by value) sometimes
# reproduces only with one more, unrelated, leaf that shifts the order.
HANDFUL = 5

# file: (ops the diagnosis may name, phase, library mistake or None)
EXPECTED: dict[str, tuple[set[str], str, str | None]] = {
    "div_denominator_grad": ({"div", "rdiv"}, "backward", "div-denominator-sign"),
    "exp_grad_input": ({"exp"}, "backward", "exp-slope-from-input"),
    "forward_mul_adds": ({"mul", "rmul"}, "forward", "mul-forward-adds"),
    "forward_sigmoid_sign": ({"sigmoid"}, "forward", "sigmoid-forward-sign"),
    "grad_assigned": ({"add", "mul", "sub", "div", "radd", "rmul"}, "backward", "grad-assigned"),
    "grad_init_one": ({"value"}, "backward", "grad-starts-at-one"),
    "mul_grads_swapped": ({"mul", "rmul"}, "backward", "mul-grads-swapped"),
    "neg_detached": ({"neg", "sub", "rsub"}, "backward", "neg-detached"),
    "no_radd": ({"radd"}, "forward", None),
    "no_topo_sort": ({"backward"}, "backward", "no-topological-sort"),
    "pow_no_exponent": ({"pow"}, "backward", "pow-no-exponent"),
    "rdiv_reversed": ({"rdiv"}, "forward", "rdiv-reversed"),
    "relu_grad_at_zero": ({"relu"}, "backward", "relu-slope-at-zero"),
    "relu_no_mask": ({"relu"}, "backward", "relu-no-mask"),
    "rsub_reversed": ({"rsub"}, "forward", "rsub-reversed"),
    "seed_zero": ({"backward"}, "backward", "output-not-seeded"),
    "sigmoid_overflow": ({"sigmoid"}, "forward", None),
    "sub_reversed": ({"sub"}, "forward", "sub-reversed"),
    "tanh_grad_linear": ({"tanh"}, "backward", "tanh-slope-linear"),
    "tanh_overflow": ({"tanh"}, "forward", None),
    "topo_not_reversed": ({"backward"}, "backward", "order-not-reversed"),
    "visited_by_value": ({"backward"}, "backward", "visited-by-value"),
}


@pytest.fixture(scope="module")
def problem() -> Problem:
    return Catalog.with_extra([]).get(PROBLEM)


@pytest.fixture(scope="module")
def corpora(problem: Problem) -> list[PreparedProperties]:
    assert problem.properties is not None
    properties = msgspec.structs.replace(problem.properties, stress=())
    return [prepare_properties(problem, properties, seed) for seed in (None, 99)]


def test_every_corpus_mistake_is_in_the_table() -> None:
    assert {p.stem for p in (CORPUS / "wrong").glob("*.py")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_mistake_is_diagnosed(
    name: str, problem: Problem, corpora: list[PreparedProperties]
) -> None:
    ops, phase, mistake = EXPECTED[name]
    path = CORPUS / "wrong" / f"{name}.py"
    with Session(path, problem.entry, {}, float("inf")) as session:
        load = session.start(10.0)
        assert load.error is None
        for prepared in corpora:
            context = Context(problem, session, 10.0, load.methods, path.read_text())
            result = check_random(prepared, context)
            assert result.status in (Verdict.FAILED, Verdict.ERROR, Verdict.FLAKY)
            example, diagnosis = result.to_dict()["counterexample"], result.to_dict()["diagnosis"]
            where = f"seed {prepared.seed}:\n{example['code']}{diagnosis}"
            assert example["nodes"] <= HANDFUL, where
            assert diagnosis["op"] in ops, where
            assert diagnosis["phase"] == phase, where
            assert diagnosis.get("mistake") == mistake, where
            if mistake is not None:
                assert diagnosis["hint"] == BY_ID[mistake].hint
            compile_program(example["code"])  # the snippet is a valid program


def test_line_of_the_faulty_method(problem: Problem, corpora: list[PreparedProperties]) -> None:
    path = CORPUS / "wrong" / "relu_no_mask.py"
    relu_line = 1 + path.read_text().splitlines().index("    def relu(self):")
    with Session(path, problem.entry, {}, float("inf")) as session:
        load = session.start(10.0)
        result = check_random(
            corpora[0], Context(problem, session, 10.0, load.methods, path.read_text())
        )
    assert result.to_dict()["line"] == relu_line


# -- the whole run: JSON contract, text, determinism ----------------------------------------
@pytest.fixture(scope="module")
def basic_plan() -> Plan:
    return prepare(Catalog.with_extra([]).get("basic-autograd"))


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    report = dict(report)
    report.pop("duration_s")
    return report


def test_report_contract(basic_plan: Plan) -> None:
    path = CORPUS / "wrong" / "grad_assigned.py"
    report = grade(path, basic_plan).to_dict()
    test = next(t for t in report["tests"] if t["name"] == "random graphs")
    assert (test["kind"], test["status"], test["score"]) == ("property", "failed", 0.0)
    assert test["counterexample"] == {
        "code": "a = Value(1.0)\nb = a + a\nb.backward()\n# a.grad: expected 2.0, got 1.0\n",
        "nodes": 2,
        "expected": {"a.grad": 2.0},
        "got": {"a.grad": 1.0},
    }
    assert {"op", "phase", "node", "hint"} <= set(test["diagnosis"])
    assert (test["diagnosis"]["op"], test["diagnosis"]["phase"]) == ("add", "backward")
    add_line = 1 + path.read_text().splitlines().index("    def __add__(self, other):")
    assert test["line"] == add_line
    assert (report["seed"], report["examples"]) == (basic_plan.extra["seed"], 200)
    json.dumps(report)  # the extras are plain JSON


def test_same_seed_same_report(basic_plan: Plan) -> None:
    """Graded twice, and with a plan made afresh (from the cache): the same report."""
    path = CORPUS / "wrong" / "mul_grads_swapped.py"
    first = grade(path, basic_plan).to_dict()
    assert _comparable(grade(path, basic_plan).to_dict()) == _comparable(first)
    assert _comparable(grade(path, prepare(basic_plan.problem)).to_dict()) == _comparable(first)
    other = prepare(basic_plan.problem, seed=1234).extra
    assert other["seed"] == 1234


def test_text_report_says_the_diagnosis_and_shows_the_graph(basic_plan: Plan) -> None:
    path = CORPUS / "wrong" / "relu_no_mask.py"
    report = grade(path, basic_plan)
    rendered = text.render(report)
    line = 1 + path.read_text().splitlines().index("    def relu(self):")
    assert (
        f"      diagnosis: relu (backward) at line {line}, node b: This looks like a classic "
        "mistake: relu's" in rendered
    )
    assert textwrap.indent("a = Value(-1.0)\nb = a.relu()\nb.backward()\n", " " * 8) in rendered
    assert rendered.splitlines()[-1].endswith(f"seed {basic_plan.extra['seed']}")


def test_a_correct_submission_passes_with_advisory_stress(basic_plan: Plan) -> None:
    report = grade(CORPUS / "correct" / "basic_classic.py", basic_plan)  # recursive topo sort
    assert report.status is Status.PASSED and report.score == report.max_score
    deep = next(t for t in report.tests if t.name.startswith("stress: deep chain"))
    assert (deep.status, deep.max_score) == (Verdict.ERROR, 0.0)
    assert "explicit stack" in deep.message
    assert all(t.passed for t in report.tests if t.name != deep.name)


def test_a_submission_that_does_not_load_lists_the_property_tests(
    basic_plan: Plan, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("class Value(:\n")
    report = grade(broken, basic_plan)
    assert report.status is Status.ERROR
    assert sum(t.max_score for t in report.tests) == report.max_score
    assert next(t.name for t in report.tests if t.kind != "case") == "random graphs"


# -- flaky submissions, exceptions in backward ---------------------------------------------
def _mini(tmp_path: Path, extra: str = "") -> tuple[Problem, PreparedProperties]:
    spec = tmp_path / "specs" / "mini.yaml"
    spec.parent.mkdir(exist_ok=True)
    spec.write_text(MINI_SPEC + "properties:\n  points: 2\n" + extra)
    problem = Catalog.with_extra([spec.parent]).get("mini")
    assert problem.properties is not None
    return problem, prepare_properties(problem, problem.properties)


FLAKY = """
import random

class Value:
    def __init__(self, data, children=()):
        self.data, self.grad, self.children = data, 0.0, children
        self.step = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))
        def step():
            self.grad += out.grad * (1 + random.random())  # by chance
            other.grad += out.grad
        out.step = step
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))
        def step():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out.step = step
        return out

    def relu(self):
        out = Value(max(self.data, 0), (self,))
        def step():
            self.grad += RELU_SLOPE
        out.step = step
        return out

    def backward(self):
        order, seen = [], set()
        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for c in v.children:
                    visit(c)
                order.append(v)
        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            v.step()
"""


def test_a_flaky_submission_is_reported_as_flaky(tmp_path: Path) -> None:
    problem, prepared = _mini(tmp_path)
    path = tmp_path / "flaky.py"
    path.write_text(FLAKY.replace("RELU_SLOPE", "(self.data > 0) * out.grad"))
    with Session(path, "Value", {}, float("inf")) as session:
        load = session.start(5.0)
        result = check_random(
            prepared, Context(problem, session, 5.0, load.methods, path.read_text())
        )
    assert result.status is Verdict.FLAKY
    assert result.message.startswith("different answers on two runs of the same graph")
    assert result.counterexample is not None


def test_an_exception_in_a_backward_step_is_located(tmp_path: Path) -> None:
    problem, prepared = _mini(tmp_path)
    path = tmp_path / "raises.py"
    source = FLAKY.replace("(1 + random.random())", "1")
    path.write_text(source.replace("RELU_SLOPE", "out.grad / (self.data > 0)"))
    with Session(path, "Value", {}, float("inf")) as session:
        load = session.start(5.0)
        result = check_random(
            prepared, Context(problem, session, 5.0, load.methods, path.read_text())
        )
    assert result.status is Verdict.ERROR
    assert result.message.startswith("ZeroDivisionError")
    diagnosis = result.to_dict()["diagnosis"]
    assert (diagnosis["op"], diagnosis["phase"]) == ("relu", "backward")
    relu_line = 1 + source.splitlines().index("    def relu(self):")
    assert result.to_dict()["line"] == relu_line


def test_localisation_on_hand_written_graphs() -> None:
    def diagnose(engine_id: str, source: str) -> tuple[str, str, str]:
        runner = EngineRunner(BY_ID[engine_id].engine)
        failure = attempt(compile_program(source), runner, Tolerance(), 1.0)
        assert failure is not None
        found = locate(failure, runner, Tolerance(), 1.0)
        assert found is not None
        return found.op, found.phase, found.node

    assert diagnose(
        "mul-grads-swapped", "a = Value(2)\nb = Value(3)\nc = a * b\nd = c + a\nd.backward()"
    ) == ("mul", "backward", "c")
    assert diagnose("order-not-reversed", "a = Value(1)\nb = a + a\nc = a + b\nc.backward()") == (
        "backward",
        "backward",
        "a",
    )
    assert diagnose("output-not-seeded", "a = Value(1)\nb = a * 2\nb.backward()") == (
        "backward",
        "backward",
        "b",
    )
    assert diagnose("grad-starts-at-one", "a = Value(1)\nb = Value(2)\nb.backward()") == (
        "value",
        "backward",
        "a",
    )
    assert diagnose(
        "mul-forward-adds", "a = Value(2)\nb = a + 1\nc = b * a\nd = c * 2\nd.backward()"
    ) == ("mul", "forward", "c")


# -- stress checks ---------------------------------------------------------------------
QUADRATIC = (
    (CORPUS / "correct" / "kahn.py")
    .read_text()
    .replace("found = {id(self)}", "found = [id(self)]")
    .replace("found.add(id(child))", "found.append(id(child))")
)

PATH_WALKER = (
    (CORPUS / "wrong" / "no_topo_sort.py")
    .read_text()
    .replace("self._prev = set(_children)", "self._prev = tuple(_children)")
)


def test_stress_checks_count_where_the_problem_says_so(tmp_path: Path) -> None:
    stress = (
        "  stress:\n"
        "    - {check: deep-chain, points: 1, size: 2000}\n"
        "    - {check: many-paths, points: 1, size: 18}\n"
        "    - {check: wide, points: 1, size: 2000}\n"
        "    - {check: linear-time, points: 1, size: 12000, factor: 3}\n"
    )
    problem, prepared = _mini(tmp_path, stress)
    plan = Plan(prepare(problem).problem, prepare(problem).cases, {}, prepared)
    good = grade(CORPUS / "correct" / "kahn.py", plan)
    assert [t.status for t in good.tests if t.kind == "stress"] == [Verdict.PASSED] * 4
    assert good.score == good.max_score
    assert "found = [id(self)]" in QUADRATIC
    slow = tmp_path / "quadratic.py"
    slow.write_text(QUADRATIC)
    report = grade(slow, plan)
    linear = next(t for t in report.tests if t.name.startswith("stress: linear-time"))
    assert linear.status is Verdict.FAILED, linear.message
    assert "times longer for" in linear.message and linear.score == 0
    walker = tmp_path / "walker.py"
    walker.write_text(PATH_WALKER)
    paths = next(t for t in grade(walker, plan).tests if t.name.startswith("stress: many paths"))
    assert paths.status in (Verdict.FAILED, Verdict.TIMEOUT), paths.message
    assert paths.to_dict()["counterexample"]["code"].startswith(
        "v = Value(1.0)\nfor _ in range(18):"
    )
