"""Name the operation at fault in a (small) failing graph, and the phase.

* **forward**: the first node whose data is wrong while its inputs' data are right;
  its operation computes the wrong value.
* **backward**: take the wrong gradient nearest the output.  Every node that uses it
  has a right gradient, so one of them passes a wrong gradient down, or the walk over
  the graph is wrong.  Each user is re-run alone in the worker (its inputs as fresh
  leaves, ``backward()`` on it): a user that is wrong alone is the operation at fault;
  when all are right alone, the fault is in ``backward()`` itself (order, repeats,
  accumulation).  A wrong gradient on the output itself, or on a node the output does
  not depend on, also points at ``backward()`` or at ``__init__``.
* **an exception**: run the graph without ``backward()``, node by node, to see which
  operation raises; if none does, the traceback's line in the submission names the
  method.
"""

from __future__ import annotations

import ast

from judge.program.model import Instruction, Operand, Program
from judge.program.ops import LEAF, LEAF_FORMULA, OPS, Form
from judge.properties.mistakes import BY_ID
from judge.properties.rules import fair
from judge.properties.runners import Runner
from judge.properties.shrink import Attempt, judge_run
from judge.results import Diagnosis  # the report's type: this module makes them
from judge.runner.outcome import Frame, Kind, Missing, Raised
from judge.spec.model import Tolerance
from judge.verdicts import describe_returned, did_you_mean

BACKWARD = "backward"  # the op name given to a fault in backward() itself

# What each op computes and passes back, in words, from its record.
FORMULAS = {LEAF: LEAF_FORMULA, **{op.name: op.formula for op in OPS.values()}}
SLOPES = {op.name: op.slope for op in OPS.values()}

TRAVERSAL_HINT = (
    "Every operation passes the right gradient when it is alone, so backward() itself is "
    "wrong: it must visit each node the output depends on exactly once, in reverse "
    "topological order (a node only after every node that uses it), adding (+=) into grad."
)
UNSEEDED_HINT = (
    "After out.backward(), the output's own gradient must be 1: set it before walking the graph."
)


def method_name(op: str) -> str:
    """The submission's method for an op name (``__init__`` for a leaf)."""
    if op == LEAF:
        return "__init__"
    if op == BACKWARD:
        return "backward"
    return OPS[op].method


def forward_hint(op: str, node: str) -> str:
    return (
        f"{method_name(op)} computes a wrong value at node {node}: it must compute "
        f"{FORMULAS[op]} from its operands' data."
    )


def backward_hint(op: str, node: str) -> str:
    return (
        f"The gradient that {method_name(op)} passes back from node {node} is wrong: "
        f"{SLOPES[op]}, added (+=) to what the operand already has."
    )


def unreached_hint(node: str) -> str:
    return (
        f"The output does not depend on {node}, so {node}.grad must stay 0: start every "
        "grad at 0, and let backward() touch only the nodes the output depends on."
    )


def locate(
    failure: Attempt,
    runner: Runner,
    tolerance: Tolerance,
    timeout: float,
    source: str | None = None,
    entry: str = "Value",
) -> Diagnosis | None:
    """The diagnosis of a failing attempt, or None when there is nothing to point at
    (a timeout, a crash).  ``source`` is the submission's Python text as the worker
    compiled it (``judge.submission.Source.text``), whose lines its frames count."""
    kind = failure.outcome.kind
    program = failure.program
    if isinstance(failure.outcome.details, Missing):
        ops = failure.outcome.details.ops
        op = ops[0] if ops else LEAF
        node = next((i.target for i in program.instructions if i.op == op), program.nodes[-1])
        hint = f"Your {entry} has no {method_name(op)}: define it to support {FORMULAS[op]}"
        hint += did_you_mean(failure.outcome.details) + "."
        return Diagnosis(op, "forward", node, hint)
    if kind is Kind.RAISED:
        return _exception(failure, runner, tolerance, timeout, source, entry)
    if kind is Kind.TIMEOUT:
        return _timeout(failure, source, entry)
    if kind is not Kind.OK or not failure.mismatches:
        return None
    wrong_data = {m.node for m in failure.mismatches if m.field == "data"}
    if wrong_data:
        first = next(i for i in program.instructions if i.target in wrong_data)
        return Diagnosis(first.op, "forward", first.target, forward_hint(first.op, first.target))
    return _backward(failure, runner, tolerance, timeout)


def _backward(failure: Attempt, runner: Runner, tolerance: Tolerance, timeout: float) -> Diagnosis:
    program = failure.program
    wrong = {m.node for m in failure.mismatches if m.field == "grad"}
    latest = [i for i in program.instructions if i.target in wrong][-1].target
    if latest == program.backward:
        return Diagnosis(BACKWARD, "backward", latest, UNSEEDED_HINT)
    if keyed_by_value(runner, tolerance, timeout):
        return Diagnosis(
            BACKWARD, "backward", latest, BY_ID["visited-by-value"].hint, "visited-by-value"
        )
    users = [i for i in program.instructions if latest in i.args]
    if not users:
        return Diagnosis(LEAF, "backward", latest, unreached_hint(latest))
    for user in users:
        alone = isolate(user, failure)
        reference = fair(alone)
        if reference is None:
            continue
        result = judge_run(alone, reference, runner.run(alone, timeout), tolerance)
        if result.signature is not None:
            return Diagnosis(user.op, "backward", user.target, backward_hint(user.op, user.target))
    for user in users:
        if assigns(user, failure, runner, tolerance, timeout):
            hint = (
                f"{method_name(user.op)}'s backward step assigns the gradient (=) instead of "
                "adding to it (+=): an operand that is also used elsewhere loses what it "
                "already had. Write `x.grad += ...` in every backward step."
            )
            return Diagnosis(user.op, "backward", user.target, hint, "grad-assigned")
    return Diagnosis(BACKWARD, "backward", latest, TRAVERSAL_HINT)


def _tie(second: float) -> Program:
    """``d = (a + 1) * (a + second)`` with a = 3: two intermediate nodes, which hold the
    same number when ``second`` is 1."""
    return Program(
        (
            Instruction("a", LEAF, (3.0,)),
            Instruction("b", "add", ("a", 1.0)),
            Instruction("c", "add", ("a", second)),
            Instruction("d", "mul", ("b", "c")),
        ),
        "d",
    )


def keyed_by_value(runner: Runner, tolerance: Tolerance, timeout: float) -> bool:
    """Whether backward() keeps its visited nodes by value: two different nodes holding
    the same number count as one, and one of them passes nothing back.  Seen in the
    submission directly, on two graphs of ``+`` and ``*`` that differ only in whether
    two nodes tie; inside an op built from others (a sigmoid of exp), the tie can hide
    where no graph of the diagnosis shows it."""
    outcomes = []
    for second in (1.0, 1.5):
        program = _tie(second)
        reference = fair(program)
        if reference is None:
            return False
        outcomes.append(judge_run(program, reference, runner.run(program, timeout), tolerance))
    return outcomes[0].signature == "grad" and outcomes[1].signature is None


PROBE_LEAVES: tuple[float, ...] = (2.5, -1.5, 0.5)


def assigns(
    user: Instruction, failure: Attempt, runner: Runner, tolerance: Tolerance, timeout: float
) -> bool:
    """Whether ``user``'s op overwrites its operand's gradient: ``y = op(x, ...)`` then
    ``z = y + x`` must give x both contributions.  A control first, the same graph with
    the same numbers but ``y = x + c``, must come out right: otherwise the walk (or
    ``+``) is what is wrong, such as a visited set keyed by value, which the control's
    equal numbers would trip alike."""
    first = next((a for a in user.args if isinstance(a, str)), None)
    if first is None or user.op == "add":
        return False
    for x in PROBE_LEAVES:
        leaves = [Instruction(first, LEAF, (x,))]
        args = tuple(a if not isinstance(a, str) or a == first else "w" for a in user.args)
        if "w" in args:
            leaves.append(Instruction("w", LEAF, (x + 1.25,)))
        z = Instruction("z", "add", ("y", first))
        probe = Program((*leaves, Instruction("y", user.op, args), z), "z")
        reference = fair(probe)
        if reference is None:
            continue
        shift = reference.data["y"] - x
        control = Program((*leaves, Instruction("y", "add", (first, shift)), z), "z")
        control_reference = fair(control)
        if control_reference is None:
            continue
        checked = judge_run(control, control_reference, runner.run(control, timeout), tolerance)
        if checked.signature is not None:
            return False
        return (
            judge_run(probe, reference, runner.run(probe, timeout), tolerance).signature == "grad"
        )
    return False


# The ops a student often builds an op from: a fault found in the op may lie in them
# (a / b as a * b**-1 shows a bug of __pow__ in every division).  From the records.
BUILT_FROM = {op.name: op.built_from for op in OPS.values() if op.built_from}
_ALONE_ARGS: dict[str, tuple[tuple[Operand, ...], ...]] = {
    "pow": (("x", -1), ("x", 2), ("x", 3)),
    "neg": (("x",),),
    "mul": (("x", -1), ("x", 2.5)),
    "exp": (("x",),),
}


def underlying(
    diagnosis: Diagnosis, failure: Attempt, runner: Runner, tolerance: Tolerance, timeout: float
) -> Attempt | None:
    """A graph of one op the diagnosed op is often built from, on which the submission
    gives wrong numbers (so the fault is there), or None.  Each is run on the numbers
    the diagnosed node's operands hold in the failing graph, and their negatives."""
    node = next((i for i in failure.program.instructions if i.target == diagnosis.node), None)
    if node is None:
        return None
    numbers = [failure.reference.data[a] for a in node.args if isinstance(a, str)]
    numbers += [-n for n in numbers]
    for op in BUILT_FROM.get(diagnosis.op, ()):
        for x in numbers:
            for args in _ALONE_ARGS[op]:
                program = Program((Instruction("x", LEAF, (x,)), Instruction("y", op, args)), "y")
                reference = fair(program)
                if reference is None:
                    continue
                run = judge_run(program, reference, runner.run(program, timeout), tolerance)
                if run.outcome.kind is Kind.OK and run.mismatches:
                    return run
    return None


def isolate(user: Instruction, failure: Attempt) -> Program:
    """``user`` alone: its Value operands as leaves holding their values, then
    ``backward()`` on it."""
    leaves = []
    for name in dict.fromkeys(a for a in user.args if isinstance(a, str)):
        leaves.append(Instruction(name, LEAF, (failure.reference.data[name],)))
    return Program((*leaves, Instruction(user.target, user.op, user.args)), user.target)


def _exception(
    failure: Attempt,
    runner: Runner,
    tolerance: Tolerance,
    timeout: float,
    source: str | None,
    entry: str,
) -> Diagnosis:
    program = failure.program
    details = failure.outcome.details
    if not isinstance(details, Raised):
        raise TypeError(f"not an exception: {failure.outcome.kind.value}")
    returned = details.returned
    if returned is not None and returned.op in OPS:
        # The worker saw the op return something that is not a Value: nothing to search.
        wrong = returned.op
        node = next((i.target for i in program.instructions if i.op == wrong), program.nodes[-1])
        return Diagnosis(wrong, "forward", node, str(describe_returned(details)))
    what = f"{details.type}: {details.message}".rstrip(": ")
    instructions = program.instructions
    forward_only = runner.run(Program(instructions, None), timeout).kind is Kind.OK
    for end in range(1, 0 if forward_only else len(instructions) + 1):
        prefix = Program(instructions[:end], None)
        outcome = runner.run(prefix, timeout)
        if outcome.kind is Kind.RAISED:
            culprit = instructions[end - 1]
            hint = (
                f"{method_name(culprit.op)} raises {what} while computing "
                f"{FORMULAS[culprit.op]}{_exception_advice(culprit.op, details)}"
            )
            return Diagnosis(culprit.op, "forward", culprit.target, hint)
        if outcome.kind is not Kind.OK:
            break
    op = _op_at_line(details.frames, source, entry)
    node = program.backward or program.nodes[-1]
    if op is None or op == BACKWARD:
        hint = f"backward() raises {what}{_exception_advice(BACKWARD, details)}"
        return Diagnosis(BACKWARD, "backward", node, hint)
    hint = f"The backward step of {method_name(op)} raises {what}{_exception_advice(op, details)}"
    return Diagnosis(op, "backward", node, hint)


def _timeout(failure: Attempt, source: str | None, entry: str) -> Diagnosis | None:
    """The method that was running when the time ran out (the worker's watchdog says
    which line), or None when it did not say."""
    frames = failure.outcome.frames
    op = _op_at_line(frames, source, entry)
    if op is None:
        return None
    line, source = frames[-1]
    phase = "backward" if op == BACKWARD else "forward"
    hint = (
        f"{method_name(op)} did not finish in time: it was running line {line} "
        f"(`{source}`). An endless loop? A loop must move on to another node each time "
        "round, and stop."
    )
    return Diagnosis(op, phase, failure.program.backward or failure.program.nodes[-1], hint)


def _exception_advice(op: str, raised: Raised) -> str:
    kind = raised.type
    if kind == "OverflowError" and op in ("tanh", "sigmoid"):
        return (
            ". A formula with exp(x) overflows for large |x|: use math.tanh, or exp of "
            "-|x| only (for sigmoid: exp(x) / (1 + exp(x)) when x < 0)."
        )
    if kind == "TypeError" and op in OPS and OPS[op].form is Form.REFLECTED:
        return f". Python calls {OPS[op].method} for a number on the left; define it."
    if kind == "RecursionError":
        return ". Build the topological order with an explicit stack instead of recursion."
    return "."


def method_spans(source: str, entry: str) -> dict[str, tuple[int, int]]:
    """The first and last line of each method of the entry class in the submission's
    Python text ``source``, read with ``ast`` (never executed); empty if it does not
    parse.  The text is the worker's, not the file read again: a notebook's code cells,
    the bytes that were graded."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    spans: dict[str, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == entry:
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    spans[item.name] = (item.lineno, item.end_lineno or item.lineno)
    return spans


def chance_lines(source: str | None) -> dict[str, list[tuple[int, str]]]:
    """Where the submission's results can depend on chance, read with ``ast``: under
    ``set``, the lines that make a set (``set(...)``, ``{a, b}``, a comprehension), whose
    order of iteration over objects changes from run to run; under ``random``, the
    lines that call the ``random`` module."""
    found: dict[str, set[int]] = {"set": set(), "random": set()}
    try:
        tree = ast.parse(source or "")
    except (SyntaxError, ValueError):
        tree = ast.Module(body=[], type_ignores=[])
    for node in ast.walk(tree):
        if isinstance(node, (ast.Set, ast.SetComp)):
            found["set"].add(node.lineno)
        elif isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in ("set", "frozenset"):
                found["set"].add(node.lineno)
            elif (
                isinstance(function, ast.Attribute)
                and isinstance(function.value, ast.Name)
                and function.value.id == "random"
            ):
                found["random"].add(node.lineno)
    text = (source or "").split("\n")
    return {
        kind: [(line, text[line - 1].strip()) for line in sorted(lines) if line <= len(text)]
        for kind, lines in found.items()
        if lines
    }


def _op_at_line(frames: tuple[Frame, ...], source: str | None, entry: str) -> str | None:
    """The op whose method holds the innermost of ``frames`` (an exception's, or where
    the watchdog found a program running)."""
    if not frames or source is None:
        return None
    line = frames[-1].line
    methods = {method_name(op): op for op in (*OPS, LEAF, BACKWARD)}
    for name, (first, last) in method_spans(source, entry).items():
        if first <= line <= last and name in methods:
            return methods[name]
    return None


def method_line(op: str, methods: dict[str, int], source: str | None, entry: str) -> int | None:
    """The line of the method implementing ``op`` in the submission, if known."""
    if op in methods:
        return methods[op]
    if source is not None:
        span = method_spans(source, entry).get(method_name(op))
        if span is not None:
            return span[0]
    return None
