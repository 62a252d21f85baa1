"""The built-in problems' shipped corpora (judge.properties.shipped): present, fresh,
byte for byte what the generator makes now, keyed on every module generation runs, and
never used when stale or asked for other inputs.  A failure here after a change to the
generator means: rebuild them with ``python -m judge.properties.shipped``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from judge.properties import prepare as prepare_module
from judge.properties import shipped as shipped_module
from judge.properties.corpus import StoredGraph
from judge.properties.prepare import prepare_properties
from judge.properties.shipped import Shipped, build, encode, folder, shipped, sources
from judge.spec.catalog import Catalog, builtin_dir
from judge.spec.model import Problem

ROOT = Path(__file__).resolve().parent.parent
REBUILD = "stale: rebuild with `python -m judge.properties.shipped`"


def builtin_problems() -> list[Problem]:
    return [p for p in Catalog([builtin_dir()]).problems() if p.properties is not None]


@pytest.fixture(autouse=True)
def no_memory() -> None:
    shipped.cache_clear()  # each test reads the files as they are


@pytest.mark.parametrize("problem", builtin_problems(), ids=lambda p: p.id)
def test_every_builtin_problem_ships_a_fresh_corpus(problem: Problem) -> None:
    found = shipped(problem.id)
    assert found is not None, f"problems/built/{problem.id}.json missing or {REBUILD}"
    properties = problem.properties
    assert properties is not None
    shape = shipped_module.shape_of(properties)
    assert found.graphs_for(shape, properties.seed, properties.examples) is not None, REBUILD
    assert len(found.graphs) == properties.examples
    assert all(found.reference_for(spec) is not None for spec in properties.stress), REBUILD


@pytest.mark.parametrize("problem", builtin_problems(), ids=lambda p: p.id)
def test_a_shipped_file_is_what_the_generator_makes_now(problem: Problem) -> None:
    made = build(problem)
    assert made is not None
    on_disk = (folder() / f"{problem.id}.json").read_bytes()
    assert on_disk == encode(made), REBUILD


def test_the_recorded_sources_cover_every_module_generation_imports(tmp_path: Path) -> None:
    """``sources`` finds the modules by reading imports; this runs a generation and a
    stress reference in a fresh interpreter and lists the judge modules it loaded."""
    script = (
        "import json, sys\n"
        "from judge.properties.corpus import generate\n"
        "from judge.properties.rules import GraphShape\n"
        "from judge.properties.stress import stress_reference\n"
        "from judge.spec.model import StressSpec\n"
        "generate(GraphShape(ops=('add', 'mul', 'relu')), 1, 5)\n"
        "for check in ('deep-chain', 'many-paths', 'wide', 'linear-time'):\n"
        "    stress_reference(StressSpec(check=check, size=800))\n"
        "print(json.dumps(sorted(getattr(m, '__file__', None) or '' for n, m in\n"
        "    list(sys.modules.items()) if n == 'judge' or n.startswith('judge.'))))\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "JUDGE_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    package = ROOT / "judge"
    loaded = {Path(f).relative_to(package).as_posix() for f in json.loads(done.stdout) if f}
    assert loaded, done.stdout
    assert loaded <= set(sources()), sorted(loaded - set(sources()))


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped files that the judge reads instead of the real ones."""
    copy = tmp_path / "built"
    shutil.copytree(folder(), copy)
    monkeypatch.setattr(shipped_module, "folder", lambda: copy)
    return copy


def _basic() -> Problem:
    return Catalog([builtin_dir()]).get("basic-autograd")


def _generated_instead(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the corpus generations (the cache's path) instead of running them."""
    calls: list[int] = []

    def load_graphs(shape: object, seed: int, examples: int, label: str) -> tuple[()]:
        calls.append(seed)
        return ()

    monkeypatch.setattr(prepare_module, "load_graphs", load_graphs)
    return calls


def test_a_fresh_shipped_file_is_what_a_run_uses(
    copied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = _generated_instead(monkeypatch)
    problem = _basic()
    assert problem.properties is not None
    prepared = prepare_properties(problem, problem.properties)
    assert generated == []
    found = shipped("basic-autograd")
    assert found is not None
    assert [graph.stored for graph in prepared.graphs] == found.graphs


def _rewrite(path: Path, change: dict[str, object]) -> None:
    content = json.loads(path.read_bytes())
    content.update(change)
    path.write_text(json.dumps(content), encoding="utf-8")


def test_a_file_whose_sources_changed_is_never_used(
    copied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = copied / "basic-autograd.json"
    recorded = json.loads(path.read_bytes())["sources"]
    _rewrite(path, {"sources": {**recorded, "properties/strategies.py": "0" * 64}})
    assert shipped("basic-autograd") is None
    generated = _generated_instead(monkeypatch)
    problem = _basic()
    assert problem.properties is not None
    prepare_properties(problem, problem.properties)
    assert generated == [problem.properties.seed]  # the cache's path, keyed on all the code


def test_a_file_missing_a_recorded_source_or_with_none_is_never_used(copied: Path) -> None:
    path = copied / "basic-autograd.json"
    recorded = json.loads(path.read_bytes())["sources"]
    _rewrite(path, {"sources": {**recorded, "properties/gone.py": "0" * 64}})
    assert shipped("basic-autograd") is None
    shipped.cache_clear()
    _rewrite(path, {"sources": {}})
    assert shipped("basic-autograd") is None


def test_other_inputs_than_the_shipped_ones_are_generated(
    copied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = _generated_instead(monkeypatch)
    problem = _basic()
    assert problem.properties is not None
    prepare_properties(problem, problem.properties, seed=problem.properties.seed + 1)
    prepare_properties(problem, problem.properties, examples=problem.properties.examples - 1)
    assert generated == [problem.properties.seed + 1, problem.properties.seed]


def test_a_damaged_or_foreign_file_is_never_used(copied: Path) -> None:
    path = copied / "basic-autograd.json"
    path.write_bytes(path.read_bytes()[:1000])
    assert shipped("basic-autograd") is None
    shipped.cache_clear()
    shutil.copy(copied / "micrograd-ops.json", path)  # another problem's, renamed
    assert shipped("basic-autograd") is None


def test_stress_references_are_shipped_for_the_checks_and_sizes_only() -> None:
    problem = _basic()
    assert problem.properties is not None
    found = shipped("basic-autograd")
    assert found is not None
    spec = problem.properties.stress[0]
    assert found.reference_for(spec) is not None
    other = type(spec)(check=spec.check, size=(spec.size or 10) + 1)
    assert found.reference_for(other) is None


def test_a_shipped_graph_decodes_as_the_cache_stores_it() -> None:
    found = shipped("basic-autograd")
    assert isinstance(found, Shipped)
    assert all(isinstance(graph, StoredGraph) for graph in found.graphs)


def test_a_run_of_a_builtin_problem_neither_imports_hypothesis_nor_caches_graphs(
    tmp_path: Path,
) -> None:
    """Start-up: ``import judge.cli`` loads no hypothesis, and neither does preparing a
    built-in problem's run, which draws and caches no graph (no cold start)."""
    script = (
        "import sys\n"
        "import judge.cli\n"
        "assert 'hypothesis' not in sys.modules, 'judge.cli imports hypothesis'\n"
        "import judge\n"
        "from judge.grading.plan import prepare\n"
        "prepare(judge.problem('basic-autograd'))\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'hypothesis'))\n"
    )
    cache = tmp_path / "cache"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "JUDGE_CACHE_DIR": str(cache)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
    graphs = cache / "graphs"  # the spec's compiled form may be cached, no graph is
    assert not graphs.exists() or not list(graphs.iterdir())


def test_problems_check_draws_and_caches_an_instructors_graphs_once(
    tmp_path: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instructor's problem has no shipped file: ``judge problems check`` draws its
    graphs and caches them, and a run then reads them instead of drawing them again."""
    from click.testing import CliRunner

    from judge.cli import cli
    from judge.properties import corpus

    spec = (builtin_dir() / "basic-autograd.yaml").read_text(encoding="utf-8")
    spec = spec.replace("id: basic-autograd", "id: my-autograd").replace(
        "examples: 200", "examples: 20"
    )
    folder_ = tmp_path / "specs"
    folder_.mkdir()
    (folder_ / "my-autograd.yaml").write_text(spec, encoding="utf-8")
    result = CliRunner().invoke(cli, ["problems", "check", str(folder_)])
    assert result.exit_code == 0, result.output
    assert "graphs ready for 1" in result.output
    assert list((private_cache / "graphs").glob("my-autograd-*.json"))

    def no_drawing(*args: object) -> list[StoredGraph]:
        raise AssertionError("drew the graphs again")

    monkeypatch.setattr(corpus, "generate", no_drawing)
    problem = Catalog([folder_]).get("my-autograd")
    assert problem.properties is not None
    assert len(prepare_properties(problem, problem.properties).graphs) == 20
