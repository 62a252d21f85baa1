"""The judge's exceptions: one root, a few documented kinds.

A failing student is not an exception; it is a verdict in the report.  These are for
bad input (a broken spec, an unreadable submission, a bad option) and for the judge's
own faults.  Only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass


class JudgeError(Exception):
    """Root of every error the judge raises on purpose.

    ``exit_code`` is what the CLI exits with: 2 for input the user can fix, 3 for the
    judge's own faults.
    """

    exit_code = 3


class UsageError(JudgeError):
    """An option or argument is wrong: a path that does not exist, a bad value.

    The message names the option and what it accepts.
    """

    exit_code = 2


@dataclass(frozen=True)
class Location:
    """Where in a spec file something went wrong (1-based line, when known)."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class SpecError(JudgeError):
    """A problem spec is invalid: bad YAML, an unknown key, an op the problem does
    not list, a name used before it is defined, an expectation the reference engine
    disagrees with.  Carries the file and line; fix the spec there.
    """

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class SpecErrors(SpecError):
    """Several spec errors found in one pass, so an author fixes them all at once."""

    def __init__(self, errors: list[SpecError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def __str__(self) -> str:
        return self.message


class UnknownProblem(JudgeError):
    """No problem with this id in the built-in catalog or the ``--problems`` folders.

    The message lists close matches; ``judge problems list`` shows them all.
    """

    exit_code = 2

    def __init__(self, problem_id: str, suggestions: list[str]):
        hint = f" Did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(
            f"no problem named {problem_id!r}.{hint} Run 'judge problems list' to see them all."
        )
        self.problem_id = problem_id
        self.suggestions = suggestions


class SubmissionError(JudgeError):
    """The submission file cannot be read at all (missing, a folder, not UTF-8).

    A submission that reads but does not work is graded, not raised.
    """

    exit_code = 2


class UnsafeSubmission(SubmissionError):
    """The submission is a symbolic link, lies behind one, has several names (hard
    links), or is not a regular file (a FIFO, a socket, a device).  The judge follows no
    link below the folder it runs in, not even in the paths it is given, so that nobody
    is graded on, or shown a line of, a file they did not write.  Submit (or copy) the
    file itself.
    """


class UnsafeCache(JudgeError):
    """The cache folder belongs to someone else or is writable by group or others, so a
    result planted there could be served as a grade.  ``chmod 700`` it if it is yours,
    or point ``JUDGE_CACHE_DIR`` at a folder of your own.  The judge grades without the
    cache meanwhile.
    """

    exit_code = 2


class SandboxError(JudgeError):
    """The requested sandbox level cannot be provided on this machine.

    The message says which layer is missing and how to enable it.
    """

    exit_code = 2


class QueueError(UsageError):
    """The job queue cannot be used: the ``--queue`` URL is malformed, its Redis cannot
    be reached or refuses the password, or the queue extra is not installed
    (``pip install 'micrograd-judge[queue]'``).  The message never shows the password.
    """
