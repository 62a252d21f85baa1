"""Read a problem spec file into a validated ``Problem``, or raise ``SpecError``s."""

from __future__ import annotations

import difflib
import hashlib
import math
import zlib
from pathlib import Path

import msgspec
import yaml

from judge.engine.evaluate import ReferenceError, evaluate, evaluate_network
from judge.errors import Location, SpecError, SpecErrors
from judge.program.compile import ProgramError, compile_program
from judge.program.network import MAX_READINGS, MODELS
from judge.program.ops import OPS
from judge.program.stress_checks import CHECKS
from judge.spec import yamlnodes
from judge.spec.model import (
    DEFAULT_BUDGET,
    MAX_FACTOR,
    Case,
    CaseSpec,
    Expect,
    NetworkSpec,
    Problem,
    ProblemSpec,
    Properties,
    PropertiesSpec,
    RandomNetworksSpec,
    RateSpec,
    StepSpec,
    StressSpec,
    Tolerance,
    WeightSeed,
)
from judge.spec.network import NetworkChecker


def load_problem(path: Path) -> Problem:
    """Parse, validate and compile the spec at ``path``.

    Every problem found is reported at once (``SpecErrors``), each with its line.
    """
    where = str(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as error:
        raise SpecError(f"cannot read the spec: {error.strerror}", Location(where)) from None
    except UnicodeDecodeError:
        raise SpecError("the spec is not UTF-8 text", Location(where)) from None
    data, root = yamlnodes.parse(text, where)
    if not isinstance(data, dict):
        raise SpecError("a spec is a mapping of keys (id, title, cases, ...)", Location(where, 1))
    try:
        spec = msgspec.convert(data, ProblemSpec)
    except msgspec.ValidationError as error:
        raise _structure_error(str(error), root, where) from None
    return _Checker(spec, root, where, hashlib.sha256(raw).hexdigest()).problem()


def _structure_error(message: str, root: yaml.Node, where: str) -> SpecError:
    """Turn a msgspec validation message into a SpecError at the right line."""
    keys = yamlnodes.msgspec_path(message)
    text = message.split(" - at `")[0]
    if text.startswith("Object contains unknown field"):
        unknown = text.split("`")[1]
        node = yamlnodes.find(root, [*keys, unknown], key_of_last=True)
        allowed = _allowed_fields(keys)
        close = difflib.get_close_matches(unknown, allowed, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
        return SpecError(f"unknown key {unknown!r}{hint}", Location(where, yamlnodes.line(node)))
    node = yamlnodes.find(root, keys)
    dotted = ".".join(str(k) for k in keys) or "the spec"
    text = text.replace("Object missing required field", "missing required key")
    return SpecError(f"{dotted}: {text}", Location(where, yamlnodes.line(node)))


# The struct that a key of a spec opens, wherever it stands (an index keeps the struct).
_STRUCT_AT: dict[str | int, type[msgspec.Struct]] = {
    "cases": CaseSpec,
    "expect": Expect,
    "tolerance": Tolerance,
    "properties": PropertiesSpec,
    "stress": StressSpec,
    "network": NetworkSpec,
    "networks": RandomNetworksSpec,
    "steps": StepSpec,
    "do": StepSpec,
    "weights": WeightSeed,
    "step": RateSpec,
}


def _allowed_fields(keys: list[str | int]) -> list[str]:
    """The keys allowed at a path, for 'did you mean' hints."""
    struct: type[msgspec.Struct] = ProblemSpec
    for key in keys:
        struct = _STRUCT_AT.get(key, struct)
    return list(struct.__struct_fields__)


# The stress checks' largest sizes, from their records: "1000000 (60 for many-paths)".
_MOST = max(check.max_size for check in CHECKS.values())
_LESS = ", ".join(f"{c.max_size} for {c.name}" for c in CHECKS.values() if c.max_size < _MOST)
SIZE_LIMITS = f"{_MOST} ({_LESS})" if _LESS else f"{_MOST}"


class _Checker:
    """Semantic checks on a structurally valid spec, gathering every error."""

    def __init__(self, spec: ProblemSpec, root: yaml.Node, where: str, digest: str):
        self.spec = spec
        self.root = root
        self.where = where
        self.digest = digest
        self.errors: list[SpecError] = []

    def error(self, message: str, keys: list[str | int], line: int | None = None) -> None:
        if line is None:
            line = yamlnodes.line(yamlnodes.find(self.root, keys))
        self.errors.append(SpecError(message, Location(self.where, line)))

    def problem(self) -> Problem:
        spec = self.spec
        for index, op in enumerate(spec.ops):
            if op not in OPS:
                close = difflib.get_close_matches(op, list(OPS), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(OPS)}"
                self.error(f"unknown op {op!r}; {hint}", ["ops", index])
        if not 0 < spec.time_limit < math.inf:
            self.error("time_limit must be a positive number of seconds", ["time_limit"])
        budget = spec.budget if spec.budget is not None else max(DEFAULT_BUDGET, spec.time_limit)
        if not spec.time_limit <= budget < math.inf:
            self.error(
                f"budget ({budget:g} s for a whole submission) must be a number of seconds at "
                f"least the time_limit ({spec.time_limit:g} s per test)",
                ["budget"],
            )
        if spec.tolerance.rel < 0 or spec.tolerance.abs < 0:
            self.error("tolerances must not be negative", ["tolerance"])
        if not spec.cases:
            self.error("a problem needs at least one case", ["cases"])
        seen: set[str] = set()
        cases = []
        for index, case_spec in enumerate(spec.cases):
            if case_spec.name in seen:
                self.error(f"two cases are named {case_spec.name!r}", ["cases", index, "name"])
            seen.add(case_spec.name)
            case = self.case(index, case_spec)
            if case is not None:
                cases.append(case)
        properties = self.properties(spec.properties) if spec.properties else None
        if spec.networks is not None:
            self.random_networks(spec.networks)
        for index, name in enumerate(spec.forbid_imports):
            if not name.isidentifier():
                self.error(
                    f"forbid_imports: {name!r} is not a top-level module name",
                    ["forbid_imports", index],
                )
            elif name in {allowed.partition(".")[0] for allowed in spec.imports}:
                self.error(
                    f"forbid_imports: {name!r} is in imports too; keep one of them",
                    ["forbid_imports", index],
                )
        for index, name in enumerate(spec.imports):
            if not all(part.isidentifier() for part in name.split(".")):
                self.error(f"imports: {name!r} is not a module name", ["imports", index])
            elif name.partition(".")[0] == "judge":
                self.error(
                    "imports: a submission may not import the judge (its reference engine "
                    "would grade itself); remove 'judge'",
                    ["imports", index],
                )
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else SpecErrors(self.errors)
        return Problem(
            id=spec.id,
            title=spec.title,
            difficulty=spec.difficulty,
            description=spec.description,
            starter=spec.starter,
            entry=spec.entry,
            ops=tuple(spec.ops),
            tolerance=spec.tolerance,
            time_limit=spec.time_limit,
            cases=tuple(cases),
            path=self.where,
            digest=self.digest,
            properties=properties,
            imports=tuple(spec.imports),
            forbid_imports=tuple(spec.forbid_imports),
            budget=budget,
            networks=spec.networks,
        )

    def random_networks(self, spec: RandomNetworksSpec) -> None:
        """Check the ``networks:`` section (random networks, issue 13)."""
        if spec.model not in MODELS:
            close = difflib.get_close_matches(spec.model, MODELS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.error(
                f"networks.model: {spec.model!r} is not one of {', '.join(MODELS)}{hint}",
                ["networks", "model"],
            )
        if not 1 <= spec.examples <= 200:
            self.error("networks.examples must be between 1 and 200", ["networks", "examples"])
        bounds = {"nin": 6, "layers": 4, "width": 6}
        for key, top in bounds.items():
            low, high = getattr(spec, key)
            if not 1 <= low <= high <= top:
                self.error(
                    f"networks.{key} is [min, max] with 1 <= min <= max <= {top}",
                    ["networks", key],
                )
        if spec.points < 0:
            self.error("networks.points must not be negative", ["networks", "points"])

    def properties(self, spec: PropertiesSpec) -> Properties:
        """Check the ``properties:`` section and resolve its defaults."""
        keys: list[str | int] = ["properties"]
        problem_ops = self.spec.ops
        ops = spec.ops if spec.ops is not None else list(problem_ops)
        if not ops:
            self.error("properties.ops: list at least one op", [*keys, "ops"])
        for index, op in enumerate(ops):
            if op not in problem_ops:
                self.error(
                    f"properties.ops: {op!r} is not one of the problem's ops "
                    f"[{', '.join(problem_ops)}]",
                    [*keys, "ops", index],
                )
        if not 1 <= spec.examples <= 100_000:
            self.error("properties.examples must be between 1 and 100000", [*keys, "examples"])
        low_nodes, high_nodes = spec.nodes
        if not 1 <= low_nodes <= high_nodes <= 200:
            self.error(
                "properties.nodes is [min, max] with 1 <= min <= max <= 200", [*keys, "nodes"]
            )
        low, high = spec.values
        if not (math.isfinite(low) and math.isfinite(high) and -1000 <= low < high <= 1000):
            self.error(
                "properties.values is [low, high] with -1000 <= low < high <= 1000",
                [*keys, "values"],
            )
        if spec.points < 0:
            self.error("points must not be negative", [*keys, "points"])
        seen: set[str] = set()
        for index, check in enumerate(spec.stress):
            where: list[str | int] = [*keys, "stress", index]
            if check.check in seen:
                self.error(f"stress check {check.check!r} is listed twice", where)
            seen.add(check.check)
            if check.points < 0:
                self.error("points must not be negative", [*where, "points"])
            record = CHECKS[check.check]  # its sizes and the ops it needs
            if not 0 <= check.size <= record.max_size:
                self.error(
                    f"size must be between 0 (the default) and {SIZE_LIMITS}", [*where, "size"]
                )
            if not 1 <= check.factor <= MAX_FACTOR:
                self.error(
                    f"factor is how many times the reference's growth in time the "
                    f"submission's may be: between 1 and {MAX_FACTOR:g} (default 2)",
                    [*where, "factor"],
                )
            needs = list(record.needs)
            missing = [op for op in needs if op not in problem_ops]
            if missing:
                self.error(
                    f"stress check {check.check!r} needs the ops {needs}, but the problem "
                    f"lacks {missing}",
                    where,
                )
        seed = spec.seed if spec.seed is not None else zlib.crc32(self.spec.id.encode())
        return Properties(
            examples=spec.examples,
            seed=seed,
            ops=tuple(ops),
            min_nodes=low_nodes,
            max_nodes=high_nodes,
            low=float(low),
            high=float(high),
            numbers=spec.numbers,
            points=spec.points,
            stress=tuple(spec.stress),
        )

    def case(self, index: int, spec: CaseSpec) -> Case | None:
        keys: list[str | int] = ["cases", index]
        if spec.points < 0:
            self.error("points must not be negative", [*keys, "points"])
        if spec.hidden and not spec.topic.strip():
            self.error(
                f"hidden case {spec.name!r} needs a 'topic': what it checks, in words, "
                "so a student who fails it knows what to look at",
                keys,
            )
        if spec.network is not None or not spec.program.strip():
            return self.network_case(index, spec)
        program_node = yamlnodes.find(self.root, [*keys, "program"])
        offset = yamlnodes.block_offset(program_node)
        try:
            program = compile_program(spec.program, self.spec.entry)
        except ProgramError as error:
            self.error(f"case {spec.name!r}: {error.message}", [], offset + error.line)
            return None
        for instruction in program.instructions:
            if instruction.op != "value" and instruction.op not in self.spec.ops:
                self.error(
                    f"case {spec.name!r} uses {OPS[instruction.op].description}, "
                    f"but the problem's ops are [{', '.join(self.spec.ops)}]; add "
                    f"{instruction.op!r} to ops or change the case",
                    [],
                    offset + instruction.line,
                )
        expect = spec.expect or Expect()
        for field, values in (("data", expect.data), ("grad", expect.grad)):
            for name in values:
                if name not in program.names:
                    self.error(
                        f"case {spec.name!r} expects {field} of {name!r}, which the program "
                        f"does not define (it defines {', '.join(program.names)})",
                        [*keys, "expect", field, name],
                    )
        if expect.grad and program.backward is None:
            self.error(
                f"case {spec.name!r} expects gradients but never calls .backward()",
                [*keys, "expect", "grad"],
            )
        try:
            evaluate(program)
        except ReferenceError as error:
            self.error(f"case {spec.name!r}: {error}", [*keys, "program"])
            return None
        return Case(
            name=spec.name,
            topic=spec.topic,
            points=spec.points,
            hidden=spec.hidden,
            source=spec.program,
            program=program,
            expect=expect,
            line=yamlnodes.line(yamlnodes.find(self.root, keys)),
        )

    def network_case(self, index: int, spec: CaseSpec) -> Case | None:
        """A case with a ``network:`` section (judge.spec.network), checked and run once
        on the reference network."""
        keys: list[str | int] = ["cases", index]
        if spec.network is None:
            self.error(
                f"case {spec.name!r} needs a program: (a graph of Values) or a network: "
                "(a Neuron, Layer or MLP and its steps)",
                keys,
            )
            return None
        if spec.program.strip():
            self.error(f"case {spec.name!r} has both a program: and a network:; keep one", keys)
            return None
        checker = NetworkChecker(spec.network)
        program = checker.compile()
        for message, where in checker.problems:
            self.error(f"case {spec.name!r}: {message}", [*keys, *where])
        if program is None:
            return None
        try:
            reference = evaluate_network(program)
        except ReferenceError as error:
            self.error(f"case {spec.name!r}: {error}", [*keys, "network"])
            return None
        readings = len(reference.data) + len(reference.grad)
        if readings > MAX_READINGS:
            self.error(
                f"case {spec.name!r} reads {readings} numbers; at most {MAX_READINGS} "
                "(read the parameters after the loop, not in it)",
                [*keys, "network", "steps"],
            )
        expect = spec.expect or Expect()
        for field, values, known in (
            ("data", expect.data, reference.data),
            ("grad", expect.grad, reference.grad),
        ):
            for name in values:
                if name not in known:
                    close = difflib.get_close_matches(name, list(known), n=1)
                    hint = f"did you mean {close[0]!r}?" if close else "none is read"
                    self.error(
                        f"case {spec.name!r} expects {field} of {name!r}, which its steps "
                        f"do not read; {hint}",
                        [*keys, "expect", field, name],
                    )
        return Case(
            name=spec.name,
            topic=spec.topic,
            points=spec.points,
            hidden=spec.hidden,
            source=program.render(),
            program=program,
            expect=expect,
            line=yamlnodes.line(yamlnodes.find(self.root, keys)),
        )
