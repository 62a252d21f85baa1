"""Random networks (issue 13): a problem's networks: section, through the real worker.

The correct networks of tests/network_corpus pass the random networks of neuron and
mlp; each wrong network whose mistake a call and a backward pass can show fails them,
with the mistake named, and the smallest failing network shown as code that, run under
the student's classes, gives the numbers the message quotes.  The networks are the
same on every run (seeded), shrinking only ever makes a network smaller, and the
section's errors point at their line.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml

from judge import api
from judge.errors import SpecError, SpecErrors
from judge.grading.random_networks import TEST_NAME, networks, smaller
from judge.spec.loader import load_problem
from judge.spec.model import RandomNetworksSpec

CORPUS = Path(__file__).parent / "network_corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
# What random calls, a backward pass and a look at the inputs cannot show: zero_grad.
UNSEEN = {"zero-grad-missing", "zero-grad-weights-only", "zero-grad-sets-none"}


@pytest.fixture(scope="module")
def problems() -> dict[str, api.Problem]:
    return {problem_id: api.problem(problem_id) for problem_id in ("neuron", "mlp")}


def _random_test(entry: str, problem: api.Problem) -> api.TestResult:
    report = api.grade(CORPUS / entry, problem)
    (test,) = [t for t in report.tests if t.name == TEST_NAME]
    return test


def test_correct_networks_pass(problems: dict) -> None:
    for entry in (name for name in EXPECTED if name.startswith("correct/")):
        for problem in problems.values():
            test = _random_test(entry, problem)
            assert test.passed, (entry, problem.id, test.message)
            assert test.seed == problem.networks.seed


@pytest.mark.parametrize("entry", sorted(n for n in EXPECTED if n.startswith("wrong/")))
def test_wrong_networks_fail_with_their_mistake_named(entry: str, problems: dict) -> None:
    expected = EXPECTED[entry]
    failed = set()
    for problem in problems.values():
        test = _random_test(entry, problem)
        if test.passed:
            continue
        failed.add(problem.id)
        assert problem.id in expected["fails"], (entry, problem.id, "fails only listed problems")
        assert test.diagnosis is not None and test.diagnosis.mistake == expected["mistake"]
        assert "random networks failed (seed 13); the smallest failing one" in test.message
    seen = expected["mistake"] not in UNSEEN
    assert bool(failed) == seen, (entry, failed)


def test_the_snippet_reproduces_the_quoted_numbers(problems: dict) -> None:
    """The message's code, run under the student's classes, gives the wrong number the
    message quotes (an output or a gradient)."""
    test = _random_test("wrong/bias_ignored.py", problems["mlp"])
    first, _, rest = test.message.partition("\n")
    snippet = rest.split("as code to run under your classes:\n", 1)[1]
    code = "\n".join(line.removeprefix("    ") for line in snippet.splitlines())
    names: dict[str, object] = {}
    exec((CORPUS / "wrong" / "bias_ignored.py").read_text(), names)  # the corpus, ours
    printed = io.StringIO()
    with redirect_stdout(printed):
        exec(code, names)
    got = float(first.rsplit("got ", 1)[1])
    reading = first.split(": ", 1)[1].split(": ", 1)[0]  # out[0].data or p3.grad
    if reading.startswith("out["):
        index = int(reading[4:].split("]", 1)[0])
        assert names["outs"][index].data == got  # type: ignore[index]
    else:
        index = int(reading[1:].split(".", 1)[0])
        grads = printed.getvalue().splitlines()[-1].strip("[]").split(", ")
        assert float(grads[index]) == got
    assert "expected" in first and got != float(first.split("expected ", 1)[1].split(",")[0])


def test_networks_are_seeded_and_shrinking_only_shrinks() -> None:
    spec = RandomNetworksSpec(examples=30, seed=7, model="MLP", layers=(1, 3), width=(1, 4))
    first, again = networks(spec), networks(spec)
    assert first == again
    assert networks(RandomNetworksSpec(examples=30, seed=8)) != first
    for net in first:
        size = sum(len(neuron) for layer in net.layers for neuron in layer)
        program = net.program()
        assert len(program.weights) == program.model.parameter_count == size
        for smaller_net in smaller(net):
            small = smaller_net.program()
            assert len(small.weights) == small.model.parameter_count
            assert all(len(x) == small.model.nin for x in small.inputs)
            assert len(small.weights) <= size
            sizes = small.model.sizes
            assert all(width >= 2 for width in sizes[:-1]), sizes  # hidden layers


SPEC = """\
id: tiny-nets
title: Random networks
description: A neuron.
starter: "class Neuron: ..."
entry: Neuron
ops: [add, mul, relu]
networks:
  examples: {examples}
  model: {model}
  width: {width}
cases:
  - name: one
    topic: a neuron
    network:
      model: Neuron(1)
      weights: [1.0, 0.0]
      inputs: [[1.0]]
      steps: [forward]
"""


@pytest.mark.parametrize(
    ("fields", "words", "line"),
    [
        ({"model": "Nueron"}, "did you mean 'Neuron'", 9),
        ({"examples": 0}, "networks.examples must be between 1 and 200", 8),
        ({"width": "[3, 2]"}, "networks.width is [min, max]", 10),
    ],
)
def test_networks_spec_errors_point_at_their_line(
    write: Callable[[str, str], Path], fields: dict, words: str, line: int
) -> None:
    values = {"examples": 5, "model": "Neuron", "width": "[1, 2]", **fields}
    path = write("nets.yaml", SPEC.format(**values))
    try:
        load_problem(path)
    except (SpecError, SpecErrors) as raised:
        errors = list(raised.errors) if isinstance(raised, SpecErrors) else [raised]
    else:
        raise AssertionError("the spec loaded")
    assert any(words in e.message and e.location.line == line for e in errors), [
        (e.location.line, e.message) for e in errors
    ]


def test_an_unknown_networks_key_suggests_the_close_one(write: Callable[[str, str], Path]) -> None:
    text = SPEC.format(examples=5, model="Neuron", width="[1, 2]").replace("examples:", "exmaples:")
    with pytest.raises(SpecError) as raised:
        load_problem(write("nets.yaml", text))
    assert "examples" in str(raised.value) and raised.value.location.line == 8
