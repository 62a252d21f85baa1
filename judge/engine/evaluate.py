"""Run a program on the reference engine: the values every submission is held to."""

from __future__ import annotations

import math
from dataclasses import dataclass

from judge.engine import network
from judge.engine.reference import Value
from judge.program.model import Program
from judge.program.network import NetworkProgram
from judge.runner.interpreter import ContractBroken, NetworkRun, execute, paused_gc


class ReferenceError(Exception):
    """The reference engine cannot evaluate the program (a math domain error, an
    overflow, a complex result).  For a spec, the case must be changed."""


@dataclass(frozen=True)
class Reference:
    """Per node: data, grad, and the scale of each (the magnitude of the terms summed)."""

    data: dict[str, float]
    grad: dict[str, float]
    data_scale: dict[str, float]
    grad_scale: dict[str, float]


def evaluate(program: Program) -> Reference:
    """Build the program's graph with the reference ``Value`` and run ``backward``."""
    wire = program.to_wire()
    try:
        with paused_gc():
            nodes: dict[str, Value] = execute(wire["ops"], wire["backward"], Value)  # type: ignore[arg-type]
    except (ArithmeticError, ValueError, TypeError) as error:
        raise ReferenceError(f"the reference engine cannot evaluate it: {error}") from None
    for name, node in nodes.items():
        if not (isinstance(node.data, float) and math.isfinite(node.data)):
            raise ReferenceError(f"node {name!r} is {node.data!r}, not a finite number")
        if not math.isfinite(node.grad):
            raise ReferenceError(f"the gradient of {name!r} is {node.grad!r}, not finite")
    return Reference(
        data={name: node.data for name, node in nodes.items()},
        grad={name: node.grad for name, node in nodes.items()},
        data_scale={name: node.scale for name, node in nodes.items()},
        grad_scale={name: node.grad_scale for name, node in nodes.items()},
    )


def evaluate_network(program: NetworkProgram) -> Reference:
    """Run a network program on the reference network (``judge.engine.network``), with
    the interpreter the worker runs it with; every reading with its rounding scale."""
    data: dict[str, float] = {}
    grad: dict[str, float] = {}
    data_scale: dict[str, float] = {}
    grad_scale: dict[str, float] = {}

    def observe(name: str, field: str, node: Value) -> None:
        if field == "data":
            data[name], data_scale[name] = node.data, node.scale
        else:
            grad[name], grad_scale[name] = node.grad, node.grad_scale

    classes = {"Value": Value, "Neuron": network.Neuron, "Layer": network.Layer, "MLP": network.MLP}
    wire = program.to_wire()["network"]
    try:
        with paused_gc():
            run = NetworkRun(wire, classes, observe, network.inject, network.descend)  # type: ignore[arg-type]
            run.run(wire["steps"])  # type: ignore[index]
    except (ArithmeticError, ValueError, TypeError, ContractBroken) as error:
        raise ReferenceError(f"the reference network cannot run it: {error}") from None
    for name, number in [*data.items(), *grad.items()]:
        if not math.isfinite(number):
            raise ReferenceError(f"{name} is {number!r}, not a finite number")
    return Reference(data, grad, data_scale, grad_scale)


def evaluate_case(program: Program | NetworkProgram) -> Reference:
    """The reference values of a case's program, a graph or a network."""
    if isinstance(program, NetworkProgram):
        return evaluate_network(program)
    return evaluate(program)
