"""Disguised copies of a submission, as a student hides one: every name of their own
renamed, the methods of each class shuffled, docstrings and comments rewritten.

``disguise(text, seed)`` is deterministic in ``seed``: the same class every run.
"""

from __future__ import annotations

import ast
import builtins
import random

from judge.program.ops import METHODS

# The names the grader calls (the ops' methods among them), and so a working copy keeps.
_INTERFACE = {"Value", "data", "grad", "backward", "self", *METHODS}
# Methods of the builtin containers (and deque's), which a working copy keeps calling.
_LIBRARY = {name for kind in (dict, list, set, str, tuple) for name in dir(kind)} | {
    "appendleft",
    "popleft",
}
_WORDS = ("node", "val", "thing", "item", "x", "tmp", "res", "acc", "part", "elem", "obj")
_COMMENTS = (
    "chain rule here",
    "accumulate, never assign",
    "TODO tidy this up",
    "see lecture 3",
    "works, do not touch",
    "the derivative of the op",
)


def _own_names(tree: ast.AST) -> set[str]:
    """The identifiers the author chose: not builtins, dunders, imported modules, or
    the interface the grader uses."""
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, ast.Attribute) and not (
            isinstance(node.value, ast.Name) and node.value.id in imported
        ):
            found.add(node.attr)
    return {
        name
        for name in found - imported - _INTERFACE - _LIBRARY
        if not hasattr(builtins, name) and not (name.startswith("__") and name.endswith("__"))
    }


class _Disguise(ast.NodeTransformer):
    def __init__(self, names: dict[str, str], rng: random.Random, imported: set[str]):
        self.names, self.rng, self.imported = names, rng, imported

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.names.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.names.get(node.arg, node.arg)
        return self.generic_visit(node)

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        if node.arg is not None:
            node.arg = self.names.get(node.arg, node.arg)
        return self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if not (isinstance(node.value, ast.Name) and node.value.id in self.imported):
            node.attr = self.names.get(node.attr, node.attr)
        return self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        if any(isinstance(t, ast.Name) and t.id == "__slots__" for t in node.targets):
            for item in ast.walk(node.value):  # the attributes' names, as strings
                if isinstance(item, ast.Constant) and isinstance(item.value, str):
                    item.value = self.names.get(item.value, item.value)
        return self.generic_visit(node)

    def visit_Module(self, node: ast.Module) -> ast.AST:
        self._redocument(node)
        return self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self.names.get(node.name, node.name)
        self._redocument(node)
        return self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self.names.get(node.name, node.name)
        self._redocument(node)
        methods = [n for n in node.body if isinstance(n, ast.FunctionDef)]
        others = [n for n in node.body if not isinstance(n, ast.FunctionDef)]
        self.rng.shuffle(methods)
        # A docstring stays first; ``__radd__ = __add__`` must come after the method.
        docstring = others[:1] if others and isinstance(others[0], ast.Expr) else []
        node.body = docstring + methods + others[len(docstring) :]
        return self.generic_visit(node)

    def _redocument(self, node: ast.Module | ast.FunctionDef | ast.ClassDef) -> None:
        """Reword a docstring, or add one, or drop it."""
        first = node.body[0]
        has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
        if has_doc and len(node.body) > 1 and self.rng.random() < 0.5:
            node.body = node.body[1:]
        elif has_doc:
            first.value = ast.Constant(self.rng.choice(_COMMENTS).capitalize() + ".")
        elif self.rng.random() < 0.3:
            node.body.insert(0, ast.Expr(ast.Constant(self.rng.choice(_COMMENTS) + ".")))


def disguise(text: str, seed: int) -> str:
    """``text`` (Python) disguised: see the module's docstring.  Still valid Python."""
    rng = random.Random(seed)
    tree = ast.parse(text)
    own = sorted(_own_names(tree))
    names = {name: f"{rng.choice(_WORDS)}_{index}{seed}" for index, name in enumerate(own)}
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    tree = ast.fix_missing_locations(_Disguise(names, rng, imported).visit(tree))
    lines = [f"# {rng.choice(_COMMENTS)} (submission {seed})"]
    for line in ast.unparse(tree).splitlines():
        if line.strip() and rng.random() < 0.15:
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indent}# {rng.choice(_COMMENTS)}")
        lines.append(line)
    return "\n".join(lines) + "\n"
