"""The import allow-list: what the submission may import, and the guard that says no.

The guard replaces ``builtins.__import__`` and checks only imports made by the
submission's own code (the frame that asks is in the submission file); the standard
library's internal imports pass.  It is a clear message, not a wall: modules already
loaded are reachable through ``sys.modules``, which is why the audit hook and the
kernel layers exist.
"""

from __future__ import annotations

import builtins
import contextlib
import sys

TYPE_CHECKING = False  # typing costs the worker 2 ms to import; annotations only need it here
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any, NoReturn

    Report = Callable[[str, int | None], NoReturn]


def _walk(node: Any) -> Iterator[Any]:
    """Every node of a syntax tree from ``compile(..., PyCF_ONLY_AST)``, without ``ast``."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(item for item in value if hasattr(item, "_fields"))
            elif hasattr(value, "_fields"):
                stack.append(value)


def static_imports(tree: Any) -> list[str]:
    """The absolute module names a module's ``import`` statements name.

    ``from a import b`` yields ``a`` and ``a.b`` (``b`` may be a submodule).
    """
    names: list[str] = []
    for node in _walk(tree):
        kind = type(node).__name__
        if kind == "Import":
            names.extend(alias.name for alias in node.names)
        elif kind == "ImportFrom" and node.level == 0 and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def top_level(name: str) -> str:
    return name.partition(".")[0]


def preload(names: list[str], allowed: frozenset[str]) -> None:
    """Import the allowed ones among ``names`` now, while the interpreter's files are
    still readable (after dropping root they may not be: a Python under /root)."""
    for name in names:
        if top_level(name) in allowed and name not in sys.modules:
            with contextlib.suppress(Exception):
                __import__(name)


def install_guard(submission: str, allowed: frozenset[str], report: Report) -> None:
    """Make the submission's imports of anything outside ``allowed`` forbidden."""
    original = builtins.__import__
    getframe = sys._getframe
    shown = ", ".join(sorted(allowed))

    def guarded_import(
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        if level == 0 and top_level(name) not in allowed:
            caller = getframe(1)
            if caller.f_code.co_filename == submission:
                report(
                    f"tried to import {name}, which this problem does not allow (allowed: {shown})",
                    caller.f_lineno,
                )
        return original(name, globals, locals, fromlist, level)

    builtins.__import__ = guarded_import
