"""The command line: parse, call one core function, render, map errors to exit codes.

Exit codes: 0 passed, 1 not passed, 2 usage or spec error, 3 internal error,
130 interrupted (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from judge.errors import JudgeError
from judge.interrupt import exit_now, interruptible, stop_ignoring, stopping
from judge.report.audience import AUDIENCES
from judge.report.escape import terminal, terminal_line
from judge.version import DISTRIBUTION, __version__

F = TypeVar("F", bound=Callable[..., Any])

EXIT_PASSED, EXIT_NOT_PASSED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


class JudgeClickError(click.ClickException):
    """A core error shown as ``Error: ...`` with the core's exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it when it exits


def handle_errors(command: F) -> F:
    """Turn the core's exceptions into messages and exit codes, never tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except JudgeError as error:
            # A message may quote a student's file or folder name: spelled out, it
            # cannot redraw the terminal.
            raise JudgeClickError(terminal(str(error)), error.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM (see judge.interrupt): workers are gone
            stop_ignoring()
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as error:
            if os.environ.get("JUDGE_DEBUG"):
                raise
            raise JudgeClickError(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in judge; rerun with JUDGE_DEBUG=1 for the traceback and report it.",
                EXIT_INTERNAL,
            ) from None

    return wrapper  # type: ignore[return-value]


problems_option = click.option(
    "--problems",
    "problem_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="A folder of extra problem specs (repeatable); they override built-ins by id.",
)


# The values of judge.sandbox.levels.Level (tests/test_cli.py keeps them equal), spelled
# out because importing the sandbox would slow every command's start-up.
SANDBOX_LEVELS = ("auto", "strict", "basic")


def sandbox_option(help: str) -> Callable[[F], F]:
    """The ``--sandbox`` option, with what it means for this command."""
    return click.option(
        "--sandbox",
        type=click.Choice(SANDBOX_LEVELS),
        default=SANDBOX_LEVELS[0],
        show_default=True,
        help=help,
    )


def problem_option(
    help: str = "The problem to grade against (see 'judge problems list').",
) -> Callable[[F], F]:
    """The ``-p/--problem`` option: a problem's id, basic-autograd by default."""
    return click.option(
        "-p", "--problem", "problem_id", default="basic-autograd", show_default=True, help=help
    )


def format_option(choices: list[str], help: str) -> Callable[[F], F]:
    """The ``--format`` option; unset, the command takes the format from ``-o``'s suffix."""
    return click.option(
        "--format", "output_format", type=click.Choice(choices), default=None, help=help
    )


def output_option(help: str) -> Callable[[F], F]:
    """The ``-o/--output`` option: the file to write instead of standard output."""
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help=help
    )


def file_option(verb: str) -> Callable[[F], F]:
    """The ``--file`` option of a command that reads one folder per student."""
    return click.option(
        "--file",
        "filename",
        help=f"With one folder per student, the file to {verb} in each "
        "(default: the folder's only .py file, or the folder itself when it holds several "
        ".py files or a package: a student's modules).",
    )


def _catalog(problem_dirs: tuple[Path, ...]) -> Any:
    from judge.spec.catalog import Catalog

    return Catalog.with_extra(problem_dirs)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        from judge.errors import UsageError
        from judge.files import write_atomic

        try:
            write_atomic(output, text)
        except OSError as error:
            raise UsageError(f"cannot write {output}: {error.strerror}") from None


@dataclass(frozen=True)
class Grading:
    """The options of ``grading_options``, as the one ``grading`` argument they reach
    the command as."""

    timeout: float | None
    budget: float | None
    seed: int | None
    examples: int | None
    sandbox: str
    audience: str

    def plan(self, problem: Any) -> Any:
        """The grading plan of ``problem`` with these random graphs."""
        from judge.grading.plan import prepare

        return prepare(problem, seed=self.seed, examples=self.examples)

    def options(self) -> Any:
        """The limits and sandbox a submission is graded with."""
        from judge.grading.grade import Options

        return Options(timeout=self.timeout, budget=self.budget, sandbox=self.sandbox)


def grading_options(command: F) -> F:
    """The options that change how a submission is graded, shared by run and grade; the
    command receives them as one ``grading: Grading``."""

    @functools.wraps(command)
    def gathered(
        *args: Any,
        timeout: float | None,
        budget: float | None,
        seed: int | None,
        examples: int | None,
        sandbox: str,
        audience: str,
        **kwargs: Any,
    ) -> Any:
        grading = Grading(timeout, budget, seed, examples, sandbox, audience)
        return command(*args, grading=grading, **kwargs)

    options = [
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.01),
            default=None,
            help="Seconds allowed per test (default: the problem's time_limit).",
        ),
        click.option(
            "--budget",
            type=click.FloatRange(min=0.01),
            default=None,
            help="Seconds allowed per submission in all; tests left when it is spent time "
            "out without running (default: the problem's budget, 30 s).",
        ),
        click.option(
            "--seed",
            type=int,
            default=None,
            help="Seed of the random graphs, the same for every submission "
            "(default: the problem's; the report records it).",
        ),
        click.option(
            "--examples",
            type=click.IntRange(min=1, max=100_000),
            default=None,
            help="How many random graphs to run (default: the problem's, usually 200).",
        ),
        sandbox_option(
            "auto: the best layers this machine has; strict: refuse (exit 2) unless a kernel "
            "layer (Landlock, seccomp, bubblewrap) holds; basic: portable layers only."
        ),
        click.option(
            "--audience",
            type=click.Choice(AUDIENCES),
            default=AUDIENCES[0],
            show_default=True,
            help="Who reads the output: for students, a hidden test shows only its verdict "
            "and topic; instructor shows everything (never for gradescope).",
        ),
    ]
    for option in reversed(options):
        gathered = option(gathered)
    return gathered  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
# The version from the package itself: no lookup of the installed distribution's metadata.
@click.version_option(
    __version__, prog_name="judge", message=f"%(prog)s %(version)s ({DISTRIBUTION})"
)
def cli() -> None:
    """Grade micrograd-style autograd Value classes against problem specs."""


@cli.command()
@click.argument("submission", type=click.Path(path_type=Path))
@problem_option()
@problems_option
@format_option(
    ["text", "json", "junit", "gradescope", "github", "markdown", "html"],
    "Default: from the -o file's suffix (.json, .md, .xml, .html), else text.  github "
    "writes annotations, and a job summary to $GITHUB_STEP_SUMMARY when set.  html: one "
    "self-contained file with the failing graphs drawn.",
)
@output_option("Write the report to this file instead of standard output.")
@grading_options
@handle_errors
def run(
    submission: Path,
    problem_id: str,
    problem_dirs: tuple[Path, ...],
    output_format: str | None,
    output: Path | None,
    grading: Grading,
) -> None:
    """Grade one SUBMISSION (a .py file, a Jupyter notebook, or a student's folder of
    modules such as engine.py + nn.py or micrograd/engine.py + micrograd/nn.py) and
    print its report.

    Exit status: 0 passed, 1 not passed, 2 usage or spec error, 3 internal error,
    130 interrupted.
    """
    from judge.grading.session import worker_booting
    from judge.report.formats import REPORT_FORMATS, check_audience, render_report

    output_format = output_format or _format_of(output, REPORT_FORMATS)
    audience = grading.audience
    check_audience(output_format, audience)
    problem = _catalog(problem_dirs).get(problem_id)
    # The worker boots (~40 ms) while the plan is prepared and the grading modules are
    # imported, rather than after them.
    with interruptible(), worker_booting(problem, grading.sandbox):
        plan = grading.plan(problem)
        report = _grade_or_not(submission, plan, output_format, grading.options())
    if output_format == "text":
        color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = render_report("text", report, audience, color=color)
    else:
        text = render_report(output_format, report, audience)
        if output_format == "github":
            _append_step_summary(render_report("markdown", report, audience))
    _emit(text, output)
    sys.exit(EXIT_PASSED if report.status.value == "passed" else EXIT_NOT_PASSED)


def _grade_or_not(
    submission: Path,
    plan: Any,
    output_format: str,
    options: Any,
) -> Any:
    """Grade ``submission``; for Gradescope, a file that is missing or cannot be read is
    a 0 with the reason in results.json (its student sees why), not exit 2 and no file
    (an autograder failure, which tells the student nothing)."""
    from judge.errors import SubmissionError
    from judge.grading.grade import grade

    try:
        return grade(submission, plan, options)
    except SubmissionError as error:
        if output_format != "gradescope":
            raise
        from judge.batch.run import not_graded
        from judge.deploy.gradescope import missing_reason

        return not_graded(submission, plan, missing_reason(submission, error))


# The format an -o file is written in when --format is not given, by its suffix.
FORMAT_BY_SUFFIX = {
    ".csv": "csv",
    ".json": "json",
    ".md": "markdown",
    ".xml": "junit",
    ".html": "html",
}


def _format_of(output: Path | None, offered: Mapping[str, object]) -> str:
    """The format ``-o output`` asks for by its suffix, if the command ``offered`` it;
    else text."""
    wanted = FORMAT_BY_SUFFIX.get(output.suffix.lower()) if output is not None else None
    return wanted if wanted is not None and wanted in offered else "text"


def _append_step_summary(markdown: str) -> None:
    """Append to GitHub's job summary when ``$GITHUB_STEP_SUMMARY`` names one."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        try:
            with open(target, "a", encoding="utf-8") as summary:
                summary.write(markdown + "\n")
        except OSError as error:
            click.echo(f"warning: cannot write the job summary {target}: {error}", err=True)


def _check_writable(output: Path | None) -> None:
    """Fail before grading, not after, when ``-o`` cannot be written."""
    from judge.errors import UsageError

    if output is None:
        return
    folder = output.parent.resolve()
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"cannot write {output}: {folder} is not a writable folder")


def _results_cache(no_cache: bool) -> Any:
    """The results cache, or None (with a warning when it cannot be created, or when
    others could write to it: a planted result would be served as a grade)."""
    if no_cache:
        return None
    from judge.batch.cache import ResultCache
    from judge.cachedir import cache_dir
    from judge.errors import UnsafeCache

    try:
        return ResultCache(cache_dir("results"))
    except (OSError, UnsafeCache) as error:
        click.echo(f"warning: results will not be cached: {error}", err=True)
        return None


@contextlib.contextmanager
def _progress_bar(total: int) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr when it is a terminal; otherwise silence."""
    if not sys.stderr.isatty():
        yield lambda entry, cached: None
        return
    with click.progressbar(
        length=total,
        label="grading",
        file=sys.stderr,
        show_pos=True,
        item_show_func=lambda name: name,
    ) as bar:
        # A student's name, spelled out: it could redraw the terminal.
        yield lambda entry, cached: bar.update(1, terminal_line(entry.name))


@cli.command("grade")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@problem_option()
@problems_option
@file_option("grade")
@format_option(
    [
        *("text", "csv", "csv-wide", "json", "markdown", "junit", "gradescope", "github"),
        *("canvas", "lms", "html"),
    ],
    "Default: from the -o file's suffix (.csv, .json, .md, .xml, .html), else text.  github "
    "writes annotations, and a job summary to $GITHUB_STEP_SUMMARY when set.  csv-wide: a "
    "column per test.  canvas, lms: a CSV to import into an LMS (needs --roster).",
)
@output_option("Write the gradebook to this file (atomically) instead of standard output.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Submissions graded at once (default: every core).",
)
@click.option(
    "--roster",
    "roster_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A CSV of the class (name, id, email, LMS ids): adds id columns and says who did "
    "not submit and who is not on it.",
)
@click.option(
    "--assignment",
    default="",
    help="The score column's header in --format canvas or lms (Canvas: 'Name (id)' as its "
    "export spells it; default: the problem's id).",
)
@click.option(
    "--compare",
    "compare_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="An earlier JSON gradebook: say whose score changed since, and which tests flipped.",
)
@click.option(
    "--similar",
    is_flag=True,
    help="Add a section of near-copies among the submissions (text, markdown, json; "
    "see 'judge similar' for its options).",
)
@grading_options
@click.option("--regrade", is_flag=True, help="Grade again what the cache holds, and replace it.")
@click.option("--no-cache", is_flag=True, help="Neither use nor store cached results.")
@click.option(
    "--queue",
    "queue_url",
    metavar="URL",
    envvar="JUDGE_QUEUE",
    default=None,
    help="Grade on the workers of this job queue (a Redis URL: redis://[:PASSWORD@]HOST"
    "[:PORT][/DB], rediss:// for TLS) instead of this machine; default $JUDGE_QUEUE, "
    "which keeps a password out of the process list; see docs/scaling.md.",
)
@handle_errors
def grade_command(
    paths: tuple[Path, ...],
    problem_id: str,
    problem_dirs: tuple[Path, ...],
    filename: str | None,
    output_format: str | None,
    output: Path | None,
    jobs: int | None,
    roster_path: Path | None,
    assignment: str,
    compare_path: Path | None,
    similar: bool,
    grading: Grading,
    regrade: bool,
    no_cache: bool,
    queue_url: str | None,
) -> None:
    """Grade every submission in the folders and files PATHS.  A folder holds one file
    per student (FOLDER/NAME.py) or one folder per student (FOLDER/NAME/FILE.py).

    Results are cached, so grading the folder again, or after an interruption, grades
    only what changed.  Exit status: 0 all passed, 1 some did not, 2 usage or spec
    error, 3 internal error, 130 interrupted.
    """
    from dataclasses import replace

    from judge.batch import compare
    from judge.batch.discover import collect
    from judge.batch.roster import read_roster
    from judge.batch.run import grade_batch
    from judge.errors import UsageError
    from judge.report import gradebook_text
    from judge.report.formats import (
        GRADEBOOK_FORMATS,
        LMS_FORMATS,
        check_audience,
        render_gradebook,
    )
    from judge.similarity.compare import find_similar
    from judge.similarity.render import SECTION_FORMATS, with_section

    output_format = output_format or _format_of(output, GRADEBOOK_FORMATS)
    audience = grading.audience
    check_audience(output_format, audience)
    if output_format in LMS_FORMATS and roster_path is None:
        raise UsageError(
            f"--format {output_format} needs --roster FILE: an LMS matches rows by the ids "
            "the roster gives (see docs/grading.md, Rosters)"
        )
    if similar and output_format not in SECTION_FORMATS:
        raise UsageError(
            f"--similar adds a section to a text, markdown or json gradebook, not to "
            f"--format {output_format}; run 'judge similar' beside it for the pairs"
        )
    # Both files are read before grading, so that a typo costs nothing.
    roster = read_roster(roster_path) if roster_path is not None else None
    old = compare.read_gradebook(compare_path) if compare_path is not None else None
    problem = _catalog(problem_dirs).get(problem_id)
    submissions = collect(list(paths), filename)
    _check_writable(output)
    cache = _results_cache(no_cache)
    remote = _queue_grader(queue_url, no_cache) if queue_url is not None else None
    closing = contextlib.closing(remote) if remote else contextlib.nullcontext()
    with closing, _progress_bar(len(submissions)) as progress:
        result = grade_batch(
            submissions,
            grading.plan(problem),
            grading.options(),
            jobs=jobs,
            cache=cache,
            reuse=not regrade,
            on_done=progress,
            remote=remote,
        )
    book = result.gradebook
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if result.interrupted:
        click.echo(
            f"interrupted: {len(book.entries)} of {result.total} submissions done"
            f"{' and cached' if cache is not None else ''}; no output written. "
            "Run the same command again to finish.",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    book = replace(book, roster=roster)
    options = {"assignment": assignment} if output_format in LMS_FORMATS else {}
    rendered = render_gradebook(output_format, book, audience, **options)
    similarity = find_similar(submissions, problem.starter) if similar else None
    if similarity is not None:
        rendered = with_section(rendered, output_format, similarity)
    _emit(rendered, output)
    if roster is not None:
        _roster_notes(roster, book.names)
    if old is not None and compare_path is not None:
        changes = compare.render_text(compare.compare(old, book), str(compare_path))
        click.echo(changes, nl=False, err=output is None)
    if output_format == "github":
        summary = render_gradebook("markdown", book, audience)
        if similarity is not None:
            summary = with_section(summary, "markdown", similarity)
        _append_step_summary(summary)
    click.echo(
        f"{gradebook_text.summary(book)} ({result.graded} graded, {result.cached} from the "
        f"cache, {result.wall_s:.1f} s)" + (f"; wrote {output}" if output else ""),
        err=output is None,
    )
    if result.internal_errors:
        click.echo(
            f"error: the judge failed on {result.internal_errors} submission(s); "
            "see their rows, and report it.",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_PASSED if book.all_passed else EXIT_NOT_PASSED)


def _queue_grader(url: str, no_cache: bool) -> Any:
    """The grader of the job queue at ``url``, connected (``QueueError``, exit 2, if the
    queue extra is missing or the Redis cannot be used); with ``no_cache``, it reuses
    none of the reports the queue keeps."""
    from judge.cluster.connect import redact, require_queue_extra

    require_queue_extra()  # before importing what imports rq
    from judge.cluster.remote import QueueGrader

    grader = QueueGrader(url, _note, fresh=no_cache)
    click.echo(f"grading on the workers of {redact(url)}", err=True)
    return grader


def _note(text: str) -> None:
    """A note on stderr, beside the gradebook."""
    click.echo(f"note: {text}", err=True)


def _roster_notes(roster: Any, names: tuple[str, ...]) -> None:
    """Say on stderr who on the roster did not submit and who submitted off it."""
    missing, unlisted = roster.missing(names), roster.unlisted(names)
    if missing:
        who = ", ".join(terminal_line(s.name) for s in missing)
        click.echo(f"note: {len(missing)} on the roster without a submission: {who}", err=True)
    if unlisted:
        who = ", ".join(terminal_line(name) for name in unlisted)
        click.echo(f"note: {len(unlisted)} submission(s) not on the roster: {who}", err=True)


@cli.group()
def problems() -> None:
    """List, show and check problem specs."""


@problems.command("list")
@problems_option
@handle_errors
def problems_list(problem_dirs: tuple[Path, ...]) -> None:
    """List every problem: id, difficulty, number of cases, title."""
    for problem in _catalog(problem_dirs).problems():
        visible = sum(1 for c in problem.cases if not c.hidden)
        click.echo(
            f"{problem.id:24} {problem.difficulty:7} {len(problem.cases):3} cases "
            f"({visible} visible)  {problem.title}"
        )


@problems.command("show")
@click.argument("problem_id")
@problems_option
@handle_errors
def problems_show(problem_id: str, problem_dirs: tuple[Path, ...]) -> None:
    """Print a problem's statement, its ops and its visible cases."""
    from judge.sandbox import allowlist

    problem = _catalog(problem_dirs).get(problem_id)
    click.echo(f"# {problem.title}  ({problem.id}, {problem.difficulty})\n")
    click.echo(problem.description.rstrip() + "\n")
    click.echo(f"Operations: {', '.join(problem.ops)}")
    click.echo(f"Imports: {allowlist.describe(problem.imports, problem.forbid_imports)}")
    click.echo(
        f"Cases: {len(problem.cases)} ({sum(c.hidden for c in problem.cases)} hidden), "
        f"{problem.max_score:g} points\n"
    )
    for case in problem.cases:
        if not case.hidden:
            click.echo(f"## {case.name}\n")
            click.echo(case.source.rstrip() + "\n")
    click.echo(f"Start with: judge init {problem.id}{_with_problems(problem_dirs)}")


@problems.command("check")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
@handle_errors
def problems_check(folder: Path | None) -> None:
    """Validate every spec in FOLDER (default: the built-in catalog), recompute every
    written expectation with the reference engine, and make each problem's random graphs
    ready (drawn and cached once, so that no run has to)."""
    from judge.properties.prepare import prepare_graphs
    from judge.spec.catalog import builtin_dir, check_folder

    checked = check_folder(folder or builtin_dir())
    cases = sum(len(p.cases) for p in checked)
    ready = prepare_graphs(checked)
    click.echo(f"ok: {len(checked)} problems, {cases} cases checked, graphs ready for {ready}")


@cli.command()
@click.argument("problem_id")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@problems_option
@handle_errors
def init(problem_id: str, path: Path | None, force: bool, problem_dirs: tuple[Path, ...]) -> None:
    """Write the starter file for PROBLEM_ID to PATH (default: ./value.py)."""
    from judge.errors import UsageError
    from judge.files import write_atomic

    problem = _catalog(problem_dirs).get(problem_id)
    target = path or Path("value.py")
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; pass --force to overwrite it")
    write_atomic(target, problem.starter)
    command = f"judge run {shlex.quote(str(target))} -p {problem.id}{_with_problems(problem_dirs)}"
    click.echo(f"wrote {target}; grade it with: {command}")


@cli.group()
def gradescope() -> None:
    """Deploy a problem to Gradescope as an autograder."""


@gradescope.command("build")
@problem_option()
@problems_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("autograder.zip"),
    show_default=True,
    help="The zip to write; upload it as the assignment's autograder.",
)
@click.option(
    "--file",
    "filename",
    default="value.py",
    show_default=True,
    help="The file name students submit; any other gets a 0 saying so.",
)
@click.option(
    "--wheel",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Ship this wheel of the judge (default: one built from this checkout).",
)
@click.option(
    "--judge-version",
    default=None,
    help="Install this published version from PyPI instead of shipping a wheel.",
)
@sandbox_option("The sandbox level run_autograder grades with (auto: what the container allows).")
@handle_errors
def gradescope_build(
    problem_id: str,
    problem_dirs: tuple[Path, ...],
    output: Path,
    filename: str,
    wheel: Path | None,
    judge_version: str | None,
    sandbox: str,
) -> None:
    """Write a Gradescope autograder zip for PROBLEM: setup.sh, run_autograder, the
    problem's spec and the judge, both pinned."""
    from judge.deploy.gradescope import build

    problem = _catalog(problem_dirs).get(problem_id)
    built = build(
        problem, output, filename=filename, wheel=wheel, version=judge_version, sandbox=sandbox
    )
    click.echo(
        f"wrote {output}: grades {filename} against {problem.id} with {built.judge}; upload "
        "it as the assignment's autograder (Configure Autograder, Zip file upload)"
    )


@cli.command("similar")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@problem_option(
    "The problem whose starter code ('judge init' writes it) is never counted as copied."
)
@problems_option
@file_option("compare")
@click.option(
    "--ignore",
    "ignored",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A file of code every student may use (lecture code, micrograd's engine.py): "
    "its lines are not counted as copied either (repeatable).",
)
@click.option(
    "--threshold",
    type=click.FloatRange(min=0.0, max=1.0),
    default=None,
    help="The similarity (0 to 1) from which two submissions are a pair (default: 0.6).",
)
@format_option(
    ["text", "markdown", "json"], "Default: from the -o file's suffix (.md, .json), else text."
)
@output_option("Write the report to this file instead of standard output.")
@handle_errors
def similar(
    paths: tuple[Path, ...],
    problem_id: str,
    problem_dirs: tuple[Path, ...],
    filename: str | None,
    ignored: tuple[Path, ...],
    threshold: float | None,
    output_format: str | None,
    output: Path | None,
) -> None:
    """Find near-copies among the submissions in the folders and files PATHS, as pairs
    with a similarity and the line ranges that match.  Robust to renamed variables,
    reordered methods and changed comments; the starter's lines never count.

    Exit status: 0 no pair, 1 pairs found, 2 usage error, 3 internal error.
    """
    from judge.batch.discover import collect
    from judge.similarity.compare import THRESHOLD, find_similar, read_ignored
    from judge.similarity.render import RENDERERS

    output_format = output_format or _format_of(output, RENDERERS)
    starter = _catalog(problem_dirs).get(problem_id).starter
    base = "\n".join([starter, read_ignored(list(ignored))])
    submissions = collect(list(paths), filename)
    _check_writable(output)
    result = find_similar(submissions, base, THRESHOLD if threshold is None else threshold)
    _emit(RENDERERS[output_format](result), output)
    sys.exit(EXIT_NOT_PASSED if result.pairs else EXIT_PASSED)


@cli.command("worker")
@click.option(
    "--queue",
    "queue_url",
    metavar="URL",
    envvar="JUDGE_QUEUE",
    required=True,
    help="The job queue to take submissions from: a Redis URL (redis://[:PASSWORD@]HOST"
    "[:PORT][/DB], rediss:// for TLS, unix:///PATH); default $JUDGE_QUEUE, which keeps a "
    "password out of the process list.",
)
@sandbox_option(
    "The sandbox submissions are graded in when a request leaves it to the worker; "
    "strict here holds every request to strict."
)
@click.option("--name", default=None, help="The worker's name on the queue (default HOST.PID).")
@click.option("--burst", is_flag=True, help="Exit once the queues are empty.")
@click.option(
    "--heartbeat",
    type=click.IntRange(min=1, max=300),
    default=None,
    help="Seconds between a busy worker's heartbeats (default 5).",
)
@click.option(
    "--maintenance",
    type=click.IntRange(min=1, max=600),
    default=None,
    help="Seconds between two looks for jobs whose worker died (default 5).",
)
@handle_errors
def worker_command(
    queue_url: str,
    sandbox: str,
    name: str | None,
    burst: bool,
    heartbeat: int | None,
    maintenance: int | None,
) -> None:
    """Grade submissions from a job queue, one at a time, until stopped; run as many
    as you like, on as many machines.  Interactive jobs (the problem site's) go first.

    SIGTERM or Ctrl-C finishes the submission under way and exits 0; a second Ctrl-C
    stops at once.  A worker waits for a Redis that is down, and reconnects.
    """
    from judge.cluster.connect import require_queue_extra

    require_queue_extra()
    from judge.cluster.queues import HEARTBEAT_S, MAINTENANCE_S
    from judge.cluster.worker import run_worker

    status = run_worker(
        queue_url,
        sandbox=sandbox,
        name=name,
        burst=burst,
        heartbeat_s=heartbeat or HEARTBEAT_S,
        maintenance_s=maintenance or MAINTENANCE_S,
    )
    sys.exit(status)


def _serve_default(name: str) -> Any:
    """A ``judge serve`` limit's default: ``ServeConfig``'s, the one place it is set."""
    from judge.serve.config import ServeConfig

    return ServeConfig.__dataclass_fields__[name].default


def _serve_limit(option: str, name: str, kind: type, help: str) -> Callable[[F], F]:
    return click.option(
        option, name, type=kind, default=_serve_default(name), show_default=True, help=help
    )


@cli.command("serve")
@click.option(
    "--host",
    default=_serve_default("host"),
    show_default=True,
    help="The address to listen on; anything but loopback exposes the site.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=_serve_default("port"),
    show_default=True,
    help="The port to listen on.",
)
@problems_option
@_serve_limit("--jobs", "jobs", int, "Submissions graded at once (a process each).")
@click.option(
    "--database",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("judge-serve.sqlite3"),
    show_default=True,
    help="The SQLite file that keeps submissions and reports across restarts.",
)
@sandbox_option("The sandbox each submission is graded in, as for 'judge run'.")
@_serve_limit("--max-source", "max_source", int, "Bytes of one submission's source (413 past).")
@_serve_limit("--max-body", "max_body", int, "Bytes of one request body (413 past).")
@_serve_limit("--max-queue", "max_queue", int, "Submissions waiting at once (503 past).")
@_serve_limit(
    "--per-minute", "per_minute", int, "Submissions one client may make in a minute (429 past)."
)
@_serve_limit(
    "--wait-timeout",
    "wait_timeout",
    float,
    "Seconds a ?wait=true request waits for its report before answering 202.",
)
@_serve_limit("--max-batch", "max_batch", int, "Submissions in one batch request.")
@_serve_limit(
    "--max-attempts",
    "max_attempts",
    int,
    "Times a submission is started (its grader died, the server stopped) before "
    "it is recorded as not graded.",
)
@_serve_limit(
    "--keep-days",
    "keep_days",
    int,
    "Days a graded submission is kept (deleted at start and daily after); 0 keeps all.",
)
@click.option(
    "--forwarded-allow-ips",
    "forwarded_allow_ips",
    metavar="ADDRESSES",
    help="Comma-separated addresses of trusted reverse proxies ('*' for any): their "
    "X-Forwarded-For header names the client the rate limit counts.  Unset: ignored.",
)
@click.option(
    "--queue",
    "queue",
    metavar="URL",
    envvar="JUDGE_QUEUE",
    help="A Redis URL (redis://, rediss://, unix://): enqueue submissions there for "
    "'judge worker' processes to grade, instead of grading here (see docs/api.md); "
    "default $JUDGE_QUEUE, which keeps a password out of the process list.",
)
@click.option(
    "--token-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A file whose first line is the instructor token (else the "
    "JUDGE_INSTRUCTOR_TOKEN variable): it unlocks batches and full reports.",
)
@handle_errors
def serve_command(problem_dirs: tuple[Path, ...], token_file: Path | None, **limits: Any) -> None:
    """Serve the problem site and the submissions API (see docs/api.md) until Ctrl-C.

    Exit status: 0 stopped by SIGTERM, 2 usage error (the serve extra missing, a bad
    option or spec, a Redis it cannot reach at start), 3 internal error, 130 Ctrl-C;
    stopped, it finishes the requests in flight first.  What was being graded is
    graded at the next start.
    """
    from judge.serve.config import ServeConfig, token_from

    try:
        from judge.serve.run import serve
    except ImportError as error:
        if error.name not in ("starlette", "uvicorn"):
            raise
        raise JudgeClickError(
            f"judge serve needs {error.name}: pip install 'micrograd-judge[serve]'",
            EXIT_USAGE,
        ) from None
    config = ServeConfig(problems=problem_dirs, token=token_from(token_file), **limits)
    host = f"[{config.host}]" if ":" in config.host else config.host
    click.echo(f"judge serve: http://{host}:{config.port}/ (Ctrl-C to stop)", err=True)
    if config.queue is not None:
        from judge.cluster.connect import redact

        click.echo(f"judge serve: graded by the workers of {redact(config.queue)}", err=True)
    serve(config)


def _with_problems(problem_dirs: tuple[Path, ...]) -> str:
    """The ``--problems`` options of a command to suggest: the folders given to this one
    (a problem of the user's own is found there, and one of them may replace a built-in
    problem), quoted for the shell."""
    return "".join(f" --problems {shlex.quote(str(folder))}" for folder in problem_dirs)


def main() -> None:
    """Entry point of the ``judge`` console script."""
    try:
        cli(prog_name="judge", standalone_mode=True)
    except KeyboardInterrupt:  # a Ctrl-C outside every command's own handling
        stop_ignoring()
        click.echo("interrupted", err=True)
        exit_now(EXIT_INTERRUPTED)
    except SystemExit as leaving:
        if stopping():  # see judge.interrupt.exit_now: no second Ctrl-C can change the code
            exit_now(leaving.code if isinstance(leaving.code, int) else EXIT_INTERRUPTED)
        raise
