"""``judge similar``: tokens, winnowing, pairs, line ranges, and a class of 200.

The class is generated here from independently written engines (one per family of the
corpora), each copied 20 times with every name of its own renamed, its methods
shuffled and its comments and docstrings rewritten (``tests/similarity_copies``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from judge.batch.discover import collect
from judge.cli import cli
from judge.similarity.compare import (
    THRESHOLD,
    compare,
    document,
    find_similar,
    starter_hashes,
)
from judge.similarity.render import render_markdown, render_text
from judge.similarity.tokens import tokens, units
from judge.similarity.winnow import WINDOW, K, kgram_hashes, winnow
from judge.spec.catalog import Catalog
from judge.submission.source import Source
from tests.samples import ROOT
from tests.similarity_copies import disguise

CORRECT = ROOT / "tests" / "corpus" / "correct"
# One engine per family: the corpora's other files are these with one bug each (or,
# for the micrograd family, Karpathy's engine rewritten), so they are near-copies of
# their family by construction, not independent work.
ENGINES = {
    "micrograd": "recursive_float",
    "derived": "derived_ops",
    "kahn": "kahn",
    "dispatch": "dispatch_by_op",
    "slots": "slots",
    "level": "level_order",
    "iterative": "iterative_int",
    "dict": "dict_grads",
    "basic_iterative_float": "basic_iterative_float",
    "basic_kahn_int": "basic_kahn_int",
}
STARTER = Catalog.with_extra(()).get("basic-autograd").starter


def family(path: Path) -> str:
    """Which family a corpus file belongs to (see ENGINES)."""
    if path.parent == CORRECT:
        known = {"basic_classic": "micrograd", **{v: k for k, v in ENGINES.items()}}
        return known.get(path.stem, path.stem)  # a new engine: its own family, until shown not
    if path.parent.name == "diagnosis_corpus":  # <bug>_<style>.py
        style = path.stem.rsplit("_", 1)[1]
        return {"recursive": "micrograd", "basic": "micrograd"}.get(style, style)
    return "micrograd"  # tests/corpus/wrong and submissions/: micrograd, one bug each


def engine(name: str) -> str:
    return (CORRECT / f"{ENGINES[name]}.py").read_text()


def names_of(result: object) -> set[frozenset[str]]:
    return {frozenset((p.a, p.b)) for p in result.pairs}  # type: ignore[attr-defined]


# --- tokens -------------------------------------------------------------------------


def test_renamed_names_numbers_strings_and_comments_give_the_same_tokens() -> None:
    one = 'def f(a, b=1):\n    """Add."""\n    # sum\n    return a + b * "x"\n'
    two = "def total(x, y=7):\n    return x + y * 'hello'  # other words\n"
    assert [t.text for t in tokens(one)] == [t.text for t in tokens(two)]
    assert [t.text for t in tokens(one)] != [t.text for t in tokens(two.replace("+", "-"))]


def test_a_string_in_an_expression_is_code_not_a_docstring() -> None:
    assert "S" in [t.text for t in tokens('x = "a"\n"b" + x\n')]
    assert [t.text for t in tokens('"""doc"""\nx = 1\n')] == ["N", "=", "#", ";"]


def test_text_that_does_not_tokenize_keeps_its_tokens_up_to_the_fault() -> None:
    found = tokens("x = 1\ny = (2,\n")
    assert [t.text for t in found][:4] == ["N", "=", "#", ";"]
    assert found[-1].line == 2
    assert tokens("def f():\n  return 1\n    x = 2\n")  # an IndentationError: no raise


def test_units_start_at_methods_with_their_decorators_not_at_closures() -> None:
    text = (
        "import m\nclass V:\n    @staticmethod\n    def s(x):\n        return x\n"
        "    def f(self):\n        def inner():\n            pass\n        return inner\n"
    )
    found = tokens(text)
    starts = [found[u.start].text for u in units(found)]
    assert starts == ["import", "class", "@", "def"]


# --- winnowing ----------------------------------------------------------------------


def test_winnowing_keeps_a_fingerprint_of_every_window() -> None:
    rng = random.Random(3)
    hashes = [rng.randrange(1000) for _ in range(500)]
    kept = winnow(hashes, 8)
    positions = {f.position for f in kept}
    for start in range(len(hashes) - 8 + 1):
        window = range(start, start + 8)
        assert any(p in positions for p in window)
        assert min(hashes[i] for i in window) in {hashes[p] for p in positions if p in window}


def test_a_shared_run_of_window_plus_k_tokens_is_always_found() -> None:
    rng = random.Random(5)
    for trial in range(20):
        run = [f"t{rng.randrange(50)}" for _ in range(WINDOW + K - 1)]
        one = [f"a{rng.randrange(50)}" for _ in range(rng.randrange(100))] + run
        two = run + [f"b{rng.randrange(50)}" for _ in range(rng.randrange(100))]
        shared = {f.hash for f in winnow(kgram_hashes(one))} & {
            f.hash for f in winnow(kgram_hashes(two))
        }
        assert shared, trial


def test_hashes_are_the_same_in_every_process(tmp_path: Path) -> None:
    # BLAKE2b, not hash(), whose strings are salted per process: the same class gives
    # the same report every time.
    code = "from judge.similarity.winnow import kgram_hashes; print(kgram_hashes(['a', 'b'], 2))"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert seen == {f"{kgram_hashes(['a', 'b'], 2)}\n"}


# --- pairs --------------------------------------------------------------------------


def test_a_disguised_copy_is_a_pair_with_its_original_and_its_lines() -> None:
    original = engine("kahn")
    copy = disguise(original, 1)
    assert [t.text for t in tokens(copy)] != [t.text for t in tokens(original)]  # shuffled
    result = compare([document("alice", Source(original)), document("bob", Source(copy))])
    (pair,) = result.pairs
    assert (pair.a, pair.b) == ("alice", "bob") and pair.similarity >= 0.9
    assert pair.fragments
    lines = original.splitlines()
    for fragment in pair.fragments:
        assert 1 <= fragment.a.first <= fragment.a.last <= len(lines)
        assert fragment.a.where == (
            f"lines {fragment.a.first}-{fragment.a.last}"
            if fragment.a.first != fragment.a.last
            else f"line {fragment.a.first}"
        )
    # The method __add__ of alice's file is found in bob's, wherever bob moved it.
    add = next(i for i, line in enumerate(lines, 1) if "def __add__" in line)
    assert any(f.a.first <= add + 1 <= f.a.last for f in pair.fragments)


def test_the_starters_lines_never_make_two_submissions_alike() -> None:
    # A generous starter (a whole engine given, one method to add): two students who
    # added different code are alike only by the starter.
    given = engine("kahn")
    one = given + "\n\n" + engine("slots").split("class Value", 1)[0] + _helper("a")
    two = given + "\n\n" + _helper("bb") + "\n\nclass Other:\n    pass\n"
    plain = compare([document("a", Source(one)), document("b", Source(two))])
    assert names_of(plain) == {frozenset("ab")}  # without the starter taken out: a pair
    taken = starter_hashes(given)
    cleaned = compare([document("a", Source(one), taken), document("b", Source(two), taken)])
    assert cleaned.pairs == ()
    # The problem's own starter, submitted untouched, keeps no fingerprint at all.
    assert document("s", Source(STARTER), starter_hashes(STARTER)).fingerprints == ()


def _helper(name: str) -> str:
    if name == "a":
        return "def helper(xs):\n    total = 0\n    for x in xs:\n        total += x * x\n    return total\n"
    return (
        "def helper(values, scale=2.0):\n    return [scale * v for v in values if v is not None]\n"
    )


def test_independent_engines_of_the_corpora_are_never_paired() -> None:
    folders = [
        ROOT / "tests" / "corpus" / "correct",
        ROOT / "tests" / "corpus" / "wrong",
        ROOT / "submissions",
        ROOT / "tests" / "diagnosis_corpus",
    ]
    # Single-file Value engines only: submissions/networks/ holds network problems' files.
    submissions = [s for s in collect([f for f in folders if f.is_dir()]) if s.path.is_file()]
    families = {s.name: family(s.path) for s in submissions}
    result = find_similar(submissions, STARTER)
    assert result.documents == len(submissions) > 60 and not result.skipped
    across = [(p.a, p.b, p.similarity) for p in result.pairs if families[p.a] != families[p.b]]
    assert across == []
    # Within a family (one engine, one bug each) they are paired: the check can fail.
    assert sum(families[p.a] == families[p.b] for p in result.pairs) > 100


def test_a_class_of_200_shows_exactly_the_copies() -> None:
    """200 submissions from 10 independent engines, 20 disguised copies of each, plus
    the starter: every pair of copies of one engine is found, no other pair."""
    rng = random.Random(11)
    class_: dict[str, str] = {}
    origin: dict[str, str] = {}
    for index in range(200):
        name = f"student{index:03d}"
        origin[name] = list(ENGINES)[index % len(ENGINES)]
        class_[name] = disguise(engine(origin[name]), rng.randrange(10**6))
    taken = starter_hashes(STARTER)
    documents = [document(name, Source(text), taken) for name, text in class_.items()]
    result = compare(documents)
    expected = {
        frozenset((a, b)) for a in class_ for b in class_ if a < b and origin[a] == origin[b]
    }
    assert len(expected) == 10 * 190
    assert names_of(result) == expected
    assert min(p.similarity for p in result.pairs) >= THRESHOLD + 0.3  # far from the line


# --- rendering and the command line -------------------------------------------------


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture()
def classroom(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "alice.py").write_text(engine("kahn"))
    (folder / "bob.py").write_text(disguise(engine("kahn"), 2))
    (folder / "carol.py").write_text(engine("slots"))
    (folder / "dan.py").write_text(STARTER)
    return folder


def test_cli_text_shows_the_pair_and_exits_1(classroom: Path) -> None:
    result = invoke("similar", classroom)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "Similarity: 1 pair at 60 % or more among 4 submissions; the starter's lines ignored"
    )
    assert "alice ~ bob" in lines[2] and "carol" not in result.output
    assert lines[3].strip().startswith("alice lines ")


def test_cli_json_is_read_back(classroom: Path, tmp_path: Path) -> None:
    out = tmp_path / "similar.json"
    assert invoke("similar", classroom, "-o", out).exit_code == 1
    data = json.loads(out.read_text())
    assert data["documents"] == 4 and data["starter_ignored"] is True
    (pair,) = data["pairs"]
    assert (pair["a"], pair["b"]) == ("alice", "bob") and pair["similarity"] >= 0.9
    first = pair["fragments"][0]["a"]
    assert first["where"].startswith("line") and first["first"] <= first["last"]


def test_cli_no_pair_exits_0_and_threshold_is_an_option(classroom: Path) -> None:
    (classroom / "bob.py").unlink()
    result = invoke("similar", classroom, "--format", "markdown")
    assert result.exit_code == 0
    assert result.output.startswith("## Similarity\n\nSimilarity: no near-copies")
    assert invoke("similar", classroom, "--threshold", "2").exit_code == 2


def test_cli_ignore_takes_shared_code_out(classroom: Path, tmp_path: Path) -> None:
    lecture = tmp_path / "lecture.py"
    lecture.write_text(engine("kahn"))  # the code both were given in class
    assert invoke("similar", classroom, "--ignore", lecture).exit_code == 0
    result = invoke("similar", classroom, "--ignore", tmp_path / "missing.py")
    assert (
        result.exit_code == 2 and "--ignore" in result.output and "Traceback" not in result.output
    )


def test_cli_bad_folder_and_unreadable_entries(tmp_path: Path, classroom: Path) -> None:
    result = invoke("similar", tmp_path / "nowhere")
    assert result.exit_code == 2 and "no such file or folder" in result.output
    (classroom / "eve.py").symlink_to(classroom / "alice.py")
    (classroom / "zed.py").write_bytes(b"\xff\xfe not utf-8")
    output = invoke("similar", classroom).output
    assert "not compared: eve: eve.py is a symbolic link" in output
    assert "not compared: zed:" in output and "UTF-8" in output


def test_only_the_most_similar_pairs_get_their_lines_and_the_headline_says_so() -> None:
    text = engine("slots")
    copies = [document(name, Source(disguise(text, seed))) for seed, name in enumerate("abc")]
    result = compare(copies, limit=2)
    assert result.found == 3 and len(result.pairs) == 2
    assert render_text(result).startswith(
        "Similarity: 3 pairs at 60 % or more among 3 submissions (the 2 most similar shown)\n"
    )
    assert compare(copies).found == len(compare(copies).pairs) == 3


def test_names_are_escaped_per_medium() -> None:
    hostile = "mallory\x1b[2J|*x*\n"
    text = engine("dispatch")
    result = compare([document(hostile, Source(text)), document("b", Source(disguise(text, 3)))])
    assert "\x1b" not in render_text(result) and "mallory\\x1b[2J" in render_text(result)
    row = render_markdown(result).splitlines()[-1]
    assert "\\|\\*x\\*" in row and "\x1b" not in row


def test_notebook_lines_are_named_by_cell(tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# my engine"]},
        {
            "cell_type": "code",
            "metadata": {},
            "source": engine("level").splitlines(True),
            "outputs": [],
            "execution_count": None,
        },
    ]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    (tmp_path / "py.py").write_text(disguise(engine("level"), 4))
    result = find_similar(collect([tmp_path]))
    (pair,) = result.pairs
    wheres = [f.a.where if pair.a == "nb" else f.b.where for f in pair.fragments]
    assert all(w.startswith("cell 2, line") for w in wheres), wheres


# --- judge grade --similar ----------------------------------------------------------


@pytest.mark.usefixtures("private_cache")
def test_grade_similar_adds_a_section_to_text_and_json(classroom: Path, tmp_path: Path) -> None:
    options = ("--examples", 5, "-j", 2)
    text = invoke("grade", classroom, "--similar", *options, "-o", tmp_path / "book.txt")
    assert text.exit_code == 1, text.output  # dan's starter does not pass
    book = (tmp_path / "book.txt").read_text()
    section = book[book.index("Similarity: ") :]
    assert section.startswith("Similarity: 1 pair at 60 % or more among 4 submissions")
    assert "alice ~ bob" in section and book.index("alice") < book.index("Similarity: ")
    invoke("grade", classroom, "--similar", *options, "-o", tmp_path / "book.json")
    data = json.loads((tmp_path / "book.json").read_text())
    assert [(p["a"], p["b"]) for p in data["similarity"]["pairs"]] == [("alice", "bob")]
    assert len(data["rows"]) == 4 and "analytics" in data  # the gradebook is all there


@pytest.mark.usefixtures("private_cache")
def test_grade_similar_refuses_a_csv_before_grading(classroom: Path) -> None:
    result = invoke("grade", classroom, "--similar", "--format", "csv")
    assert (
        result.exit_code == 2 and "--similar" in result.output and "judge similar" in result.output
    )


def test_hostile_files_cost_bounded_time(tmp_path: Path) -> None:
    """Files of up to 1 MiB (the most a submission may be): an engine pasted some 200
    times in two of them (each fingerprint matches 200 x 200 ways), a line pasted 100,000
    times, brackets that never close, a syntax error on every line.  Bounded by CPU
    time, generously: each costs a few seconds; placing the pasted engines' every match
    (no _MAX_REPEATS) took 57 s of CPU for that one pair, measured."""
    for name, text in ("a", engine("kahn")), ("b", disguise(engine("kahn"), 1)):
        (tmp_path / f"{name}.py").write_text(text * ((1 << 20) // len(text.encode())))
    (tmp_path / "c.py").write_text("x = x + 1\n" * 100_000)
    (tmp_path / "d.py").write_text("(" * 500_000)
    (tmp_path / "e.py").write_text("def f(:\n\x0c\t  return '''\n" * 1000)
    started = time.process_time()
    result = find_similar(collect([tmp_path]))
    assert time.process_time() - started < 60
    assert [(p.a, p.b) for p in result.pairs] == [("a", "b")] and not result.skipped
    assert len(result.pairs[0].fragments) <= 50


def test_the_help_gives_the_threshold_in_force() -> None:
    # The CLI imports no similarity module to print its help: this test keeps its
    # number the core's.
    assert f"(default: {THRESHOLD})" in " ".join(invoke("similar", "--help").output.split())
