"""The typed form of a problem spec.  Everything after the loader trusts these."""

from __future__ import annotations

from typing import Literal, get_args

import msgspec

from judge.compare import Expect, Tolerance  # the comparison's parameters, defined with it
from judge.program.model import Program
from judge.program.network import NetworkProgram
from judge.program.stress_checks import CHECKS

Difficulty = Literal["easy", "medium", "hard"]

# Seconds of wall-clock time one submission may take in all, unless its problem says
# (``budget:``) or the command line does (``--budget``): 30 s is six times the built-in
# problems' 5 s limit and twenty times what a correct submission takes on the largest.
DEFAULT_BUDGET = 30.0
MAX_FACTOR = 4.0  # a linear-time factor above it would let a quadratic engine pass


class WeightSeed(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``weights: {seed: N}``: the parameters drawn in [-1, 1] with two decimals from
    ``random.Random(N)``, in ``parameters()`` order (judge.spec.network.seeded)."""

    seed: int


class RateSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``step: {lr: 1.0, decay: 0.009}``: the rate at iteration k is ``lr - decay * k``."""

    lr: float
    decay: float = 0.0


class StepSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A step written as a mapping: ``{step: LR}`` (gradient descent) or ``{repeat: K,
    do: [...]}`` (a loop).  The other steps are written as their names."""

    step: float | RateSpec | None = None
    repeat: int | None = None
    do: list[str | StepSpec] = []


class NetworkSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A case's ``network:`` section (docs/spec.md, "Network cases")."""

    model: str
    weights: list[float] | WeightSeed
    inputs: list[list[float]]
    steps: list[str | StepSpec]
    values: bool = False
    loss: str | None = None
    targets: list[float | list[float]] = []
    alpha: float = 0.0


class CaseSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One hand-written case as it appears in the YAML: a graph ``program`` or a
    ``network``."""

    name: str
    program: str = ""
    network: NetworkSpec | None = None
    topic: str = ""
    points: float = 1.0
    hidden: bool = True
    expect: Expect | None = None


StressCheck = Literal["deep-chain", "many-paths", "wide", "linear-time"]
if set(get_args(StressCheck)) != set(CHECKS):  # one name per record, none forgotten
    raise ImportError(f"StressCheck {get_args(StressCheck)} differs from the records {[*CHECKS]}")


class StressSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One stress check: a big graph of a fixed shape (see judge.properties.stress).

    ``size`` is its node count (levels for ``many-paths``); 0 takes the check's default.
    ``points: 0`` makes it advisory (reported, never counted).  ``factor`` (linear-time
    only): how many times the reference's growth in time, from the graph eight times
    smaller to the full one, the submission's may be (never less than the node ratio to
    the power 1.5; see docs/properties.md).
    """

    check: StressCheck
    points: float = 0.0
    size: int = 0
    factor: float = 2.0


class PropertiesSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The ``properties:`` section: random-graph checks, then stress checks.

    ``examples`` graphs are drawn with ``seed`` (default: derived from the problem id)
    over ``ops`` (default: the problem's), with ``nodes`` = [min, max] nodes per graph
    and leaves in ``values`` = [low, high]; ``numbers``: plain numbers beside Values.
    ``points: 0`` makes the random-graph check advisory.
    """

    examples: int = 200
    seed: int | None = None
    ops: list[str] | None = None
    nodes: tuple[int, int] = (2, 12)
    values: tuple[float, float] = (-3.0, 3.0)
    numbers: bool = True
    points: float = 1.0
    stress: list[StressSpec] = []


class RandomNetworksSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The ``networks:`` section: random networks checked against the reference network
    (``judge.properties.networks``).

    ``examples`` networks of kind ``model`` (``Neuron``, ``Layer`` or ``MLP``) are drawn
    with ``seed``, the same for every submission: ``nin`` = [min, max] inputs, ``layers``
    = [min, max] layers of ``width`` = [min, max] neurons (an MLP's hidden layers have
    at least 2, its last 1 or 2), weights and inputs in [-2, 2], two decimals.  Each is
    built, injected, called, and its outputs, parameter count and every gradient
    compared.  ``points: 0`` makes the check advisory.
    """

    examples: int = 20
    seed: int = 13
    model: str = "MLP"
    nin: tuple[int, int] = (1, 3)
    layers: tuple[int, int] = (1, 3)
    width: tuple[int, int] = (1, 4)
    points: float = 1.0


class ProblemSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A problem as it appears in the YAML, before programs are compiled."""

    id: str
    title: str
    description: str
    starter: str
    ops: list[str]
    cases: list[CaseSpec]
    difficulty: Difficulty = "medium"
    entry: str = "Value"
    tolerance: Tolerance = Tolerance()
    time_limit: float = 5.0
    budget: float | None = None  # seconds per submission; default: DEFAULT_BUDGET
    properties: PropertiesSpec | None = None
    networks: RandomNetworksSpec | None = None
    imports: list[str] = []  # modules a submission may import beyond the sandbox's default
    forbid_imports: list[str] = []  # modules it may not, though the default allows them


class Case(msgspec.Struct, frozen=True):
    """A case ready to grade: its compiled program (a graph or a network) and its
    written expectations.  ``source`` is the program as Python."""

    name: str
    topic: str
    points: float
    hidden: bool
    source: str
    program: Program | NetworkProgram
    expect: Expect
    line: int


class Properties(msgspec.Struct, frozen=True):
    """A problem's validated property checks (its ``properties:`` section resolved)."""

    examples: int
    seed: int
    ops: tuple[str, ...]
    min_nodes: int
    max_nodes: int
    low: float
    high: float
    numbers: bool
    points: float
    stress: tuple[StressSpec, ...]

    @property
    def max_score(self) -> float:
        return self.points + sum(check.points for check in self.stress)


class Problem(msgspec.Struct, frozen=True):
    """A validated problem.  ``path`` is the YAML file it came from; ``budget`` the
    seconds one submission may take in all (after which its remaining tests time out
    without running)."""

    id: str
    title: str
    difficulty: Difficulty
    description: str
    starter: str
    entry: str
    ops: tuple[str, ...]
    tolerance: Tolerance
    time_limit: float
    cases: tuple[Case, ...]
    path: str
    digest: str  # sha256 of the spec file, for caches and reports
    properties: Properties | None = None
    imports: tuple[str, ...] = ()  # allowed beyond the sandbox's default allow-list
    forbid_imports: tuple[str, ...] = ()  # refused, though the default allows them (numpy)
    budget: float = DEFAULT_BUDGET
    networks: RandomNetworksSpec | None = None  # checked: random networks (issue 13)

    @property
    def max_score(self) -> float:
        checks = self.properties.max_score if self.properties is not None else 0.0
        checks += self.networks.points if self.networks is not None else 0.0
        return sum(case.points for case in self.cases) + checks
