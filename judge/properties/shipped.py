"""The built-in problems' random graphs and stress references, built once and shipped.

Drawing a problem's 200 random graphs takes hypothesis about 1.5 s (importing it
included), and the stress references a few hundred ms more: the first run on every
machine, CI job and grading container would pay it.  So for each built-in problem
``python -m judge.properties.shipped`` writes ``problems/built/<id>.json`` (in the wheel:
``judge/problems/built``), with the graphs and the stress references exactly as the
generator makes them, and a run reads that file instead of generating or caching.

A shipped file is keyed by two things, both checked before it is used:

* its **inputs**: the graph shape, seed and number of examples the spec asks for
  (``corpus.inputs_key``; a ``--seed`` or ``--examples`` of the user's, or an
  instructor's problem of the same id with other settings, does not match it), and the
  check and size of each stress graph;
* its **sources**: the bytes of every module of the judge the generation runs
  (``sources``: ``corpus`` and ``stress`` and, followed through their imports, function
  level ones included, everything they use).  A change to any of them makes the file
  stale, and a stale file is never used: the run falls back to the user's cache
  (``corpus.load_graphs``), which keys on the whole judge.

tests/test_shipped.py checks that every shipped file is fresh, that its content is
byte for byte what the generator makes now, and that its sources cover the
generation's imports; so a change that alters generation fails the suite until the
files are rebuilt.  The version of hypothesis the graphs were drawn with is recorded
but not part of the key: another hypothesis draws other graphs, not wrong ones, and the
shipped ones stay the problem's corpus (the test says when the files need rebuilding).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec

from judge.engine.evaluate import Reference
from judge.fingerprint import PACKAGE
from judge.properties.corpus import StoredGraph, generate, inputs_key
from judge.properties.rules import GraphShape
from judge.properties.stress import size_of, stress_reference
from judge.spec.catalog import Catalog, builtin_dir
from judge.spec.model import Problem, Properties, StressSpec

FORMAT = 1
FOLDER = "built"  # beside the built-in specs
# The modules generation starts from; ``sources`` follows their imports.
ROOTS = ("judge.properties.corpus", "judge.properties.stress")


class ShippedStress(msgspec.Struct, frozen=True):
    """A stress graph's reference values (of the nodes read back), for its check and
    size; the graph itself is cheap to rebuild from them."""

    check: str
    size: int
    data: dict[str, float]
    grad: dict[str, float]
    data_scale: dict[str, float]
    grad_scale: dict[str, float]


class Shipped(msgspec.Struct, frozen=True):
    """One built-in problem's shipped corpus and stress references (see the module's
    docstring for what keys it)."""

    format: int
    problem: str
    inputs: str
    sources: dict[str, str]  # path under the package: sha256 of its bytes
    hypothesis: str  # the version that drew the graphs: information, not key
    graphs: list[StoredGraph]
    stress: list[ShippedStress]

    def graphs_for(self, shape: GraphShape, seed: int, examples: int) -> list[StoredGraph] | None:
        """The shipped graphs if they are the corpus of ``shape``, ``seed`` and
        ``examples``, else None."""
        return self.graphs if self.inputs == inputs_key(shape, seed, examples) else None

    def reference_for(self, spec: StressSpec) -> Reference | None:
        """The shipped reference values of the stress graph ``spec`` asks for, or None."""
        for stress in self.stress:
            if stress.check == spec.check and stress.size == size_of(spec):
                return Reference(stress.data, stress.grad, stress.data_scale, stress.grad_scale)
        return None


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


def folder() -> Path:
    """Where the shipped files are: ``built`` beside the built-in specs."""
    return builtin_dir() / FOLDER


@functools.cache
def shipped(problem_id: str) -> Shipped | None:
    """The shipped file of ``problem_id`` if there is one and it is fresh (its sources
    unchanged), else None.  Read once per process."""
    path = folder() / f"{problem_id}.json"
    try:
        found = msgspec.json.decode(path.read_bytes(), type=Shipped)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    if found.format != FORMAT or found.problem != problem_id or not fresh(found.sources):
        return None
    return found


def fresh(recorded: dict[str, str]) -> bool:
    """Whether every recorded source still has the bytes it had when the file was built
    (about 0.5 ms for the twenty-odd files)."""
    return bool(recorded) and all(
        _digest(PACKAGE / name) == digest for name, digest in recorded.items()
    )


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# -- building ---------------------------------------------------------------------------


def sources() -> dict[str, str]:
    """Every module of the judge that generation runs, each with the digest of its bytes:
    the ``ROOTS`` and, followed through their imports (function level ones too), every
    judge module they import, with the ``__init__`` of each package on the way."""
    found: dict[str, str] = {}
    pending = list(ROOTS)
    while pending:
        module = pending.pop()
        for dotted, path in _files_of(module):
            name = path.relative_to(PACKAGE).as_posix()
            if name not in found:
                found[name] = _digest(path) or ""
                pending.extend(_imports(path, dotted))
    return dict(sorted(found.items()))


def _module_file(dotted: str) -> Path | None:
    """The file of the judge module ``dotted`` (a package's ``__init__``), or None."""
    here = PACKAGE.joinpath(*dotted.split(".")[1:])
    if here.is_dir():
        return here / "__init__.py"
    return here.with_suffix(".py") if here.with_suffix(".py").is_file() else None


def _files_of(module: str) -> Iterator[tuple[str, Path]]:
    """The dotted name and file of a judge module and of each package above it:
    importing it runs them all."""
    parts = module.split(".")
    for depth in range(1, len(parts) + 1):
        dotted = ".".join(parts[:depth])
        path = _module_file(dotted)
        if path is not None:
            yield dotted, path


def _imports(path: Path, module: str) -> Iterator[str]:
    """The judge modules ``path`` (the module ``module``) imports anywhere in it (at its
    top level only for a package's ``__init__``): ``from a import b`` gives ``a.b`` when
    that is a module, else ``a``."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    tree = ast.parse(path.read_bytes())
    # A package's __init__ runs on import, but not its functions (judge/__init__.py
    # imports its public API lazily, from a function): its top level is what counts.
    for node in tree.body if is_package else ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                above = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*above, *([base] if base else [])])
            for alias in node.names:
                inner = f"{base}.{alias.name}"
                names.append(inner if _module_file(inner) is not None else base)
        yield from (name for name in names if name.split(".")[0] == "judge")


def _hypothesis_version() -> str:
    from hypothesis import __version__

    return str(__version__)


def build(problem: Problem) -> Shipped | None:
    """What the generator makes for ``problem`` now, as its shipped file (None: the
    problem has no random graphs)."""
    properties = problem.properties
    if properties is None:
        return None
    shape = shape_of(properties)
    graphs = generate(shape, properties.seed, properties.examples)
    stress = []
    for spec in properties.stress:
        reference = stress_reference(spec)
        stress.append(
            ShippedStress(
                spec.check,
                size_of(spec),
                reference.data,
                reference.grad,
                reference.data_scale,
                reference.grad_scale,
            )
        )
    return Shipped(
        FORMAT,
        problem.id,
        inputs_key(shape, properties.seed, properties.examples),
        sources(),
        _hypothesis_version(),
        graphs,
        stress,
    )


def encode(shipped: Shipped) -> bytes:
    """A shipped file's bytes: compact JSON (it is generated, never edited)."""
    return msgspec.json.encode(shipped) + b"\n"


def main(argv: list[str] | None = None) -> int:
    """Rebuild every built-in problem's shipped file (``python -m
    judge.properties.shipped``); with ``--check``, only say which are stale."""
    check_only = "--check" in (argv if argv is not None else sys.argv[1:])
    target = folder()
    stale = []
    for problem in Catalog([builtin_dir()]).problems():
        made = build(problem)
        path = target / f"{problem.id}.json"
        if made is None:
            continue
        content = encode(made)
        if path.is_file() and path.read_bytes() == content:
            continue
        stale.append(path.name)
        if not check_only:
            target.mkdir(exist_ok=True)
            path.write_bytes(content)
    verb = "stale" if check_only else "rebuilt"
    print(f"{verb}: {', '.join(stale)}" if stale else "every shipped file is up to date")
    return 1 if stale and check_only else 0


if __name__ == "__main__":
    sys.exit(main())
