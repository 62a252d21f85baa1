"""No false failures: every correct implementation in tests/corpus/correct passes the
random graphs of every problem it solves, under 20 seeds, through the real worker.

The implementations differ in everything that must not matter: int or float data,
recursive or iterative or Kahn or level-order traversal, children in a set, a list or
a tuple, derived operators (a / b as a * b**-1), tanh and sigmoid built from exp.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import yaml

from judge.grading.session import Session
from judge.properties.check import Context, check_random
from judge.properties.prepare import PreparedProperties, prepare_properties
from judge.results import Verdict
from judge.spec.catalog import Catalog

CORPUS = Path(__file__).resolve().parent / "corpus"
EXPECTED: dict[str, dict[str, str]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
SEEDS = range(1, 21)
EXAMPLES = 60  # per seed: 1,200 graphs per problem and implementation
CORRECT = sorted(
    (path, problem)
    for path, verdicts in EXPECTED.items()
    if path.startswith("correct/")
    for problem, verdict in verdicts.items()
    if verdict == "passed"
)


@pytest.fixture(scope="module")
def corpora(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, list[PreparedProperties]]]:
    """Every problem's random graphs under every seed (random graphs only)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUDGE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        catalog = Catalog.with_extra([])
        prepared = {}
        for problem_id in sorted({problem for _, problem in CORRECT}):
            problem = catalog.get(problem_id)
            assert problem.properties is not None
            properties = msgspec.structs.replace(problem.properties, stress=())
            prepared[problem_id] = [
                prepare_properties(problem, properties, seed, EXAMPLES) for seed in SEEDS
            ]
        yield prepared


@pytest.mark.parametrize(("path", "problem_id"), CORRECT, ids=[f"{p}-{q}" for p, q in CORRECT])
def test_correct_implementation_passes_every_seed(
    path: str, problem_id: str, corpora: dict[str, list[PreparedProperties]]
) -> None:
    problem = Catalog.with_extra([]).get(problem_id)
    with Session(CORPUS / path, problem.entry, {}, float("inf")) as session:
        assert session.start(10.0).error is None
        for prepared in corpora[problem_id]:
            context = Context(problem, session, 10.0, {}, (CORPUS / path).read_text())
            result = check_random(prepared, context)
            assert result.status is Verdict.PASSED, (
                f"seed {prepared.seed}: {result.message}\n"
                f"{result.counterexample.code if result.counterexample else ''}"
            )
