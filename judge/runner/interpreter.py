"""The interpreter of graph programs: what the worker runs, and the judge runs too.

A graph program (``judge.program``) is a list of ops; ``execute`` builds its graph with
an entry class and calls backward, ``answer`` also reads the nodes back as numbers and
times all of it.  The worker runs them on the submission's class; the judge runs them
on its reference engine and its broken engines, so that both sides interpret a program
identically and time it the same way.

Standard library only, and nothing of the judge: the worker (``harness.py``) loads
this file by path, with only this folder on ``sys.path`` and no site-packages, before
the submission runs (``judge.runner.process.STARTER``), and the sandbox lets it read
this file and the harness, nothing else of the judge (``process.harness_files``).  The
texts' lengths below are the worker's promise; the judge cuts its answers to the same
lengths (``judge.runner.protocol``), since it cannot trust the worker.
"""

from __future__ import annotations

import contextlib
import gc
import numbers
import time

TYPE_CHECKING = False  # typing costs the worker 2 ms to import; only annotations use it
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

# How each op is applied.  ``cls`` is the entry class, used only by the leaf.
APPLY: dict[str, Callable[..., Any]] = {
    "value": lambda cls, x: cls(x),
    "add": lambda cls, a, b: a + b,
    "sub": lambda cls, a, b: a - b,
    "mul": lambda cls, a, b: a * b,
    "div": lambda cls, a, b: a / b,
    "radd": lambda cls, n, a: n + a,
    "rsub": lambda cls, n, a: n - a,
    "rmul": lambda cls, n, a: n * a,
    "rdiv": lambda cls, n, a: n / a,
    "pow": lambda cls, a, n: a**n,
    "neg": lambda cls, a: -a,
    "relu": lambda cls, a: a.relu(),
    "tanh": lambda cls, a: a.tanh(),
    "exp": lambda cls, a: a.exp(),
    "log": lambda cls, a: a.log(),
    "sigmoid": lambda cls, a: a.sigmoid(),
}

# The attribute each op needs on the entry class (mirrors judge.program.ops).
METHOD = {
    "value": "__init__",
    "add": "__add__",
    "sub": "__sub__",
    "mul": "__mul__",
    "div": "__truediv__",
    "radd": "__radd__",
    "rsub": "__rsub__",
    "rmul": "__rmul__",
    "rdiv": "__rtruediv__",
    "pow": "__pow__",
    "neg": "__neg__",
    "relu": "relu",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "sigmoid": "sigmoid",
}

OUTPUT_KEEP = 4096  # characters of a test's output sent back to the judge
# What the worker sends of the texts a submission controls, so that no answer costs the
# judge more than a few KiB per node (a class named with 400,000 characters once cost it
# 2.4 GB).  The judge cuts again to the same lengths (judge.runner.protocol): it cannot
# trust this side, which runs beside the submission.
TYPE_NAME_KEEP = 100  # characters of a type's name
REPR_KEEP = 80  # characters of the repr of something that is not a number
MESSAGE_KEEP = 500  # characters of an exception's message
LINE_KEEP = 200  # characters of a source line quoted from the submission
FRAMES_KEEP = 20  # innermost submission frames of a traceback (a recursion has 1,000)
CLASSES_KEEP = 50  # names of the classes listed when the entry class is missing


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Keep the cycle collector out of a graph's construction and backward pass.

    A graph's nodes reference each other in cycles, so the collector would rescan all of
    them again and again while a large graph is built (30-60 times slower at 10,000
    nodes).  Nothing a program makes becomes garbage before it ends; the next collection
    after it frees the graph.  The judge times its reference engine the same way.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class WrongReturn(Exception):
    """An operation returned something that is not a new node: ``None`` (a forgotten
    ``return out``), a plain number, a tuple, or an operand it changed in place.

    ``op`` is the op's name, ``what`` the judge's words for what came back.
    """

    def __init__(self, op: str, what: str) -> None:
        super().__init__(f"{METHOD[op]} returned {what}")
        self.op = op
        self.what = what


def returned_what(result: Any, operands: list[Any], before: list[Any]) -> str | None:
    """Why ``result`` is not the new node an op must return (None if it may be one).

    An operand returned unchanged is allowed (``relu`` of a positive node may return
    it, and the numbers then say whether that is right); an operand whose ``data`` the
    op changed is not: the op computed in place.
    """
    if result is None:
        return "None"
    if isinstance(result, (bool, numbers.Number)):
        return f"a plain number ({type_name(type(result))})"
    if isinstance(result, (tuple, list)):
        return f"a {type_name(type(result))}"
    for operand, data in zip(operands, before, strict=True):
        if result is operand and _changed(getattr(result, "data", data), data):
            return "self, changed in place"
    if isinstance(result, (str, bytes, dict, set)) or not hasattr(result, "data"):
        return f"a {type_name(type(result))}, which has no data"
    return None


def _changed(now: Any, before: Any) -> bool:
    """Whether a node's data differs from what it was (False if that cannot be told)."""
    try:
        return bool(now is not before and now != before)
    except Exception:
        return False


def execute(ops: list[Any], backward: str | None, cls: type) -> dict[str, Any]:
    """Build the graph ``ops`` describes with ``cls`` and call ``backward``.

    Returns every node by name.  Operands that are strings name earlier nodes; numbers
    are passed as they are, so ``a + 2`` reaches the class exactly as Python would.
    Raises ``WrongReturn`` when an op's result cannot be a node (see ``returned_what``),
    where it happens rather than later as an ``AttributeError`` of ``None``.
    """
    nodes: dict[str, Any] = {}
    for target, op, args in ops:
        values = [nodes[a] if isinstance(a, str) else a for a in args]
        if op == "value":
            nodes[target] = cls(*values)
            continue
        operands = [nodes[a] for a in args if isinstance(a, str)]
        before = [getattr(node, "data", None) for node in operands]
        result = nodes[target] = APPLY[op](cls, *values)
        if (
            result is None
            or any(result is node for node in operands)
            or not hasattr(result, "data")
        ):
            what = returned_what(result, operands, before)
            if what is not None:
                raise WrongReturn(op, what)
    if backward is not None:
        nodes[backward].backward()
    return nodes


def answer(
    cls: type, program: dict[str, Any], clock: Callable[[], float] = time.process_time
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Build ``program``'s graph with ``cls``, call its backward, and read back data and
    grad of the nodes it reads (every node if it names none), as ``number``s; with the
    ``clock`` seconds all of it took.

    The whole answer is timed, reading included: an engine that defers its work to the
    first read of ``.grad`` (or ``.data``) is timed doing it.  The worker times the
    submission with this function and the judge times its reference with it, so both
    are measured the same way.
    """
    started = clock()
    nodes = execute(program["ops"], program["backward"], cls)
    read = program.get("read") or list(nodes)
    data = {name: number(nodes[name].data) for name in read}
    grad = {name: number(nodes[name].grad) for name in read}
    return data, grad, clock() - started


def number(value: Any) -> Any:
    """``value`` as a JSON number if it is a real number; else a description of it.

    ints and floats pass as they are (an int too large for a float becomes an infinity);
    other real types (numpy's scalars, Fractions) are converted with ``float``, and a
    numpy array of no dimensions (``np.array(2.0)``) by its one real element.  Anything
    else (a complex, a Value, a string, a bool) is described, and the judge fails it.
    """
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return value if abs(value) < 1 << 1000 else float("inf") if value > 0 else float("-inf")
    if kind is not bool and isinstance(value, numbers.Real):
        with contextlib.suppress(Exception):
            return float(value)
    if getattr(kind, "__module__", None) == "numpy":
        with contextlib.suppress(Exception):
            if value.shape == ():
                item = value.item()
                if type(item) in (int, float):
                    return number(item)
    try:
        text = repr(value)[:REPR_KEEP]
    except Exception:
        text = "<unprintable>"
    return {"type": type_name(kind), "repr": text}


def type_name(kind: type) -> str:
    """The name of ``kind``, cut to TYPE_NAME_KEEP characters.

    Read through ``type`` itself: a metaclass can answer ``__name__`` with anything.
    """
    name: str = type.__dict__["__name__"].__get__(kind)
    return name[:TYPE_NAME_KEEP]
