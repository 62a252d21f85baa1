"""Grade one submission against one problem: the core's single entry point."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from judge.grading.cases import grade_cases
from judge.grading.places import place_lines
from judge.grading.plan import Plan
from judge.grading.random_networks import check_random_networks, not_run_networks
from judge.grading.session import Session, sandbox_for
from judge.properties.check import not_run, run_properties
from judge.results import Report, Status, TestResult, Verdict, summarize
from judge.runner.outcome import LoadError, LoadErrorKind
from judge.spec.model import Problem
from judge.submission import Source, folder, read, source_of
from judge.verdicts import (
    NOT_RUN_BUDGET,
    STOPPED_BUDGET,
    describe_exception,
    exception_line,
)


@dataclass(frozen=True)
class Options:
    """How to grade.  ``timeout`` overrides the problem's per-test limit; ``budget`` the
    problem's seconds for the whole submission (by default at least ``timeout``), after
    which its remaining tests time out without running; ``sandbox`` is the level: auto,
    strict or basic (see ``judge.sandbox``)."""

    timeout: float | None = None
    budget: float | None = None
    sandbox: str = "auto"


def grade(
    path: Path, plan: Plan, options: Options = Options(), content: bytes | None = None
) -> Report:
    """Run every test of ``plan`` on the submission at ``path`` and report.

    ``content`` is the submission's bytes as ``judge.files.read_submission`` read them
    (read here when not given): they, and nothing read again from ``path``, are graded,
    as the Python text ``judge.submission.source_of`` makes of them (a notebook's code
    cells; no byte-order mark; ``\n`` line ends), whose places the report names as the
    student finds them (``cell 3, line 4`` in a notebook).  Raises ``SubmissionError``
    for bytes that are not a submission (binary, a malformed notebook).  Make the plan
    once with ``judge.grading.plan.prepare(problem)`` and reuse it for every submission
    of a batch.
    """
    problem = plan.problem
    if content is None:
        content = read(path)  # a file, or a student's folder packed whole
    source = source_of(path, content)
    started = time.monotonic()
    timeout = options.timeout or problem.time_limit
    sandbox = sandbox_for(problem, options.sandbox)
    budget = options.budget or max(problem.budget, timeout)
    deadline = started + budget
    worker_file, config = _for_worker(source, content, problem.entry)
    with Session(path, problem.entry, config, deadline, sandbox, worker_file) as session:
        load = session.start(timeout)
        held = {"sandbox": {"level": sandbox.level.value, "layers": session.layers}}
        if load.error is not None:
            skipped = _properties_not_run(plan)
            duration = time.monotonic() - started
            report = _not_loaded(path, problem, load.error, load.output, duration, skipped, held)
            return place_lines(report, source)
        results, last_run = _run_hidden_last(plan, session, timeout, source.text)
        session.close()
        if not session.clean_exit and results:
            results[last_run] = _broke_protocol(results[last_run])
    duration = time.monotonic() - started
    extra: dict[str, Any] = {**plan.extra, **held}
    note = ""
    if session.budget_spent:
        note = _budget_note(results, budget)
        extra["budget"] = {"seconds": budget, "spent": True}
    report = summarize(str(path), problem.id, results, plan.max_score, duration, extra)
    return place_lines(replace(report, message=note) if note else report, source)


def _for_worker(source: Source, content: bytes, entry: str) -> tuple[bytes, dict[str, Any]]:
    """What the worker gets: the Python text (a notebook's code, no byte-order mark,
    ``\n`` line ends); for a student's folder, its modules so made (still packed) and
    their names, files and first lines in ``source``'s text (its ``modules``)."""
    if not source.is_folder:
        return source.text.encode("utf-8"), {}
    modules = folder.normalized(folder.unpack(content))
    return folder.pack(modules), {"modules": folder.worker_modules(modules, entry)}


def _budget_note(results: list[TestResult], budget: float) -> str:
    """The report's note when the time budget ran out: how many tests it left unrun."""
    unrun = sum(r.message.startswith(NOT_RUN_BUDGET) for r in results)
    stopped = sum(r.message.startswith(STOPPED_BUDGET) for r in results)
    parts = [f"{unrun} not run"] + ([f"{stopped} stopped while running"] if stopped else [])
    return (
        f"the submission's time budget of {budget:g} s was spent: "
        f"{' and '.join(parts)} (timeout); each test costs at most its time limit, and "
        "every test after one that times out much less"
    )


def _run_hidden_last(
    plan: Plan, session: Session, timeout: float, source: str
) -> tuple[list[TestResult], int]:
    """Every test's result in the report's order (the spec's cases, then the random
    graphs and stress checks), and the index of the test run last.

    Hidden cases run last, after everything a student sees the text of: what a
    submission keeps from a hidden case (its values, stashed in a global) can then come
    out only in another hidden test, which a student sees the verdict of and no more.
    """
    problem, cases = plan.problem, plan.cases
    shown = [i for i, prepared in enumerate(cases) if not prepared.case.hidden]
    hidden = [i for i, prepared in enumerate(cases) if prepared.case.hidden]

    def graded_cases(indices: list[int]) -> dict[int, TestResult]:
        tested = grade_cases([cases[i] for i in indices], problem, session, timeout)
        return dict(zip(indices, tested, strict=True))

    graded = graded_cases(shown)
    checks: list[TestResult] = []
    if plan.properties is not None:  # random graphs and stress checks
        methods = session.load.methods if session.load is not None else {}
        checks = list(run_properties(plan.properties, problem, session, timeout, methods, source))
    if problem.networks is not None:  # random networks (issue 13)
        checks.append(check_random_networks(problem, session, timeout))
    graded.update(graded_cases(hidden))
    results = [graded[i] for i in range(len(cases))] + checks
    return results, hidden[-1] if hidden else len(results) - 1


def _broke_protocol(result: TestResult) -> TestResult:
    """The last test, when the worker said something unasked after answering it: a
    forged or second answer makes the answer it follows untrustworthy."""
    message = "the worker crashed: it broke the protocol after answering (a forged result?)"
    return replace(result, status=Verdict.CRASHED, score=0.0, message=message)


def describe_load_error(error: LoadError, entry: str) -> str:
    """Why the submission could not be loaded, with the line and what to do."""
    kind = error.kind
    if kind is LoadErrorKind.SYNTAX:
        source = error.frames[0].source if error.frames else ""
        return f"your file has a syntax error at line {error.line}: {error.message}\n  {source}"
    if kind is LoadErrorKind.ENTRY:
        found = f" (it defines: {', '.join(error.classes)})" if error.classes else ""
        return f"your file does not define a class named {entry!r}{found}"
    if kind is LoadErrorKind.EXCEPTION:
        return "your file raised an exception while loading: " + describe_exception(error.raised())
    if kind is LoadErrorKind.OUTPUT_LIMIT:
        return (
            f"your file was stopped while loading: {error.message}; "
            "remove the prints that run at import time"
        )
    if kind is LoadErrorKind.FORBIDDEN:
        return f"the sandbox stopped your file while loading: {error.message}"
    return f"the submission could not be loaded: {error.message}"


def _properties_not_run(plan: Plan) -> tuple[TestResult, ...]:
    message = "not run: the submission could not be loaded"
    networks = not_run_networks(plan.problem, message)
    if plan.properties is None:
        return networks
    return (*not_run(plan.properties, message), *networks)


def _not_loaded(
    path: Path,
    problem: Problem,
    error: LoadError,
    output: str,
    duration: float,
    more: tuple[TestResult, ...] = (),
    held: dict[str, Any] | None = None,
) -> Report:
    """A report for a submission that never loaded: every test an error (forbidden,
    if the sandbox stopped it), score 0."""
    forbidden = error.kind is LoadErrorKind.FORBIDDEN
    tests = tuple(
        TestResult(
            name=case.name,
            kind="case",
            status=Verdict.FORBIDDEN if forbidden else Verdict.ERROR,
            score=0.0,
            max_score=case.points,
            hidden=case.hidden,
            message="not run: the submission could not be loaded",
            topic=case.topic,
        )
        for case in problem.cases
    )
    tests += more  # the property checks, when the problem has them
    extra: dict[str, Any] = dict(held or {})
    line = error.line or exception_line(error.raised())
    if isinstance(line, int):
        extra["line"] = line
    if output:
        extra["output"] = output
    return Report(
        str(path),
        problem.id,
        Status.ERROR,
        0.0,
        problem.max_score,
        duration,
        tests,
        message=describe_load_error(error, problem.entry),
        extra=extra,
    )
