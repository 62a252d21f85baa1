"""Hidden cases stay hidden: a submission that tells their values through every channel
it has (an exception's message, what it prints, straight to its stderr, a path the
sandbox quotes back, and later tests it stashes them for) is graded with ``judge run``
in every format and ``judge grade`` in every gradebook format.  No hidden value reaches
what a student reads; an instructor, who asks for it, sees every channel.

The submission is ``tests/hostile/leaks/stash_and_tell.py`` after a correct ``Value``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from judge.cli import cli
from judge.report.formats import GRADEBOOK_FORMATS, LMS_FORMATS, REPORT_FORMATS
from tests.samples import GOOD_VALUE

TAIL = Path(__file__).with_name("hostile") / "leaks" / "stash_and_tell.py"
# The hidden leaves: one per channel.  A visible case follows the hidden ones in the
# spec, after a hidden case that kills the worker (the path), so that values stashed
# in a global survive to be told in it and in the random graphs after it, unless the
# hidden cases run last.
SPEC = """\
id: leaky
title: Leaky
description: Hidden values must not come back out.
starter: |
  class Value:
      pass
ops: [add, mul]
time_limit: 2
properties:
  examples: 5
  nodes: [2, 4]
  points: 1
cases:
  - name: shown first
    hidden: false
    program: |
      a = Value(2.0)
      b = a * a + a
      b.backward()
  - name: secret path
    topic: a leaf used twice
    program: |
      a = Value(5.40625)
      c = a * a
      c.backward()
  - name: secret raise
    topic: adding two leaves
    program: |
      a = Value(7.3125)
      b = Value(1.5)
      c = a + b
      c.backward()
  - name: secret print
    topic: multiplying two leaves
    program: |
      a = Value(2.65625)
      b = Value(1.25)
      c = a * b
      c.backward()
  - name: shown after
    hidden: false
    program: |
      a = Value(3.0)
      b = a + a
      b.backward()
"""
HIDDEN_VALUES = ("5.40625", "7.3125", "2.65625", "8.8125", "3.3203125")
RAISED = "ValueError: LEAK STASH["  # the exception channel
PRINTED = "LEAK STASH["  # printed, and the exception (its message starts the same)
QUOTED = "LEAK-STASH["  # the path the sandbox quotes back
TOPICS = ("a leaf used twice", "adding two leaves", "multiplying two leaves")


@dataclass
class Leaky:
    folder: Path
    specs: Path
    submission: Path
    cache: Path

    def invoke(self, *args: str, env: dict[str, str] | None = None) -> Result:
        common = ["-p", "leaky", "--problems", str(self.specs)]
        environment = {"JUDGE_CACHE_DIR": str(self.cache), "GITHUB_STEP_SUMMARY": "", **(env or {})}
        return CliRunner().invoke(cli, [*args, *common], env=environment, catch_exceptions=False)


@pytest.fixture
def leaky(tmp_path: Path) -> Iterator[Leaky]:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "leaky.yaml").write_text(SPEC, encoding="utf-8")
    klass = tmp_path / "class"
    klass.mkdir()
    submission = klass / "mallory.py"
    submission.write_text(GOOD_VALUE + "\n" + TAIL.read_text(encoding="utf-8"), encoding="utf-8")
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    yield Leaky(tmp_path, specs, submission, cache)


def assert_no_hidden_value(text: str, where: str) -> None:
    for value in HIDDEN_VALUES:
        assert value not in text, f"hidden value {value} in {where}:\n{text}"
    for channel in (PRINTED, QUOTED, "LEAK-STRAY STASH"):
        assert channel not in text, f"{channel} in {where}"


def run(leaky: Leaky, fmt: str, audience: str, tmp_path: Path) -> str:
    """``judge run`` in ``fmt`` for ``audience``: its output, and the job summary."""
    summary = tmp_path / f"summary-{fmt}-{audience}.md"
    summary.touch()
    result = leaky.invoke(
        "run",
        str(leaky.submission),
        "--format",
        fmt,
        "--audience",
        audience,
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 1, result.output
    return result.stdout + summary.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", sorted(REPORT_FORMATS))
def test_run_tells_a_student_only_the_verdict_and_topic(
    leaky: Leaky, fmt: str, tmp_path: Path
) -> None:
    text = run(leaky, fmt, "student", tmp_path)
    assert_no_hidden_value(text, f"judge run --format {fmt}")
    for topic in TOPICS:
        assert topic in text, (fmt, topic)


CHANNELS = (RAISED, PRINTED, QUOTED, "LEAK-STRAY STASH")


@pytest.mark.parametrize("fmt", sorted(set(REPORT_FORMATS) - {"gradescope"}))
def test_run_shows_an_instructor_every_channel(leaky: Leaky, fmt: str, tmp_path: Path) -> None:
    text = run(leaky, fmt, "instructor", tmp_path)
    for channel in CHANNELS:
        assert channel in text, (fmt, channel)
    assert "7.3125" in text and "2.65625" in text
    assert INSTRUCTOR_MARK[fmt] in text  # the output says whose it is


# How each format says it was written for an instructor.
INSTRUCTOR_MARK = {
    "text": "(instructor view: hidden tests in full; not for students)",
    "json": '"audience": "instructor"',
    "junit": '<property name="audience" value="instructor" />',
    "markdown": "**Instructor view**",
    "github": "::notice title=judge::instructor view",
    "html": "<p class=note>Instructor view: hidden tests are shown in full.",
}


def test_gradescope_is_always_written_for_students(leaky: Leaky) -> None:
    result = leaky.invoke(
        "run", str(leaky.submission), "--format", "gradescope", "--audience", "instructor"
    )
    assert result.exit_code == 2
    assert "always written for them" in result.output


def test_hidden_cases_run_last_so_nothing_stashed_comes_out_later(leaky: Leaky) -> None:
    # The instructor's report is whole, so only the order keeps the visible case and the
    # random graphs clean: the hidden cases ran after them.
    result = leaky.invoke(
        "run", str(leaky.submission), "--format", "json", "--audience", "instructor"
    )
    report = json.loads(result.stdout)
    assert report["audience"] == "instructor"
    tests = {t["name"]: t for t in report["tests"]}
    assert [t["name"] for t in report["tests"]] == [
        "shown first",
        "secret path",
        "secret raise",
        "secret print",
        "shown after",
        "random graphs",
    ]  # the report keeps the spec's order
    for name in ("shown first", "shown after", "random graphs"):
        assert tests[name]["status"] == "passed", tests[name]
        assert_no_hidden_value(json.dumps(tests[name]), name)
    assert tests["secret path"]["status"] == "forbidden"
    assert QUOTED in tests["secret path"]["message"]
    assert tests["secret raise"]["message"].startswith(RAISED)
    assert PRINTED in tests["secret print"]["output"]
    assert "LEAK-STRAY STASH" in tests["secret print"]["output"]


def grade(leaky: Leaky, fmt: str, audience: str, tmp_path: Path) -> tuple[str, str]:
    """``judge grade`` of the class in ``fmt`` for ``audience``: the gradebook (with the
    job summary for github) and the note on stderr."""
    summary = tmp_path / f"book-summary-{fmt}-{audience}.md"
    summary.touch()
    result = leaky.invoke(
        "grade",
        str(leaky.submission.parent),
        "--format",
        fmt,
        "--audience",
        audience,
        "-j",
        "1",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 1, result.output
    return result.stdout + summary.read_text(encoding="utf-8"), result.stderr


@pytest.fixture
def graded(leaky: Leaky, tmp_path: Path) -> Leaky:
    """The class graded once, so every gradebook below is rendered from the cache."""
    grade(leaky, "json", "student", tmp_path)
    return leaky


# The LMS formats need a roster and hold only its ids and the scores (their columns are
# checked exactly in test_gradebook_class.py).
@pytest.mark.parametrize("fmt", sorted(set(GRADEBOOK_FORMATS) - LMS_FORMATS))
def test_grade_tells_a_student_only_the_verdict(graded: Leaky, fmt: str, tmp_path: Path) -> None:
    text, note = grade(graded, fmt, "student", tmp_path)
    assert "1 from the cache" in note
    assert_no_hidden_value(text, f"judge grade --format {fmt}")


@pytest.mark.parametrize("fmt", ["json", "markdown", "junit", "github", "html"])
def test_grade_shows_an_instructor_every_message_from_the_cache(
    graded: Leaky, fmt: str, tmp_path: Path
) -> None:
    text, note = grade(graded, fmt, "instructor", tmp_path)
    assert "1 from the cache" in note  # cached whole, cut when rendered
    assert RAISED in text and QUOTED in text and "7.3125" in text


def test_the_cache_holds_the_full_report(graded: Leaky) -> None:
    [entry] = list((graded.cache / "results").rglob("*.json"))
    stored = json.loads(entry.read_text(encoding="utf-8"))
    assert "audience" not in stored
    assert RAISED in json.dumps(stored)


def test_the_pull_request_check_always_writes_for_students() -> None:
    from judge.ci.pullrequest import CheckError, judge_command, parse_args

    command = judge_command(parse_args(["--args=--jobs 1"]), ["a.py"])
    assert command[-2:] == ["--audience", "student"]  # last, so it wins
    for widen in ("--audience instructor", "--audience=instructor"):
        with pytest.raises(CheckError, match=r"--audience in args: .*remove it from args"):
            judge_command(parse_args([f"--args={widen}"]), ["a.py"])


def test_a_submission_not_graded_keeps_its_hidden_tests_topics(leaky: Leaky) -> None:
    from judge.batch.run import not_graded
    from judge.grading.plan import prepare
    from judge.report.audience import for_audience
    from judge.spec.catalog import Catalog

    plan = prepare(Catalog.with_extra((leaky.specs,)).get("leaky"), examples=1)
    report = for_audience(not_graded(leaky.submission, plan, "a symbolic link"), "student")
    messages = {t.name: t.message for t in report.tests}
    assert messages["secret raise"] == "hidden case failed (an error): adding two leaves"
    assert report.message == "a symbolic link"
