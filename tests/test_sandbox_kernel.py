"""The kernel layers on their own: with the Python layers switched off (or got past by
code built with ``exec(compile(...))``), at every Landlock ABI claimed, a submission
still cannot read the judge's files, reach other processes, outlive its judge or find
a raw system call among the interpreter's objects; what seccomp kills is reported
``forbidden``; and nothing of a submission outlives its grading.

Every worker here is bounded: one process each, a deadline on every wait.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from judge.runner.outcome import Forbidden, Kind, Raised
from judge.runner.process import WorkerProcess
from judge.sandbox import levels, plan, workspace
from judge.sandbox.lockdown import PACKAGE_FOLDERS
from tests.samples import GOOD_VALUE, ROOT, leftover_processes, worker_switches

LINUX = sys.platform.startswith("linux")
ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0
PROBES = Path(__file__).with_name("hostile") / "kernel"
PROGRAM = {"ops": [["a", "value", [2.0]], ["b", "add", ["a", "a"]]], "backward": "b"}
CURRENT_ABI = 0


def source(name: str, **placeholders: str) -> str:
    """A correct Value followed by the kernel probe ``name``, placeholders filled in."""
    tail = (PROBES / f"{name}.py").read_text(encoding="utf-8")
    for key, value in placeholders.items():
        tail = tail.replace(f"__{key}__", value)
    return GOOD_VALUE + "\n" + tail


@pytest.fixture(scope="module")
def kernel() -> dict[str, int]:
    """The kernel layers that hold here without bwrap, and the Landlock ABI."""
    from judge.sandbox.lockdown import landlock

    path = Path(tempfile.mkdtemp()) / "probe.py"
    path.write_text(GOOD_VALUE, encoding="utf-8")
    worker = WorkerProcess(path, {"entry": "Value", "limits": {}}, plan("auto").without_bwrap())
    try:
        worker.start(10)
    finally:
        worker.close()
        shutil.rmtree(path.parent)
    held = {"landlock", "seccomp"} & set(worker.layers)
    return {layer: 1 for layer in held} | {"abi": landlock.abi_version()}


@pytest.fixture
def folder() -> Iterator[Path]:
    """A world-readable folder for submissions (the worker may run as another user)."""
    base = Path(tempfile.mkdtemp(prefix="judge-kernel-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def kernel_only(abi: int | None = None, bwrap: bool = False) -> levels.Sandbox:
    """The auto sandbox with the import guard and the audit hook switched off."""
    # The probes' modules, loaded before the worker drops root: a Python in root's
    # home is unreadable after (pyenv as root).
    sandbox = plan("auto", ("fcntl", "signal"))
    if not bwrap:
        sandbox = sandbox.without_bwrap()
    return replace(sandbox, python_layers=False, landlock_abi=abi)


def start(folder: Path, text: str, sandbox: levels.Sandbox) -> WorkerProcess:
    path = folder / f"sub{len(list(folder.iterdir()))}.py"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return WorkerProcess(path, {"entry": "Value", "limits": {"RLIMIT_CPU": 20}}, sandbox)


def load_message(worker: WorkerProcess) -> str:
    loaded = worker.start(20)
    worker.close()
    assert loaded.error is not None
    return loaded.error.message


# -- the worker's read roots ------------------------------------------------------------
def test_the_judge_and_the_worker_agree_on_package_folders() -> None:
    assert frozenset(levels.PACKAGE_FOLDERS) == PACKAGE_FOLDERS


def test_a_standard_library_folder_holding_packages_is_allowed_entry_by_entry(
    tmp_path: Path,
) -> None:
    stdlib = tmp_path / "lib"
    for name in ("os.py", "json", "lib-dynload", "site-packages", "dist-packages", "extra"):
        (stdlib / name).mkdir(parents=True) if "." not in name else None
    (stdlib / "os.py").write_text("")
    (stdlib / "extra" / "judge").mkdir()
    (stdlib / "extra" / "other.py").write_text("")
    from judge.sandbox import lockdown

    hidden = str(stdlib / "extra" / "judge")
    roots = lockdown._without(str(stdlib), frozenset([hidden]))
    assert sorted(roots) == sorted(
        str(stdlib / name) for name in ("os.py", "json", "lib-dynload", "extra/other.py")
    )
    assert lockdown._without(str(stdlib / "json"), frozenset()) == [str(stdlib / "json")]
    assert lockdown._without(str(stdlib / "site-packages"), frozenset()) == []


def test_the_roots_never_hold_this_interpreters_packages_or_the_judge() -> None:
    settings = plan("auto").settings()
    script = (
        f"import json, sys; sys.path.insert(0, {str(ROOT / 'judge' / 'sandbox')!r}); "
        "import lockdown; del sys.path[0]; "
        f"print(json.dumps(lockdown.read_roots({settings!r}, '/nonexistent')))"
    )
    found = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={},
        check=True,
    )
    roots = [os.path.realpath(root) for root in json.loads(found.stdout)]
    for hidden in levels.hidden_folders():
        assert not any(hidden == root or hidden.startswith(root + os.sep) for root in roots)
    assert os.path.realpath(os.path.dirname(os.__file__)) not in roots  # split, not whole
    assert any(root.endswith(os.sep + "os.py") for root in roots)


@dataclass
class SiteInterpreter:
    """An interpreter laid out as python.org, pyenv and Docker's ``python:*`` do, with
    the judge installed into the ``site-packages`` inside its standard library."""

    python: Path
    site: Path
    base: Path

    def judge(self, submission: Path, level: str, bwrap: bool) -> tuple[int, str]:
        work = self.base / "work"
        env = {"PATH": os.defpath if bwrap else "/nonexistent", "TMPDIR": str(work)}
        env |= worker_switches()
        command = [str(self.python), "-m", "judge", "run", str(submission)]
        command += ["-p", "basic-autograd", "--format", "json", "--sandbox", level]
        result = subprocess.run(
            command, cwd=self.base, env=env, capture_output=True, text=True, timeout=120
        )
        return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def site_interpreter() -> Iterator[SiteInterpreter]:
    """A copy of this interpreter (its standard library hard-linked, not copied) with
    ``judge`` and its dependencies in ``lib/pythonX.Y/site-packages``."""
    stdlib = Path(sysconfig.get_paths(vars={"base": sys.base_prefix})["stdlib"])
    executable = Path(os.path.realpath(sys.executable))
    base = Path(tempfile.mkdtemp(prefix="judge-site-"))
    try:
        base.chmod(0o755)
        (base / "work").mkdir(mode=0o711)
        (base / "work").chmod(0o711)
        prefix = base / "python"
        (prefix / "bin").mkdir(parents=True)
        python = prefix / "bin" / executable.name
        shutil.copy2(executable, python)
        library = prefix / "lib" / stdlib.name
        skipped = {*PACKAGE_FOLDERS, "test", "idlelib", "tkinter", "__pycache__"}
        try:
            shutil.copytree(
                stdlib,
                library,
                copy_function=os.link,
                ignore=lambda folder, names: [n for n in names if n in skipped],
            )
        except OSError as error:
            pytest.skip(f"cannot hard-link the standard library here: {error}")
        site = library / "site-packages"
        site.mkdir()
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(ROOT / "judge", site / "judge", ignore=ignore)
        shutil.copytree(ROOT / "problems", site / "judge" / "problems")
        installed = Path(sysconfig.get_paths()["purelib"])
        for name in ("click", "yaml", "_yaml", "msgspec", "hypothesis", "sortedcontainers"):
            for entry in installed.glob(f"{name}*"):
                if not (site / entry.name).exists():
                    (site / entry.name).symlink_to(entry)
        found = subprocess.run(
            [str(python), "-c", "import judge, os; print(os.path.dirname(os.__file__))"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=base,
            env={},
        )
        if found.returncode != 0 or found.stdout.strip() != str(library):
            pytest.skip(f"the copied interpreter does not start here: {found.stderr[-300:]}")
        yield SiteInterpreter(python, site, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def long_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if len(line.strip()) > 30]


SITE_LEVELS = [
    pytest.param("auto", True, id="auto"),
    pytest.param("auto", False, id="auto-without-bwrap"),
    pytest.param("strict", False, id="strict-without-bwrap"),
]


@pytest.mark.skipif(not LINUX, reason="the kernel layers are Linux's")
@pytest.mark.parametrize(("level", "bwrap"), SITE_LEVELS)
@pytest.mark.parametrize("probe", ["read_judge", "read_judge_direct"])
@pytest.mark.parametrize(
    "target", ["judge/problems/basic-autograd.yaml", "judge/engine/reference.py"]
)
def test_a_judge_installed_in_the_standard_librarys_site_packages_stays_unread(
    site_interpreter: SiteInterpreter,
    kernel: dict[str, int],
    level: str,
    bwrap: bool,
    probe: str,
    target: str,
) -> None:
    if probe == "read_judge" and "landlock" not in kernel and not bwrap:
        pytest.skip("no kernel layer guards reads here")
    if bwrap and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    secret = site_interpreter.site / target
    submission = site_interpreter.base / f"{probe}.py"
    submission.write_text(source(probe, PATH=str(secret)), encoding="utf-8")
    submission.chmod(0o644)
    code, output = site_interpreter.judge(submission, level, bwrap)

    assert code == 1, output
    report = json.loads(output)
    assert "LEAKED" not in output
    for line in long_lines(secret):
        assert line not in output, line
    statuses = {test["status"] for test in report["tests"]}
    if probe == "read_judge_direct":  # the audit hook names it
        assert "forbidden" in statuses, output
    else:  # only the kernel stands in the way: the read fails
        assert "BLOCKED PermissionError" in output or "BLOCKED FileNotFoundError" in output
    assert list((site_interpreter.base / "work").iterdir()) == []


BWRAP_PROBE = """
import json, os, sys
site = sys.argv[1]
listing = sorted(os.listdir(site)) if os.path.isdir(site) else None
try:
    open(os.path.join(site, "judge", "problems", "basic-autograd.yaml")).read()
    spec = "read"
except OSError as error:
    spec = type(error).__name__
print(json.dumps({"site": listing, "spec": spec}))
"""


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_bubblewrap_covers_the_site_packages_inside_the_standard_library(
    site_interpreter: SiteInterpreter, folder: Path
) -> None:
    script = (
        "import json, subprocess, sys\n"
        "from judge.runner.process import harness_files\n"
        "from judge.sandbox import plan\n"
        "sandbox = plan('auto')\n"
        "if sandbox.bwrap is None: print('null'); sys.exit()\n"
        f"argv = [sys.executable, '-I', '-S', '-c', {BWRAP_PROBE!r}, sys.argv[1]]\n"
        f"command = sandbox.command(argv, harness_files(), {str(folder)!r})\n"
        "print(subprocess.run(command, capture_output=True, text=True, timeout=60).stdout)\n"
    )
    result = subprocess.run(
        [str(site_interpreter.python), "-c", script, str(site_interpreter.site)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=site_interpreter.base,
        env={},
    )
    found = json.loads(result.stdout or "null")
    if found is None:
        pytest.skip("bubblewrap does not start here")
    # Only the harness and the worker's sandbox package are bound, beneath ``judge``.
    assert found == {"site": ["judge"], "spec": "FileNotFoundError"}, result.stderr


# -- the kernel layers alone, at each Landlock ABI --------------------------------------
READS = """
import json as _json, os as _os
def _attempt(call):
    try:
        call()
        return "allowed"
    except (OSError, ImportError):
        return "denied"
_stdlib = _os.path.dirname(_os.__file__)
_results = {
    "stdlib file": _attempt(lambda: open(_os.__file__).read()),
    "stdlib listing": _attempt(lambda: _os.listdir(_stdlib)),
    "lazy stdlib import": _attempt(lambda: __import__("fractions")),
    "site-packages": _attempt(lambda: _os.listdir(__SITE__)),
    "judge": _attempt(lambda: open(__JUDGE__).read()),
    "ctypes core": _attempt(lambda: open(__CTYPES__, "rb").read(1)),
    "parent environ": _attempt(lambda: open(f"/proc/{_os.getppid()}/environ").read()),
    "own folder": _attempt(lambda: _os.listdir(".")),
    "uid": _os.getuid(),
}
raise RuntimeError("READS " + _json.dumps(_results))
"""


def readable_by_others(path: Path) -> bool:
    """Whether a user other than the judge's may read ``path`` (a dropped worker)."""
    if not ROOT_USER:
        return True
    folders = Path(os.path.realpath(path)).parents
    return bool(path.stat().st_mode & 0o004) and all(f.stat().st_mode & 0o001 for f in folders)


@pytest.mark.skipif(not LINUX, reason="the kernel layers are Linux's")
@pytest.mark.parametrize("abi", [1, 2, 3, 4, 5, 6, None])
def test_landlock_holds_at_every_abi_without_the_python_layers(
    kernel: dict[str, int], folder: Path, abi: int | None
) -> None:
    if "landlock" not in kernel:
        pytest.skip("Landlock does not hold here")
    if abi is not None and abi > kernel["abi"]:
        pytest.skip(f"this kernel's Landlock is ABI {kernel['abi']}")
    import _ctypes

    site = os.path.join(sysconfig.get_paths(vars={"base": sys.base_prefix})["stdlib"])
    text = GOOD_VALUE + READS.replace("__SITE__", repr(os.path.join(site, "site-packages")))
    text = text.replace("__JUDGE__", repr(str(ROOT / "problems" / "basic-autograd.yaml")))
    text = text.replace("__CTYPES__", repr(_ctypes.__file__))
    worker = start(folder, text, kernel_only(abi))
    message = load_message(worker)
    assert message.startswith("READS "), message
    results = json.loads(message.removeprefix("READS "))
    # Where the interpreter lies in root's home (pyenv as root), a dropped worker cannot
    # read the standard library at all: file permissions, not Landlock.
    stdlib = "allowed" if readable_by_others(Path(os.__file__)) else "denied"
    expected = {
        "stdlib file": stdlib,
        "stdlib listing": "denied",
        "lazy stdlib import": stdlib,
        "site-packages": "denied",
        "judge": "denied",
        "ctypes core": "denied",
        "parent environ": "denied",
        "own folder": "allowed",
    }
    assert {k: v for k, v in results.items() if k != "uid"} == expected
    if ROOT_USER:
        assert workspace.UID_BASE <= results["uid"] < workspace.UID_BASE + workspace.UID_SLOTS


# -- seccomp: what reaches other processes or outlives the judge is killed, and named --
KILLED = [
    "fcntl-setown",
    "fcntl-setsig",
    "fcntl-async",
    "ioctl-fiosetown",
    "ioctl-fioasync",
    "setscheduler-parent",
    "setpriority-parent",
    "setaffinity-parent",
    "sched_setattr-parent",
    "getsid-parent",
    "getscheduler-parent",
    "prctl-pdeathsig",
    "prctl-dumpable",
    "inotify",
    "listmount",
]


@pytest.mark.skipif(not LINUX, reason="the kernel layers are Linux's")
@pytest.mark.parametrize("name", KILLED)
def test_seccomp_kills_what_reaches_out_and_the_judge_reports_it_forbidden(
    kernel: dict[str, int], folder: Path, name: str
) -> None:
    if "seccomp" not in kernel:
        pytest.skip("seccomp does not hold here")
    worker = start(folder, source("probe", PROBE=name), kernel_only())
    try:
        assert worker.start(20).error is None
        outcome = worker.request(PROGRAM, 20)
    finally:
        worker.close()
    assert outcome.kind is Kind.FORBIDDEN, outcome
    assert isinstance(outcome.details, Forbidden)
    assert "SIGSYS" in outcome.details.message


@pytest.mark.skipif(not LINUX, reason="the kernel layers are Linux's")
@pytest.mark.parametrize(
    ("name", "expected"), [("listxattr", "DENIED 1"), ("own-scheduling", "ALLOWED")]
)
def test_seccomp_denies_or_allows_the_rest(
    kernel: dict[str, int], folder: Path, name: str, expected: str
) -> None:
    if "seccomp" not in kernel:
        pytest.skip("seccomp does not hold here")
    worker = start(folder, source("probe", PROBE=name), kernel_only())
    try:
        assert worker.start(20).error is None
        outcome = worker.request(PROGRAM, 20)
    finally:
        worker.close()
    assert outcome.kind is Kind.RAISED, outcome
    assert isinstance(outcome.details, Raised)
    assert outcome.details.message == expected


# -- no raw system call among the worker's objects ----------------------------------------
@pytest.mark.skipif(not LINUX, reason="the kernel layers are Linux's")
def test_no_raw_system_call_is_left_among_the_workers_objects(
    kernel: dict[str, int], folder: Path
) -> None:
    if not {"landlock", "seccomp"} & set(kernel):
        pytest.skip("no kernel layer holds here: ctypes is never loaded")
    message = load_message(start(folder, source("find_ctypes"), kernel_only()))
    assert message == "FOUND []"


@pytest.mark.skipif(not LINUX, reason="the kernel layers are Linux's")
@pytest.mark.parametrize(
    ("name", "words"), [("listmount", "tried to use ctypes"), ("gc-objects", "gc.get_objects")]
)
def test_ctypes_or_a_search_of_objects_without_a_submission_frame_is_still_reported(
    kernel: dict[str, int], folder: Path, name: str, words: str
) -> None:
    if name == "listmount" and not {"landlock", "seccomp"} & set(kernel):
        pytest.skip("no kernel layer holds here: ctypes is never loaded")
    sandbox = plan("auto", ("fcntl", "signal", "os")).without_bwrap()  # the probe's imports
    worker = start(folder, source("probe", PROBE=name), sandbox)
    try:
        assert worker.start(20).error is None
        outcome = worker.request(PROGRAM, 20)
    finally:
        worker.close()
    assert outcome.kind is Kind.FORBIDDEN, outcome
    assert isinstance(outcome.details, Forbidden)
    assert words in outcome.details.message
    assert "line" not in outcome.details.message  # no frame of the submission


# -- nothing outlives the judge ---------------------------------------------------------
@pytest.fixture
def tmpdir_for_judges() -> Iterator[Path]:
    work = Path(tempfile.mkdtemp(prefix="judge-tmp-"))
    work.chmod(0o711)
    yield work
    shutil.rmtree(work, ignore_errors=True)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start_judge(submission: Path, tmpdir: Path, bwrap: bool = False) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "judge", "run", str(submission), "-p", "basic-autograd"]
    command += ["--timeout", "30", "--format", "json"]
    env = {"PATH": os.defpath if bwrap else "/nonexistent", "TMPDIR": str(tmpdir)}
    env |= worker_switches()
    return subprocess.Popen(
        command,
        cwd=submission.parent,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.skipif(not LINUX, reason="checks /proc")
@pytest.mark.parametrize("bwrap", [True, False], ids=["auto", "auto-without-bwrap"])
def test_a_worker_that_cancels_its_alarms_still_dies_with_its_judge(
    kernel: dict[str, int], folder: Path, tmpdir_for_judges: Path, bwrap: bool
) -> None:
    if "seccomp" not in kernel:
        pytest.skip("seccomp does not hold here")
    submission = folder / "outlive.py"
    submission.write_text(source("outlive_judge"), encoding="utf-8")
    submission.chmod(0o644)
    judge = start_judge(submission, tmpdir_for_judges, bwrap)
    try:
        assert wait_for(lambda: bool(leftover_processes(tmpdir_for_judges, wait=0)), 30)
    finally:
        judge.kill()
        judge.wait()
    assert leftover_processes(tmpdir_for_judges, wait=5) == []


@pytest.mark.skipif(not LINUX, reason="checks /proc")
def test_a_judge_killed_with_sigkill_leaves_no_worker_folder_for_long(
    folder: Path, tmpdir_for_judges: Path
) -> None:
    sleeper = folder / "sleeper.py"
    sleeper.write_text(
        GOOD_VALUE + "\nimport time\nValue.__add__ = lambda self, other: time.sleep(60)\n"
    )
    sleeper.chmod(0o644)
    judge = start_judge(sleeper, tmpdir_for_judges)
    try:
        assert wait_for(lambda: bool(leftover_processes(tmpdir_for_judges, wait=0)), 30)
        # The worker's folder; a judge taking warm workers also has its spare's, empty,
        # and its worker may be started before the submission is in its folder.
        assert wait_for(lambda: any(map(os.listdir, tmpdir_for_judges.iterdir())), 30)
        folders = list(tmpdir_for_judges.iterdir())
        (left,) = [path for path in folders if os.listdir(path)]
        assert len(folders) == 1 + (worker_switches()["JUDGE_WARM_WORKERS"] == "1")
    finally:
        judge.send_signal(signal.SIGKILL)
        judge.wait()
    assert leftover_processes(tmpdir_for_judges, wait=5) == []
    assert left.name.startswith(workspace.PREFIX)
    assert [p.name for p in left.iterdir()] == [workspace.SUBMISSION]  # a neutral name
    # A live judge's folder, as old, is held and stays; the dead judge's goes when the
    # next judge starts.
    live = tmpdir_for_judges / f"{workspace.PREFIX}live"
    live.mkdir()
    held = workspace._hold(str(live))
    try:
        aged = time.time() - 2 * workspace.SWEEP_AFTER_S
        for path in (*folders, live):
            os.utime(path, (aged, aged))
        good = folder / "good.py"
        good.write_text(GOOD_VALUE)
        good.chmod(0o644)
        start_judge(good, tmpdir_for_judges).wait(timeout=120)
        assert list(tmpdir_for_judges.iterdir()) == [live]
    finally:
        os.close(held)


@pytest.mark.skipif(not ROOT_USER, reason="needs root")
def test_as_root_each_worker_gets_a_user_and_a_private_folder(folder: Path) -> None:
    submission = folder / "s.py"
    submission.write_text("x")
    first = workspace.create(submission, None, drop=True)
    second = workspace.create(submission, b"y", drop=True)
    try:
        assert first.user is not None and second.user is not None
        assert first.user != second.user
        for space in (first, second):
            info, copy = os.stat(space.folder), os.stat(space.copy)
            assert (info.st_uid, info.st_mode & 0o777) == (space.user[0], 0o500)
            assert (copy.st_uid, copy.st_mode & 0o777) == (space.user[0], 0o400)
            assert os.path.basename(space.copy) == "submission.py"
        assert Path(second.copy).read_bytes() == b"y"
    finally:
        first.remove()
        second.remove()
    assert not os.path.exists(first.folder)


def test_the_sweep_takes_only_unheld_old_worker_folders(tmp_path: Path) -> None:
    aged = time.time() - 2 * workspace.SWEEP_AFTER_S
    dead, held, young = (tmp_path / f"{workspace.PREFIX}{name}" for name in ("a", "b", "c"))
    for path in (dead, held, young):
        path.mkdir()
        (path / workspace.SUBMISSION).write_text("x")
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / f"{workspace.PREFIX}link"
    link.symlink_to(target)
    other = tmp_path / "not-a-worker"
    other.mkdir()
    for path in (dead, held, link, other):
        os.utime(path, (aged, aged), follow_symlinks=False)
    fd = workspace._hold(str(held))
    try:
        assert workspace.sweep(str(tmp_path)) == [str(dead)]
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [held.name, young.name, link.name, other.name, target.name]
    )
    assert not workspace.UID_LOCKS.startswith(workspace.PREFIX)  # never swept
