"""A compiled graph program: plain data that both the judge and the worker read."""

from __future__ import annotations

from dataclasses import dataclass

# An operand is the name of a node or a number literal.
Operand = str | int | float


@dataclass(frozen=True)
class Instruction:
    """``target = op(*args)``.  For the leaf op ``value``, ``args`` is ``(number,)``.

    ``line`` is the 1-based line in the program source (0 for generated programs).
    """

    target: str
    op: str
    args: tuple[Operand, ...]
    line: int = 0


@dataclass(frozen=True)
class Program:
    """A straight-line graph: instructions in order, then ``backward`` on one node.

    ``names`` are the nodes the author named (temporaries the compiler introduced for
    nested expressions start with ``_``).  ``backward`` is ``None`` for a forward-only
    program.
    """

    instructions: tuple[Instruction, ...]
    backward: str | None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(i.target for i in self.instructions if not i.target.startswith("_"))

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(i.target for i in self.instructions)

    @property
    def ops_used(self) -> frozenset[str]:
        return frozenset(i.op for i in self.instructions if i.op != "value")

    def to_wire(self) -> dict[str, object]:
        """The form sent to the worker: lists and scalars only, no line numbers."""
        return {
            "ops": [[i.target, i.op, list(i.args)] for i in self.instructions],
            "backward": self.backward,
        }
