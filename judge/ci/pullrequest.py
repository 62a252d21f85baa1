"""The pull-request check behind ``action.yml``: grade what a pull request changes.

    python -m judge.ci.pullrequest [--problem ID] [--path PATH] [--base REF] ...

Finds the ``.py`` files the pull request adds or changes (``git diff`` against the
merge base with the base branch), grades them with ``judge grade --format github``
(annotations on stdout, the gradebook appended to ``$GITHUB_STEP_SUMMARY``), and exits
with its status: 0 only if every one passed.  With ``--path``, grades that file or
folder instead of the changes.

A pull request cannot change its own grading: the ``--problems`` folders that lie in
the repository are read from the base (the base branch's tip; on a push, the commit
before it), never from the pull request's checkout, and the summary says so when the
pull request touches them.  A submission committed as a symbolic link (git mode
120000) is refused with an annotation, never followed.

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
import stat
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from judge.ci import comment, specsource
from judge.files import linked_step
from judge.report.escape import markdown_inline
from judge.report.github import command, escape_data

EXIT_USAGE = 2
NO_COMMIT = "0" * 40
SYMLINK = "120000"  # git's mode of a symbolic link
REGULAR = ("100644", "100755")


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
    parser.add_argument(
        "--specs-repository",
        default=_env("INPUT_SPECS_REPOSITORY"),
        help="owner/name[@ref] of a private repository of specs, read with the token in "
        "INPUT_SPECS_TOKEN (judge.ci.specsource)",
    )
    parser.add_argument(
        "--specs-path",
        default=_env("INPUT_SPECS_PATH"),
        help="the folder of spec files in that repository (default: its root)",
    )
    parser.add_argument(
        "--comment",
        action="store_true",
        default=_env("INPUT_COMMENT").lower() == "true",
        help="also post the summary as one pull-request comment, updated on each push",
    )
    parser.add_argument(
        "--comment-author",
        default=_env("INPUT_COMMENT_AUTHOR", comment.DEFAULT_AUTHOR),
        help="the account the token comments as (its comment is the one updated)",
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


def diff_range(base: str = "") -> tuple[str, str]:
    """What to diff, and the commit to read the specs from: ``(REF...HEAD, REF)`` for
    ``base`` (``--base``) or the pull request's base branch, ``(BEFORE..HEAD, BEFORE)``
    on a push."""
    base = base or _env("GITHUB_BASE_REF")
    if base:
        for ref in (f"origin/{base}", base):
            if _resolves(ref):
                return f"{ref}...HEAD", ref
        try:
            _git("fetch", "--no-tags", "origin", f"+refs/heads/{base}:refs/remotes/origin/{base}")
        except CheckError as error:
            raise CheckError(
                f"cannot find the base branch {base!r} here or on origin ({error}); check out "
                "with 'fetch-depth: 0' (actions/checkout), or give base-ref or path"
            ) from None
        return f"origin/{base}...HEAD", f"origin/{base}"
    event_path = _env("GITHUB_EVENT_PATH")
    if event_path:
        try:
            before = json.loads(Path(event_path).read_text(encoding="utf-8")).get("before")
        except (OSError, ValueError):
            before = None
        if isinstance(before, str) and before != NO_COMMIT and _resolves(before):
            return f"{before}..HEAD", before
    raise CheckError(
        "no base to compare with: run on a pull_request or push event, or give "
        "base-ref (--base) or path (--path)"
    )


def _patterns(text: str) -> list[str]:
    return text.split()


def changed_files(spec: str, include: list[str], exclude: list[str]) -> tuple[list[str], list[str]]:
    """Files added, copied, modified or renamed in ``spec`` that match ``include`` and
    not ``exclude``, as paths relative to the repository root: ``(files, links)``, the
    links being those HEAD commits as symbolic links, which are never graded."""
    try:
        listing = _git("diff", "--name-only", "--diff-filter=ACMR", "-z", spec, "--")
    except CheckError as error:
        raise CheckError(
            f"{error}\nIs the history there? Check out with 'fetch-depth: 0' "
            "(actions/checkout), or give the action a path."
        ) from None
    names = sorted(
        name
        for name in listing.split("\0")
        if name
        and any(fnmatch.fnmatch(name, p) for p in include)
        and not any(fnmatch.fnmatch(name, p) for p in exclude)
    )
    modes = tree_modes("HEAD", names) if names else {}
    links = [name for name in names if modes.get(name) == SYMLINK]
    files = [name for name in names if modes.get(name) in REGULAR and _regular(Path(name))]
    return files, links


def tree_modes(ref: str, paths: list[str], top: str = ".") -> dict[str, str]:
    """The git mode of each file under ``paths`` (relative to ``top``, the repository's
    root) at ``ref``, by its path from the root (``120000``: a link)."""
    modes = {}
    listing = _git("-C", top, "ls-tree", "-r", "-z", "--full-name", ref, "--", *paths)
    for record in listing.split("\0"):
        meta, _, path = record.partition("\t")
        if path:
            modes[path] = meta.split()[0]
    return modes


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _inside(folder: Path, top: Path) -> str | None:
    """``folder``'s path relative to the repository ``top`` (POSIX), or None if it lies
    outside (as written, or once its links are resolved)."""
    for candidate, root in (
        (Path(os.path.abspath(folder)), top),
        (folder.resolve(), top.resolve()),
    ):
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            continue
    return None


def base_specs(ref: str, spec: str, folders: list[str], scratch: Path) -> tuple[list[str], str]:
    """The ``--problems`` folders to grade with, and a note for the summary.

    A folder of the repository is read from ``ref`` into ``scratch`` (its regular files
    only; a link is skipped), so what the pull request changes there is not used; a
    folder outside the repository is used as it is.  The note names what the pull
    request (``spec``) changed in them, or is empty.
    """
    top = Path(_git("rev-parse", "--show-toplevel").strip())
    used: list[str] = []
    ours: list[str] = []
    for index, folder in enumerate(folders):
        relative = _inside(Path(folder), top)
        if relative is None:
            used.append(folder)
            continue
        ours.append(relative)
        target = scratch / f"specs-{index}"
        target.mkdir()
        for path, mode in tree_modes(ref, [relative], str(top)).items():
            if mode not in REGULAR:  # a link (or a submodule) in the specs: not followed
                continue
            content = subprocess.run(
                ["git", "-C", str(top), "show", f"{ref}:{path}"],
                capture_output=True,
                check=True,
                timeout=120,
            ).stdout
            inner = Path(path).relative_to(relative) if relative != "." else Path(path)
            (target / inner).parent.mkdir(parents=True, exist_ok=True)
            (target / inner).write_bytes(content)
        used.append(str(target))
    listing = _git("-C", str(top), "diff", "--name-only", "-z", spec, "--", *ours) if ours else ""
    changed = [name for name in listing.split("\0") if name]
    if not changed:
        return used, ""
    return used, (
        f"this change edits the problem specs ({', '.join(changed)}); it is graded "
        f"against the specs of {ref}, not its own"
    )


def judge_command(
    args: argparse.Namespace, targets: list[str], problems: list[str] | None = None
) -> list[str]:
    """The ``judge grade`` command line for ``targets``, with the spec folders
    ``problems`` (by default the ones given, as they are)."""
    # -I (isolated): the working folder, the pull request's checkout, is not put on
    # sys.path, so a judge/ folder it adds cannot stand in for the judge.
    command = [sys.executable, "-I", "-m", "judge", "grade", *targets, "-p", args.problem]
    command += ["--format", "github"]
    for folder in _patterns(args.problems) if problems is None else problems:
        command += ["--problems", folder]
    if args.timeout:
        command += ["--timeout", args.timeout]
    if args.sandbox:
        command += ["--sandbox", args.sandbox]
    # Last, so nothing before it can widen the view: a hidden test's details never
    # reach an annotation or the job summary.
    return [*command, *extra_args(args.args), "--audience", "student"]


def extra_args(text: str) -> list[str]:
    """The arguments ``args`` (``INPUT_ARGS``) adds to ``judge grade``; raises
    ``CheckError`` if one of them is an option the check keeps to itself (``RESERVED``)."""
    try:
        extra = shlex.split(text)
    except ValueError as error:
        raise CheckError(f"args: {error}; quote as in a shell ('a b' or \"a b\")") from None
    for arg in extra:
        why = next((why for option, why in RESERVED.items() if _spells(arg, option)), None)
        if why is not None:
            raise CheckError(f"{arg.partition('=')[0]} in args: {why}")
    return extra


_SPECS = (
    "the check sets what a submission is graded against (the problem and problems "
    "inputs, whose folders in the repository are read from the base, not the pull "
    "request): give it there, not in args"
)
# Options of 'judge grade' that args may not carry, and why.  Coming after the check's
# own, they would win: a --problems folder would be read from the pull request's checkout.
RESERVED = {
    "--audience": (
        "the pull-request check writes for students (annotations and the job summary "
        "are public): remove it from args"
    ),
    "--problems": _SPECS,
    "--problem": _SPECS,
    "-p": _SPECS,
}


def _spells(arg: str, option: str) -> bool:
    """Whether the argument ``arg`` gives ``option`` as click reads it: ``--problems
    DIR``, ``--problems=DIR``, and for a short one ``-p ID`` or ``-pID``."""
    if option.startswith("--"):
        return arg == option or arg.startswith(option + "=")
    return arg.startswith(option)


def _append(variable: str, text: str) -> None:
    target = _env(variable)
    if target:
        with open(target, "a", encoding="utf-8") as stream:
            stream.write(text)


def run(args: argparse.Namespace) -> int:
    """Grade the targets and return the exit status for the check."""
    with tempfile.TemporaryDirectory(prefix="judge-specs-") as scratch:
        if not args.comment:
            return _run(args, Path(scratch))
        # The job summary is written to a file of ours, then copied to the real one and
        # posted: the comment says exactly what the summary says.
        summary, real = Path(scratch) / "summary.md", os.environ.get("GITHUB_STEP_SUMMARY")
        summary.touch()
        os.environ["GITHUB_STEP_SUMMARY"] = str(summary)
        try:
            status = _run(args, Path(scratch))
        finally:
            if real is None:
                del os.environ["GITHUB_STEP_SUMMARY"]
            else:
                os.environ["GITHUB_STEP_SUMMARY"] = real
        text = summary.read_text(encoding="utf-8")
        _append("GITHUB_STEP_SUMMARY", text)
        _post_comment(args, text)
        return status


def _post_comment(args: argparse.Namespace, summary: str) -> None:
    """Post or update the sticky comment; a failure is a warning, never the verdict."""
    number = _pull_request_number()
    if number is None:
        print("::notice title=judge::not a pull request: no comment posted")
        return
    target = comment.Target(
        api_url=_env("GITHUB_API_URL", "https://api.github.com"),
        repository=_env("GITHUB_REPOSITORY"),
        number=number,
        token=_env("INPUT_GITHUB_TOKEN") or _env("GITHUB_TOKEN"),
        author=args.comment_author,
    )
    try:
        if not target.token or not target.repository:
            raise comment.CommentError("github-token and GITHUB_REPOSITORY must be set")
        done = comment.post(target, args.problem, summary)
    except comment.CommentError as error:
        message = f"the pull-request comment was not posted: {error}"
        print(f"::warning title=judge::{escape_data(message)}")
        return
    print(f"pull-request comment {done}", file=sys.stderr)


def _pull_request_number() -> int | None:
    """The pull request's number, from the event that started the workflow."""
    try:
        event = json.loads(Path(_env("GITHUB_EVENT_PATH")).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pull = event.get("pull_request") if isinstance(event, dict) else None
    number = pull.get("number") if isinstance(pull, dict) else None
    return number if type(number) is int else None


# The tokens the check may hold: grading needs none of them, so no process that runs
# a submission (even before its sandbox empties the environment) is given them.
SECRETS = ("INPUT_GITHUB_TOKEN", "INPUT_SPECS_TOKEN", "GITHUB_TOKEN", "ACTIONS_RUNTIME_TOKEN")


def _without_secrets() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in SECRETS}


def _private_specs(args: argparse.Namespace, scratch: Path) -> list[str]:
    """The folder of the private spec repository, cloned into ``scratch``, if any."""
    if not args.specs_repository:
        return []
    try:
        folder = specsource.fetch(
            args.specs_repository, _env("INPUT_SPECS_TOKEN"), scratch / "private", args.specs_path
        )
    except specsource.SpecSourceError as error:
        raise CheckError(str(error)) from None
    return [str(folder)]


def _run(args: argparse.Namespace, scratch: Path) -> int:
    extra_args(args.args)  # refused before anything is said or graded
    links: list[str] = []
    if args.path:
        targets = [args.path]
        _refuse_linked_path(Path(args.path))
        try:
            spec, base = diff_range(args.base)
        except CheckError:  # no base known: the specs as checked out (said in the docs)
            spec = base = ""
    else:
        os.chdir(_git("rev-parse", "--show-toplevel").strip())  # git names files from there
        spec, base = diff_range(args.base)
        targets, links = changed_files(spec, _patterns(args.include), _patterns(args.exclude))
        if not targets and not links:
            message = f"no submissions changed ({spec}, files matching {args.include})"
            print(f"::notice title=judge::{escape_data(message)}")
            _append("GITHUB_STEP_SUMMARY", f"### judge: {markdown_inline(message)}\n")
            _append("GITHUB_OUTPUT", "passed=true\nsubmissions=0\n")
            return 0
    problems = _patterns(args.problems)
    if base and problems:
        problems, note = base_specs(base, spec, problems, scratch)
        if note:
            print(f"::notice title=judge::{escape_data(note)}")
            _append("GITHUB_STEP_SUMMARY", f"> **judge:** {markdown_inline(note)}\n\n")
    # Last, so the private specs win over a problem of the same id in the repository.
    problems += _private_specs(args, scratch)
    status = _refuse_links(links)
    if targets:
        print(f"grading {len(targets)} submission(s) against {args.problem}", file=sys.stderr)
        sys.stdout.flush()
        graded = subprocess.run(
            judge_command(args, targets, problems), check=False, env=_without_secrets()
        )
        status = max(status, graded.returncode)
    _append("GITHUB_OUTPUT", f"passed={'true' if status == 0 else 'false'}\n")
    if not args.path:
        _append("GITHUB_OUTPUT", f"submissions={len(targets) + len(links)}\n")
    return status


def _refuse_links(links: list[str]) -> int:
    """Annotate each submission committed as a symbolic link; 1 if there is any."""
    if not links:
        return 0
    rows = []
    for name in links:
        message = (
            f"{name} is a symbolic link (git mode 120000); not graded: the judge follows "
            "no link, so that nobody is graded on, or shown a line of, a file they did "
            "not write. Commit the file itself."
        )
        print(command("error", message, file=name, line=None, title="judge: not graded"))
        rows.append(f"- {markdown_inline(name)}: a symbolic link (git mode 120000)\n")
    _append("GITHUB_STEP_SUMMARY", "### judge: not graded\n\n" + "".join(rows) + "\n")
    sys.stdout.flush()
    return 1


def _refuse_linked_path(path: Path) -> None:
    """Raise if ``path``, or a folder on its way down from the working folder (the
    checkout), is a symbolic link: a pull request could have committed it.  The rule is
    ``judge grade``'s (``judge.files.linked_step``); this says it before grading."""
    linked = linked_step(path)
    if linked:
        raise CheckError(linked)


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
