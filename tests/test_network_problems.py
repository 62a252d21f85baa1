"""The network problems of issue 13 (neuron, mlp, mlp-training) graded through the real
worker, in the sandbox: each correct single-file network of tests/network_corpus and
each example submission in submissions/networks passes all three; each network with a
classic mistake fails exactly the problems expected.yaml lists for it, and passes the
others.  Also: a network program's readings come back through the worker protocol,
and the interpreter runs micrograd's loop exactly as the reference network's ``train``
does (one place for the loss and the step, on both sides).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from judge import api
from judge.compare import Expect, Tolerance, compare_readings
from judge.engine import network
from judge.engine.evaluate import evaluate_network
from judge.grading.plan import Plan, prepare
from judge.program.network import Model, NetworkProgram, Step
from judge.results import Verdict
from judge.runner import harness, protocol
from judge.runner.outcome import Kind, Raised
from judge.spec.network import seeded
from tests import network_driver, test_protocol

ROOT = Path(__file__).parent.parent
CORPUS = Path(__file__).parent / "network_corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
PROBLEMS = ("neuron", "mlp", "mlp-training")

SINGLE_FILES = sorted(name for name in EXPECTED if name.endswith(".py"))
EXAMPLES = {"neuron.py": ("neuron",), "mlp.py": ("neuron", "mlp", "mlp-training")}


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {problem_id: prepare(api.problem(problem_id)) for problem_id in PROBLEMS}


def _failed(report: api.Report) -> list[str]:
    return [
        f"{t.name}: {t.status.value}: {t.message[:300]}"
        for t in report.tests
        if t.score < t.max_score
    ]


@pytest.mark.parametrize("entry", SINGLE_FILES)
def test_corpus_network_gets_its_verdicts(entry: str, plans: dict[str, Plan]) -> None:
    fails = set(EXPECTED[entry].get("fails", []))
    for problem_id in PROBLEMS:
        plan = plans[problem_id]
        report = api.grade(CORPUS / entry, plan.problem)
        failed = _failed(report)
        if problem_id in fails:
            assert failed, f"{entry} should fail {problem_id}"
        else:
            assert not failed, f"{entry} should pass {problem_id}: {failed}"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_submissions_pass(name: str, plans: dict[str, Plan]) -> None:
    for problem_id in EXAMPLES[name]:
        report = api.grade(ROOT / "submissions" / "networks" / name, plans[problem_id].problem)
        assert _failed(report) == [], (name, problem_id)
        assert report.score == report.max_score


def test_every_classic_mistake_fails_some_problem_through_the_worker() -> None:
    """The single files hold most of the mistakes; the listed verdicts above are the
    proof, this only guards the list from shrinking unnoticed."""
    wrong = [name for name in SINGLE_FILES if name.startswith("wrong/")]
    assert len(wrong) >= 11


def test_layer_returning_a_list_is_named(plans: dict[str, Plan]) -> None:
    report = api.grade(CORPUS / "wrong/layer_always_list.py", plans["mlp"].problem)
    visible = next(t for t in report.tests if t.name == "a layer of one neuron")
    assert visible.status is Verdict.ERROR
    assert "returns the Value itself when nout == 1" in visible.message


def test_bias_missing_from_parameters_is_counted(plans: dict[str, Plan]) -> None:
    report = api.grade(CORPUS / "wrong/bias_not_in_parameters.py", plans["neuron"].problem)
    first = report.tests[0]
    assert first.status is Verdict.ERROR
    assert "parameters() gave 3 values; it has 4 parameters" in first.message


def test_visible_failure_shows_runnable_micrograd_code(plans: dict[str, Plan]) -> None:
    report = api.grade(CORPUS / "wrong/relu_on_last_layer.py", plans["mlp"].problem)
    failed = next(t for t in report.tests if t.name == "an MLP's forward pass")
    assert failed.status is Verdict.FAILED
    assert "step 2: out[" in failed.message
    assert "model = MLP(3, [4, 4, 1])" in failed.message
    assert "outs = [model(list(x)) for x in xs]" in failed.message


def test_hidden_failure_shows_no_values(plans: dict[str, Plan]) -> None:
    report = api.grade(CORPUS / "wrong/zero_grad_weights_only.py", plans["mlp"].problem)
    failed = next(t for t in report.tests if t.name == "zero_grad")
    assert failed.status is Verdict.FAILED and failed.hidden
    assert "expected" not in failed.message and "model =" not in failed.message


def _training_program(rates: list[float], loss: str, alpha: float = 0.0) -> NetworkProgram:
    """micrograd's loop, K steps, as a network program."""
    if loss == "hinge":
        model = Model("MLP", 2, (4, 1))
        inputs = network_driver.HINGE_XS
        targets = network_driver.HINGE_YS
        seed = network_driver.HINGE_SEED
        lr, decay = 1.0, 0.009
    else:
        model = Model("MLP", 3, (4, 4, 1))
        inputs = network_driver.MLP_INPUTS
        targets = network_driver.TRAIN_YS
        seed = network_driver.MLP_SEED
        lr, decay = rates[0], 0.0
    body = (Step("forward"), Step("loss"), Step("zero_grad"), Step("backward"))
    step = Step("step", lr=lr, decay=decay)
    return NetworkProgram(
        model=model,
        weights=seeded(model.parameter_count, seed),
        inputs=tuple(tuple(x) for x in inputs),
        steps=(Step("repeat", times=len(rates), body=(*body, step)), Step("params")),
        loss=loss,
        targets=tuple(targets),
        alpha=alpha,
    )


@pytest.mark.parametrize("loss", ["squared-error", "hinge"])
def test_interpreter_trains_as_the_reference_network_does(loss: str) -> None:
    """The interpreter's loss, backward and step (run in the worker) give, bit for bit,
    what judge.engine.network.train gives: the two cannot drift apart."""
    if loss == "hinge":
        rates, alpha = network_driver.HINGE_RATES, network_driver.HINGE_ALPHA
        model = network.MLP(2, [4, 1])
        seed, inputs, targets = (
            network_driver.HINGE_SEED,
            network_driver.HINGE_XS,
            network_driver.HINGE_YS,
        )
    else:
        rates, alpha = network_driver.TRAIN_RATES, 0.0
        model = network.MLP(3, [4, 4, 1])
        seed, inputs, targets = (
            network_driver.MLP_SEED,
            network_driver.MLP_INPUTS,
            network_driver.TRAIN_YS,
        )
    network.inject(model, seeded(len(model.parameters()), seed))
    trajectory = network.train(model, inputs, targets, rates, loss, alpha)
    reference = evaluate_network(_training_program(rates, loss, alpha))
    losses = [v for k, v in reference.data.items() if k.endswith(": loss")]
    params = [v for k, v in reference.data.items() if ": p" in k]
    assert tuple(losses) == trajectory.losses
    assert tuple(params) == trajectory.parameters
    assert seeded(41, 21) == tuple(network_driver.weights(41, 21))


# -- the worker protocol: a network program's answer ------------------------------------
@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The harness's own code in this process, as tests/test_protocol.py runs it."""
    monkeypatch.setattr(harness, "load_lockdown", lambda: test_protocol._Lockdown)
    monkeypatch.delitem(sys.modules, "submission", raising=False)
    yield
    sys.modules.pop("submission", None)


def test_a_network_answer_keeps_the_protocol(tmp_path: Path, in_process: None) -> None:
    """A network program rides on the ``ok`` answer: its readings are the ``data`` and
    ``grad`` maps, by name, and decode with nothing lost; a broken contract is an
    ``error`` answer naming it."""
    program = _training_program(network_driver.TRAIN_RATES, "squared-error")
    reference = evaluate_network(program)
    read = [*reference.data, *reference.grad]
    source = (ROOT / "submissions" / "networks" / "mlp.py").read_text()
    broken = NetworkProgram(
        model=Model("Layer", 3, (1,)),
        weights=(0.5, 0.5, 0.5, 0.5),
        inputs=((1.0, 2.0, 3.0),),
        steps=(Step("forward"),),
    )
    listing = source + "\nLayer.__call__ = lambda self, x: [n(x) for n in self.neurons]\n"
    (tmp_path / "right").mkdir()
    (tmp_path / "wrong").mkdir()
    ok = test_protocol.serve(tmp_path / "right", source, program.to_wire(read))[2]
    error = test_protocol.serve(tmp_path / "wrong", listing, broken.to_wire())[2]
    assert set(ok) == protocol.ANSWER_KEYS["ok"]
    outcome = protocol.answer(ok, read)
    assert outcome.kind is Kind.OK
    assert set(outcome.data) == set(reference.data) and set(outcome.grad) == set(reference.grad)
    assert compare_readings(reference, Expect(), outcome.data, outcome.grad, Tolerance()) == []
    assert set(error) == protocol.ANSWER_KEYS["error"] - {"returned"}  # an op's only
    raised = protocol.answer(error, []).details
    assert isinstance(raised, Raised) and raised.type == "ContractBroken"
    assert "Layer(3, 1) returned a list for one output" in raised.message


@pytest.mark.parametrize("problem_id", PROBLEMS)
def test_the_code_a_case_shows_runs_and_computes_its_readings(problem_id: str) -> None:
    """What a failing visible case shows a student (``NetworkProgram.render``) is
    micrograd code that runs under a correct network and computes the case's readings:
    its last loss and outputs are the reference's."""
    classes = (ROOT / "submissions" / "networks" / "mlp.py").read_text()
    for case in api.problem(problem_id).cases:
        assert isinstance(case.program, NetworkProgram)
        namespace: dict[str, object] = {"print": lambda *args: None}
        exec(compile(classes + "\n" + case.source, "<shown>", "exec"), namespace)
        reference = evaluate_network(case.program)
        losses = [v for k, v in reference.data.items() if k.endswith(": loss")]
        if losses:
            assert namespace["loss"].data == pytest.approx(losses[-1], rel=1e-9), case.name  # type: ignore[attr-defined]
        outs = [v for k, v in reference.data.items() if ": out[" in k]
        shown = [
            o.data  # type: ignore[attr-defined]
            for out in namespace["outs"]  # type: ignore[attr-defined]
            for o in (out if isinstance(out, list) else [out])
        ]
        assert shown == pytest.approx(outs[-len(shown) :], rel=1e-9), case.name
