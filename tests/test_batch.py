"""Batches: finding submissions, the results cache, and grading many at once."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import judge.batch.cache
from judge.batch import run as batch_run
from judge.batch.cache import ResultCache, result_key
from judge.batch.discover import Submission, collect, discover
from judge.batch.run import grade_batch
from judge.errors import JudgeError, SandboxError, UsageError
from judge.grading.grade import Options
from judge.grading.plan import Plan, prepare
from judge.results import Status
from judge.spec.catalog import Catalog
from tests.samples import GOOD_VALUE, HANGING_VALUE, MINI_SPEC, WRONG_VALUE, touch


@pytest.fixture
def plan(mini_dir: Path) -> Plan:
    return prepare(Catalog.with_extra([mini_dir]).get("mini"))


# -- discovery ---------------------------------------------------------------------------
def test_one_file_per_student(tmp_path: Path) -> None:
    for name in ("bob.py", "alice.py", ".hidden.py", "_private.py", "notes.txt"):
        touch(tmp_path / name)
    found = discover(tmp_path)
    assert [(s.name, s.path.name, s.problem) for s in found] == [
        ("alice", "alice.py", ""),
        ("bob", "bob.py", ""),
    ]


def test_one_folder_per_student(tmp_path: Path) -> None:
    touch(tmp_path / "alice" / "value.py")
    touch(tmp_path / "bob" / "value.py")
    touch(tmp_path / "bob" / "helper.py")
    (tmp_path / "carol").mkdir()
    touch(tmp_path / "dave.py")
    touch(tmp_path / "__pycache__" / "x.py")
    found = {s.name: s for s in discover(tmp_path)}
    assert list(found) == ["alice", "bob", "carol", "dave"]
    assert found["alice"].path == tmp_path / "alice" / "value.py" and not found["alice"].problem
    # Several modules: the folder is the submission (engine.py + nn.py, graded together).
    assert found["bob"].path == tmp_path / "bob" and not found["bob"].problem
    assert found["carol"].problem == "no .py or .ipynb file in carol/"


def test_a_named_file_in_each_folder(tmp_path: Path) -> None:
    touch(tmp_path / "alice" / "value.py")
    touch(tmp_path / "alice" / "scratch.py")
    (tmp_path / "bob").mkdir()
    touch(tmp_path / "stray.py")  # not a student folder: ignored with --file
    found = discover(tmp_path, "value.py")
    assert [(s.name, s.problem) for s in found] == [("alice", ""), ("bob", "no value.py in bob/")]


def test_a_file_and_a_folder_of_the_same_student_keep_distinct_names(tmp_path: Path) -> None:
    touch(tmp_path / "alice.py")
    touch(tmp_path / "alice" / "value.py")
    assert [s.name for s in discover(tmp_path)] == ["alice/", "alice.py"]


def test_nothing_to_grade_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no submissions found; expected .*<student>\.py"):
        discover(tmp_path)
    with pytest.raises(UsageError, match="not a folder"):
        discover(tmp_path / "missing")
    with pytest.raises(UsageError, match="give a file name inside each student's folder"):
        discover(tmp_path, "../escape.py")


def test_collect_takes_files_and_folders(tmp_path: Path) -> None:
    touch(tmp_path / "class" / "alice.py")
    single = touch(tmp_path / "extra" / "bob.py")
    found = collect([tmp_path / "class", single])
    assert [s.name for s in found] == ["alice", str(single)]
    with pytest.raises(UsageError, match="no such file or folder"):
        collect([tmp_path / "nope.py"])


# -- the cache ---------------------------------------------------------------------------
def test_the_key_follows_content_spec_code_and_options(
    plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = result_key(b"class Value: pass", plan, Options())
    assert base == result_key(b"class Value: pass", plan, Options())
    assert base != result_key(b"class Value: pass\n", plan, Options())
    assert base != result_key(b"class Value: pass", plan, Options(timeout=1.0))
    other_spec = touch(
        tmp_path / "other" / "mini.yaml", MINI_SPEC.replace("time_limit: 3", "time_limit: 4")
    )
    other = prepare(Catalog.with_extra([other_spec.parent]).get("mini"))
    assert base != result_key(b"class Value: pass", other, Options())
    assert base != result_key(
        b"class Value: pass", dataclasses.replace(plan, extra={"seed": 1}), Options()
    )
    # The judge's code (tests/test_fingerprint.py: any module, or the version).
    monkeypatch.setattr(judge.batch.cache, "code_fingerprint", lambda: "changed")
    assert base != result_key(b"class Value: pass", plan, Options())


def test_the_cache_returns_what_it_stored_and_ignores_damage(
    plan: Plan, good: Path, tmp_path: Path
) -> None:
    cache = ResultCache(tmp_path / "cache")
    report = batch_run.grade(good, plan, Options())
    assert cache.get("ab" * 32) is None
    cache.put("ab" * 32, report)
    stored = cache.get("ab" * 32)
    assert stored is not None and stored.to_dict() == report.to_dict()
    (tmp_path / "cache" / "ab" / f"{'ab' * 32}.json").write_text('{"schema": "judge-rep')
    assert cache.get("ab" * 32) is None


# -- grading a batch -----------------------------------------------------------------------
@pytest.fixture
def classroom(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    touch(folder / "alice.py", GOOD_VALUE)
    touch(folder / "bob.py", WRONG_VALUE)
    touch(folder / "carol.py", "class Value(:\n")
    touch(folder / "dave.py", HANGING_VALUE)
    touch(folder / "erin.py", GOOD_VALUE)  # the same bytes as alice's
    (folder / "frank.py").write_bytes(b"\xff\xfe not utf-8")
    touch(folder / "gina" / "a.py")
    touch(folder / "gina" / "b.py")
    (folder / "hank.py").write_bytes(b"\xff\xfe not utf-8")  # frank's bytes
    return folder


EXPECTED = {
    "alice": Status.PASSED,
    "bob": Status.FAILED,
    "carol": Status.ERROR,
    "dave": Status.FAILED,
    "erin": Status.PASSED,
    "frank": Status.ERROR,
    "gina": Status.ERROR,
    "hank": Status.ERROR,
}
FAST = Options(timeout=0.3)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_grades_everyone_and_survives_the_worst(
    jobs: int, classroom: Path, plan: Plan, tmp_path: Path
) -> None:
    seen: list[tuple[str, bool]] = []
    result = grade_batch(
        discover(classroom),
        plan,
        FAST,
        jobs=jobs,
        cache=ResultCache(tmp_path / "cache"),
        on_done=lambda entry, cached: seen.append((entry.name, cached)),
    )
    book = result.gradebook
    assert {e.name: e.report.status for e in book.entries} == EXPECTED
    assert [e.name for e in book.entries] == sorted(EXPECTED)  # submission order, always
    # erin's bytes are alice's: graded once, the report shared (as if cached).  hank's
    # are frank's, but not UTF-8: each is refused as it is read, so neither is a twin.
    assert sorted(seen) == [(name, name == "erin") for name in sorted(EXPECTED)]
    assert (result.total, result.graded, result.cached, result.internal_errors) == (8, 7, 1, 0)
    assert not result.interrupted
    reports = {e.name: e.report for e in book.entries}
    assert reports["erin"].submission == str(classroom / "erin.py")
    assert reports["frank"].message.endswith("not UTF-8 text; save it as UTF-8")
    assert reports["hank"].message == f"{classroom / 'hank.py'}: not UTF-8 text; save it as UTF-8"
    # gina's a.py and b.py are graded as one folder, which defines no Value.
    assert "does not define a class named 'Value'" in reports["gina"].message
    assert reports["dave"].tests[0].status.value == "timeout"


def test_a_second_batch_comes_from_the_cache(classroom: Path, plan: Plan, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    first = grade_batch(discover(classroom), plan, FAST, jobs=2, cache=cache)
    seen: list[bool] = []
    again = grade_batch(
        discover(classroom), plan, FAST, jobs=2, cache=cache, on_done=lambda e, c: seen.append(c)
    )
    # What could not be read is looked at again (it costs nothing); the rest is cached,
    # gina's folder too (keyed by all its modules).
    assert (again.graded, again.cached) == (2, 6)
    assert seen.count(True) == 6
    assert again.gradebook.to_dict() == first.gradebook.to_dict()
    assert again.wall_s < 1.0
    # A student whose bytes equal another's gets a report in their own name.
    erin = next(e for e in again.gradebook.entries if e.name == "erin")
    assert erin.report.submission == str(classroom / "erin.py")
    fresh = grade_batch(discover(classroom), plan, FAST, jobs=2, cache=cache, reuse=False)
    assert (fresh.graded, fresh.cached) == (7, 1)


def test_a_changed_submission_is_graded_again(classroom: Path, plan: Plan, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    subs = [s for s in discover(classroom) if s.name in ("alice", "bob")]
    grade_batch(subs, plan, FAST, jobs=1, cache=cache)
    (classroom / "bob.py").write_text(GOOD_VALUE + "# fixed\n", encoding="utf-8")
    again = grade_batch(subs, plan, FAST, jobs=1, cache=cache)
    assert (again.graded, again.cached) == (1, 1)
    assert again.gradebook.all_passed


def test_the_judges_own_failure_is_one_row_not_a_crash(
    classroom: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch_run.grade

    def flaky_judge(path: Path, plan: Plan, options: Options, content: bytes) -> object:
        if path.name == "bob.py":
            raise RuntimeError("a bug in the judge")
        return real(path, plan, options, content)

    monkeypatch.setattr(batch_run, "grade", flaky_judge)
    subs = [s for s in discover(classroom) if s.name in ("alice", "bob")]
    result = grade_batch(subs, plan, FAST, jobs=1)
    assert result.internal_errors == 1
    bob = result.gradebook.entries[1]
    assert bob.report.status is Status.ERROR
    assert bob.report.message.startswith("internal error in the judge: RuntimeError: a bug")
    assert result.gradebook.entries[0].report.status is Status.PASSED


def test_a_fault_that_hits_everyone_stops_the_batch(
    classroom: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sandbox(path: Path, plan: Plan, options: Options, content: bytes) -> object:
        raise SandboxError("the strict sandbox needs bubblewrap; install it")

    monkeypatch.setattr(batch_run, "grade", no_sandbox)
    with pytest.raises(JudgeError, match="needs bubblewrap") as raised:
        grade_batch(discover(classroom), plan, FAST, jobs=1)
    assert raised.value.exit_code == 2


def test_an_interrupted_batch_keeps_what_it_finished(
    classroom: Path, plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch_run.grade

    def interrupted_at_bob(path: Path, plan: Plan, options: Options, content: bytes) -> object:
        if path.name == "bob.py":
            raise KeyboardInterrupt
        return real(path, plan, options, content)

    monkeypatch.setattr(batch_run, "grade", interrupted_at_bob)
    cache = ResultCache(tmp_path / "cache")
    subs = [s for s in discover(classroom) if s.name in ("alice", "bob", "erin")]
    result = grade_batch(subs, plan, FAST, jobs=1, cache=cache)
    assert result.interrupted
    assert [e.name for e in result.gradebook.entries] == ["alice", "erin"]
    monkeypatch.setattr(batch_run, "grade", real)
    resumed = grade_batch(subs, plan, FAST, jobs=1, cache=cache)
    assert (resumed.graded, resumed.cached) == (1, 2)  # erin's bytes are alice's


def test_a_plan_that_cannot_cross_processes_is_graded_here(classroom: Path, plan: Plan) -> None:
    local = dataclasses.replace(plan, extra={"generator": lambda: None})
    subs = [s for s in discover(classroom) if s.name in ("alice", "bob")]
    result = grade_batch(subs, local, FAST, jobs=2)
    assert [e.report.status for e in result.gradebook.entries] == [Status.PASSED, Status.FAILED]
    assert result.notes and result.notes[0].startswith("graded one at a time")


def test_submission_problems_are_rows_in_the_gradebook(plan: Plan, tmp_path: Path) -> None:
    lost = Submission("zoe", tmp_path / "zoe", "no .py file in zoe/")
    result = grade_batch([lost], plan, FAST, cache=ResultCache(tmp_path / "cache"))
    [entry] = result.gradebook.entries
    assert (entry.report.status, entry.report.message) == (Status.ERROR, "no .py file in zoe/")
    assert entry.report.max_score == plan.max_score
    assert not list((tmp_path / "cache").glob("*/*.json"))  # nothing graded, nothing cached


def test_a_row_that_could_not_be_graded_lists_the_same_tests_as_the_others(
    tmp_path: Path,
) -> None:
    plan = prepare(Catalog.with_extra([]).get("basic-autograd"), examples=2)
    touch(
        tmp_path / "c" / "alice.py",
        (Path(__file__).parent.parent / "submissions" / "correct.py").read_text(),
    )
    (tmp_path / "c" / "bob.py").write_bytes(b"\xff not utf-8")
    result = grade_batch(discover(tmp_path / "c"), plan, jobs=1)
    alice, bob = (e.report for e in result.gradebook.entries)
    assert bob.status is Status.ERROR
    assert [t.name for t in bob.tests] == [t.name for t in alice.tests]
    assert bob.max_score == alice.max_score
