"""The test extra installs PyPI's micrograd into the judge's environment (for
tests/test_network_reference.py); a submission must not be able to borrow it: an
engine that imports the installed micrograd instead of writing its own is stopped by
the sandbox's import allow-list, as any other package outside it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from judge.cli import cli
from tests import micrograd_package
from tests.samples import ROOT


@pytest.mark.parametrize(
    "borrow",
    ["import micrograd.engine", "from micrograd.engine import Value as _Borrowed"],
)
def test_installed_micrograd_cannot_be_imported_by_a_submission(
    borrow: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    micrograd_package.installed()  # it is there to borrow: the refusal is the sandbox's
    source = borrow + "\n" + (ROOT / "submissions" / "correct.py").read_text(encoding="utf-8")
    (tmp_path / "sub.py").write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run", "sub.py", "--sandbox", "auto"])
    assert result.exit_code == 1, result.output
    assert "tried to import micrograd" in result.output
    assert "score 0/" in result.output
