"""judge: a grader for the scalar autograd (micrograd-style ``Value``) exercise.

The public Python API (``judge.api``), imported on first use so that ``import judge``
stays cheap (the command line imports only what a command needs)::

    judge.grade(path, problem_id, ...) -> Report      # as `judge run`
    judge.grade_class(paths, problem_id, ...) -> BatchResult   # as `judge grade`
    judge.catalog(specs), judge.problem(problem_id, specs)
    judge.render(report_or_gradebook, output_format, audience) -> str
"""

from __future__ import annotations

import importlib

from judge.version import DISTRIBUTION, __version__

TYPE_CHECKING = False  # not typing's: importing typing would double import judge's cost

# Each public name and the module it lives in.
_PUBLIC = {
    "grade": "judge.api",
    "grade_class": "judge.api",
    "catalog": "judge.api",
    "problem": "judge.api",
    "render": "judge.api",
    "BatchResult": "judge.batch.run",
    "Catalog": "judge.spec.catalog",
    "Gradebook": "judge.report.gradebook",
    "JudgeError": "judge.errors",
    "Problem": "judge.spec.model",
    "Report": "judge.results",
    "Status": "judge.results",
    "TestResult": "judge.results",
    "Verdict": "judge.results",
}
# Spelled out for the linters and readers; tests/test_api.py checks it against _PUBLIC.
__all__ = [
    "DISTRIBUTION",
    "BatchResult",
    "Catalog",
    "Gradebook",
    "JudgeError",
    "Problem",
    "Report",
    "Status",
    "TestResult",
    "Verdict",
    "__version__",
    "catalog",
    "grade",
    "grade_class",
    "problem",
    "render",
]

if TYPE_CHECKING:
    from typing import Any

    from judge.api import catalog, grade, grade_class, problem, render
    from judge.batch.run import BatchResult
    from judge.errors import JudgeError
    from judge.report.gradebook import Gradebook
    from judge.results import Report, Status, TestResult, Verdict
    from judge.spec.catalog import Catalog
    from judge.spec.model import Problem


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'judge' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later uses skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
