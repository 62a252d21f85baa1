"""PyPI's ``micrograd`` 0.1.0 (the test extra installs it): where pip put it, and as a
student's folder.  Its code is read where it is installed, never copied into the
repository; ``student_folder`` copies its two files into a test's temporary folder in
the package layout a student hands in (``micrograd/engine.py`` + ``micrograd/nn.py``).
"""

from __future__ import annotations

import importlib.util
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

VERSION = "0.1.0"
FILES = ("engine.py", "nn.py")


def installed() -> Path:
    """The folder of the installed ``micrograd`` package (holding engine.py and nn.py).

    Fails the test, saying how to install it, when it is missing or another version:
    the test extra pins it, so a missing one is a broken environment, not a skip.
    """
    try:
        found = version("micrograd")
    except PackageNotFoundError:
        found = None
    spec = importlib.util.find_spec("micrograd")
    if found != VERSION or spec is None or spec.origin is None:
        pytest.fail(
            f"micrograd {VERSION} is not installed (found {found}): "
            "pip install -e '.[test]' installs it"
        )
    folder = Path(spec.origin).parent
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        pytest.fail(f"the installed micrograd at {folder} has no {', '.join(missing)}")
    return folder


def student_folder(tmp_path: Path) -> Path:
    """A fresh folder holding ``micrograd/engine.py`` and ``micrograd/nn.py`` as pip
    installed them (and its ``__init__.py``), laid out as a student's submission."""
    source = installed()
    target = tmp_path / "micrograd-0.1.0"
    package = target / "micrograd"
    package.mkdir(parents=True)
    for name in (*FILES, "__init__.py"):
        if (source / name).is_file():
            shutil.copyfile(source / name, package / name)
    return target
