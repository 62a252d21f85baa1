"""The network corpus is right before the judge grades it: each correct network agrees
with the reference network on every problem of issue 13, and each network with a
classic mistake disagrees on exactly the problems expected.yaml says it fails.

Each corpus entry runs in-process through tests/network_driver.py (build, inject the
weights in parameters() order, forward, loss, backward, zero_grad, steps).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests import network_driver

CORPUS = Path(__file__).parent / "network_corpus"
EXPECTED: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text())

# The mistakes issue 13 names: the corpus must hold one network for each.
ISSUE_MISTAKES = {
    "bias-not-in-parameters",
    "parameters-out-of-order",
    "nonlinearity-on-last-layer",
    "no-nonlinearity",
    "zero-grad-missing",
    "zero-grad-weights-only",
    "zero-grad-sets-none",
    "layer-list-for-one-output",
    "bias-ignored-in-forward",
    "weights-shared",
    "weights-plain-numbers",
    "parameters-not-flattened",
    "inputs-mutated",
}


def _entries() -> list[str]:
    """Every network on disk: a .py file or a folder under correct/ or wrong/."""
    return sorted(
        f"{kind}/{path.name}"
        for kind in ("correct", "wrong")
        for path in (CORPUS / kind).iterdir()
        if path.name != "__pycache__"
    )


@pytest.fixture(scope="module")
def reference() -> dict[str, network_driver.Observation]:
    ns = network_driver.reference_network()
    return {problem: network_driver.observe(problem, ns) for problem in network_driver.PROBLEMS}


def test_expected_yaml_lists_every_network() -> None:
    assert sorted(EXPECTED) == _entries()
    correct = [name for name in EXPECTED if name.startswith("correct/")]
    wrong = [name for name in EXPECTED if name.startswith("wrong/")]
    assert len(correct) >= 5
    assert len(wrong) >= 12
    for name in correct:
        assert EXPECTED[name] == {"fails": []}, name
    for name in wrong:
        entry = EXPECTED[name]
        assert entry["mistake"] and entry["fix"], name
        assert entry["fails"] and set(entry["fails"]) <= set(network_driver.PROBLEMS), name
    assert {EXPECTED[name]["mistake"] for name in wrong} == ISSUE_MISTAKES


def test_layouts_are_all_present() -> None:
    """One file, engine.py + nn.py, and micrograd/engine.py + micrograd/nn.py, among
    the correct networks and the wrong ones."""
    for kind in ("correct", "wrong"):
        paths = [CORPUS / name for name in EXPECTED if name.startswith(kind)]
        assert any(p.is_file() for p in paths)
        assert any((p / "nn.py").is_file() for p in paths)
        assert any((p / "micrograd" / "nn.py").is_file() for p in paths)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_network_gets_its_expected_verdicts(name: str, reference) -> None:
    fails = set(EXPECTED[name]["fails"])
    with network_driver.load(CORPUS / name) as ns:
        for problem in network_driver.PROBLEMS:
            got = network_driver.observe(problem, ns)
            wrong = network_driver.disagreements(reference[problem], got)
            if problem in fails:
                assert wrong, f"{name} should fail {problem} but agrees with the reference"
            else:
                assert wrong == [], f"{name} should pass {problem}: {wrong[:3]}"


# The example submissions of submissions/networks: each passes the problem it is for
# (neuron.py defines no Layer or MLP, so it passes only the neuron problem).
EXAMPLES = {
    "neuron.py": ("neuron",),
    "mlp.py": network_driver.PROBLEMS,
    "mlp-training": network_driver.PROBLEMS,
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_submissions_pass_their_problems(name: str, reference) -> None:
    folder = Path(__file__).parent.parent / "submissions" / "networks"
    assert sorted(EXAMPLES) == sorted(p.name for p in folder.iterdir() if p.name != "__pycache__")
    with network_driver.load(folder / name) as ns:
        for problem in network_driver.PROBLEMS:
            got = network_driver.observe(problem, ns)
            wrong = network_driver.disagreements(reference[problem], got)
            assert (wrong == []) == (problem in EXAMPLES[name]), (problem, wrong[:3])
