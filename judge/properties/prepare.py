"""A problem's property checks made ready once per plan (so a batch shares them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from judge.properties.corpus import Graph, load_graphs, wrap
from judge.properties.shipped import shape_of, shipped
from judge.properties.stress import StressGraph, build
from judge.spec.model import Problem, Properties

__all__ = ["PreparedProperties", "prepare_graphs", "prepare_properties", "shape_of"]


@dataclass(frozen=True)
class PreparedProperties:
    """The random graphs (with reference values) and stress graphs of one problem, for
    one seed and number of examples."""

    properties: Properties
    seed: int
    examples: int
    graphs: tuple[Graph, ...]
    stress: tuple[StressGraph, ...]


def prepare_properties(
    problem: Problem,
    properties: Properties,
    seed: int | None = None,
    examples: int | None = None,
) -> PreparedProperties:
    """The graphs of ``problem``'s ``properties``: shipped (a built-in problem's, see
    ``judge.properties.shipped``), else cached, else generated and cached; ``seed`` and
    ``examples`` override the spec's."""
    seed = properties.seed if seed is None else seed
    examples = properties.examples if examples is None else examples
    shape = shape_of(properties)
    ready = shipped(problem.id)  # a built-in problem's, when fresh: no cache, no hypothesis
    stored = ready.graphs_for(shape, seed, examples) if ready is not None else None
    graphs = load_graphs(shape, seed, examples, problem.id) if stored is None else wrap(stored)
    stress = tuple(
        build(check, known=ready.reference_for(check) if ready is not None else None)
        for check in properties.stress
    )
    return PreparedProperties(properties, seed, examples, graphs, stress)


def prepare_graphs(problems: Iterable[Problem]) -> int:
    """Make ready (shipped, else generated and cached) the graphs of every problem that
    has random graphs, so that the first run of each reads them instead of drawing them
    (``judge problems check`` does this for an instructor's folder).  How many had them."""
    count = 0
    for problem in problems:
        if problem.properties is not None:
            prepare_properties(problem, problem.properties)
            count += 1
    return count
