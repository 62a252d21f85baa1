"""A batch as data: the plan (cache hits, unreadable, work, twins) and the collector."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from judge.batch.cache import ResultCache
from judge.batch.discover import Submission
from judge.batch.outcome import Aborted, Cancelled, Graded, JudgeFailed, Unreadable
from judge.batch.pool import Job, PoolProcess
from judge.batch.run import Cached, Collector, not_graded, plan_batch
from judge.errors import JudgeError
from judge.grading.grade import Options
from judge.grading.plan import Plan, prepare
from judge.results import Status
from judge.spec.catalog import Catalog
from tests.samples import GOOD_VALUE, WRONG_VALUE, touch


@pytest.fixture
def plan(mini_dir: Path) -> Plan:
    return prepare(Catalog.with_extra([mini_dir]).get("mini"))


def submissions(folder: Path) -> list[Submission]:
    texts = {"alice": GOOD_VALUE, "bob": WRONG_VALUE, "carol": GOOD_VALUE, "dan": GOOD_VALUE}
    subs = [Submission(name, touch(folder / f"{name}.py", text)) for name, text in texts.items()]
    (folder / "link.py").symlink_to(folder / "alice.py")
    return [*subs, Submission("link", folder / "link.py"), Submission("gone", folder / "x.py")]


def test_the_plan_grades_each_content_once_and_reads_nothing_twice(
    plan: Plan, tmp_path: Path
) -> None:
    batch = plan_batch(submissions(tmp_path / "class"), plan, Options(), None, reuse=True)
    assert [job.submission.name for job in batch.work] == ["alice", "bob"]
    assert all(job.content is not None for job in batch.work)
    alice = batch.work[0]
    assert alice.key is not None
    assert [job.submission.name for job in batch.twins[alice.key]] == ["carol", "dan"]
    assert batch.work[1].key not in batch.twins  # nobody shares bob's bytes
    known = [(job.submission.name, type(settled)) for job, settled in batch.known]
    assert known == [("link", Unreadable), ("gone", Unreadable)]


def test_the_plan_takes_what_the_cache_holds_in_each_own_name(plan: Plan, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    subs = submissions(tmp_path / "class")
    first = plan_batch(subs, plan, Options(), cache, reuse=True)
    alice = first.work[0]
    assert alice.key is not None
    cache.put(alice.key, not_graded(alice.submission.path, plan, "stored"))
    again = plan_batch(subs, plan, Options(), cache, reuse=True)
    assert [job.submission.name for job in again.work] == ["bob"]
    hits = [(job.submission.name, s) for job, s in again.known if isinstance(s, Cached)]
    assert [(name, s.report.submission) for name, s in hits] == [
        (name, str(tmp_path / "class" / f"{name}.py")) for name in ("alice", "carol", "dan")
    ]
    regrade = plan_batch(subs, plan, Options(), cache, reuse=False)
    assert [job.submission.name for job in regrade.work] == ["alice", "bob"]


def test_the_collector_owns_the_counts_and_gives_twins_their_report(
    plan: Plan, tmp_path: Path
) -> None:
    batch = plan_batch(submissions(tmp_path / "class"), plan, Options(), None, reuse=True)
    done: list[tuple[str, bool]] = []
    collector = Collector(plan, batch.twins, None, lambda e, cached: done.append((e.name, cached)))
    for job, known in batch.known:
        collector.settle(job, known)
    alice, bob = batch.work
    report = not_graded(alice.submission.path, plan, f"about {alice.submission.path}")
    collector.deliver(alice, Graded(report))
    collector.deliver(bob, JudgeFailed("internal error in the judge: a bug"))
    assert (collector.graded, collector.cached, collector.internal_errors) == (4, 2, 1)
    assert done == [
        ("link", False), ("gone", False), ("alice", False), ("carol", True), ("dan", True),
        ("bob", False),
    ]  # fmt: skip
    book = collector.gradebook()
    assert [e.name for e in book.entries] == ["alice", "bob", "carol", "dan", "link", "gone"]
    carol = book.entries[2].report
    assert carol.submission.endswith("carol.py") and carol.message.endswith("carol.py")
    assert book.entries[1].report.status is Status.ERROR


def test_outcomes_that_stop_the_batch_are_raised(plan: Plan, tmp_path: Path) -> None:
    collector = Collector(plan, {}, None, None)
    job = Job(0, Submission("alice", tmp_path / "alice.py"), None)
    with pytest.raises(KeyboardInterrupt):
        collector.deliver(job, Cancelled())
    with pytest.raises(JudgeError, match="no sandbox") as raised:
        collector.deliver(job, Aborted("no sandbox here", 3))
    assert raised.value.exit_code == 3
    assert collector.entries == {} and collector.graded == 0


def test_outcomes_are_frozen_and_cross_processes(plan: Plan, tmp_path: Path) -> None:
    report = not_graded(tmp_path / "a.py", plan, "why")
    for outcome in (Graded(report), Unreadable("a link"), JudgeFailed("bug"), Aborted("x", 2)):
        assert pickle.loads(pickle.dumps(outcome)) == outcome
        with pytest.raises(AttributeError):
            outcome.message = "changed"  # type: ignore[misc,union-attr]


class _Event:
    def __init__(self, is_set: bool) -> None:
        self.value = is_set

    def is_set(self) -> bool:
        return self.value


def test_a_pool_process_is_interrupted_once_and_cancelled_when_the_batch_stops(
    plan: Plan, tmp_path: Path
) -> None:
    signals: list[str] = []

    def grade_one(path: Path, plan: Plan, options: Options, content: bytes | None) -> Graded:
        assert state.busy and state.grading
        try:
            state.interrupt(2, None)  # the first signal interrupts the grading
        finally:
            state.interrupt(2, None)  # a second, while unwinding, is ignored
            signals.append("both handled")
        raise AssertionError("not reached")

    state = PoolProcess(grade_one, plan, Options(), _Event(False))
    assert isinstance(state.grade(tmp_path / "a.py", b""), Cancelled)
    assert signals == ["both handled"] and not state.busy and not state.grading
    state.interrupt(2, None)  # idle: ignored
    stopped = PoolProcess(grade_one, plan, Options(), _Event(True))
    assert isinstance(stopped.grade(tmp_path / "a.py", b""), Cancelled)
    assert signals == ["both handled"]  # nothing was graded once the batch stopped
