"""The library of classic mistakes: each broken engine is recognised when it is the
submission, and a correct engine never is.  Runs the engines in this process (they
are the judge's own code), through the same random-graph check a submission gets."""

from __future__ import annotations

import msgspec
import pytest

from judge.engine.reference import Value
from judge.properties.check import check_random, run_properties
from judge.properties.engines import Engine, variant
from judge.properties.mistakes import LIBRARY
from judge.properties.prepare import PreparedProperties, prepare_properties
from judge.properties.recognise import Observation, recognise
from judge.properties.runners import EngineRunner
from judge.results import Verdict
from judge.spec.catalog import Catalog
from judge.spec.model import Problem

ALL_OPS = "autograd-activations"  # every op, so every mistake can show
SEEDS = (1, 2)


@pytest.fixture(scope="module")
def problem() -> Problem:
    return Catalog.with_extra([]).get(ALL_OPS)


@pytest.fixture(scope="module")
def prepared(problem: Problem) -> dict[int, PreparedProperties]:
    assert problem.properties is not None
    # Random graphs only: the stress graphs are not what these tests are about.
    properties = msgspec.structs.replace(problem.properties, stress=())
    return {seed: prepare_properties(problem, properties, seed, 200) for seed in SEEDS}


def _check(engine: type, problem: Problem, prepared: PreparedProperties) -> dict[str, object]:
    result = check_random(prepared, _context(engine, problem))
    assert result.status is not Verdict.PASSED, f"{engine.__name__} passed every graph"
    return result.to_dict()  # the report's fields, as the JSON contract writes them


def _context(engine: type, problem: Problem):  # type: ignore[no-untyped-def]
    from judge.properties.check import Context

    return Context(problem, EngineRunner(engine), 5.0, {}, None)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mistake", LIBRARY, ids=[m.id for m in LIBRARY])
def test_each_broken_engine_is_recognised(mistake, seed, problem, prepared) -> None:  # type: ignore[no-untyped-def]
    extra = _check(mistake.engine, problem, prepared[seed])
    diagnosis = extra["diagnosis"]
    assert isinstance(diagnosis, dict)
    assert diagnosis.get("mistake") == mistake.id, diagnosis
    assert diagnosis["hint"] == mistake.hint
    counterexample = extra["counterexample"]
    assert isinstance(counterexample, dict)
    assert counterexample["nodes"] <= 5, counterexample["code"]


@pytest.mark.parametrize("mistake", [m for m in LIBRARY if m.order_dependent], ids=lambda m: m.id)
@pytest.mark.parametrize(("dedupe", "flips"), [(True, 0), (False, -1), (True, 0b1010)])
def test_order_dependent_mistakes_are_recognised_in_any_walk_order(  # type: ignore[no-untyped-def]
    mistake, dedupe, flips, problem, prepared
) -> None:
    engine = variant(mistake.engine, dedupe, flips)
    extra = _check(engine, problem, prepared[SEEDS[0]])
    assert extra["diagnosis"]["mistake"] == mistake.id  # type: ignore[index]


@pytest.mark.parametrize("engine", [Engine, Value, variant(Engine, True, -1)])
def test_correct_engines_pass_and_are_never_recognised(engine, problem, prepared) -> None:  # type: ignore[no-untyped-def]
    for seed in SEEDS:
        results = run_properties(prepared[seed], problem, EngineRunner(engine), 5.0)
        assert [r.status for r in results] == [Verdict.PASSED]
    # Recognition itself refuses to explain right answers, on every graph.
    graphs = prepared[SEEDS[0]].graphs
    for graph in graphs:
        answer = EngineRunner(engine).run(graph.wire, 5.0)
        seen = Observation(graph.program, graph.reference, (answer.data, answer.grad))
        assert recognise(seen, [], problem.tolerance) is None


def test_engine_agrees_with_the_reference_on_every_graph(problem, prepared) -> None:  # type: ignore[no-untyped-def]
    """The broken engines' base is the reference in another form; were they to differ,
    a correct submission could be 'recognised'."""
    from judge.compare import compare
    from judge.spec.model import Expect

    for graph in prepared[SEEDS[0]].graphs:
        outcome = EngineRunner(Engine).run(graph.wire, 5.0)
        mismatches = compare(
            graph.reference,
            Expect(),
            outcome.data,
            outcome.grad,
            graph.names,
            problem.tolerance,
            True,
        )
        assert not mismatches, graph.program


def test_a_submission_with_two_mistakes_is_told_about_one_of_them(problem, prepared) -> None:  # type: ignore[no-untyped-def]
    """Mul's slopes swapped *and* relu without its mask: the small graph shows one of
    them, and the hint (if any) names that one."""
    relu = next(m for m in LIBRARY if m.id == "relu-no-mask").engine
    both = type("Both", (relu,), {"LOCAL": {**relu.LOCAL, "mul": lambda x, y, z: (x, y)}})
    extra = _check(both, problem, prepared[SEEDS[0]])
    diagnosis = extra["diagnosis"]
    assert isinstance(diagnosis, dict)
    assert diagnosis["phase"] == "backward"
    assert (diagnosis["op"], diagnosis.get("mistake")) in {
        ("mul", "mul-grads-swapped"),
        ("relu", "relu-no-mask"),
        ("mul", None),
        ("relu", None),
    }
