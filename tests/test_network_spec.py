"""A case's network: section is data that is checked: every error in it names its file
and line (with "did you mean" where a name is close), and `judge problems check`
recomputes its written expectations with the reference network."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from judge.errors import SpecError, SpecErrors
from judge.program.network import NetworkProgram
from judge.spec.catalog import check_folder
from judge.spec.loader import load_problem

NETWORK_SPEC = """\
id: tiny-net
title: A tiny network
description: One neuron.
starter: "class Neuron: ..."
entry: Neuron
ops: [add, mul, relu]
cases:
  - name: forward and backward
    topic: a neuron
    network:
      model: Neuron(2)
      weights: [0.5, -1.0, 0.25]
      inputs: [[1.0, 2.0], [3.0, -1.0]]
      loss: squared-error
      targets: [1.0, 0.0]
      steps:
        - forward
        - loss
        - repeat: 2
          do: [forward, loss, zero_grad, backward, {step: 0.1}]
        - grads
    expect:
      data: {"step 2: loss": 8.5625}
"""
# Line numbers in NETWORK_SPEC: model 11, weights 12, inputs 13, loss 14, targets 15,
# steps 16, forward 17, loss 18, repeat 19, do 20, grads 21, expect's data 23.


def _errors(path: Path) -> list[SpecError]:
    try:
        load_problem(path)
    except SpecErrors as many:
        return list(many.errors)
    except SpecError as one:
        return [one]
    raise AssertionError("the spec loaded")


def test_a_network_case_compiles(write: Callable[[str, str], Path]) -> None:
    problem = load_problem(write("net.yaml", NETWORK_SPEC))
    program = problem.cases[0].program
    assert isinstance(program, NetworkProgram)
    assert program.model.parameter_count == 3
    assert [step.name for step in program.steps] == ["forward", "loss", "repeat", "grads"]
    assert problem.cases[0].source.startswith("model = Neuron(2)\n")
    assert check_folder(Path(problem.path).parent)[0].id == "tiny-net"


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        (
            "model: Neuron(2)",
            "model: Nueron(2)",
            11,
            "unknown class 'Nueron'; did you mean 'Neuron'?",
        ),
        ("model: Neuron(2)", "model: Neuron(2, relu=True)", 11, "Neuron takes nin, nonlin=False"),
        ("model: Neuron(2)", "model: Neuron(x)", 11, "literal numbers"),
        ("model: Neuron(2)", "model: MLP(2, [1, 1])", 11, "a hidden layer of one neuron"),
        ("weights: [0.5, -1.0, 0.25]", "weights: [0.5, -1.0]", 12, "Neuron(2) has 3 parameters"),
        ("weights: [0.5, -1.0, 0.25]", "weights: {sead: 3}", 12, "did you mean 'seed'?"),
        ("[[1.0, 2.0], [3.0, -1.0]]", "[[1.0, 2.0], [3.0]]", 13, "sample 1 has 1 numbers"),
        ("loss: squared-error", "loss: squared-eror", 14, "did you mean 'squared-error'?"),
        ("targets: [1.0, 0.0]", "targets: [1.0]", 15, "one per input, 2; 1 written"),
        ("targets: [1.0, 0.0]", "targets: [1.0, [0.0, 1.0]]", 15, "write one number"),
        (
            "        - forward\n        - loss",
            "        - forwad\n        - loss",
            17,
            "did you mean 'forward'?",
        ),
        (
            "        - forward\n        - loss",
            "        - loss\n        - forward",
            17,
            "needs a forward step",
        ),
        ("        - repeat: 2", "        - repeat: 0", 19, "repeat: between 1 and 1000"),
        ("{step: 0.1}", "{stepp: 0.1}", 20, "unknown key 'stepp'; did you mean 'step'?"),
        ("{step: 0.1}", "{step: {lr: 0.1, decai: 1}}", 20, "did you mean 'decay'?"),
        ("        - grads", "        - grad", 21, "did you mean 'grads'?"),
        ("        - grads", "        - step", 21, "write it as a mapping"),
        ('"step 2: loss"', '"step 2: los"', 23, "did you mean 'step 2: loss'?"),
        (
            "    network:\n",
            "    program: |\n      a = Value(1)\n    network:\n",
            8,
            "both a program: and a network:",
        ),
    ],
)
def test_network_spec_errors_point_at_their_line(
    write: Callable[[str, str], Path], old: str, new: str, line: int, words: str
) -> None:
    assert old in NETWORK_SPEC
    path = write("broken.yaml", NETWORK_SPEC.replace(old, new, 1))
    errors = _errors(path)
    assert any(words in e.message and e.location.line == line for e in errors), [
        (e.location.line, e.message) for e in errors
    ]


def test_a_case_needs_a_program_or_a_network(write: Callable[[str, str], Path]) -> None:
    text = NETWORK_SPEC.split("    network:")[0]
    (error,) = _errors(write("none.yaml", text))
    assert error.location.line == 8
    assert "needs a program: (a graph of Values) or a network:" in error.message


def test_check_recomputes_a_written_reading(write: Callable[[str, str], Path]) -> None:
    path = write("specs/wrong.yaml", NETWORK_SPEC.replace("8.5625", "3.0"))
    with pytest.raises(SpecErrors) as raised:
        check_folder(path.parent)
    (error,) = raised.value.errors
    assert error.location.line == 23
    assert (
        "data of 'step 2: loss' is written as 3.0, but the reference engine computes 8.5625"
        in error.message
    )


def test_too_many_readings_are_refused(write: Callable[[str, str], Path]) -> None:
    text = NETWORK_SPEC.replace("- repeat: 2", "- repeat: 1000").replace(
        "do: [forward, loss, zero_grad, backward, {step: 0.1}]",
        "do: [forward, loss, zero_grad, backward, grads, params, grads, params, grads, params]",
    )
    errors = _errors(write("big.yaml", text))
    assert any("at most 20000" in e.message and e.location.line == 17 for e in errors)
