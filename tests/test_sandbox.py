"""The sandbox: levels, the kernel walls on their own, the tripwires, the import
allow-list, the protocol, and correct submissions passing at every level."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from judge.errors import SandboxError, SpecError, UsageError
from judge.grading.grade import Options, grade
from judge.grading.plan import prepare
from judge.runner.outcome import Died, Kind, Raised
from judge.runner.process import WorkerProcess
from judge.sandbox import Level, detect, plan
from judge.sandbox.lockdown import seccomp
from judge.spec.catalog import Catalog
from judge.spec.loader import load_problem
from tests.samples import GOOD_VALUE, MINI_SPEC, ROOT

LINUX = sys.platform.startswith("linux")
LOCKDOWN_PARENT = ROOT / "judge" / "sandbox"
PROGRAM = {"ops": [["a", "value", [2.0]], ["b", "mul", ["a", "a"]]], "backward": "b"}


def worker_layers(level: str) -> set[str]:
    """The layers a worker reports on this machine at ``level``."""
    path = Path(__file__).with_name("corpus") / "correct" / "basic_classic.py"
    worker = WorkerProcess(path, {"entry": "Value", "limits": {}}, plan(level))
    try:
        worker.start(10)
    finally:
        worker.close()
    return set(worker.layers)


@pytest.fixture(scope="module")
def kernel() -> set[str]:
    """The kernel layers that hold on this machine."""
    return worker_layers("auto") & {"landlock", "seccomp", "bwrap"}


# -- levels ------------------------------------------------------------------------------
def test_unknown_level_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="use auto, strict or basic"):
        plan("paranoid")


def test_basic_asks_for_no_kernel_layer() -> None:
    sandbox = plan("basic")
    assert sandbox.level is Level.BASIC
    assert sandbox.bwrap is None
    assert sandbox.settings()["kernel"] is False
    assert "math" in sandbox.settings()["imports"]
    assert "os" not in sandbox.settings()["imports"]


def test_strict_refuses_without_a_kernel_layer_and_says_how_to_get_one() -> None:
    sandbox = plan("strict").without_bwrap()
    missing = {"landlock": "not supported", "seccomp": "no filter for this machine"}
    with pytest.raises(SandboxError) as raised:
        sandbox.held({"layers": ["rlimits", "imports", "audit"], "missing": missing})
    assert raised.value.exit_code == 2
    assert "landlock: not supported" in str(raised.value)
    assert "To fix:" in str(raised.value)
    assert plan("auto").without_bwrap().held({"layers": [], "missing": missing}) == ["process"]


def test_strict_exits_2_from_the_command_line_when_no_kernel_layer_holds(
    monkeypatch: pytest.MonkeyPatch, mini_dir: Path, good: Path
) -> None:
    from click.testing import CliRunner

    from judge.cli import cli
    from judge.sandbox.levels import Sandbox

    monkeypatch.setattr(Sandbox, "kernel", property(lambda self: False))
    monkeypatch.setattr(detect, "bwrap", lambda: None)
    result = CliRunner().invoke(
        cli, ["run", str(good), "-p", "mini", "--problems", str(mini_dir), "--sandbox", "strict"]
    )
    assert result.exit_code == 2, result.output
    assert "--sandbox strict needs a kernel layer" in result.output


@pytest.mark.skipif(not LINUX, reason="bubblewrap is Linux only")
def test_a_broken_bwrap_is_dropped_and_the_worker_starts_without_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, good: Path
) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied'\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(detect, "_bwrap_on_path", lambda: str(fake))
    monkeypatch.setattr(detect, "_broken_bwrap", {})
    sandbox = plan("auto")
    assert sandbox.bwrap == str(fake)
    worker = WorkerProcess(good, {"entry": "Value", "limits": {}}, sandbox)
    try:
        assert worker.start(10).error is None
        assert worker.request(PROGRAM, 10).kind is Kind.OK
    finally:
        worker.close()
    assert "bwrap" not in worker.layers
    assert detect.bwrap() is None
    assert detect.bwrap_problem() == "bwrap: setting up uid map: Permission denied"


# -- correct submissions pass at every level ---------------------------------------------
CORRECT = ROOT / "submissions" / "correct.py"


@pytest.mark.parametrize("level", ["auto", "strict", "basic"])
def test_the_reference_solution_passes_at_every_level(level: str, kernel: set[str]) -> None:
    if level == "strict" and not kernel:
        pytest.skip("no kernel layer holds on this machine")
    problem = Catalog.with_extra([]).get("autograd-activations")
    report = grade(CORRECT, prepare(problem), Options(sandbox=level))
    assert report.status.value == "passed", report.message
    assert report.extra["sandbox"]["level"] == level
    layers = set(report.extra["sandbox"]["layers"])
    assert {"process", "rlimits", "imports", "audit"} <= layers
    assert (layers & kernel) == (kernel if level != "basic" else set())


FRIENDLY = """
from __future__ import annotations

import collections
import functools
import math
import sys
from dataclasses import dataclass, field
from typing import Callable

sys.setrecursionlimit(10_000)


@dataclass(eq=False)
class Value:
    data: float
    _prev: tuple[Value, ...] = ()
    grad: float = 0.0
    _backward: Callable[[], None] = field(default=lambda: None, repr=False)

    def __add__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,))

        def backward() -> None:
            self.grad += (out.data > 0) * out.grad

        out._backward = backward
        return out

    @functools.lru_cache(maxsize=None)
    def _unused(self) -> float:
        return math.sqrt(abs(self.data))

    def backward(self) -> None:
        order, seen = [], set()

        def visit(node: Value) -> None:
            if id(node) not in seen:
                seen.add(id(node))
                for child in node._prev:
                    visit(child)
                order.append(node)

        visit(self)
        self.grad = 1.0
        counts = collections.Counter(type(n).__name__ for n in order)
        print("nodes:", counts["Value"])
        for node in reversed(order):
            node._backward()
"""


@pytest.mark.parametrize("level", ["auto", "basic"])
def test_a_submission_using_the_allowed_library_passes(
    level: str, write: Callable[[str, str], Path], mini_dir: Path
) -> None:
    submission = write("friendly.py", FRIENDLY)
    problem = load_problem(mini_dir / "mini.yaml")
    report = grade(submission, prepare(problem), Options(sandbox=level))
    assert report.status.value == "passed", (report.message, report.tests)


# -- the tripwires -----------------------------------------------------------------------
def graded(write: Callable[[str, str], Path], mini_dir: Path, source: str) -> dict:  # type: ignore[type-arg]
    submission = write("sub.py", textwrap.dedent(source))
    report = grade(submission, prepare(load_problem(mini_dir / "mini.yaml")), Options(timeout=2))
    return report.to_dict()


def test_a_forbidden_import_names_the_module_and_the_line(
    write: Callable[[str, str], Path], mini_dir: Path
) -> None:
    report = graded(write, mini_dir, "import math\nimport os\n" + GOOD_VALUE)
    assert report["status"] == "error"
    assert report["line"] == 2
    assert report["message"].startswith(
        "the sandbox stopped your file while loading: tried to import os, which this "
        "problem does not allow (allowed: __future__, abc, array"
    )
    assert report["message"].endswith("at line 2 of your file: import os")
    assert {test["status"] for test in report["tests"]} == {"forbidden"}


def test_a_swallowed_attempt_is_still_forbidden(
    write: Callable[[str, str], Path], mini_dir: Path
) -> None:
    source = GOOD_VALUE.replace(
        "        self.grad = 1.0\n",
        "        try:\n"
        "            open('/etc/hostname').read()\n"
        "        except BaseException:\n"
        "            pass\n"
        "        self.grad = 1.0\n",
    )
    report = graded(write, mini_dir, source)
    forbidden = [test for test in report["tests"] if test["status"] == "forbidden"]
    assert len(forbidden) == 3
    assert "tried to read '/etc/hostname', outside the sandbox" in forbidden[0]["message"]
    assert "open('/etc/hostname').read()" in forbidden[0]["message"]
    line = source.splitlines().index("            open('/etc/hostname').read()") + 1
    assert forbidden[0]["line"] == line


@pytest.mark.parametrize(
    ("attack", "words"),
    [
        ("__import__('os')", "tried to import os"),
        ("sys.modules['os'].listdir('/')", "tried to list the directory '/'"),
        ("sys.modules['os'].system('true')", "tried to run a shell command: 'true'"),
        ("sys.modules['os'].kill(1, 0)", "tried to send signal 0 to 1"),
        ("sys.modules['os'].remove('sub.py')", "tried to change the file system (os.remove"),
        ("open(sys.argv[2], 'w')", "tried to open '"),
        ("open(1, 'w')", "tried to open file descriptor 1"),
        ("sys.addaudithook(lambda *a: None)", "tried to add an audit hook"),
        ("Value.backward.__code__ = (lambda s: 0).__code__", "tried to replace a function's"),
    ],
)
def test_the_audit_hook_names_what_was_attempted(
    write: Callable[[str, str], Path], mini_dir: Path, attack: str, words: str
) -> None:
    report = graded(write, mini_dir, f"import sys\n{GOOD_VALUE}\n{attack}\n")
    assert report["status"] == "error"
    assert words in report["message"], report["message"]
    assert report["tests"][0]["status"] == "forbidden"


def test_problem_imports_extend_the_allow_list_even_to_installed_packages(
    write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    spec = MINI_SPEC.replace("time_limit: 3\n", "time_limit: 3\nimports: [json, yaml]\n")
    path = write("specs/mini.yaml", spec)
    problem = load_problem(path)
    assert problem.imports == ("json", "yaml")
    source = "import json\nimport yaml\nassert yaml.safe_load('a: 1') == {'a': 1}\n" + GOOD_VALUE
    submission = write("sub.py", source)
    for level in ("auto", "basic"):
        report = grade(submission, prepare(problem), Options(sandbox=level))
        assert report.status.value == "passed", report.message


def test_a_problem_may_not_allow_the_judge(write: Callable[[str, str], Path]) -> None:
    spec = MINI_SPEC.replace("time_limit: 3\n", "time_limit: 3\nimports: [math, judge.engine]\n")
    with pytest.raises(SpecError, match=r"mini.yaml:9: imports: a submission may not import"):
        load_problem(write("specs/mini.yaml", spec))


# -- the kernel walls, with no tripwire --------------------------------------------------
PROBE = """
import _thread, json, os, resource, socket, sys
sys.path.insert(0, {parent!r})
from lockdown import landlock, seccomp, syscalls
syscalls.load_library("libgcc_s.so.1")  # as the worker does: a thread's exit needs it
layers = {layers!r}
if "landlock" in layers:
    landlock.restrict([os.path.dirname(os.__file__), {readable!r}])
if "seccomp" in layers:
    seccomp.install(os.uname().machine)
results = {{}}

def attempt(name, call):
    try:
        call()
        results[name] = "allowed"
    except OSError as error:
        results[name] = "denied"
    except RuntimeError as error:
        results[name] = "denied"

def fork():
    if os.fork() == 0:
        os._exit(0)
    os.wait()

def connect():
    socket.create_connection(("127.0.0.1", {port})).close()

attempt("read the standard library", lambda: open(os.__file__).read())
attempt("read its own folder", lambda: os.listdir({readable!r}))
attempt("read a world-readable file", lambda: open({outside!r}).read())
attempt("read the parent's environment", lambda: open(f"/proc/{{os.getppid()}}/environ").read())
attempt("write a file", lambda: open({target!r} + "/file", "w"))
attempt("make a folder", lambda: os.mkdir({target!r} + "/folder"))
attempt("connect to localhost", connect)
attempt("fork", fork)
attempt("start a thread", lambda: _thread.start_new_thread(lambda: None, ()))
attempt("signal the parent", lambda: os.kill(os.getppid(), 0))
attempt("signal itself", lambda: os.kill(os.getpid(), 0))
attempt("read the parent's limits", lambda: resource.prlimit(os.getppid(), resource.RLIMIT_CORE))
attempt("run a program", lambda: os.execv("/bin/true", ["true"]))
print(json.dumps(results))
"""
LANDLOCK_DENIES = {
    "read a world-readable file",
    "read the parent's environment",
    "write a file",
    "make a folder",
    "connect to localhost",
    "signal the parent",
    "run a program",
}
SECCOMP_DENIES = {
    "write a file",
    "make a folder",
    "connect to localhost",
    "fork",
    "signal the parent",
    "read the parent's limits",
    "run a program",
}


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


@pytest.mark.skipif(not LINUX, reason="Linux kernel layers")
@pytest.mark.parametrize("layers", [["landlock"], ["seccomp"], ["landlock", "seccomp"]])
def test_the_kernel_layers_hold_without_the_tripwire(
    layers: list[str], kernel: set[str], tmp_path: Path, listener: socket.socket
) -> None:
    if not set(layers) <= kernel:
        pytest.skip(f"{', '.join(layers)} does not hold on this machine")
    readable, target = tmp_path / "mine", tmp_path / "target"
    readable.mkdir()
    target.mkdir(mode=0o777)
    outside = tmp_path / "outside.txt"
    outside.write_text("outside")
    probe = PROBE.format(
        parent=str(LOCKDOWN_PARENT),
        layers=layers,
        readable=str(readable),
        outside=str(outside),
        target=str(target),
        port=listener.getsockname()[1],
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", probe],
        cwd=tmp_path,
        env={},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    walls = {"landlock": LANDLOCK_DENIES, "seccomp": SECCOMP_DENIES}
    denied = set().union(*(walls[layer] for layer in layers))
    assert {name for name, what in outcome.items() if what == "denied"} == denied
    assert list(target.iterdir()) == []
    with pytest.raises(BlockingIOError):
        listener.accept()


@pytest.mark.skipif(
    not Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h").exists(),
    reason="needs the x86-64 kernel headers",
)
def test_the_seccomp_numbers_match_the_kernel_headers() -> None:
    header = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h").read_text()
    numbers = dict(re.findall(r"#define __NR_(\w+) (\d+)", header))
    tables = {**seccomp.DENIED, **seccomp.UNSUPPORTED, **seccomp.SELF_ONLY, **seccomp.KILLED}
    tables.update({name: numbers_ for name, (numbers_, _) in seccomp.AIMED.items()})
    tables.update(prlimit64=seccomp.PRLIMIT64, clone=seccomp.CLONE)
    tables.update(fcntl=seccomp.FCNTL, ioctl=seccomp.IOCTL, prctl=seccomp.PRCTL)
    tables.update({name: numbers_ for name, (numbers_, _) in seccomp.OPENS.items()})
    for name, (x86_64, _) in tables.items():
        if name in numbers:
            assert x86_64 == int(numbers[name]), name


def test_the_seccomp_filter_is_a_valid_program_for_both_architectures() -> None:
    for machine in seccomp.ARCHES:
        code = seccomp.program(machine, 1234)
        assert 0 < len(code) < 4096
        assert all(len(instruction) == 8 for instruction in code)


# -- the protocol --------------------------------------------------------------------------
@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Callable[[str], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(source: str) -> WorkerProcess:
        path = tmp_path / f"sub{len(started)}.py"
        path.write_text("import sys\n" + source, encoding="utf-8")
        process = WorkerProcess(path, {"entry": "Value", "limits": {}})
        started.append(process)
        assert process.start(10).error is None
        return process

    yield start
    for process in started:
        process.kill()


def write_to_judge(line: str) -> str:
    """Source that writes ``line`` on the worker's private answer channel."""
    return f"sys.modules['os'].write(int(sys.argv[2]), {(line + chr(10)).encode()!r})"


@pytest.mark.parametrize(
    "forged",
    [
        '{"id": 1, "status": "ok", "data": {}, "grad": {}}',  # a second answer
        '{"id": 7, "status": "ok", "data": {}, "grad": {}}',  # out of turn
        '{"id": true, "status": "ok", "data": {}, "grad": {}}',  # not an id
        '{"id": 1, "status": "ok", "data": [], "grad": {}}',  # malformed
    ],
)
def test_a_forged_answer_is_a_crash(worker: Callable[[str], WorkerProcess], forged: str) -> None:
    source = GOOD_VALUE.replace(
        "        self.grad = 1.0\n", f"        {write_to_judge(forged)}\n        self.grad = 1.0\n"
    )
    process = worker(source)
    outcome = process.request(PROGRAM, 10)
    if outcome.kind is Kind.OK:
        # The forgery came first and was taken for the answer (its numbers are judged
        # like any others); the real answer then arrives unasked, and breaks the session.
        assert outcome.data == {}
        assert not process.close()
    else:
        assert outcome.kind is Kind.CRASHED


def test_an_answer_nobody_asked_for_crashes_the_next_request(
    worker: Callable[[str], WorkerProcess],
) -> None:
    extra = '{"bye": true}'
    source = GOOD_VALUE.replace(
        "        self.grad = 1.0\n",
        f"        import time; time.sleep(0.2); {write_to_judge(extra)}\n        self.grad = 1.0\n",
    ).replace("        import time;", "        time = sys.modules['time'];")
    process = worker(source)
    outcome = process.request(PROGRAM, 10)
    assert outcome.kind in (Kind.OK, Kind.CRASHED)  # the extra line may come with the answer
    if outcome.kind is Kind.OK:
        assert not process.close()


def test_an_oversized_answer_is_a_crash(
    worker: Callable[[str], WorkerProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("judge.runner.process.MAX_RESPONSE", 1000)
    source = GOOD_VALUE.replace(
        "        self.grad = 1.0\n",
        f"        {write_to_judge('x' * 5000)}\n        self.grad = 1.0\n",
    )
    outcome = worker(source).request(PROGRAM, 10)
    assert outcome.kind is Kind.CRASHED
    assert isinstance(outcome.details, Died)
    assert "oversized" in outcome.details.message


@pytest.mark.parametrize(
    "forged",
    [
        "[" * 100_000,  # nested deeper than the judge's parser recurses
        '{"id": 1, "status": "missing", "ops": ["format_disk"]}',
        '{"id": 1, "status": "error", "type": [], "frames": [["x", 1], 3]}',
    ],
)
def test_a_forged_answer_cannot_take_the_judge_down(
    worker: Callable[[str], WorkerProcess], forged: str
) -> None:
    exit_now = "sys.modules['os']._exit(0)"
    source = GOOD_VALUE.replace(
        "        self.grad = 1.0\n", f"        {write_to_judge(forged)}; {exit_now}\n"
    )
    outcome = worker(source).request(PROGRAM, 10)
    assert outcome.kind in (Kind.CRASHED, Kind.RAISED)
    if outcome.kind is Kind.RAISED:
        # not text: dropped, not turned into some; the malformed frames dropped too
        assert outcome.details == Raised(type="", message="", frames=())


def test_a_forged_load_error_reads_as_one(
    write: Callable[[str, str], Path], mini_dir: Path
) -> None:
    forged = '{"load_error": {"kind": "exception", "type": "X", "frames": [["x"]], "line": "7"}}'
    source = f"import sys\n{write_to_judge(forged)}\nsys.modules['os']._exit(0)\n"
    report = graded(write, mini_dir, source)
    assert report["status"] == "error"
    assert report["message"] == "your file raised an exception while loading: X"
    assert "line" not in report


def test_a_clean_close_says_so(worker: Callable[[str], WorkerProcess]) -> None:
    process = worker(GOOD_VALUE)
    assert process.request(PROGRAM, 10).kind is Kind.OK
    assert process.close()
