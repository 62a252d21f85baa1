"""Spec loading: every error names its file and line; the catalog and its checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from judge.errors import SpecError, SpecErrors, UnknownProblem
from judge.spec.catalog import Catalog, check_folder
from judge.spec.loader import load_problem
from tests.samples import MINI_SPEC


def test_mini_spec_loads_into_typed_frozen_objects(mini_dir: Path) -> None:
    problem = load_problem(mini_dir / "mini.yaml")
    assert problem.id == "mini"
    assert problem.ops == ("add", "mul", "relu")
    assert [c.name for c in problem.cases] == [
        "visible affine relu",
        "used twice",
        "numbers on the right",
    ]
    assert problem.max_score == 4
    assert problem.cases[0].hidden is False
    assert problem.cases[1].hidden is True  # hidden unless stated
    assert problem.cases[0].line == 10
    with pytest.raises(AttributeError):
        problem.id = "other"  # type: ignore[misc]


def _error_of(path: Path) -> SpecError:
    with pytest.raises(SpecError) as raised:
        load_problem(path)
    return raised.value


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        (
            "ops: [add, mul, relu]",
            "ops: [add, mull, relu]",
            7,
            "unknown op 'mull'; did you mean 'mul'?",
        ),
        (
            "    hidden: false\n",
            "    hiden: false\n",
            11,
            "unknown key 'hiden'; did you mean 'hidden'?",
        ),
        ("      d = a + b * c", "      d = a + b * z", 16, "'z' is used before it is assigned"),
        ("      b = a * a\n", "      b = a * a - a\n", 26, "uses subtraction"),
        (
            "grad: {a: 0.0,",
            "grad: {q: 0.0,",
            21,
            "expects grad of 'q', which the program does not define",
        ),
        ("    points: 2", "    points: two", 31, "Expected `float`, got `str`"),
        ("    topic: numbers mixed in\n", "", 29, "needs a 'topic'"),
        ("time_limit: 3", "time_limit: 0", 8, "time_limit must be a positive"),
        ("title: A small problem\n", "", 1, "missing required key `title`"),
        ("      a = Value(-1.5)", "      a = Value(-1.5).log()", 32, "cannot evaluate"),
        ("time_limit: 3", "time_limit: 3\ntime_limit: 4", 9, "key 'time_limit' appears twice"),
        ("cases:", "cases: [", 10, "invalid YAML"),
    ],
)
def test_spec_errors_carry_file_and_line(
    write: Callable[[str, str], Path], old: str, new: str, line: int, words: str
) -> None:
    assert old in MINI_SPEC
    path = write("broken.yaml", MINI_SPEC.replace(old, new, 1))
    error = _error_of(path)
    errors = error.errors if isinstance(error, SpecErrors) else [error]
    matching = [e for e in errors if words in e.message]
    assert matching, [str(e) for e in errors]
    assert matching[0].location is not None
    assert matching[0].location.path == str(path)
    assert matching[0].location.line == line


def test_all_errors_of_a_spec_are_reported_together(write: Callable[[str, str], Path]) -> None:
    text = MINI_SPEC.replace("d = a + b * c", "d = a + b * z").replace("b = a * a\n", "b = a / a\n")
    error = _error_of(write("two.yaml", text))
    assert isinstance(error, SpecErrors)
    assert len(error.errors) == 2


def test_not_a_mapping_and_empty_file(write: Callable[[str, str], Path]) -> None:
    assert "mapping" in _error_of(write("list.yaml", "- 1\n- 2\n")).message
    assert "empty" in _error_of(write("empty.yaml", "")).message


def test_check_recomputes_written_expectations(write: Callable[[str, str], Path]) -> None:
    path = write("specs/wrong.yaml", MINI_SPEC.replace("data: {d: -28.0", "data: {d: -27.0"))
    with pytest.raises(SpecErrors) as raised:
        check_folder(path.parent)
    [error] = raised.value.errors
    assert error.location is not None and error.location.line == 20
    assert "written as -27.0, but the reference engine computes -28.0" in error.message


def test_check_accepts_a_valid_folder(mini_dir: Path) -> None:
    assert [p.id for p in check_folder(mini_dir)] == ["mini"]


def test_builtin_catalog_checks_clean() -> None:
    from judge.spec.catalog import builtin_dir

    problems = check_folder(builtin_dir())
    assert {"basic-autograd", "micrograd-ops", "autograd-activations"} <= {p.id for p in problems}
    for problem in problems:
        assert len(problem.cases) >= 12, problem.id
        assert sum(c.hidden for c in problem.cases) > len(problem.cases) / 2, problem.id


def test_unknown_problem_suggests_close_ids(mini_dir: Path) -> None:
    with pytest.raises(UnknownProblem) as raised:
        Catalog.with_extra([mini_dir]).get("mimi")
    assert raised.value.suggestions[0] == "mini"
    assert "Did you mean 'mini'?" in str(raised.value)


def test_extra_folder_overrides_builtin_by_id(write: Callable[[str, str], Path]) -> None:
    path = write("mine/basic-autograd.yaml", MINI_SPEC.replace("id: mini", "id: basic-autograd"))
    problem = Catalog.with_extra([path.parent]).get("basic-autograd")
    assert problem.path == str(path)
