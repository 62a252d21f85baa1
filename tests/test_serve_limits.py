"""The server's limits in process: the per-client rate limit, the token check, the
settings' checks, and the grading queue's bounded retries (with a grader that dies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from judge.errors import UsageError
from judge.results import Report, Status
from judge.serve.config import ServeConfig
from judge.serve.grader import GraderLost
from judge.serve.limits import RateLimiter, is_instructor, retry_after
from judge.serve.queue import GradingQueue, Outcomes
from judge.serve.store import Mode, NewSubmission, State, Store, Submission
from judge.spec.catalog import Catalog


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_counts_requests_in_the_last_minute_per_client() -> None:
    clock = Clock()
    limiter = RateLimiter(3, clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 20
    assert limiter.take("a") == pytest.approx(40.0)  # the first ages out at 60 s
    assert limiter.take("b") == 0.0  # another client has its own count
    clock.now += 40  # all three are a minute old: gone
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(60.0)


def test_a_refused_request_is_not_counted() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock)
    limiter.take("a")
    assert limiter.take("a", 2) > 0  # two more would be three
    assert limiter.take("a") == 0.0  # the refused two did not count


def test_a_request_over_the_whole_limit_waits_a_minute() -> None:
    assert RateLimiter(2, Clock()).take("a", 3) == 60.0


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert [retry_after(s) for s in (0.001, 1.0, 1.2, 59.9)] == ["1", "1", "2", "60"]


@pytest.mark.parametrize(
    ("header", "token", "expected"),
    [
        ("Bearer s3cret-token-0123456789", "s3cret-token-0123456789", True),
        ("bearer s3cret-token-0123456789", "s3cret-token-0123456789", True),
        ("Bearer s3cret-token-012345678", "s3cret-token-0123456789", False),
        ("Basic s3cret-token-0123456789", "s3cret-token-0123456789", False),
        ("s3cret-token-0123456789", "s3cret-token-0123456789", False),
        (None, "s3cret-token-0123456789", False),
        ("Bearer ", None, False),
        ("Bearer anything", None, False),
    ],
)
def test_the_instructor_is_who_carries_the_token(
    header: str | None, token: str | None, expected: bool
) -> None:
    assert is_instructor(header, token) is expected


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("jobs", 0, "--jobs must be at least 1"),
        ("max_queue", 0, "--max-queue must be at least 1"),
        ("per_minute", -1, "--per-minute must be at least 1"),
        ("wait_timeout", 0.0, "--wait-timeout must be positive"),
        ("token", "short", "at least 16 characters"),
    ],
)
def test_bad_settings_are_usage_errors(
    tmp_path: Path, field: str, value: Any, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        ServeConfig(database=tmp_path / "db", **{field: value})


def test_the_token_is_not_in_the_settings_repr(tmp_path: Path) -> None:
    config = ServeConfig(database=tmp_path / "db", token="s3cret-token-0123456789")
    assert "s3cret" not in repr(config)


class DyingGrader:
    """A grader whose process dies on every submission."""

    calls = 0

    def grade(self, submission: Submission, deadline: float) -> dict[str, Any]:
        DyingGrader.calls += 1
        raise GraderLost("the grading process died")


@pytest.mark.parametrize("max_attempts", [1, 3])
def test_a_submission_that_kills_its_grader_is_retried_then_given_up(
    tmp_path: Path, max_attempts: int
) -> None:
    config = ServeConfig(database=tmp_path / "db", max_attempts=max_attempts)
    store = Store(config.database)
    problem = Catalog.with_extra([]).get("basic-autograd")
    queue = GradingQueue(config, store, {problem.id: problem})
    done: list[str] = []
    queue.listen(done.append)
    (submission_id,) = store.add([NewSubmission(problem.id, Mode.SUBMIT, "x = 1\n")], 10) or []
    DyingGrader.calls = 0
    for _ in range(max_attempts + 2):  # the grading threads' loop, one claim at a time
        claimed = store.claim()
        if claimed is None:
            break
        queue._grade(DyingGrader(), claimed)  # type: ignore[arg-type]
    found = store.get(submission_id)
    assert found is not None and found.state is State.DONE
    assert DyingGrader.calls == max_attempts
    assert done == [submission_id]
    assert found.report is not None and found.report["status"] == "error"
    assert f"the grading process died, {max_attempts} times" in found.report["message"]
    store.close()


def _error_report(submission_id: str, message: str) -> dict[str, Any]:
    return Report(submission_id, "basic-autograd", Status.ERROR, 0, 0, 0, (), message).to_dict()


def test_a_report_is_stored_once_and_the_listeners_told_once(tmp_path: Path) -> None:
    # A job's result can arrive twice (a worker's push and the status sweep, or two
    # workers after an abandoned job): the first report stays, the second changes nothing.
    store = Store(tmp_path / "db")
    problem = Catalog.with_extra([]).get("basic-autograd")
    outcomes = Outcomes(store, {problem.id: problem})
    told: list[str] = []
    outcomes.listen(told.append)
    (submission_id,) = store.add([NewSubmission(problem.id, Mode.RUN, "x = 1\n")], 10) or []
    outcomes.finish(submission_id, _error_report(submission_id, "first"))
    outcomes.finish(submission_id, _error_report(submission_id, "second"))
    found = store.get(submission_id)
    assert found is not None and found.report is not None
    assert found.report["message"] == "first"
    assert told == [submission_id]
    store.close()


def test_prune_deletes_done_submissions_accepted_before_the_cutoff_only(tmp_path: Path) -> None:
    store = Store(tmp_path / "db")
    new = NewSubmission("basic-autograd", Mode.RUN, "x = 1\n")
    done, waiting = store.add([new, new], 10) or []
    store.finish(done, _error_report(done, "graded"))
    created = store.get(done)
    assert created is not None
    assert store.prune(before=created.created) == 0  # accepted at the cutoff: kept
    assert store.prune(before=created.created + 1) == 1
    assert store.get(done) is None
    assert store.get(waiting) is not None  # not done: kept however old
    store.close()
