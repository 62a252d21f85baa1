"""A student's folder as a submission (issue 13): ``engine.py`` + ``nn.py``, or the
package layout ``micrograd/engine.py`` + ``micrograd/nn.py``, graded through the real
worker at ``auto`` and ``strict``; read once and safely; every sandbox layer holding
for every module of the folder; its lines named by file."""

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
from click.testing import CliRunner

from judge import api
from judge.batch.discover import discover
from judge.cli import cli
from judge.errors import SubmissionError, UnsafeSubmission
from judge.runner.process import WorkerProcess
from judge.sandbox import plan
from judge.submission import folder as folders
from judge.submission import read, source_of
from tests import micrograd_package
from tests.samples import GOOD_VALUE, ROOT

LINUX = sys.platform.startswith("linux")
NETWORK = ROOT / "submissions" / "networks" / "mlp-training"  # engine.py + nn.py


@pytest.fixture
def base() -> Iterator[Path]:
    """A world-readable folder for submissions (the worker may run as another user)."""
    made = Path(tempfile.mkdtemp(prefix="judge-folders-"))
    made.chmod(0o755)
    yield made
    shutil.rmtree(made, ignore_errors=True)


def student(base: Path, files: dict[str, str], name: str = "bob") -> Path:
    """A student's folder under ``base`` holding ``files`` (relative path: text)."""
    root = base / name
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


def judge_run(path: Path, level: str = "auto", *more: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(
        cli, ["run", str(path), "--sandbox", level, "--format", "json", *more]
    )
    return result.exit_code, json.loads(result.output)


# -- reading a folder ---------------------------------------------------------------


def test_a_folder_is_read_whole_packed_and_named_by_file(base: Path) -> None:
    root = student(base, {"engine.py": "a = 1\nb = 2\n", "nn.py": "\ufeffc = 3\r\nd = 4"})
    (root / "notes.txt").write_text("not a module")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "engine.py").write_text("stale")
    content = read(root)
    assert folders.is_packed(content)
    assert folders.unpack(content) == folders.read_folder(root)
    assert [path for path, _ in folders.unpack(content).files] == ["engine.py", "nn.py"]
    source = source_of(root, content)
    assert source.text == "a = 1\nb = 2\nc = 3\nd = 4\n"  # no mark, \n line ends
    assert [source.where(line) for line in (2, 3, 4)] == [
        "engine.py, line 2",
        "nn.py, line 1",
        "nn.py, line 2",
    ]
    assert not source.is_notebook and source.is_folder


def test_the_entry_module_is_the_one_defining_the_entry_class(base: Path) -> None:
    root = student(
        base,
        {
            "engine.py": "class Value:\n    pass\n",
            "nn.py": "from engine import Value\nclass MLP:\n    pass\n",
            "micrograd/engine.py": "class Value:\n    pass\n",
        },
    )
    found = folders.read_folder(root)
    assert folders.entry_module(found, "MLP").name == "nn"
    assert folders.entry_module(found, "Value").name == "engine"  # the shallowest
    assert folders.entry_module(found, "Neuron").name == "engine"  # none: the first
    listed = folders.worker_modules(found, "Value")["list"]
    assert ["micrograd", "", True] in listed  # a package without __init__.py


def test_a_link_inside_the_folder_is_refused(base: Path) -> None:
    secret = base / "secret.py"
    secret.write_text("class Value: pass\n")
    root = student(base, {"nn.py": "from engine import Value\n"})
    (root / "engine.py").symlink_to(secret)
    with pytest.raises(UnsafeSubmission, match=r"engine\.py is a symbolic link"):
        read(root)
    (root / "engine.py").unlink()
    (root / "micrograd").symlink_to(base)  # a folder elsewhere
    with pytest.raises(UnsafeSubmission, match="micrograd is a symbolic link"):
        read(root)
    (root / "micrograd").unlink()
    (root / "README.md").symlink_to(secret)  # not a module: skipped, never read
    assert [path for path, _ in folders.read_folder(root).files] == ["nn.py"]


def test_a_hard_link_inside_the_folder_is_refused(base: Path) -> None:
    root = student(base, {"nn.py": "x = 1\n", "micrograd/engine.py": "y = 2\n"})
    os.link(root / "micrograd" / "engine.py", base / "elsewhere.py")
    with pytest.raises(UnsafeSubmission, match="2 names"):
        read(root)


def test_the_folder_itself_as_a_link_is_refused(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = student(base, {"engine.py": GOOD_VALUE})
    (base / "alias").symlink_to(root)
    monkeypatch.chdir(base)
    with pytest.raises(UnsafeSubmission, match="symbolic link"):
        read(Path("alias"))


def test_a_folder_is_bounded(base: Path) -> None:
    many = {f"m{index}.py": "" for index in range(folders.MAX_MODULES + 1)}
    with pytest.raises(SubmissionError, match=f"more than {folders.MAX_MODULES} .py files"):
        read(student(base, many, "many"))
    big = {f"m{index}.py": "#" * 300_000 + "\n" for index in range(4)}
    with pytest.raises(SubmissionError, match="more than 1 MiB in all"):
        read(student(base, big, "big"))
    deep = {"a/b/c/d/e/f.py": ""}
    with pytest.raises(SubmissionError, match="deeper than"):
        read(student(base, deep, "deep"))
    with pytest.raises(SubmissionError, match=r"no \.py file"):
        read(student(base, {"notes.txt": ""}, "empty"))


def test_a_module_named_like_the_standard_library_is_refused(base: Path) -> None:
    """Its name would join the allow-list (the student's modules import each other)."""
    root = student(base, {"engine.py": GOOD_VALUE, "os.py": "x = 1\n"})
    with pytest.raises(SubmissionError, match=r"os\.py: the standard library has a module"):
        read(root)


# -- through the real worker --------------------------------------------------------


@pytest.mark.parametrize("level", ["auto", "strict"])
def test_engine_and_nn_pass_basic_autograd(level: str, base: Path) -> None:
    root = base / "alice"
    shutil.copytree(NETWORK, root)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    code, report = judge_run(root, level)
    assert code == 0 and report["status"] == "passed", report
    assert report["sandbox"]["level"] == level  # type: ignore[index]


@pytest.mark.parametrize("level", ["auto", "strict"])
def test_pypi_micrograd_as_a_package_folder_passes(level: str, tmp_path: Path) -> None:
    root = micrograd_package.student_folder(tmp_path)
    for path in [tmp_path, root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    code, report = judge_run(root, level)
    assert code == 0 and report["status"] == "passed", report


def test_relative_imports_in_a_package_work(base: Path) -> None:
    root = student(
        base,
        {
            "micrograd/__init__.py": "",
            "micrograd/engine.py": GOOD_VALUE,
            "micrograd/nn.py": "from .engine import Value\nfrom . import engine\n",
        },
    )
    code, report = judge_run(root)
    assert code == 0, report


def test_the_installed_micrograd_is_never_picked_up(base: Path) -> None:
    """Only micrograd/nn.py: its ``from micrograd.engine import Value`` must not find
    the engine pip installed beside the judge (which would pass)."""
    micrograd_package.installed()  # it is there to be found
    nn = (micrograd_package.installed() / "nn.py").read_text(encoding="utf-8")
    root = student(base, {"micrograd/nn.py": nn})
    code, report = judge_run(root)
    assert code == 1 and report["status"] == "error", report
    message = str(report["message"])
    assert "ModuleNotFoundError" in message and "micrograd.engine" in message, message


def test_an_error_names_the_file_and_its_line(base: Path) -> None:
    helper = "import math\n\n\nraise ValueError('broken helper')\n"
    root = student(base, {"engine.py": "import helper\n" + GOOD_VALUE, "helper.py": helper})
    code, report = judge_run(root)
    assert code == 1, report
    assert "helper.py, line 4" in str(report["message"]), report
    # Every module is compiled when the worker starts, imported or not.
    syntax = student(base, {"engine.py": GOOD_VALUE, "nn.py": "x = (\n"}, "carol")
    code, report = judge_run(syntax)
    assert "syntax error at nn.py, line 1" in str(report["message"]), report


# -- hostile modules inside a folder --------------------------------------------------

HELPER_READS = """
import sys
SECRET = open(__SECRET__).read()
print("LEAKED", SECRET)
"""
ENGINE_IMPORTING_HELPER = "import helper\n" + GOOD_VALUE


@pytest.mark.parametrize("level", ["auto", "strict"])
def test_a_hostile_module_in_a_folder_is_stopped(level: str, base: Path) -> None:
    secret = base / "solutions.txt"
    secret.write_text("TOP-SECRET-ANSWERS")
    secret.chmod(0o644)
    helper = HELPER_READS.replace("__SECRET__", repr(str(secret)))
    root = student(base, {"engine.py": ENGINE_IMPORTING_HELPER, "helper.py": helper})
    code, report = judge_run(root, level)
    assert code == 1 and report["status"] == "error", report
    message = str(report["message"])
    assert message.startswith("the sandbox stopped your code while loading"), message
    assert "helper.py, line 3" in message, message
    assert "TOP-SECRET" not in json.dumps(report)


@pytest.mark.parametrize("level", ["auto", "strict"])
def test_a_module_in_a_package_cannot_import_outside_the_allow_list(level: str, base: Path) -> None:
    root = student(
        base,
        {
            "micrograd/engine.py": GOOD_VALUE,
            "micrograd/nn.py": "import socket\n",
            "micrograd/__init__.py": "from . import nn\n",
        },
    )
    code, report = judge_run(root, level)
    assert code == 1, report
    assert "tried to import socket" in str(report["message"]), report
    assert "micrograd/nn.py, line 1" in str(report["message"]), report


@pytest.mark.skipif(not LINUX, reason="the kernel layers are Linux's")
@pytest.mark.parametrize("bwrap", [False, True], ids=["landlock", "bwrap"])
def test_the_kernel_layers_alone_keep_a_folder_to_itself(bwrap: bool, base: Path) -> None:
    """The import guard and the audit hook off: Landlock (or bubblewrap's mounts) still
    let the folder's modules read each other and nothing beside the folder."""
    sandbox = plan("auto")
    if bwrap and sandbox.bwrap is None:
        pytest.skip("bubblewrap is not usable here")
    sandbox = replace(sandbox if bwrap else sandbox.without_bwrap(), python_layers=False)
    secret = base / "solutions.txt"
    secret.write_text("TOP-SECRET-ANSWERS")
    secret.chmod(0o644)
    probe = (
        "def attempt(path):\n"
        "    try:\n"
        "        open(path).read()\n"
        "        return 'read'\n"
        "    except OSError:\n"
        "        return 'denied'\n"
        f"raise RuntimeError('READS ' + attempt({str(secret)!r}) + ' '"
        " + attempt(__file__.rsplit('/', 1)[0] + '/nn.py'))\n"
    )
    root = student(base, {"engine.py": GOOD_VALUE, "nn.py": "x = 1\n", "probe.py": probe})
    content = read(root)
    modules = folders.worker_modules(folders.normalized(folders.unpack(content)), "Value")
    worker = WorkerProcess(
        root,
        {"entry": "Value", "limits": {"RLIMIT_CPU": 20}, "modules": {**modules, "entry": "probe"}},
        sandbox,
        content,
    )
    try:
        loaded = worker.start(20)
    finally:
        worker.close()
    if not bwrap and "landlock" not in worker.layers:
        pytest.skip("Landlock does not hold here")
    assert loaded.error is not None
    assert "READS denied read" in loaded.error.message, loaded.error


# -- judge grade: a class of folders ------------------------------------------------


def test_grade_takes_folders_keys_them_by_content_and_says_why_one_is_bad(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    classroom = base / "class"
    files = {"engine.py": GOOD_VALUE, "nn.py": "from engine import Value\n"}
    student(classroom, files, "alice")
    student(classroom, files, "bob")  # alice's twin
    carol = student(classroom, {"nn.py": "from engine import Value\n"}, "carol")
    (carol / "engine.py").symlink_to(classroom / "alice" / "engine.py")
    found = {s.name: s for s in discover(classroom)}
    assert found["alice"].path == classroom / "alice" and not found["alice"].problem
    monkeypatch.chdir(base)
    out = base / "book.json"
    result = CliRunner().invoke(
        cli, ["grade", "class", "--sandbox", "auto", "-o", str(out), "--no-cache"]
    )
    assert result.exit_code == 1, result.output
    rows = {row["name"]: row for row in json.loads(out.read_text())["rows"]}
    assert rows["alice"]["status"] == rows["bob"]["status"] == "passed"
    assert rows["carol"]["status"] == "error"
    assert "engine.py is a symbolic link" in rows["carol"]["message"]


# -- the network problems: folder layouts of the corpus and PyPI's micrograd ---------

CORPUS = ROOT / "tests" / "network_corpus"
NETWORK_PROBLEMS = ("neuron", "mlp", "mlp-training")


def _folder_entries() -> list[tuple[str, tuple[str, ...]]]:
    """The corpus's folders (expected.yaml) and the problems each must fail."""
    import yaml

    expected = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
    return [
        (name, tuple(entry["fails"]))
        for name, entry in expected.items()
        if (CORPUS / name).is_dir()
    ]


def _network_problem(problem_id: str) -> None:
    """Skip, saying why, while the network problems are not in the catalog yet."""
    if problem_id not in api.catalog().index():
        pytest.skip(f"the {problem_id} problem is not in the catalog")


@pytest.mark.parametrize("problem_id", NETWORK_PROBLEMS)
@pytest.mark.parametrize(("name", "fails"), _folder_entries())
def test_the_corpus_folders_get_their_verdicts(
    name: str, fails: tuple[str, ...], problem_id: str
) -> None:
    _network_problem(problem_id)
    code, report = judge_run(CORPUS / name, "auto", "-p", problem_id)
    wanted = "failed" if problem_id in fails else "passed"
    assert report["status"] == wanted, (name, problem_id, report["message"])
    assert code == (0 if wanted == "passed" else 1)


@pytest.mark.parametrize("level", ["auto", "strict"])
@pytest.mark.parametrize("problem_id", NETWORK_PROBLEMS)
def test_pypi_micrograd_passes_the_network_problems(
    problem_id: str, level: str, tmp_path: Path
) -> None:
    _network_problem(problem_id)
    root = micrograd_package.student_folder(tmp_path)
    for path in [tmp_path, root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    code, report = judge_run(root, level, "-p", problem_id)
    assert code == 0 and report["status"] == "passed", report


def test_similarity_compares_folders_and_names_their_files(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    classroom = base / "class"
    shutil.copytree(CORPUS / "correct" / "folder_layout", classroom / "alice")
    shutil.copytree(CORPUS / "correct" / "folder_layout", classroom / "bob")
    monkeypatch.chdir(base)
    result = CliRunner().invoke(cli, ["similar", "class"])
    assert "alice ~ bob" in result.output, result.output
    assert "alice nn.py, lines " in result.output, result.output
