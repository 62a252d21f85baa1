"""Find problems: the built-in catalog plus any folders an instructor adds."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from judge.errors import Location, SpecError, SpecErrors, UnknownProblem, UsageError
from judge.spec import compiled
from judge.spec.model import Problem


def builtin_dir() -> Path:
    """The built-in catalog: inside the installed package, or at the top of a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "problems"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "problems"


def spec_files(folder: Path) -> list[Path]:
    """The spec files in ``folder``, sorted by name."""
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


@dataclass
class Catalog:
    """The problems visible to a command.  Later folders take precedence, so an
    instructor's ``--problems DIR`` can replace a built-in problem of the same id."""

    folders: list[Path] = field(default_factory=list)

    @classmethod
    def with_extra(cls, extra: Iterable[Path]) -> Catalog:
        """The built-in catalog followed by ``extra`` folders (which must exist)."""
        folders = [builtin_dir()]
        for folder in extra:
            if not folder.is_dir():
                raise UsageError(f"--problems {folder}: not a folder of problem specs")
            folders.append(folder)
        return cls(folders)

    def index(self) -> dict[str, Path]:
        """Problem id to spec file.  Reads only each file's ``id`` line when it can."""
        found: dict[str, Path] = {}
        for folder in self.folders:
            for path in spec_files(folder):
                found[_peek_id(path)] = path
        return found

    def get(self, problem_id: str) -> Problem:
        """The problem with this id; ``UnknownProblem`` with close matches otherwise."""
        for folder in reversed(self.folders):
            for suffix in (".yaml", ".yml"):
                candidate = folder / f"{problem_id}{suffix}"
                if candidate.is_file():
                    problem = compiled.load(candidate)
                    if problem.id == problem_id:
                        return problem
        index = self.index()
        if problem_id in index:
            return compiled.load(index[problem_id])
        raise UnknownProblem(problem_id, difflib.get_close_matches(problem_id, list(index), n=3))

    def problems(self) -> list[Problem]:
        """Every problem, loaded and validated."""
        return [compiled.load(path) for path in self.index().values()]


def _peek_id(path: Path) -> str:
    """The spec's id without a full load (falls back to the file name)."""
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("id:"):
                    return line[3:].strip().strip("'\"")
    except (OSError, UnicodeDecodeError):
        pass
    return path.stem


def check_folder(folder: Path) -> list[Problem]:
    """Validate every spec in ``folder`` and recompute every written expectation.

    Raises ``SpecErrors`` listing every problem found, each with file and line.
    """
    # Imported here: a run reads its spec's compiled form (``compiled``) and never
    # needs PyYAML, the loader or the reference engine, which cost it 25 ms to import.
    from judge.spec.loader import load_problem

    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder of problem specs")
    files = spec_files(folder)
    if not files:
        raise UsageError(f"{folder}: no .yaml spec files here")
    errors: list[SpecError] = []
    problems: list[Problem] = []
    ids: dict[str, str] = {}
    for path in files:
        try:
            problem = load_problem(path)
        except SpecErrors as many:
            errors.extend(many.errors)
            continue
        except SpecError as one:
            errors.append(one)
            continue
        if problem.id in ids:
            errors.append(
                SpecError(
                    f"id {problem.id!r} is also used by {ids[problem.id]}", Location(str(path), 1)
                )
            )
        ids[problem.id] = str(path)
        errors.extend(check_expectations(problem))
        problems.append(problem)
    if errors:
        raise SpecErrors(errors)
    return problems


def check_expectations(problem: Problem) -> list[SpecError]:
    """Every written expectation that the reference engine disagrees with."""
    from judge.compare import close_enough  # imported here: see check_folder
    from judge.engine.evaluate import evaluate_case
    from judge.spec import yamlnodes

    text = Path(problem.path).read_text(encoding="utf-8")
    _, root = yamlnodes.parse(text, problem.path)
    errors = []
    for index, case in enumerate(problem.cases):
        reference = evaluate_case(case.program)
        for field_name, written, computed, scales in (
            ("data", case.expect.data, reference.data, reference.data_scale),
            ("grad", case.expect.grad, reference.grad, reference.grad_scale),
        ):
            for name, value in written.items():
                if not close_enough(value, computed[name], scales[name], problem.tolerance):
                    node = yamlnodes.find(root, ["cases", index, "expect", field_name, name])
                    errors.append(
                        SpecError(
                            f"case {case.name!r}: {field_name} of {name!r} is written as "
                            f"{value!r}, but the reference engine computes {computed[name]!r}",
                            Location(problem.path, yamlnodes.line(node)),
                        )
                    )
    return errors
