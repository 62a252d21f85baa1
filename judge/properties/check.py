"""Run a problem's property checks on a submission and turn them into test results.

The random-graph check runs in stages: run every corpus graph
(``judge.properties.stages``), then explain the first failure (``explain``: rerun it to
tell a flaky submission from a wrong one, shrink it, locate the operation at fault,
look the numbers up in the library of classic mistakes) into an ``Explanation``, which
becomes the test's verdict, message and details here.  Each stress check is a test of
its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from judge.compare import compare
from judge.program.stress_checks import CHECKS, AdviceOn, Timing
from judge.properties.prepare import PreparedProperties
from judge.properties.runners import Runner
from judge.properties.shrink import Attempt
from judge.properties.snippet import render
from judge.properties.stages import NO_EXPECT, Context, CorpusRun, flaky, run_corpus
from judge.properties.stress import TIMES_REFERENCE, StressGraph, reference_seconds
from judge.results import Counterexample, Diagnosis, TestResult, Verdict
from judge.runner.outcome import Kind, Missing, Outcome, Raised, TimedOut
from judge.spec.model import Problem
from judge.verdicts import describe_exception, judge_outcome

if TYPE_CHECKING:
    from judge.properties.explain import Explanation

RANDOM_TEST = "random graphs"
SHOWN = 6  # mismatches shown in a counterexample
MANY_PATHS_SECONDS = 0.25  # CPU seconds: a 21-node answer that takes longer walks every path
# CPU seconds on the full linear-time graph under which its growth is not judged: below
# it, timer and cache noise are a large part of the small graph's time, and an answer
# that fast is fast enough (correct engines take 0.3 to 0.4 s at 100,000 nodes here).
LINEAR_FLOOR_S = 0.2
# CPU seconds under which a Timing.REFERENCE graph's time is not judged: the wide graph
# takes correct engines about 10 ms here, a visited list about 95 ms, so an engine must
# be both that slow and TIMES_REFERENCE times the reference's time to fail.  The
# reference is timed only above it, so a correct engine's run never pays for it (10 ms).
REFERENCE_FLOOR_S = 0.03


def run_properties(
    prepared: PreparedProperties,
    problem: Problem,
    runner: Runner,
    timeout: float,
    methods: Mapping[str, int] | None = None,
    source: str | None = None,
) -> list[TestResult]:
    """The random-graph test (if the problem draws graphs), then one test per stress
    check."""
    context = Context(problem, runner, timeout, methods or {}, source)
    results = []
    cause = None
    if prepared.graphs:
        random, cause = _random(prepared, context)
        results.append(random)
    results.extend(check_stress(graph, context, cause) for graph in prepared.stress)
    return results


def _result(
    name: str, kind: str, verdict: Verdict, points: float, message: str = "", **fields: Any
) -> TestResult:
    """A property check's result (never hidden); ``fields``: TestResult's optional ones."""
    score = points if verdict is Verdict.PASSED else 0.0
    return TestResult(
        name=name,
        kind=kind,
        status=verdict,
        score=score,
        max_score=points,
        hidden=False,
        message=message,
        **fields,
    )


def check_random(prepared: PreparedProperties, context: Context) -> TestResult:
    """Run every corpus graph (``stages.run_corpus``); on a failure, explain the first
    failing graph (``explain.explain``) and report it."""
    return _random(prepared, context)[0]


def _random(prepared: PreparedProperties, context: Context) -> tuple[TestResult, Diagnosis | None]:
    """The random-graph test, and its diagnosis (None when it passed or nothing was
    found), which the stress checks reuse to explain answers that change between runs."""
    run = run_corpus(prepared, context)
    points = prepared.properties.points
    if not run.failures:
        return _result(RANDOM_TEST, "property", Verdict.PASSED, points, graphs=run.ran), None
    return _failed(run, prepared, context)


def _failed(
    run: CorpusRun, prepared: PreparedProperties, context: Context
) -> tuple[TestResult, Diagnosis | None]:
    """The random-graph test that failed, explained, and its diagnosis."""
    # Imported here: explaining (shrink, locate, recognise, the mistakes' library) is a
    # failure's work, and a passing run, the common case, would pay ~5 ms to import it.
    from judge.properties.explain import explain

    explanation = explain(run, prepared, context)
    result = _explained(explanation, run, prepared.seed, prepared.properties.points, context)
    return result, explanation.diagnosis


def _explained(
    explanation: Explanation, run: CorpusRun, seed: int, points: float, context: Context
) -> TestResult:
    """The random-graph test's result: its verdict and message, the counterexample,
    the diagnosis and the line to look at."""
    small, diagnosis = explanation.small, explanation.diagnosis
    where = f"{len(run.failures)} of {run.ran} random graphs (seed {seed})"
    extra: dict[str, Any] = {"counterexample": counterexample(small, context.problem.entry)}
    if diagnosis is not None:
        extra["diagnosis"] = diagnosis
    if explanation.line is not None:
        extra["line"] = explanation.line
    verdict, message = _verdict(small, where, context)
    if explanation.flaky:
        verdict, message = _unsteady(verdict, message, diagnosis, context)
    return _result(
        RANDOM_TEST,
        "property",
        verdict,
        points,
        message,
        output=small.outcome.output,
        **extra,
        graphs=run.ran,
        failed_graphs=len(run.failures),
    )


def _unsteady(
    verdict: Verdict, message: str, diagnosis: Diagnosis | None, context: Context
) -> tuple[Verdict, str]:
    """The verdict and message of a graph answered differently on two runs.

    A deterministic explanation comes first: a recognised mistake whose numbers depend
    on the walk's order (``Mistake.order_dependent``: ``=`` for ``+=``, no topological
    sort...), or a backward() that is wrong whatever order it walks in (each op right
    alone), gives different numbers from run to run only because the order a set is
    iterated in decides which wrong number comes out; that is a wrong engine, told as
    such, and the mistake is named (a stress check's message has no diagnosis of its
    own: ``diagnosis`` is the random graphs').  A mistake that gives the same numbers
    in every order (a wrong slope) explains nothing here.  Flaky only when nothing
    explains it, and then the lines that depend on chance are named."""
    # Imported here, as ``explain`` is in ``_failed``: a failure's work only.
    from judge.properties.localise import BACKWARD, chance_lines
    from judge.properties.mistakes import BY_ID

    mistake = BY_ID.get(diagnosis.mistake) if diagnosis and diagnosis.mistake else None
    if mistake is not None and mistake.order_dependent:
        cause = mistake.title
    elif mistake is None and diagnosis is not None and diagnosis.op == BACKWARD:
        cause = "backward() is wrong whatever order it walks in (each operation is right alone)"
    else:
        cause = None
    if cause is not None:
        return verdict, (
            f"{message}. The numbers change from one run to the next because of this "
            f"mistake: {cause}; the order in which a set is iterated decides which wrong "
            "number comes out"
        )
    chance = chance_lines(context.source)
    if "random" in chance:
        line, text = chance["random"][0]
        why = f"your code draws random numbers (line {line}: {text}); make it deterministic"
    elif "set" in chance:
        shown = "; ".join(f"line {line}: {text}" for line, text in chance["set"][:3])
        why = (
            f"your code makes a set ({shown}), and iterating over a set of objects gives a "
            "different order on each run; with a right algorithm the order would not matter"
        )
    else:
        why = "the results depend on chance (random numbers, or the order a set is iterated in)"
    return Verdict.FLAKY, (
        f"different answers on two runs of the same graph: {why}. In one run: {message}"
    )


def _verdict(small: Attempt, where: str, context: Context) -> tuple[Verdict, str]:
    outcome = small.outcome
    nodes = len(small.program.instructions)
    smallest = f"the smallest failing graph found has {nodes} node{'s' if nodes > 1 else ''}"
    if outcome.kind is Kind.OK:
        what = "values (data)" if small.signature == "data" else "gradients"
        return Verdict.FAILED, f"wrong {what} on {where}; {smallest}"
    if isinstance(outcome.details, Raised):
        error = describe_exception(outcome.details).splitlines()[0]
        return Verdict.ERROR, f"{error} on {where}; {smallest}"
    verdict, message, _ = judge_outcome(outcome, context.timeout)
    return verdict, f"{message}; on {where}"


def counterexample(attempt: Attempt, entry: str) -> Counterexample:
    """The graph as a runnable snippet with what differs, for the report."""
    outcome = attempt.outcome
    comments: list[str] = []
    expected: dict[str, Any] = {}
    got: dict[str, Any] = {}
    if outcome.kind is Kind.OK:
        for mismatch in attempt.mismatches[:SHOWN]:
            comments.append(mismatch.describe())
            key = f"{mismatch.node}.{mismatch.field}"
            expected[key] = mismatch.expected
            value = mismatch.got
            got[key] = value.get("repr", str(value)) if isinstance(value, dict) else value
        if len(attempt.mismatches) > SHOWN:
            comments.append(f"... and {len(attempt.mismatches) - SHOWN} more")
    elif isinstance(outcome.details, Raised):
        error = describe_exception(outcome.details).splitlines()[0]
        comments.append(f"raises {error}")
        got["exception"] = error
    elif isinstance(outcome.details, Missing):
        ops = list(outcome.details.ops)
        comments.append(f"fails: your {entry} does not define what {', '.join(ops)} needs")
        got["missing"] = ops
    else:
        comments.append(f"ends with: {outcome.kind.value}")
        got["outcome"] = outcome.kind.value
    code = render(attempt.program, entry, comments)
    return Counterexample(code, len(attempt.program.instructions), expected, got)


# -- stress checks ----------------------------------------------------------------------
def _advice_fits(check: str, outcome: Outcome) -> bool:
    """Whether a stress check's advice explains how it ended: the deep chain's (a
    recursive sort) only a RecursionError or a crash (the stack overflowed); the others'
    (too slow) only a timeout.  A TypeError gets its own message and no advice."""
    if CHECKS[check].advice_on is AdviceOn.RECURSION:
        raised = isinstance(outcome.details, Raised) and outcome.details.type == "RecursionError"
        return raised or outcome.kind is Kind.CRASHED
    return outcome.kind is Kind.TIMEOUT


def check_stress(
    graph: StressGraph, context: Context, cause: Diagnosis | None = None
) -> TestResult:
    """Run one stress graph: right numbers, and (many paths, wide, linear time) fast
    enough.

    ``cause`` is the random graphs' diagnosis of the same submission: wrong numbers
    that change when the graph is run again are told as that mistake when it explains
    them, and ``flaky`` only when nothing does (``_unsteady``, as for random graphs).

    Times are the worker's CPU seconds for the whole request (reading it, build,
    backward, reading back), as the kernel counts them, so neither a busy machine nor
    work deferred to the first read of ``.grad`` nor a forged figure changes the
    verdict.  Linear time runs the small graph first, so neither finds the memory the
    other freed ready to reuse.
    """
    spec = graph.spec
    name = f"stress: {graph.title}"
    points = spec.points
    small = context.runner.run(graph.small, context.timeout) if graph.small else None
    outcome = context.runner.run(graph.wire, context.timeout)
    advice = CHECKS[spec.check].advice
    base: dict[str, Any] = {"output": outcome.output}
    # The time budget was spent: nothing to explain.
    if isinstance(outcome.details, TimedOut) and outcome.details.overall:
        verdict, message, _ = judge_outcome(outcome, context.timeout)
        return _result(name, "stress", verdict, points, message, **base)
    if outcome.kind is not Kind.OK:
        verdict, message, extra = judge_outcome(outcome, context.timeout)
        got = {"outcome": outcome.kind.value}
        if isinstance(outcome.details, Raised):
            got = {"exception": describe_exception(outcome.details).splitlines()[0]}
        example = Counterexample(graph.code, graph.nodes, {}, got)
        return _result(
            name,
            "stress",
            verdict,
            points,
            message + (f"\n{advice}" if _advice_fits(spec.check, outcome) else ""),
            counterexample=example,
            **base,
            **extra,
        )
    mismatches = compare(
        graph.reference,
        NO_EXPECT,
        outcome.data,
        outcome.grad,
        tuple(graph.read),
        context.problem.tolerance,
        check_grad=True,
    )
    if mismatches:
        shown = [m.describe() for m in mismatches[:SHOWN]]
        example = Counterexample(
            graph.code + "".join(f"# {line}\n" for line in shown),
            graph.nodes,
            {f"{m.node}.{m.field}": m.expected for m in mismatches[:SHOWN]},
            {f"{m.node}.{m.field}": m.got for m in mismatches[:SHOWN]},
        )
        message = f"{len(mismatches)} wrong numbers on the {graph.title}: " + "; ".join(shown[:3])
        verdict = Verdict.FAILED
        if flaky(graph.wire, outcome, graph.reference, context, reruns=1):
            verdict, message = _unsteady(verdict, message, cause, context)
        return _result(name, "stress", verdict, points, message, counterexample=example, **base)
    seconds = outcome.cpu_s
    timing = {"cpu_s": round(seconds, 4)}
    timing_rule = CHECKS[spec.check].timing  # how its record says it is timed
    if timing_rule is Timing.SECONDS and seconds > MANY_PATHS_SECONDS:
        message = (
            f"your Value took {seconds:.2f} s of CPU time on a graph of {graph.nodes} nodes "
            f"with {2 ** (graph.nodes - 1):,} paths: {advice}"
        )
        return _result(name, "stress", Verdict.FAILED, points, message, **base, timing=timing)
    if timing_rule is Timing.REFERENCE and seconds > REFERENCE_FLOOR_S:
        # The reference on the same graph, timed now, in this process, as the worker's
        # answer was (unless a test gave it).
        reference = max(graph.reference_s[1] or reference_seconds(graph.wire), 1e-6)
        if seconds > TIMES_REFERENCE * reference:
            message = (
                f"your Value took {seconds:.3f} s of CPU time on the {graph.title}, "
                f"{seconds / reference:.0f} times the reference's {reference:.3f} s (at most "
                f"{TIMES_REFERENCE:.0f} times is allowed; correct engines take about as long "
                f"as the reference): {advice}"
            )
            timing |= {
                "reference_cpu_s": round(reference, 4),
                "allowed_cpu_s": round(TIMES_REFERENCE * reference, 4),
            }
            return _result(name, "stress", Verdict.FAILED, points, message, **base, timing=timing)
    if timing_rule is Timing.GROWTH and seconds > LINEAR_FLOOR_S:
        failure = _growth_failure(graph, small, seconds, advice)
        if failure is not None:
            message, timing = failure
            return _result(name, "stress", Verdict.FAILED, points, message, **base, timing=timing)
    return _result(name, "stress", Verdict.PASSED, points, **base)  # no timings: same report


def _growth_failure(
    graph: StressGraph, small: Outcome | None, seconds: float, advice: str
) -> tuple[str, dict[str, Any]] | None:
    """Why the time to answer grew too fast from the small graph to the full one, or is
    too long on the full one for a linear-time engine (with the timings for the
    report); None if neither (``StressGraph.allowed_growth``, ``allowed_seconds``)."""
    if small is None or small.kind is not Kind.OK:
        # An engine that fails only on the smaller graph must not escape the timing.
        what = small.kind.value if small is not None else "not run"
        message = (
            f"the same graph with {graph.small_nodes:,} nodes did not answer ({what}), "
            "so the time your Value takes could not be compared across sizes"
        )
        return message, {"cpu_s": round(seconds, 4)}
    growth = seconds / max(small.cpu_s, 1e-6)
    allowed = graph.allowed_growth(graph.spec.factor)
    reference = graph.reference_s[1]
    timing = {
        "cpu_s": round(seconds, 4),
        "small_cpu_s": round(small.cpu_s, 4),
        "growth": round(growth, 1),
        "allowed_growth": round(allowed, 1),
        "reference_growth": round(graph.reference_growth, 1),
        "reference_cpu_s": round(reference, 4),
        "allowed_cpu_s": round(graph.allowed_seconds, 4),
    }
    took = (
        f"your Value took {small.cpu_s:.2f} s of CPU time on {graph.small_nodes:,} nodes and "
        f"{seconds:.2f} s on {graph.nodes:,}"
    )
    if growth > allowed:
        why = (
            f"{growth:.0f} times longer for {graph.nodes / graph.small_nodes:.0f} times the "
            f"nodes (the reference: {graph.reference_growth:.0f} times; at most "
            f"{allowed:.0f} times is allowed), which grows like the square of the graph's size"
        )
    elif seconds > graph.allowed_seconds:
        # Its growth looked linear, but no linear engine is that slow: time spent to
        # make it look so (a constant on every big graph) is still time spent.
        why = (
            f"{seconds / reference:.1f} times the reference's {reference:.2f} s on the "
            f"full graph (at most {TIMES_REFERENCE:.0f} times is allowed; correct engines "
            "take about as long as the reference)"
        )
    else:
        return None
    return f"{took}: {why}: {advice}", timing


def not_run(prepared: PreparedProperties, message: str) -> tuple[TestResult, ...]:
    """The property tests as errors that never ran (the submission did not load)."""
    tests = []
    if prepared.graphs:
        tests.append(
            _result(RANDOM_TEST, "property", Verdict.ERROR, prepared.properties.points, message)
        )
    for graph in prepared.stress:
        tests.append(
            _result(f"stress: {graph.title}", "stress", Verdict.ERROR, graph.spec.points, message)
        )
    return tuple(tests)
