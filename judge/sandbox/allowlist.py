"""Which modules a submission may import: a default for every problem, numpy where the
judge's environment has it, plus the problem's own ``imports:`` list, less its
``forbid_imports:``."""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass

# Pure computation, no way out: what a Value class and its tests could reasonably use.
DEFAULT_IMPORTS = frozenset(
    {
        *("__future__", "math", "cmath", "random", "statistics", "numbers", "decimal"),
        *("fractions", "functools", "itertools", "collections", "operator", "heapq"),
        *("bisect", "graphlib", "copy", "typing", "dataclasses", "enum", "abc", "types"),
        *("weakref", "contextlib", "string", "re", "array", "time", "sys", "warnings"),
    }
)


# Installed packages a submission may import wherever the judge's environment has them
# (the worker may read their own folders, nothing else of site-packages), unless its
# problem forbids them.  Engines written for the course import numpy for ``np.tanh``,
# ``np.exp`` (or not at all): five correct public engines failed only on the import.
# numpy computes; it reaches nothing the standard library's ``math`` does not.
OPTIONAL_IMPORTS = ("numpy",)


@dataclass(frozen=True)
class Allowed:
    """The allowed top-level module names; for installed packages among them, the
    folders to put on the worker's path (read only while preloading, before the
    kernel layers) and the folders it may read afterwards."""

    names: frozenset[str]
    search: tuple[str, ...] = ()
    read: tuple[str, ...] = ()


@functools.cache
def resolve(extra: tuple[str, ...] = (), forbidden: tuple[str, ...] = ()) -> Allowed:
    """The default allow-list and ``OPTIONAL_IMPORTS`` plus ``extra``, a problem's
    ``imports:``, less ``forbidden``, its ``forbid_imports:`` (top-level names).

    A package that is not installed is still allowed: importing it fails in the
    submission with ``ModuleNotFoundError``, which says what is wrong.
    """
    refused = {name.partition(".")[0] for name in forbidden}
    names = set(DEFAULT_IMPORTS) - refused
    search: list[str] = []
    read: list[str] = []
    for name in (*OPTIONAL_IMPORTS, *extra):
        top = name.partition(".")[0]
        if top in refused:
            continue
        names.add(top)
        if top not in sys.stdlib_module_names:
            found = _package_paths(top)
            if found is not None:
                search.append(found[0])
                read.extend(found[1:])
    return Allowed(frozenset(names), tuple(dict.fromkeys(search)), tuple(dict.fromkeys(read)))


def describe(extra: tuple[str, ...] = (), forbidden: tuple[str, ...] = ()) -> str:
    """What a problem allowing ``extra`` and forbidding ``forbidden`` lets a submission
    import, in a sentence for its statement (``judge problems show``)."""
    names = resolve(tuple(extra), tuple(forbidden)).names
    packages = sorted(name for name in names if name not in sys.stdlib_module_names)
    stdlib = sorted(name for name in names if name in sys.stdlib_module_names)
    shown = [
        f"{name} ({'installed here' if installed(name) else 'not installed here'})"
        for name in packages
    ]
    return "; ".join([*shown, f"from the standard library: {', '.join(stdlib)}"])


def installed(name: str) -> bool:
    """Whether the package ``name`` is installed where the judge runs."""
    return _package_paths(name) is not None


def _package_paths(name: str) -> list[str] | None:
    """The folder an installed package is imported from, the package itself, and its
    bundled libraries (``name.libs``); None if it is not installed."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin in (None, "built-in", "frozen"):
        return None
    if spec.submodule_search_locations:
        package = os.path.realpath(next(iter(spec.submodule_search_locations)))
    else:
        package = os.path.realpath(str(spec.origin))
    parent = os.path.dirname(package)
    libs = os.path.join(parent, f"{name}.libs")
    return [parent, package, *([libs] if os.path.isdir(libs) else [])]
