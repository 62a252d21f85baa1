"""Networks that try to make the worker (or the judge) work without end through the
network interface: a parameters() that never ends, a call that returns a huge list,
a zero_grad() that loops.  Each is bounded by the interpreter or the time limit and
gets its verdict; every test of the problem is still reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge import api
from judge.grading.plan import Plan, prepare
from judge.results import Verdict

ROOT = Path(__file__).parent.parent
NETWORK = (ROOT / "submissions" / "networks" / "mlp.py").read_text()

TAILS = {
    # parameters() yields for ever: read up to one more than the injected count.
    "endless-parameters": (
        "def _forever(self):\n"
        "    while True:\n"
        "        yield Value(0.0)\n"
        "MLP.parameters = _forever\n"
        "Layer.parameters = _forever\n",
        Verdict.ERROR,
        "gave more than",
    ),
    # parameters() grows after the weights are in: the readings stay bounded.
    "growing-parameters": (
        "_own = MLP.parameters\n"
        "def _growing(self):\n"
        "    self.calls = getattr(self, 'calls', 0) + 1\n"
        "    return _own(self) + ([Value(0.0)] * 100_000 if self.calls > 2 else [])\n"
        "MLP.parameters = _growing\n",
        Verdict.ERROR,
        "now gives",
    ),
    # A call that returns a million Values for two outputs.
    "huge-output": (
        "_call = Layer.__call__\n"
        "def _huge(self, x):\n"
        "    out = _call(self, x)\n"
        "    return out if not isinstance(out, list) else [out[0]] * 1_000_000\n"
        "Layer.__call__ = _huge\n",
        Verdict.ERROR,
        "must return a list of",
    ),
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return prepare(api.problem("mlp"))


@pytest.mark.parametrize("name", sorted(TAILS))
def test_hostile_network_is_bounded(tmp_path: Path, plan: Plan, name: str) -> None:
    tail, verdict, words = TAILS[name]
    path = tmp_path / "network.py"
    path.write_text(NETWORK + "\n\n" + tail, encoding="utf-8")
    report = api.grade(path, plan.problem, timeout=2.0)
    # Every case and the random networks were reported (each bounded, none lost).
    assert len(report.tests) == len(plan.problem.cases) + 1
    assert report.tests[-1].name == "random networks" and not report.tests[-1].passed
    hit = [t for t in report.tests if t.status is verdict and words in t.message]
    assert hit, [(t.name, t.status, t.message[:200]) for t in report.tests]
    assert report.score < report.max_score


def test_endless_zero_grad_times_out(tmp_path: Path, plan: Plan) -> None:
    path = tmp_path / "network.py"
    tail = "def _spin(self):\n    while True:\n        pass\nMLP.zero_grad = _spin\n"
    path.write_text(NETWORK + "\n\n" + tail, encoding="utf-8")
    report = api.grade(path, plan.problem, timeout=1.0)
    statuses = {t.name: t.status for t in report.tests}
    assert statuses["zero_grad"] is Verdict.TIMEOUT
    assert statuses["an MLP's forward pass"] is Verdict.PASSED
