"""Stress checks and answers that change from run to run (issue 10): a stress graph
answered differently on two runs is ``failed``, naming the mistake, when the random
graphs of the same submission found a mistake that depends on the walk's order; it is
``flaky`` only when nothing deterministic explains it.  Through the real worker, with
the wrong engines of submissions/ and tests/corpus/ and two made here whose answers
change on every run (so the rerun path is always taken, never by luck)."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.engine.reference import Value
from judge.grading.grade import grade
from judge.grading.plan import Plan, prepare
from judge.properties.check import Context, _unsteady
from judge.properties.localise import Diagnosis
from judge.properties.mistakes import BY_ID
from judge.properties.runners import EngineRunner
from judge.results import Verdict
from judge.spec.catalog import Catalog
from tests.samples import GOOD_VALUE, ROOT

P, F, E, FLAKY = Verdict.PASSED, Verdict.FAILED, Verdict.ERROR, Verdict.FLAKY
CHECKS = ("deep chain", "many paths", "wide graph")  # the basic problem's stress checks

# `=` for `+=`, and a walk whose child order flips on every call of backward(): the wide
# graph's answer changes on every run, deterministically (the set order of the
# submissions below changes only now and then).
ALTERNATING = (
    GOOD_VALUE.replace(".grad += ", ".grad = ")
    .replace(
        "        order, seen, stack = [], set(), [(self, False)]\n",
        "        Value.runs = getattr(Value, 'runs', 0) + 1\n"
        "        order, seen, stack = [], set(), [(self, False)]\n",
    )
    .replace(
        "stack.extend((c, False) for c in node._children)",
        "stack.extend((c, False) for c in node._children[:: 1 if Value.runs % 2 else -1])",
    )
)
RANDOM_LINE = "            self.grad += out.grad * (1 + random.random())"
RANDOM = "import random\n" + GOOD_VALUE.replace(
    "            self.grad += out.grad\n", RANDOM_LINE + "\n", 1
)
MADE = {"alternating": ALTERNATING, "random": RANDOM}
ASSIGNED = "gradients are assigned (=) instead of accumulated (+=)"

# engine -> (deep chain, many paths, wide graph), and what a changed answer must name.
TABLE = {
    "submissions/correct.py": ((P, P, P), None),
    "submissions/classic.py": ((E, P, P), None),  # recursive sort: RecursionError
    "submissions/wrong_relu_mask.py": ((E, P, P), None),  # no relu in a stress graph
    "submissions/wrong_no_topo_sort.py": ((E, P, P), None),
    "submissions/wrong_grad_assigned.py": ((E, F, F), ASSIGNED),
    "tests/corpus/wrong/grad_assigned.py": ((E, F, F), ASSIGNED),
    "tests/corpus/wrong/visited_by_value.py": ((E, P, F), "visited set holds values"),
    "tests/corpus/wrong/topo_not_reversed.py": ((E, F, F), "from the inputs to the output"),
    "alternating": ((F, F, F), ASSIGNED),
    "random": ((FLAKY, FLAKY, FLAKY), "your code draws random numbers (line {line}: "),
}
# The engines whose wide graph answers differently on every run.
ALWAYS_CHANGES = {"alternating", "random"}


@pytest.fixture(scope="module")
def basic_plan() -> Plan:
    return prepare(Catalog.with_extra([]).get("basic-autograd"), examples=40)


@pytest.mark.parametrize("engine", list(TABLE))
def test_stress_verdicts_name_the_cause_before_calling_it_flaky(
    engine: str, basic_plan: Plan, tmp_path: Path
) -> None:
    expected, cause = TABLE[engine]
    if engine in MADE:
        path = tmp_path / "submission.py"
        path.write_text(MADE[engine])
    else:
        path = ROOT / engine
    report = grade(path, basic_plan)
    stress = {
        check: t for t in report.tests for check in CHECKS if t.name.startswith(f"stress: {check}")
    }
    assert tuple(stress[check].status for check in CHECKS) == expected, {
        check: (t.status.value, t.message) for check, t in stress.items()
    }
    wide = stress["wide graph"]
    changed = "change from one run to the next" in wide.message or wide.status is FLAKY
    if engine in ALWAYS_CHANGES:
        assert changed, wide.message
    if changed:
        line = 1 + RANDOM.splitlines().index(RANDOM_LINE)
        assert cause is not None and cause.format(line=line) in wide.message, wide.message


def test_a_mistake_that_does_not_depend_on_order_explains_no_change() -> None:
    """A wrong relu slope gives the same numbers in every walk order: answers that change
    from run to run are not its doing, so they stay flaky (and say why)."""
    problem = Catalog.with_extra([]).get("basic-autograd")
    context = Context(problem, EngineRunner(Value), 5.0, {}, "import random\nx = random.random()\n")
    relu = Diagnosis("relu", "backward", "b", BY_ID["relu-no-mask"].hint, "relu-no-mask")
    verdict, message = _unsteady(F, "wrong", relu, context)
    assert verdict is FLAKY and "draws random numbers (line 2: x = random.random())" in message
    assigned = Diagnosis("add", "backward", "b", BY_ID["grad-assigned"].hint, "grad-assigned")
    verdict, message = _unsteady(F, "wrong", assigned, context)
    assert verdict is F and ASSIGNED in message
    walk = Diagnosis("backward", "backward", "b", "backward() is wrong")
    verdict, message = _unsteady(F, "wrong", walk, context)
    assert verdict is F and "backward() is wrong whatever order it walks in" in message
