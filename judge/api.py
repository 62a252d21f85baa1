"""The judge as a library: find a problem, grade a file or a class, render the result.

What ``judge run`` and ``judge grade`` do, without click, for the benchmarks, notebooks
and other tools; each function is a thin composition of the modules the commands use,
so a report from here is the report the command would print.  ``import judge`` stays
cheap: ``judge/__init__.py`` imports this module on first use of a name.

>>> import judge
>>> report = judge.grade("submissions/correct.py", "basic-autograd")
>>> report.status, report.score
(<Status.PASSED: 'passed'>, 10.0)
>>> print(judge.render(report, "markdown"))

Errors are the ``JudgeError`` tree (``judge.errors``): an unknown problem raises
``UnknownProblem`` with close matches, a file that cannot be read ``SubmissionError``;
a failing student is a report, never an exception.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from judge.batch.cache import ResultCache
from judge.batch.discover import collect
from judge.batch.run import BatchResult, grade_batch
from judge.cachedir import cache_dir
from judge.errors import UnsafeCache
from judge.grading.grade import Options
from judge.grading.grade import grade as grade_plan
from judge.grading.plan import prepare
from judge.report.audience import Audience
from judge.report.formats import render_gradebook, render_report
from judge.report.gradebook import Gradebook
from judge.results import Report
from judge.spec.catalog import Catalog
from judge.spec.model import Problem

Specs = Iterable[str | Path]
"""Folders of problem specs searched after the built-in catalog (later ones win)."""


def catalog(specs: Specs = ()) -> Catalog:
    """The built-in problems and those in ``specs``; ``catalog().index()`` maps each id
    to its spec file.  Raises ``UsageError`` for a folder that does not exist."""
    return Catalog.with_extra([Path(folder) for folder in specs])


def problem(problem_id: str, specs: Specs = ()) -> Problem:
    """The problem ``problem_id``, parsed and checked.  Raises ``UnknownProblem`` (with
    close matches) or ``SpecErrors`` (every error with its line)."""
    return catalog(specs).get(problem_id)


def grade(
    submission: str | Path,
    problem_id: str | Problem,
    *,
    specs: Specs = (),
    timeout: float | None = None,
    budget: float | None = None,
    sandbox: str = "auto",
    seed: int | None = None,
    examples: int | None = None,
) -> Report:
    """Grade one file (``.py`` or notebook) as ``judge run`` does and return its report.

    The options are ``judge run``'s: ``timeout`` per test, ``budget`` for the whole
    submission, ``sandbox`` (auto, strict or basic), and the random graphs' ``seed`` and
    number of ``examples``.  Raises ``SubmissionError`` for a file that cannot be read
    and ``SandboxError`` for a sandbox level this machine cannot provide.
    """
    chosen = problem(problem_id, specs) if isinstance(problem_id, str) else problem_id
    plan = prepare(chosen, seed=seed, examples=examples)
    options = Options(timeout=timeout, budget=budget, sandbox=sandbox)
    return grade_plan(Path(submission), plan, options)


def grade_class(
    paths: Sequence[str | Path],
    problem_id: str | Problem,
    *,
    specs: Specs = (),
    filename: str | None = None,
    jobs: int | None = None,
    cache: bool = True,
    timeout: float | None = None,
    budget: float | None = None,
    sandbox: str = "auto",
    seed: int | None = None,
    examples: int | None = None,
) -> BatchResult:
    """Grade the submissions in ``paths`` (folders and files, as ``judge grade`` takes
    them) over ``jobs`` processes; ``.gradebook`` holds a report per student.

    With ``cache``, results come from and go to the results cache (``judge.cachedir``);
    one that others could write to is not used, and a note says so.  Ctrl-C stops the
    batch within seconds, keeping what was graded (``.interrupted``).
    """
    chosen = problem(problem_id, specs) if isinstance(problem_id, str) else problem_id
    plan = prepare(chosen, seed=seed, examples=examples)
    options = Options(timeout=timeout, budget=budget, sandbox=sandbox)
    results, note = None, ""
    if cache:
        try:
            results = ResultCache(cache_dir("results"))
        except (OSError, UnsafeCache) as error:
            note = f"results are not cached: {error}"
    submissions = collect([Path(path) for path in paths], filename)
    result = grade_batch(submissions, plan, options, jobs=jobs, cache=results)
    return dataclasses.replace(result, notes=(note, *result.notes)) if note else result


def render(
    result: Report | Gradebook,
    output_format: str = "text",
    audience: Audience | str = Audience.STUDENT,
) -> str:
    """A report or a gradebook in ``output_format`` (``judge run --format``'s names for a
    report, ``judge grade --format``'s for a gradebook), as ``audience`` may see it:
    hidden tests' details only for ``"instructor"``."""
    if isinstance(result, Gradebook):
        return render_gradebook(output_format, result, audience)
    return render_report(output_format, result, audience)
