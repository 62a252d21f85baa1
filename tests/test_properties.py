"""Random graphs: fairness rules, strategies, snippets, the cached corpus, the spec's
``properties:`` section and the CLI's --seed and --examples."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from judge.cli import cli
from judge.errors import SpecError
from judge.program.compile import compile_program
from judge.program.model import Instruction, Program
from judge.properties import corpus
from judge.properties.corpus import generate, load_graphs
from judge.properties.engines import Engine
from judge.properties.explicit import explicit_graphs
from judge.properties.rules import GraphBuilder, GraphShape, fair
from judge.properties.runners import EngineRunner
from judge.properties.shrink import cost, number_cost, rename
from judge.properties.snippet import render
from judge.properties.strategies import graphs
from judge.spec.loader import load_problem
from tests.samples import GOOD_VALUE, MINI_SPEC

ALL_OPS = ("add", "sub", "mul", "div", "radd", "rsub", "rmul", "rdiv", "pow", "neg")
ALL_OPS += ("relu", "tanh", "exp", "log", "sigmoid")
SHAPE = GraphShape(ALL_OPS)
QUICK = settings(
    max_examples=60, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


pytestmark = pytest.mark.usefixtures("private_cache")  # each test starts with no corpus


def program(source: str) -> Program:
    return compile_program(source)


# -- fairness -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "a = Value(-1.0)\nb = a.log()\nb.backward()",  # log of a negative number
        "a = Value(0.1)\nb = Value(2.0) / a\nb.backward()",  # a divisor near 0
        "a = Value(-2.0)\nb = a ** 0.5\nb.backward()",  # a fractional power of a negative
        "a = Value(0.0)\nb = a ** -1\nb.backward()",  # a negative power of 0
        "a = Value(10.0)\nb = a.exp()\nb.backward()",  # exp far from 0
        # relu of a 0 that is only 0 by rounding: tanh(1) - tanh(1) may not be 0 elsewhere
        "a = Value(1.0)\nb = a.tanh()\nc = b - b\nd = c.relu()\nd.backward()",
        # relu of a near-cancellation: 1e6 + 0.1 - 1e6
        "a = Value(1000.0)\nb = a * a\nc = b.tanh() * 0.1 + b\nd = c - b\ne = d.relu()",
    ],
)
def test_unfair_graphs_are_refused(source: str) -> None:
    assert fair(program(source)) is None


@pytest.mark.parametrize(
    "source",
    [
        "a = Value(0)\nb = a.relu()\nb.backward()",  # relu of an exact 0, on purpose
        "a = Value(2.5)\nb = a * 0\nc = b.relu()\nc.backward()",  # x * 0 is exact
        "a = Value(3)\nb = Value(-3)\nc = a + b\nd = c.relu()\nd.backward()",
        "a = Value(-2)\nb = a ** 3\nc = a ** -2\nd = b + c\nd.backward()",
        "a = Value(800.0)\nb = a.tanh()\nc = a.sigmoid()\nd = b * c\nd.backward()",
    ],
)
def test_fair_graphs_are_accepted(source: str) -> None:
    assert fair(program(source)) is not None


def test_exact_nodes_are_those_every_implementation_computes_bit_for_bit() -> None:
    builder = GraphBuilder()
    a = builder.add("value", (3,))
    b = builder.add("mul", (a, 0.5))  # type: ignore[arg-type]
    c = builder.add("div", (a, 4))  # type: ignore[arg-type]
    assert a is not None and b is not None and c is not None
    assert builder.exact[a] and builder.exact[b]
    assert not builder.exact[c]  # a / 4 may be a * 4 ** -1 elsewhere


# -- strategies -----------------------------------------------------------------------------
@QUICK
@given(graphs(SHAPE))
def test_drawn_graphs_are_fair_and_in_shape(graph: Program) -> None:
    assert fair(graph) is not None
    assert 1 <= len(graph.instructions) <= SHAPE.max_nodes
    assert graph.backward == graph.nodes[-1]
    assert graph.ops_used <= set(ALL_OPS)


@QUICK
@given(graphs(SHAPE))
def test_snippets_compile_back_to_the_same_graph(graph: Program) -> None:
    again = compile_program(render(graph))
    assert [(i.target, i.op, i.args) for i in again.instructions] == [
        (i.target, i.op, i.args) for i in graph.instructions
    ]
    assert again.backward == graph.backward
    assert all(
        type(x) is type(y)
        for i, j in zip(again.instructions, graph.instructions, strict=True)
        for x, y in zip(i.args, j.args, strict=True)
    )


@QUICK
@given(graphs(GraphShape(("add", "mul", "relu"))))
def test_the_table_engine_matches_the_reference(graph: Program) -> None:
    from judge.compare import compare
    from judge.spec.model import Expect, Tolerance

    reference = fair(graph)
    assert reference is not None
    outcome = EngineRunner(Engine).run(graph, 1.0)
    assert not compare(
        reference, Expect(), outcome.data, outcome.grad, graph.nodes, Tolerance(), True
    )


def test_snippet_of_a_counterexample() -> None:
    graph = Program(
        (
            Instruction("a", "value", (1.0,)),
            Instruction("b", "add", ("a", "a")),
            Instruction("c", "rdiv", (2, "b")),
            Instruction("d", "pow", ("c", -1)),
            Instruction("e", "neg", ("d",)),
            Instruction("f", "sigmoid", ("e",)),
        ),
        "f",
    )
    assert render(graph, comments=["a.grad: expected 2.0, got 1.0"]) == (
        "a = Value(1.0)\n"
        "b = a + a\n"
        "c = 2 / b\n"
        "d = c ** -1\n"
        "e = -d\n"
        "f = e.sigmoid()\n"
        "f.backward()\n"
        "# a.grad: expected 2.0, got 1.0\n"
    )


def test_shrinking_order_prefers_fewer_nodes_then_simpler_numbers() -> None:
    assert number_cost(1) < number_cost(-1) < number_cost(2) < number_cost(0) < number_cost(0.3)
    assert number_cost(0.0) < number_cost(-0.0)
    big = program("a = Value(2.5)\nb = a * a\nc = b + a\nc.backward()")
    small = program("a = Value(2.5)\nb = a + a\nb.backward()")
    simple = program("a = Value(1.0)\nb = a + a\nb.backward()")
    assert cost(simple) < cost(small) < cost(big)
    renamed = rename(program("x = Value(1.0)\ny = x + x\ny.backward()"))
    assert render(renamed) == "a = Value(1.0)\nb = a + a\nb.backward()\n"


# -- the corpus ----------------------------------------------------------------------------
def test_same_seed_same_graphs_other_seed_other_graphs() -> None:
    fixed = len(explicit_graphs(SHAPE))
    first = generate(SHAPE, 11, fixed + 40)
    assert generate(SHAPE, 11, fixed + 40) == first
    other = generate(SHAPE, 12, fixed + 40)
    assert other[:fixed] == first[:fixed]  # the explicit graphs, whatever the seed
    assert other[fixed:] != first[fixed:]
    assert len({render(g.program) for g in map(corpus.Graph, first)}) == fixed + 40  # distinct


def test_every_corpus_starts_with_each_op_alone_and_at_its_edges() -> None:
    programs = [render(p) for p in explicit_graphs(SHAPE)]
    assert "a = Value(0.0)\nb = a.relu()\nb.backward()\n" in programs
    assert "a = Value(-800.0)\nb = a.sigmoid()\nb.backward()\n" in programs
    assert "a = Value(1.5)\nb = a * a\nb.backward()\n" in programs
    assert "a = Value(1.5)\nb = 3 - a\nb.backward()\n" in programs
    assert all(fair(p) is not None for p in explicit_graphs(SHAPE))
    basic = explicit_graphs(GraphShape(("add", "mul", "relu")))
    assert {op for p in basic for op in p.ops_used} == {"add", "mul", "relu"}
    assert not any(
        isinstance(a, (int, float))
        for p in explicit_graphs(GraphShape(("add", "mul"), numbers=False))
        for i in p.instructions
        if i.op != "value"
        for a in i.args
    )


def test_the_corpus_is_cached_and_hypothesis_is_not_needed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shape = GraphShape(("add", "mul", "relu"))
    graphs_once = load_graphs(shape, 5, 30, "mini")
    files = list((Path(str(corpus.cache_dir("graphs")))).glob("mini-*.json"))
    assert len(files) == 1

    def no_generation(*args: object) -> None:
        raise AssertionError("generated again instead of reading the cache")

    monkeypatch.setattr(corpus, "generate", no_generation)
    again = load_graphs(shape, 5, 30, "mini")
    assert [g.stored for g in again] == [g.stored for g in graphs_once]
    files[0].write_text("{not json")  # a damaged cache is regenerated, never trusted
    monkeypatch.undo()
    assert [g.stored for g in load_graphs(shape, 5, 30, "mini")] == [g.stored for g in graphs_once]


def test_reference_values_are_stored_with_the_graphs() -> None:
    for graph in map(corpus.Graph, generate(SHAPE, 3, 20)):
        reference = fair(graph.program)
        assert reference is not None
        assert reference.grad == graph.reference.grad
        assert all(math.isfinite(v) for v in graph.reference.data.values())


# -- the spec ----------------------------------------------------------------------------
def spec_with(tmp_path: Path, section: str) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI_SPEC + section, encoding="utf-8")
    return path


def test_properties_section_defaults(tmp_path: Path) -> None:
    problem = load_problem(spec_with(tmp_path, "properties:\n  points: 3\n"))
    properties = problem.properties
    assert properties is not None
    assert properties.ops == ("add", "mul", "relu")
    assert (properties.examples, properties.min_nodes, properties.max_nodes) == (200, 2, 12)
    assert properties.seed == load_problem(spec_with(tmp_path, "properties: {}\n")).properties.seed  # type: ignore[union-attr]
    assert problem.max_score == 4 + 3


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            "properties:\n  exampels: 10\n",
            ":37: unknown key 'exampels'; did you mean 'examples'?",
        ),
        (
            "properties:\n  ops: [add, tanh]\n",
            ":37: properties.ops: 'tanh' is not one of the problem's ops [add, mul, relu]",
        ),
        (
            "properties:\n  nodes: [5, 2]\n",
            ":37: properties.nodes is [min, max] with 1 <= min <= max <= 200",
        ),
        ("properties:\n  values: [3, -3]\n", ":37: properties.values is [low, high]"),
        (
            "properties:\n  stress:\n    - {check: deep-chian}\n",
            ":38: properties.stress.0.check: Invalid enum value 'deep-chian'",
        ),
        (
            "properties:\n  stress:\n    - {check: wide, size: -1}\n",
            ":38: size must be between 0",
        ),
        (
            "properties:\n  stress:\n    - {check: wide}\n    - {check: wide}\n",
            ":39: stress check 'wide' is listed twice",
        ),
    ],
)
def test_properties_errors_name_the_line(tmp_path: Path, section: str, message: str) -> None:
    """The section starts on line 36 of the spec."""
    with pytest.raises(SpecError) as raised:
        load_problem(spec_with(tmp_path, section))
    assert message in str(raised.value)


# -- the command line ------------------------------------------------------------------
def test_run_seed_and_examples(tmp_path: Path) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "mini.yaml").write_text(MINI_SPEC + "properties:\n  points: 2\n")
    good = tmp_path / "good.py"
    good.write_text(GOOD_VALUE)
    args = ["run", str(good), "-p", "mini", "--problems", str(folder), "--seed", "7"]
    result = CliRunner().invoke(cli, [*args, "--examples", "25", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["seed"], report["examples"]) == (7, 25)
    graphs_test = next(t for t in report["tests"] if t["name"] == "random graphs")
    assert (graphs_test["status"], graphs_test["score"], graphs_test["graphs"]) == ("passed", 2, 25)
    text = CliRunner().invoke(cli, args)
    assert text.output.splitlines()[-1].endswith("seed 7")
    bad = CliRunner().invoke(cli, [*args, "--examples", "0"])
    assert bad.exit_code == 2


def test_without_a_usable_cache_the_corpus_is_generated_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(blocker))
    shape = GraphShape(("add", "mul"))
    assert [g.stored for g in load_graphs(shape, 1, 15, "x")] == generate(shape, 1, 15)
