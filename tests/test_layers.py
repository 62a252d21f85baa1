"""Layers only point down: every import between the judge's packages, function-level
ones included, goes from a higher layer to a strictly lower one.

The order is the one drawn in docs/architecture.md ("Layers"); a strict order between
layers has no cycle, so a package that imports one above it (or one that imports it
back) fails here, naming the file and line.  An import inside a function is no way out:
if a lower layer needs something from a higher one, the thing belongs lower.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "judge"

# Bottom first.  A unit is a package under judge/ or a module directly in it; "judge"
# is judge/__init__.py itself: the public API's names, imported lazily from judge.api
# (so it sits on top).  Units in one layer may not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "interrupt", "version"),
    ("files", "cachedir", "fingerprint", "sandbox"),
    ("submission",),  # reads a student's folder with files' safe reads
    ("program", "results"),
    ("runner",),
    ("engine",),
    ("compare",),
    ("spec", "verdicts"),
    ("properties",),
    ("grading",),
    ("report", "deploy"),
    ("batch",),
    ("similarity", "ci"),
    ("cluster",),  # the job queue: over batch's grading, under serve and cli
    ("api", "serve"),  # serve: the site and submissions API over grading and batch
    ("cli",),
    ("__main__", "judge"),
)

Edge = tuple[str, str, str]  # (importing unit, imported unit, "file:line imports name")


def unit_of_module(dotted: str) -> str | None:
    """The unit a dotted module name belongs to, or None outside the judge."""
    parts = dotted.split(".")
    if parts[0] != "judge":
        return None
    if len(parts) == 1:
        return "judge"
    if (PACKAGE / parts[1]).is_dir() or (PACKAGE / f"{parts[1]}.py").is_file():
        return parts[1]
    return "judge"  # ``from judge import __version__``: a name of judge/__init__.py


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    """The dotted names an import statement brings in (``from a import b`` gives
    ``a.b``: b may be a submodule of a or a name in it, and either belongs to a's unit
    unless a is judge itself)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            base = base[: len(base) - node.level + (1 if is_package else 0)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        yield from (f"{source}.{alias.name}" for alias in node.names)


def edges_of(path: Path) -> Iterator[Edge]:
    """Every import of another unit in one file of the judge."""
    where = str(path.relative_to(ROOT))
    text = path.read_text(encoding="utf-8")
    return edges_in(text, _module_name(path), path.stem == "__init__", where)


def edges_in(text: str, module: str, is_package: bool, where: str) -> Iterator[Edge]:
    """Every import of another unit in a module's source, at any depth (functions,
    classes, ``if TYPE_CHECKING:``)."""
    here = unit_of_module(module)
    assert here is not None
    for node in ast.walk(ast.parse(text)):
        targets = {unit_of_module(name) for name in _imported(node, module, is_package)}
        for target in targets - {None, here}:
            yield here, str(target), f"{where}:{getattr(node, 'lineno', 0)}"


def upward(edges: Iterable[Edge], layers: tuple[tuple[str, ...], ...]) -> list[str]:
    """The edges that do not point to a strictly lower layer, described."""
    level = {unit: i for i, layer in enumerate(layers) for unit in layer}
    return [
        f"{where}: {source} (layer {level[source]}) imports {target} (layer {level[target]})"
        for source, target, where in edges
        if level[target] >= level[source]
    ]


def _all_edges() -> list[Edge]:
    return [edge for path in sorted(PACKAGE.rglob("*.py")) for edge in edges_of(path)]


def _units() -> set[str]:
    units = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    units |= {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return units | {"judge"}


def test_every_unit_is_placed_in_exactly_one_layer() -> None:
    placed = [unit for layer in LAYERS for unit in layer]
    assert len(placed) == len(set(placed)), "a unit is in two layers"
    missing = _units() - set(placed)
    assert not missing, f"place {sorted(missing)} in LAYERS here and in docs/architecture.md"
    assert not set(placed) - _units(), f"LAYERS names units that are gone: {set(placed) - _units()}"


def test_imports_point_down_only() -> None:
    edges = _all_edges()
    assert len(edges) > 100  # the walk found the judge's imports, not nothing
    problems = upward(edges, LAYERS)
    assert not problems, (
        "imports that do not point down (move the code they need lower):\n" + "\n".join(problems)
    )


def test_the_drawing_in_the_docs_is_this_order() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawing = text.split("<!-- layers -->")[1].split("<!-- /layers -->")[0]
    rows = [line for line in drawing.splitlines() if line.startswith("|")][2:]  # no header
    drawn = tuple(tuple(re.findall(r"`(\w+)`", row.split("|")[1])) for row in reversed(rows))
    assert drawn == LAYERS


# The checker itself: each of these must be caught.
@pytest.mark.parametrize(
    ("edge", "caught"),
    [
        (("properties", "grading", "check.py:17"), True),  # up: the cycle this test ended
        (("spec", "verdicts", "x.py:1"), True),  # sideways, within one layer
        (("grading", "properties", "grade.py:1"), False),
    ],
)
def test_the_checker_catches_an_import_that_does_not_point_down(edge: Edge, caught: bool) -> None:
    assert bool(upward([edge], LAYERS)) is caught


def test_a_function_level_import_is_an_edge() -> None:
    source = "def f():\n    from judge.grading import grade\n    return grade\n"
    found = list(edges_in(source, "judge.properties.probe", False, "probe.py"))
    assert [(s, t) for s, t, _ in found] == [("properties", "grading")]
    assert upward(found, LAYERS)


def test_names_resolve_to_units() -> None:
    source = "from judge import results, __version__\nfrom . import check\nimport judge.cli\n"
    found = {(s, t) for s, t, _ in edges_in(source, "judge.grading.grade", False, "g.py")}
    assert found == {("grading", "results"), ("grading", "judge"), ("grading", "cli")}
