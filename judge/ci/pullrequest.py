"""The pull-request check behind ``action.yml``: grade what a pull request changes.

    python -m judge.ci.pullrequest [--problem ID] [--path PATH] [--base REF] ...

Finds the ``.py`` files the pull request adds or changes (``git diff`` against the
merge base with the base branch), grades them with ``judge grade --format github``
(annotations on stdout, the gradebook appended to ``$GITHUB_STEP_SUMMARY``), and exits
with its status: 0 only if every one passed.  With ``--path``, grades that file or
folder instead of the changes.

Every option falls back to the ``INPUT_*`` variable the action sets (``--problem`` to
``INPUT_PROBLEM``...), and the base to ``GITHUB_BASE_REF`` on a pull request or to the
pushed range of ``GITHUB_EVENT_PATH`` on a push, so the script runs the same in a
workflow and, with those variables pointed at temporary files, in a test.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from judge.report.github import escape_data

EXIT_USAGE = 2
NO_COMMIT = "0" * 40


class CheckError(Exception):
    """The check cannot run as configured; the message says what to change."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Options, each defaulting to the action's ``INPUT_*`` variable."""
    parser = argparse.ArgumentParser(
        prog="python -m judge.ci.pullrequest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--problem", default=_env("INPUT_PROBLEM", "basic-autograd"))
    parser.add_argument(
        "--problems",
        default=_env("INPUT_PROBLEMS"),
        help="folders of extra problem specs, separated by spaces or newlines",
    )
    parser.add_argument(
        "--path", default=_env("INPUT_PATH"), help="grade this file or folder instead"
    )
    parser.add_argument("--base", default=_env("INPUT_BASE_REF"), help="the ref to diff against")
    parser.add_argument(
        "--include",
        default=_env("INPUT_INCLUDE", "*.py"),
        help="patterns of changed files to grade ('*' crosses folders)",
    )
    parser.add_argument("--exclude", default=_env("INPUT_EXCLUDE"), help="patterns to skip")
    parser.add_argument("--timeout", default=_env("INPUT_TIMEOUT"))
    parser.add_argument("--sandbox", default=_env("INPUT_SANDBOX"))
    parser.add_argument(
        "--args", default=_env("INPUT_ARGS"), help="more arguments for 'judge grade'"
    )
    return parser.parse_args(argv)


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise CheckError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _resolves(ref: str) -> bool:
    try:
        _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except CheckError:
        return False
    return True


def diff_range() -> str:
    """What to diff: ``BASE...HEAD`` on a pull request, ``BEFORE..HEAD`` on a push."""
    base = _env("GITHUB_BASE_REF")
    if base:
        for ref in (f"origin/{base}", base):
            if _resolves(ref):
                return f"{ref}...HEAD"
        try:
            _git("fetch", "--no-tags", "origin", f"+refs/heads/{base}:refs/remotes/origin/{base}")
        except CheckError as error:
            raise CheckError(
                f"cannot find the base branch {base!r} here or on origin ({error}); check out "
                "with 'fetch-depth: 0' (actions/checkout), or give base-ref or path"
            ) from None
        return f"origin/{base}...HEAD"
    event_path = _env("GITHUB_EVENT_PATH")
    if event_path:
        try:
            before = json.loads(Path(event_path).read_text(encoding="utf-8")).get("before")
        except (OSError, ValueError):
            before = None
        if isinstance(before, str) and before != NO_COMMIT and _resolves(before):
            return f"{before}..HEAD"
    raise CheckError(
        "no base to compare with: run on a pull_request or push event, or give "
        "base-ref (--base) or path (--path)"
    )


def _patterns(text: str) -> list[str]:
    return text.split()


def changed_files(spec: str, include: list[str], exclude: list[str]) -> list[str]:
    """Files added, copied, modified or renamed in ``spec`` that match ``include`` and
    not ``exclude``, as paths relative to the repository root."""
    try:
        listing = _git("diff", "--name-only", "--diff-filter=ACMR", "-z", spec, "--")
    except CheckError as error:
        raise CheckError(
            f"{error}\nIs the history there? Check out with 'fetch-depth: 0' "
            "(actions/checkout), or give the action a path."
        ) from None
    names = [name for name in listing.split("\0") if name]
    return sorted(
        name
        for name in names
        if any(fnmatch.fnmatch(name, p) for p in include)
        and not any(fnmatch.fnmatch(name, p) for p in exclude)
        and Path(name).is_file()
    )


def judge_command(args: argparse.Namespace, targets: list[str]) -> list[str]:
    """The ``judge grade`` command line for ``targets``."""
    command = [sys.executable, "-m", "judge", "grade", *targets, "-p", args.problem]
    command += ["--format", "github"]
    for folder in _patterns(args.problems):
        command += ["--problems", folder]
    if args.timeout:
        command += ["--timeout", args.timeout]
    if args.sandbox:
        command += ["--sandbox", args.sandbox]
    extra = shlex.split(args.args)
    if any(arg == "--audience" or arg.startswith("--audience=") for arg in extra):
        raise CheckError(
            "the pull-request check writes for students (annotations and the job summary "
            "are public): remove --audience from args"
        )
    # Last, so nothing before it can widen the view: a hidden test's details never
    # reach an annotation or the job summary.
    return [*command, *extra, "--audience", "student"]


def _append(variable: str, text: str) -> None:
    target = _env(variable)
    if target:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(text)


def run(args: argparse.Namespace) -> int:
    """Grade the targets and return the exit status for the check."""
    if args.path:
        targets = [args.path]
    else:
        os.chdir(_git("rev-parse", "--show-toplevel").strip())  # git names files from there
        spec = diff_range()
        targets = changed_files(spec, _patterns(args.include), _patterns(args.exclude))
        if not targets:
            message = f"no submissions changed ({spec}, files matching {args.include})"
            print(f"::notice title=judge::{message}")
            _append("GITHUB_STEP_SUMMARY", f"### judge: {message}\n")
            _append("GITHUB_OUTPUT", "passed=true\nsubmissions=0\n")
            return 0
    print(f"grading {len(targets)} submission(s) against {args.problem}", file=sys.stderr)
    sys.stdout.flush()
    status = subprocess.run(judge_command(args, targets), check=False).returncode
    _append("GITHUB_OUTPUT", f"passed={'true' if status == 0 else 'false'}\n")
    if not args.path:
        _append("GITHUB_OUTPUT", f"submissions={len(targets)}\n")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; a configuration problem is one ``::error`` line and exit 2."""
    args = parse_args(argv)
    try:
        return run(args)
    except (CheckError, OSError, subprocess.TimeoutExpired) as error:
        print(f"::error title=judge::{escape_data(str(error))}")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
