"""YAML parsing that keeps line numbers, so every spec error can point at its line."""

from __future__ import annotations

import re
from typing import Any

import yaml

from judge.errors import Location, SpecError

try:  # the C parser is several times faster; fall back where libyaml is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[\"?([^\]\"]*)\"?\]")


def parse(text: str, path: str) -> tuple[Any, yaml.Node]:
    """The document as plain Python data, and its node tree (for line numbers)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise SpecError(f"invalid YAML: {problem}", Location(path, line)) from None
    if root is None:
        raise SpecError("the file is empty", Location(path, 1))
    _reject_duplicate_keys(root, path)
    loader = _Loader("")
    try:
        data = loader.construct_document(root)
    except yaml.YAMLError as error:
        raise SpecError(
            f"invalid YAML: {error}", Location(path, root.start_mark.line + 1)
        ) from None
    finally:
        loader.dispose()
    return data, root


def _reject_duplicate_keys(node: yaml.Node, path: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                raise SpecError(f"key {key.value!r} appears twice", Location(path, line(key)))
            seen.add(key.value)
            _reject_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_duplicate_keys(item, path)


def line(node: yaml.Node) -> int:
    """The 1-based line where ``node`` starts."""
    return int(node.start_mark.line) + 1


def find(root: yaml.Node, keys: list[str | int], *, key_of_last: bool = False) -> yaml.Node:
    """The node at ``keys`` (mapping keys and list indices), or the deepest one found.

    With ``key_of_last`` the node of the last mapping *key* is returned instead of its
    value, which is where an unknown key should be reported.
    """
    node = root
    for position, key in enumerate(keys):
        last = position == len(keys) - 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(key):
                    node = key_node if last and key_of_last else value_node
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(node.value):
                return node
            node = node.value[key]
        else:
            return node
    return node


def msgspec_path(text: str) -> list[str | int]:
    """``$.cases[0].points`` (from a msgspec error message) as ``["cases", 0, "points"]``."""
    match = re.search(r"at `\$([^`]*)`", text)
    if not match:
        return []
    parts: list[str | int] = []
    for name, index, quoted in _PATH_PART.findall(match.group(1)):
        parts.append(name or (int(index) if index else quoted))
    return parts


def block_offset(node: yaml.Node) -> int:
    """Add this to a 1-based line inside a scalar to get the file's 1-based line."""
    return int(node.start_mark.line) + (1 if getattr(node, "style", None) in ("|", ">") else 0)
