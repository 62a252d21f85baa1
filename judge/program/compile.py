"""Compile a graph program, written as a tiny subset of Python, into a ``Program``.

The source is parsed with ``ast`` and never executed.  Accepted statements:

* ``name = <expr>`` where ``<expr>`` is built from ``Value(<number>)``, names already
  assigned, number literals, the binary operators ``+ - * /``, ``** <number>``, unary
  ``-`` and the calls ``.relu() .tanh() .exp() .log() .sigmoid()``;
* at most one ``name.backward()``, as the last statement.

Nested expressions get temporaries (``_1``, ``_2``, ...) so every node has a name.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

from judge.program.model import Instruction, Operand, Program
from judge.program.ops import BINARY_SYMBOLS, LEAF, METHODS, REFLECTED_SYMBOLS

_AST_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class ProgramError(Exception):
    """A program uses something outside the subset; ``line`` is 1-based in the source."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class _Compiler:
    entry: str
    instructions: list[Instruction] = field(default_factory=list)
    defined: set[str] = field(default_factory=set)
    temporaries: int = 0

    def emit(self, op: str, args: tuple[Operand, ...], line: int, target: str | None) -> str:
        if target is None:
            self.temporaries += 1
            target = f"_{self.temporaries}"
        self.instructions.append(Instruction(target, op, args, line))
        self.defined.add(target)
        return target

    def number(self, node: ast.expr) -> int | float | None:
        """The value of a number literal (with optional sign), or None if it is not one."""
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.number(node.operand)
            if inner is None:
                return None
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value: int | float = node.value  # type: ignore[assignment]
            if not math.isfinite(value):
                raise ProgramError("number literals must be finite", node.lineno)
            return value
        return None

    def operand(self, node: ast.expr) -> Operand:
        number = self.number(node)
        return number if number is not None else self.value(node, None)

    def value(self, node: ast.expr, target: str | None) -> str:
        """Compile an expression that must produce a Value; returns its node name."""
        line = node.lineno
        if isinstance(node, ast.Name):
            if node.id not in self.defined:
                raise ProgramError(f"name {node.id!r} is used before it is assigned", line)
            if target is None:
                return node.id
            raise ProgramError(
                f"'{target} = {node.id}' only copies a name; give every node its own operation",
                line,
            )
        if isinstance(node, ast.Call):
            return self.call(node, target)
        if isinstance(node, ast.BinOp):
            return self.binop(node, target)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            if self.number(node) is not None:
                raise ProgramError("a number alone is not a node; wrap it: Value(...)", line)
            return self.emit("neg", (self.value(node.operand, None),), line, target)
        if self.number(node) is not None:
            raise ProgramError("a number alone is not a node; wrap it: Value(...)", line)
        raise ProgramError(f"unsupported expression: {ast.unparse(node)}", line)

    def call(self, node: ast.Call, target: str | None) -> str:
        line = node.lineno
        if node.keywords:
            raise ProgramError("keyword arguments are not supported", line)
        func = node.func
        if isinstance(func, ast.Name) and func.id == self.entry:
            if len(node.args) != 1 or (leaf := self.number(node.args[0])) is None:
                raise ProgramError(f"{self.entry}(...) takes exactly one number literal", line)
            return self.emit(LEAF, (leaf,), line, target)
        if isinstance(func, ast.Attribute) and func.attr in METHODS:
            if node.args:
                raise ProgramError(f".{func.attr}() takes no arguments", line)
            return self.emit(METHODS[func.attr], (self.value(func.value, None),), line, target)
        if isinstance(func, ast.Attribute) and func.attr == "backward":
            raise ProgramError(".backward() must be a statement of its own, the last one", line)
        allowed = ", ".join(f".{m}()" for m in METHODS)
        raise ProgramError(
            f"unsupported call {ast.unparse(func)}(); use {self.entry}(number) or {allowed}",
            line,
        )

    def binop(self, node: ast.BinOp, target: str | None) -> str:
        line = node.lineno
        if isinstance(node.op, ast.Pow):
            exponent = self.number(node.right)
            if exponent is None:
                raise ProgramError("the exponent of ** must be a number literal", line)
            return self.emit("pow", (self.value(node.left, None), exponent), line, target)
        symbol = _AST_SYMBOLS.get(type(node.op))
        if symbol is None:
            raise ProgramError(f"unsupported operator in {ast.unparse(node)}", line)
        left = self.number(node.left)
        if left is not None:
            if self.number(node.right) is not None:
                raise ProgramError(f"{ast.unparse(node)} has no Value in it", line)
            right = self.value(node.right, None)
            return self.emit(REFLECTED_SYMBOLS[symbol], (left, right), line, target)
        operands = (self.value(node.left, None), self.operand(node.right))
        return self.emit(BINARY_SYMBOLS[symbol], operands, line, target)


def _backward_target(statement: ast.stmt) -> str | None:
    """The name in a ``name.backward()`` statement, else None."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    call = statement.value
    if (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "backward"
        and isinstance(call.func.value, ast.Name)
        and not call.args
        and not call.keywords
    ):
        return call.func.value.id
    return None


def compile_program(source: str, entry: str = "Value") -> Program:
    """Parse ``source`` into a ``Program``; raises ``ProgramError`` with a line number."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ProgramError(f"syntax error: {error.msg}", error.lineno or 1) from None
    compiler = _Compiler(entry)
    backward: str | None = None
    for index, statement in enumerate(tree.body):
        line = statement.lineno
        target = _backward_target(statement)
        if target is not None:
            if index != len(tree.body) - 1:
                raise ProgramError(".backward() must be the last statement", line)
            if target not in compiler.defined:
                raise ProgramError(f"name {target!r} is used before it is assigned", line)
            backward = target
            continue
        if not isinstance(statement, ast.Assign):
            raise ProgramError("only assignments and a final name.backward() are allowed", line)
        if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            raise ProgramError("assign to exactly one plain name", line)
        name = statement.targets[0].id
        if name.startswith("_"):
            raise ProgramError(f"names starting with '_' are reserved: {name!r}", line)
        if name in compiler.defined:
            raise ProgramError(f"{name!r} is assigned twice; give each node its own name", line)
        compiler.value(statement.value, name)
    if not compiler.instructions:
        raise ProgramError("the program defines no nodes", 1)
    return Program(tuple(compiler.instructions), backward)
