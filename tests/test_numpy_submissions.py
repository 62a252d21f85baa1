"""Issue 10: where numpy is installed, a submission may import it, and numbers held as
numpy scalars or 0-d arrays are answers; the worker reads numpy's own files and nothing
else of site-packages, at sandbox auto and strict and with the kernel layers alone; a
problem can still forbid it (``forbid_imports:``), and statements say what may be
imported.  Tested through the real worker."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from judge.cli import cli
from judge.errors import SpecError
from judge.runner import interpreter
from judge.runner.process import WorkerProcess
from judge.sandbox import allowlist, plan
from judge.spec.catalog import Catalog
from tests.samples import GOOD_VALUE, MINI_SPEC, ROOT

np = pytest.importorskip("numpy")  # the test extra installs it; without it, nothing to test

LINUX = sys.platform.startswith("linux")
HOSTILE = Path(__file__).with_name("hostile")
CORRECT = (ROOT / "submissions" / "correct.py").read_text(encoding="utf-8")
# The reference solution as the public engines write it: numpy imported, np.tanh for
# tanh, and every leaf's data a 0-d array (so every answer is an array or a numpy float).
NUMPY_VALUE = "import numpy as np\n" + CORRECT.replace(
    "t = math.tanh(self.data)", "t = np.tanh(self.data)"
).replace("        self.data = float(data)\n", "        self.data = np.array(float(data))\n")


def judge(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_the_numpy_engine_is_what_it_claims() -> None:
    assert "np.tanh(self.data)" in NUMPY_VALUE
    assert "self.data = np.array(float(data))" in NUMPY_VALUE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.float64(1.5), 1.5),
        (np.float32(0.25), 0.25),
        (np.int64(-3), -3.0),
        (np.array(2.5), 2.5),
        (np.array(4, dtype=np.int32), 4),
        (np.array(True), {"type": "ndarray", "repr": "array(True)"}),
        (np.array([1.0]), {"type": "ndarray", "repr": "array([1.])"}),
        (np.complex128(1j), {"type": "complex128", "repr": "np.complex128(1j)"}),
    ],
)
def test_numpy_scalars_and_0d_arrays_are_numbers(value: object, expected: object) -> None:
    """What the worker sends for a node's data or grad: a number, or what it is."""
    assert interpreter.number(value) == expected


def test_numpy_is_allowed_where_installed_unless_forbidden() -> None:
    allowed = allowlist.resolve()
    assert "numpy" in allowed.names
    numpy_folder = os.path.dirname(os.path.realpath(np.__file__))
    assert numpy_folder in allowed.read
    site = os.path.dirname(numpy_folder)
    assert site not in allowed.read  # the folder of packages only to import from
    refused = allowlist.resolve((), ("numpy",))
    assert "numpy" not in refused.names
    assert numpy_folder not in refused.read
    assert allowlist.resolve((), ("math",)).names == allowlist.DEFAULT_IMPORTS - {"math"} | {
        "numpy"
    }


@pytest.mark.parametrize("level", ["auto", "strict"])
def test_a_numpy_engine_passes_at_auto_and_strict(level: str, tmp_path: Path) -> None:
    path = tmp_path / "value.py"
    path.write_text(NUMPY_VALUE, encoding="utf-8")
    args = ("-p", "autograd-activations", "--sandbox", level, "--format", "json")
    result = judge("run", path, *args)
    report = json.loads(result.output)
    assert result.exit_code == 0, [t for t in report["tests"] if t["status"] != "passed"]
    assert report["status"] == "passed"
    if level == "strict":
        assert {"landlock", "seccomp", "bwrap"} & set(report["sandbox"]["layers"])


def test_a_problem_can_forbid_numpy(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "mini.yaml").write_text(MINI_SPEC + "forbid_imports: [numpy]\n", encoding="utf-8")
    path = tmp_path / "value.py"
    path.write_text("import numpy\n" + GOOD_VALUE, encoding="utf-8")
    result = judge("run", path, "-p", "mini", "--problems", specs, "--format", "json")
    report = json.loads(result.output)
    assert report["status"] == "error"
    assert "tried to import numpy, which this problem does not allow" in report["message"]
    assert {t["status"] for t in report["tests"]} == {"forbidden"}
    shown = judge("problems", "show", "mini", "--problems", specs).output
    assert "numpy" not in shown.split("Imports:", 1)[1].splitlines()[0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("forbid_imports: [numpy.linalg]\n", "'numpy.linalg' is not a top-level module name"),
        ("imports: [numpy]\nforbid_imports: [numpy]\n", "'numpy' is in imports too"),
    ],
)
def test_forbid_imports_is_checked(extra: str, message: str, tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(MINI_SPEC + extra, encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        Catalog.with_extra([tmp_path]).get("mini")


def test_statements_say_what_may_be_imported() -> None:
    """``problems show`` lists the allow-list as this machine resolves it, and each
    built-in statement says numpy may be imported (none forbids it)."""
    for problem in Catalog.with_extra([]).problems():
        assert not problem.forbid_imports
        assert "numpy" in problem.description, problem.id
        shown = judge("problems", "show", problem.id).output
        line = shown.split("Imports: ", 1)[1].splitlines()[0]
        assert "math" in line
        assert "random" in line
        assert "numpy" in line


# -- nothing of site-packages but numpy --------------------------------------------------


@pytest.fixture
def folder() -> Iterator[Path]:
    """A world-readable folder for submissions (the worker may run as another user)."""
    base = Path(tempfile.mkdtemp(prefix="judge-numpy-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def neighbours() -> str:
    """The hostile tail that reaches from numpy for another package of site-packages."""
    import click

    site = Path(np.__file__).resolve().parent.parent
    other = Path(click.__file__).resolve().relative_to(site)
    tail = (HOSTILE / "numpy" / "neighbours.py").read_text(encoding="utf-8")
    tail = tail.replace("__OTHER__", str(other)).replace("__OTHER_MODULE__", "click")
    return GOOD_VALUE + "\n" + tail


@pytest.mark.parametrize("level", ["auto", "strict"])
def test_the_rest_of_site_packages_is_forbidden(level: str, folder: Path) -> None:
    """With every layer: the first reach past numpy ends the worker, ``forbidden``."""
    path = folder / "value.py"
    path.write_text(neighbours(), encoding="utf-8")
    path.chmod(0o644)
    result = judge("run", path, "-p", "basic-autograd", "--sandbox", level, "--format", "json")
    report = json.loads(result.output)
    assert report["status"] == "error"
    assert report["message"].startswith("the sandbox stopped your file while loading"), report
    assert "READS" not in result.output


@pytest.mark.skipif(not LINUX, reason="the kernel layers are Linux's")
@pytest.mark.parametrize("bwrap", [False, True], ids=["landlock", "bwrap"])
def test_the_kernel_layers_alone_let_numpy_read_only_itself(bwrap: bool, folder: Path) -> None:
    """The import guard and the audit hook switched off: Landlock (or bubblewrap's
    mounts) still let numpy read its own files, and nothing else of site-packages."""
    sandbox = plan("auto")
    if bwrap and sandbox.bwrap is None:
        pytest.skip("bubblewrap is not usable here")
    sandbox = replace(sandbox if bwrap else sandbox.without_bwrap(), python_layers=False)
    path = folder / "value.py"
    path.write_text(neighbours(), encoding="utf-8")
    path.chmod(0o644)
    worker = WorkerProcess(path, {"entry": "Value", "limits": {"RLIMIT_CPU": 20}}, sandbox)
    try:
        loaded = worker.start(20)
    finally:
        worker.close()
    if not bwrap and "landlock" not in worker.layers:
        pytest.skip("Landlock does not hold here")
    message = loaded.error.message if loaded.error is not None else ""
    assert message.startswith("READS "), loaded.error
    assert json.loads(message.removeprefix("READS ")) == {
        "numpy file": "allowed",
        "numpy lazy submodule": "allowed",
        "site-packages listing": "denied",
        "other package file": "denied",
        "other package import": "denied",
    }


def test_a_cached_result_is_not_served_once_numpy_comes_or_goes(
    monkeypatch: pytest.MonkeyPatch, mini_dir: Path
) -> None:
    """An engine that failed on ``import numpy`` before numpy was installed is graded
    again after.  (That the key is the same in every process, with no set's order in
    it, the resume tests of tests/test_batch_cli.py show.)"""
    from judge.batch.cache import result_key
    from judge.grading.grade import Options
    from judge.grading.plan import prepare

    plan_ = prepare(Catalog.with_extra([mini_dir]).get("mini"))
    here = result_key(b"import numpy", plan_, Options())
    assert result_key(b"import numpy", plan_, Options()) == here
    allowlist.resolve.cache_clear()
    monkeypatch.setattr(allowlist, "_package_paths", lambda name: None)
    try:
        assert result_key(b"import numpy", plan_, Options()) != here
    finally:
        allowlist.resolve.cache_clear()
