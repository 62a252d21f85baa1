"""A spec parsed once (judge.spec.compiled): its Problem cached, keyed by the spec's
path, bytes and the judge's code; read back only as the judge's own data classes."""

from __future__ import annotations

import binascii
import os
import pickle
from pathlib import Path

import pytest

from judge.errors import SpecError, SpecErrors
from judge.spec import compiled, loader
from judge.spec.catalog import builtin_dir, spec_files
from judge.spec.loader import load_problem


def _no_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path) -> None:
        raise AssertionError(f"{path} was parsed again")

    monkeypatch.setattr(loader, "load_problem", refuse)


@pytest.mark.parametrize("spec", spec_files(builtin_dir()), ids=lambda p: p.stem)
def test_a_spec_is_parsed_once_then_read_back_as_the_same_problem(
    spec: Path, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = compiled.load(spec)
    assert first == load_problem(spec)
    assert len(list((private_cache / compiled.KIND).iterdir())) == 1
    _no_loading(monkeypatch)
    assert compiled.load(spec) == first


def test_a_changed_spec_is_parsed_again(tmp_path: Path, private_cache: Path) -> None:
    spec = tmp_path / "basic-autograd.yaml"
    text = (builtin_dir() / "basic-autograd.yaml").read_text(encoding="utf-8")
    spec.write_text(text, encoding="utf-8")
    assert compiled.load(spec).title == "Implementing Basic Autograd Operations"
    spec.write_text(text.replace("title: Implementing", "title: Writing"), encoding="utf-8")
    assert compiled.load(spec).title == "Writing Basic Autograd Operations"


def test_a_spec_with_errors_is_never_cached(tmp_path: Path, private_cache: Path) -> None:
    spec = tmp_path / "broken.yaml"
    spec.write_text("id: broken\ntitle: 3\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises((SpecError, SpecErrors)):
            compiled.load(spec)
    folder = private_cache / compiled.KIND
    assert not folder.exists() or not list(folder.iterdir())


class _Planted:
    """What a planted entry could hold: a pickle that calls a function when read."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


@pytest.mark.parametrize("planted", ["call", "other class", "not base64", "not a problem"])
def test_an_entry_that_is_not_the_judges_data_is_refused_and_the_yaml_read(
    planted: str, tmp_path: Path, private_cache: Path
) -> None:
    spec = builtin_dir() / "basic-autograd.yaml"
    expected = compiled.load(spec)
    (entry,) = (private_cache / compiled.KIND).iterdir()
    marker = tmp_path / "ran"
    content = {
        "call": pickle.dumps(_Planted(marker)),
        "other class": pickle.dumps(Path("/")),  # a class, but not a data class of the judge
        "not a problem": pickle.dumps(expected.cases[0]),
    }.get(planted)
    text = "%%%" if content is None else binascii.b2a_base64(content).decode()
    entry.write_text(text, encoding="utf-8")
    assert compiled.load(spec) == expected
    assert not marker.exists()
