"""A problem's property checks made ready once per plan (so a batch shares them)."""

from __future__ import annotations

from dataclasses import dataclass

from judge.fingerprint import code_fingerprint
from judge.properties.corpus import Graph, load_graphs
from judge.properties.rules import GraphShape
from judge.properties.stress import StressGraph, build
from judge.spec.model import Problem, Properties


@dataclass(frozen=True)
class PreparedProperties:
    """The random graphs (with reference values) and stress graphs of one problem, for
    one seed and number of examples."""

    properties: Properties
    seed: int
    examples: int
    graphs: tuple[Graph, ...]
    stress: tuple[StressGraph, ...]


def shape_of(properties: Properties) -> GraphShape:
    """The graph shape a problem's ``properties:`` section asks for."""
    return GraphShape(
        ops=properties.ops,
        min_nodes=properties.min_nodes,
        max_nodes=properties.max_nodes,
        low=properties.low,
        high=properties.high,
        numbers=properties.numbers,
    )


def prepare_properties(
    problem: Problem,
    properties: Properties,
    seed: int | None = None,
    examples: int | None = None,
) -> PreparedProperties:
    """Load (or generate and cache) the graphs of ``problem``'s ``properties``;
    ``seed`` and ``examples`` override the spec's."""
    seed = properties.seed if seed is None else seed
    examples = properties.examples if examples is None else examples
    graphs = load_graphs(shape_of(properties), seed, examples, problem.id)
    code = code_fingerprint()
    stress = tuple(build(check, code) for check in properties.stress)
    return PreparedProperties(properties, seed, examples, graphs, stress)
