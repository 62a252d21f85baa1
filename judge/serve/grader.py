"""A grading process: one per ``--jobs`` slot, fed submissions over a pipe.

Each is started with ``spawn`` (the server has threads; a fork would copy their locks
mid-use), leaves the server's process group (a Ctrl-C in the terminal stops the server,
which then stops these, not half a grade), and takes prestarted sandboxed workers
(``judge.runner.warm``), so each submission's worker started while the one before it
was graded.  A grade runs ``judge.grading.grade``, as ``judge run`` does, in the same
sandbox.  The process that sends work kills one that outlives its deadline or dies,
and starts another.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from judge.batch.run import not_graded
from judge.errors import JudgeError
from judge.grading.grade import Options, grade
from judge.grading.modes import plan_for
from judge.grading.plan import Plan
from judge.runner import warm
from judge.serve.store import Mode, Submission
from judge.spec.catalog import Catalog

SUBMISSION_FILE = "submission.py"
"""The name a submission's source is graded under (what its tracebacks show)."""

STOP_GRACE_S = 5.0
"""How long a grading process may take to stop when asked before it is killed."""


class GraderLost(Exception):
    """The grading process died or outlived its deadline while grading; it is gone."""


def error_report(submission_id: str, plan: Plan, message: str) -> dict[str, Any]:
    """The ``judge-report/1`` dict of a submission the judge could not grade."""
    report = not_graded(Path(SUBMISSION_FILE), plan, message)
    return dataclasses.replace(report, submission=submission_id).to_dict()


class Grader:
    """One grading process and the pipe to it; used by one thread at a time."""

    def __init__(self, specs: tuple[Path, ...], sandbox: str):
        self._specs = specs
        self._sandbox = sandbox
        self._context = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._pipe: Connection | None = None

    def grade(self, submission: Submission, deadline: float) -> dict[str, Any]:
        """The report dict of ``submission``; raises ``GraderLost`` if the process dies
        (``close`` from another thread kills it) or takes longer than ``deadline``
        seconds (it is killed; the next call starts another)."""
        if self._pipe is None or self._process is None or not self._process.is_alive():
            try:
                self._start()
            except Exception as error:  # out of processes or memory: as if it had died
                self.close()
                raise GraderLost(f"the grading process could not start ({error})") from error
        pipe = self._pipe  # ours even if ``close`` clears the attribute meanwhile
        assert pipe is not None  # for mypy: _start set it
        job = (submission.id, submission.problem, submission.mode.value, submission.source)
        try:
            pipe.send(job)
            if not pipe.poll(deadline):
                self.close(wait=False)
                raise GraderLost(f"grading took longer than {deadline:.0f} s")
            report: dict[str, Any] = pipe.recv()
        except (EOFError, OSError) as error:  # it died, or was killed by ``close``
            self.close(wait=False)
            raise GraderLost("the grading process died") from error
        return report

    def close(self, wait: bool = True) -> None:
        """Stop the process: ask it and give it STOP_GRACE_S to finish a grade when
        ``wait``, else kill it now (the grade it was running is lost, and requeued)."""
        pipe, process, self._pipe, self._process = self._pipe, self._process, None, None
        if process is not None:
            if wait and pipe is not None:
                with contextlib.suppress(OSError):  # already gone
                    pipe.send(None)
                process.join(STOP_GRACE_S)
            if process.is_alive():
                process.kill()  # its sandboxed worker dies with it (PDEATHSIG, bwrap)
            process.join()
        if pipe is not None:
            pipe.close()

    def _start(self) -> None:
        self.close()
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=serve_grades, args=(theirs, self._specs, self._sandbox), name="judge-grader"
        )
        process.start()
        theirs.close()  # so the child's exit is an EOF here
        self._pipe, self._process = ours, process


def serve_grades(pipe: Connection, specs: tuple[Path, ...], sandbox: str) -> None:
    """The grading process's loop: grade what comes down ``pipe`` until None or EOF."""
    os.setpgrp()  # out of the terminal's process group: the server stops us, not Ctrl-C
    warm.use(True)
    catalog = Catalog.with_extra(list(specs))
    plans: dict[tuple[str, Mode], Plan] = {}
    try:
        while True:
            try:
                job = pipe.recv()
            except EOFError:  # the server is gone
                return
            if job is None:
                return
            submission_id, problem_id, mode_name, source = job
            mode = Mode(mode_name)
            key = (problem_id, mode)
            if key not in plans:
                plans[key] = plan_for(catalog.get(problem_id), mode)
            pipe.send(_grade_source(submission_id, source, plans[key], sandbox))
    finally:
        warm.discard()


def _grade_source(submission_id: str, source: str, plan: Plan, sandbox: str) -> dict[str, Any]:
    """Grade ``source`` as a file of its own; every failure of the judge is a report."""
    content = source.encode("utf-8")
    with tempfile.TemporaryDirectory(prefix="judge-serve-") as folder:
        path = Path(folder) / SUBMISSION_FILE
        path.write_bytes(content)
        try:
            report = grade(path, plan, Options(sandbox=sandbox), content)
        except JudgeError as error:  # a submission the judge refuses, among others
            return error_report(submission_id, plan, str(error))
        except Exception as error:  # the judge's own fault: a report saying so, not a crash
            return error_report(
                submission_id, plan, f"internal error in the judge: {type(error).__name__}: {error}"
            )
    return dataclasses.replace(report, submission=submission_id).to_dict()
