"""A Gradescope autograder zip for one problem: ``judge gradescope build``.

Gradescope's autograder specification (gradescope-autograders.readthedocs.io, "specs")
asks for a zip holding ``setup.sh`` (run once, as root, on its Ubuntu base image, to
build the image) and ``run_autograder`` (run for each submission, which must write
``/autograder/results/results.json``); the zip is unpacked into ``/autograder/source``
and the student's files are put in ``/autograder/submission``.  The zip written here
holds, besides those two scripts:

- ``problems/ID.yaml``: the problem's spec as it is now, so a later edit of the spec or a
  newer judge does not change what the students of this assignment are graded against;
- the judge: a wheel built from this checkout (or one given), installed from the zip,
  or, when the judge runs from an installed wheel with no checkout, the exact version
  ``pip`` installs from PyPI by its distribution name.

Both scripts take their root from ``AUTOGRADER_ROOT`` (default ``/autograder``), so the
zip runs in a folder laid out like the container (the tests do that), and ``setup.sh``
leaves ``pip`` its own environment (``PIP_NO_INDEX``, ``PIP_FIND_LINKS``...) for an
offline install.
"""

from __future__ import annotations

import importlib.util
import shlex
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from judge.errors import SubmissionError, UsageError
from judge.spec.model import Problem
from judge.version import DISTRIBUTION, __version__

# The file a student submits, unless the build names another: what ``judge init`` writes.
DEFAULT_FILENAME = "value.py"
# Where setup.sh puts the judge's own environment, below the root.
VENV = "judge-venv"

SETUP_SH = """\
#!/usr/bin/env bash
# Written by 'judge gradescope build' ({distribution} {version}).  Gradescope runs it once,
# as root, on its Ubuntu base image, to build the image the submissions are graded in.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
# Ubuntu ships venv (ensurepip) apart from python3; bubblewrap adds the sandbox's
# namespaces where the container allows them (the judge detects that at run time).
if command -v apt-get >/dev/null && ! python3 -c 'import ensurepip' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
fi
if command -v apt-get >/dev/null && ! command -v bwrap >/dev/null; then
    apt-get install -y -qq bubblewrap >/dev/null 2>&1 \\
        || echo "note: no bubblewrap; the judge grades without it"
fi
# Its own environment, so nothing else in the image changes what grades.
python3 -m venv "$ROOT/{venv}"
"$ROOT/{venv}/bin/python" -m pip install --quiet --disable-pip-version-check {install}
"$ROOT/{venv}/bin/judge" --version
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Written by 'judge gradescope build' ({distribution} {version}): grade the submission's
# {filename} against {problem} and write Gradescope's results.json.  A missing or
# misnamed file gets a 0 with the reason, not an autograder failure.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
mkdir -p "$ROOT/results"
# The console script, not python -m: that would put the working folder on sys.path.
# From inside the submission folder, by a relative name: the judge follows no link
# below its working folder, and trusts none above it in a path it is given.
cd "$ROOT/submission" 2>/dev/null || cd "$ROOT"
"$ROOT/{venv}/bin/judge" run ./{filename_quoted} \\
    -p {problem_quoted} --problems "$ROOT/source/problems" --sandbox {sandbox} \\
    --format gradescope -o "$ROOT/results/results.json"
status=$?
# 1 is a student who did not pass: graded, results.json written.  2 and up are the
# judge's own trouble, which Gradescope shows the instructor with this script's output.
if [ "$status" -le 1 ]; then exit 0; fi
exit "$status"
"""


@dataclass(frozen=True)
class Autograder:
    """What ``build`` wrote: the zip, and how the judge gets into the image."""

    path: Path
    judge: str  # the wheel's file name in the zip, or "DIST==VERSION" from PyPI
    files: tuple[str, ...]


def checkout_root() -> Path | None:
    """The source checkout this judge runs from (its ``pyproject.toml`` names the
    distribution), or None for a judge installed from a wheel."""
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if f'name = "{DISTRIBUTION}"' in text else None


def build_wheel(root: Path, into: Path) -> Path:
    """A wheel of the checkout at ``root``, built into the folder ``into``.

    Built without isolation when the build backend (hatchling) is installed here, which
    needs no network; else pip fetches the backend into an isolated build.
    """
    isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *isolation]
    done = subprocess.run(
        [*command, "--wheel-dir", str(into), str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    wheels = sorted(into.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        raise UsageError(
            f"cannot build the judge's wheel from {root}: {done.stderr.strip()[-2000:]}\n"
            f"Give one with --wheel FILE, or pin a published version with --judge-version."
        )
    return wheels[0]


def build(
    problem: Problem,
    output: Path,
    *,
    filename: str = DEFAULT_FILENAME,
    wheel: Path | None = None,
    version: str | None = None,
    sandbox: str = "auto",
) -> Autograder:
    """Write the autograder zip for ``problem`` to ``output``.

    The judge comes from ``wheel`` when given, else from PyPI at ``version`` when given,
    else as a wheel built from this checkout, else (an installed judge) from PyPI at this
    judge's version.  ``filename`` is the file students submit.  Raises ``UsageError``
    for a file name with a folder in it, a missing wheel, or a wheel that cannot be built.
    """
    if not filename or Path(filename).name != filename or filename in (".", ".."):
        raise UsageError(f"--file {filename!r}: give a file name without a folder, e.g. value.py")
    if wheel is not None and version is not None:
        raise UsageError("give --wheel or --judge-version, not both")
    if wheel is not None and not (wheel.is_file() and wheel.suffix == ".whl"):
        raise UsageError(f"--wheel {wheel}: not a wheel file (build one with 'python -m build')")
    with tempfile.TemporaryDirectory(prefix="judge-gradescope-") as scratch:
        root = checkout_root() if wheel is None and version is None else None
        if root is not None:
            wheel = build_wheel(root, Path(scratch))
        if wheel is not None:
            judge = wheel.name
            install = f'"$ROOT/source/{wheel.name}"'
        else:
            judge = f"{DISTRIBUTION}=={version or __version__}"
            install = shlex.quote(judge)
        values = {
            "distribution": DISTRIBUTION,
            "version": __version__,
            "venv": VENV,
            "install": install,
            "filename": filename,
            "filename_quoted": shlex.quote(filename),
            "problem": problem.id,
            "problem_quoted": shlex.quote(problem.id),
            "sandbox": shlex.quote(sandbox),
        }
        entries: dict[str, bytes] = {
            "setup.sh": SETUP_SH.format(**values).encode(),
            "run_autograder": RUN_AUTOGRADER.format(**values).encode(),
            f"problems/{problem.id}.yaml": Path(problem.path).read_bytes(),
        }
        if wheel is not None:
            entries[wheel.name] = wheel.read_bytes()
        _write_zip(output, entries)
    return Autograder(output, judge, tuple(entries))


def _write_zip(output: Path, entries: dict[str, bytes]) -> None:
    """The files at the zip's root (Gradescope looks for them there), scripts
    executable; written beside ``output`` and renamed, so a failure leaves no half zip."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in entries.items():
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                executable = name in ("setup.sh", "run_autograder")
                info.external_attr = (0o100755 if executable else 0o100644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
        partial.replace(output)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write {output}: {error.strerror or error}") from None


def missing_reason(path: Path, error: SubmissionError) -> str:
    """Why ``path`` could not be graded, for the student: the error, and when the file
    is not there, what was submitted instead and how to fix it."""
    if path.exists() or path.is_symlink():
        return str(error)
    try:
        found = sorted(entry.name for entry in path.parent.iterdir())
    except OSError:
        found = []
    if not found:
        return f"Nothing was submitted: submit your {path.name} and the autograder grades it."
    shown = ", ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
    return (
        f"No file named {path.name} was submitted (the submission holds: {shown}). "
        f"Name your file {path.name} and submit again."
    )
