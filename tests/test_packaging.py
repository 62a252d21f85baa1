"""Installable by name: the distribution ``micrograd-judge`` builds into an sdist and a
wheel that ``twine check`` accepts, and the wheel installs into a clean venv where the
``judge`` command runs with its built-in problems.

Built as the release workflow builds (``python -m build``), but without build
isolation, so no network: hatchling comes from the ``release`` extra.  The clean venv
gets the wheel alone (``--no-deps``) and borrows the test venv's third-party packages,
never its judge, as in tests/test_gradescope_deploy.py.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from judge import DISTRIBUTION, __version__
from tests.samples import ROOT
from tests.test_gradescope_deploy import deps_site

try:
    import tomllib
except ImportError:  # Python 3.10: pip's vendored copy of the same parser
    from pip._vendor import tomli as tomllib  # type: ignore[no-redef]

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WHEEL_NAME = DISTRIBUTION.replace("-", "_")


def test_the_distribution_is_named_in_one_place_and_the_extras_use_it() -> None:
    project = PYPROJECT["project"]
    assert project["name"] == DISTRIBUTION
    assert "version" in project["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "judge/version.py"
    assert project["scripts"] == {"judge": "judge.cli:main"}
    assert f"{DISTRIBUTION}[test,release]" in project["optional-dependencies"]["dev"]
    # The README tells people to install the distribution, never the other "judge".
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pip install {DISTRIBUTION}" in readme
    assert "pip install judge" not in readme


def test_the_release_workflow_builds_checks_and_publishes_by_trusted_publishing() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "release.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))
    assert list(triggers["push"]["tags"]) == ["v*"]
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    runs = " ".join(step.get("run", "") for step in build["steps"])
    assert "python -m build" in runs and "twine check --strict" in runs
    # The tag is checked against the file hatch takes the version from.
    assert f"open('{PYPROJECT['tool']['hatch']['version']['path']}')" in runs
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}  # OIDC: no stored API token
    assert publish["environment"]["name"] == "pypi"
    uses = [step.get("uses", "") for step in publish["steps"]]
    assert any(use.startswith("pypa/gh-action-pypi-publish@") for use in uses)
    assert "password" not in str(publish)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("build") is None or importlib.util.find_spec("hatchling") is None:
        pytest.skip("needs the release extra: pip install -e '.[release]'")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_build_makes_an_sdist_and_a_wheel_that_twine_accepts(dist: Path) -> None:
    names = sorted(path.name for path in dist.iterdir())
    assert names == [
        f"{WHEEL_NAME}-{__version__}-py3-none-any.whl",
        f"{WHEEL_NAME}-{__version__}.tar.gz",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *(str(dist / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_the_wheel_holds_the_package_its_problems_and_the_command(dist: Path) -> None:
    with zipfile.ZipFile(next(dist.glob("*.whl"))) as wheel:
        names = set(wheel.namelist())
        meta = wheel.read(f"{WHEEL_NAME}-{__version__}.dist-info/METADATA").decode()
        scripts = wheel.read(f"{WHEEL_NAME}-{__version__}.dist-info/entry_points.txt").decode()
    assert {"judge/__init__.py", "judge/cli.py", "judge/py.typed"} <= names
    assert "judge/problems/basic-autograd.yaml" in names
    assert "judge/problems/built/basic-autograd.json" in names  # its shipped corpus
    # The pages' templates and assets, the vendored editor with its licenses: no CDN.
    pages = {"judge/serve/templates/problem.html", "judge/serve/static/problem.js"}
    pages |= {"judge/serve/static/vendor/editor.js", "judge/serve/static/vendor/editor.LICENSE.txt"}
    assert pages <= names
    assert not [name for name in names if name.startswith(("tests/", "bench/", "web/"))]
    assert f"Name: {DISTRIBUTION}\n" in meta and f"Version: {__version__}\n" in meta
    assert "judge = judge.cli:main" in scripts


def test_the_sdist_holds_what_a_wheel_is_built_from(dist: Path) -> None:
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "judge/cli.py", "problems/basic-autograd.yaml"} <= names
    assert not [name for name in names if name.startswith((".venv/", ".git/"))]


def test_the_wheel_installs_and_runs_in_a_clean_venv(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(next(dist.glob("*.whl")))],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    (site / "test-deps.pth").write_text(f"{deps_site(tmp_path)}\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "JUDGE_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip

    def judge(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(venv / "bin" / "judge"), *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    version = judge("--version")
    assert version.stdout == f"judge {__version__} ({DISTRIBUTION})\n", version.stderr
    listed = judge("problems", "list")
    assert "basic-autograd" in listed.stdout, listed.stderr
    where = subprocess.run(
        [str(python), "-c", "import judge; print(judge.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    (tmp_path / "value.py").write_bytes((ROOT / "submissions" / "correct.py").read_bytes())
    graded = judge("run", "value.py", "-p", "basic-autograd", "--format", "json")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert '"status": "passed"' in graded.stdout
    # The installed wheel's shipped corpus served the run: nothing drawn, nothing cached.
    graphs = tmp_path / "cache" / "graphs"
    assert not graphs.exists() or not any(graphs.iterdir())
