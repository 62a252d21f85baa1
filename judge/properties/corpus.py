"""A problem's random graphs with their reference values, generated once and cached.

Generating 200 graphs takes hypothesis about half a second (plus 200 ms to import it);
a run whose corpus is cached reads one JSON file instead.  The cache key covers
everything the graphs depend on: the graph shape the spec asks for, the seed, the
number of examples, and the judge's code and hypothesis's version (``judge.fingerprint``).
So the same seed gives the same graphs, and a changed generator never serves stale ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import msgspec

from judge.cachedir import cache_dir, read_private
from judge.engine.evaluate import Reference
from judge.errors import UnsafeCache
from judge.files import write_atomic
from judge.fingerprint import code_fingerprint
from judge.program.model import Instruction, Program
from judge.properties.rules import GraphShape, fair

FORMAT = 1
MAX_ATTEMPTS = 8  # hypothesis runs (each with its own seed) to collect distinct graphs

StoredOp = tuple[str, str, list[str | int | float]]


class StoredGraph(msgspec.Struct, array_like=True, frozen=True):
    """One graph on disk: its ops, its output, and per node (in op order) the
    reference data, grad and their scales."""

    ops: list[StoredOp]
    backward: str
    data: list[float]
    grad: list[float]
    data_scale: list[float]
    grad_scale: list[float]


class StoredCorpus(msgspec.Struct, frozen=True):
    key: str
    graphs: list[StoredGraph]


@dataclass(frozen=True)
class Graph:
    """A corpus graph: what the worker runs, and what it must answer."""

    stored: StoredGraph

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(op[0] for op in self.stored.ops)

    @cached_property
    def wire(self) -> dict[str, Any]:
        return {"ops": self.stored.ops, "backward": self.stored.backward}

    @cached_property
    def reference(self) -> Reference:
        stored, names = self.stored, self.names
        return Reference(
            data=dict(zip(names, stored.data, strict=True)),
            grad=dict(zip(names, stored.grad, strict=True)),
            data_scale=dict(zip(names, stored.data_scale, strict=True)),
            grad_scale=dict(zip(names, stored.grad_scale, strict=True)),
        )

    @cached_property
    def program(self) -> Program:
        instructions = tuple(
            Instruction(target, op, tuple(args)) for target, op, args in self.stored.ops
        )
        return Program(instructions, self.stored.backward)


def store(program: Program, reference: Reference) -> StoredGraph:
    """The on-disk form of a graph and its reference values."""
    names = program.nodes
    return StoredGraph(
        ops=[(i.target, i.op, list(i.args)) for i in program.instructions],
        backward=program.backward or names[-1],
        data=[reference.data[n] for n in names],
        grad=[reference.grad[n] for n in names],
        data_scale=[reference.data_scale[n] for n in names],
        grad_scale=[reference.grad_scale[n] for n in names],
    )


def inputs_key(shape: GraphShape, seed: int, examples: int) -> str:
    """A digest of what a corpus is drawn from: the shape, seed and size (and the
    stored format).  The code that draws it is the other half of a key."""
    parts = {"format": FORMAT, "shape": asdict(shape), "seed": seed, "examples": examples}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def corpus_key(shape: GraphShape, seed: int, examples: int) -> str:
    """The cache key of the corpus for this shape, seed and size, and the judge's code."""
    parts = [inputs_key(shape, seed, examples), code_fingerprint()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def load_graphs(shape: GraphShape, seed: int, examples: int, label: str) -> tuple[Graph, ...]:
    """The corpus for ``shape``, ``seed`` and ``examples``: from the cache if it is
    there, else generated (with hypothesis) and cached.  ``label`` names the file."""
    key = corpus_key(shape, seed, examples)
    path = cached_file(f"{label}-{key[:20]}.json")
    stored = _read(path, key) if path is not None else None
    if stored is None:
        stored = generate(shape, seed, examples)
        save(path, msgspec.json.encode(StoredCorpus(key, stored)))
    return wrap(stored)


def wrap(stored: list[StoredGraph]) -> tuple[Graph, ...]:
    """Stored graphs as the corpus a run uses."""
    return tuple(Graph(graph) for graph in stored)


def cached_file(name: str) -> Path | None:
    """Where to cache ``name``, or None when there is no usable cache folder (one that
    cannot be created, or that others could write to: see ``judge.cachedir``)."""
    try:
        return cache_dir("graphs") / name
    except (OSError, UnsafeCache):
        return None


def save(path: Path | None, content: bytes) -> None:
    """Cache ``content`` if possible: a cache that cannot be written only costs time."""
    if path is not None:
        with contextlib.suppress(OSError):
            write_atomic(path, content.decode(), private=True)


def _read(path: Path, key: str) -> list[StoredGraph] | None:
    content = read_private(path)  # None: missing, or someone else's to have written
    if content is None:
        return None
    try:
        corpus = msgspec.json.decode(content, type=StoredCorpus)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return corpus.graphs if corpus.key == key else None


@contextlib.contextmanager
def _no_local_constants() -> Iterator[None]:
    """Keep hypothesis from drawing numbers found in the source files of the modules
    loaded at the time (it does so about 5% of the time, and caches them in a
    ``.hypothesis`` folder): the corpus would then depend on what else is imported."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # a hypothesis without local constants
        yield
        return
    original = providers._get_local_constants
    providers._get_local_constants = Constants
    try:
        yield
    finally:
        providers._get_local_constants = original


def generate(shape: GraphShape, seed: int, examples: int) -> list[StoredGraph]:
    """``examples`` distinct fair graphs: the explicit ones first (see
    ``judge.properties.explicit``), then graphs drawn with hypothesis, deterministically.

    Each attempt runs the ``graphs`` strategy under ``@seed`` with no example database,
    and duplicates are dropped in order; more attempts (with derived seeds) top up the
    corpus when one gives too few distinct graphs.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed

    from judge.properties.explicit import explicit_graphs
    from judge.properties.snippet import render
    from judge.properties.strategies import graphs

    found = {render(program): program for program in explicit_graphs(shape)[:examples]}
    for attempt in range(MAX_ATTEMPTS):
        if len(found) >= examples:
            break

        @settings(
            settings.get_profile("default"),  # not whatever profile a user has loaded
            database=None,
            max_examples=examples,
            phases=[Phase.generate],
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @fixed_seed(seed * 1_000_003 + attempt)
        @given(graphs(shape))
        def collect(program: Program) -> None:
            found.setdefault(render(program), program)

        with _no_local_constants():
            collect()
    stored = []
    for program in list(found.values())[:examples]:
        reference = fair(program)
        if reference is None:  # the strategy only draws fair graphs: a bug in the judge
            raise RuntimeError(f"the strategy drew an unfair graph:\n{render(program)}")
        stored.append(store(program, reference))
    return stored
