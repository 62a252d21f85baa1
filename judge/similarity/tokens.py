"""A submission's Python text as the tokens that fingerprints are made of.

What a copier changes cheaply is blurred: every identifier is ``N`` (renamed variables,
methods, classes), every number ``#`` and every string ``S`` (changed messages), and
comments, blank lines and docstrings (a string that is a whole statement) are dropped.
What stays is the shape: keywords, operators, brackets, and the line structure (a
statement's end ``;`` and indentation ``{`` ``}``), from Python's own ``tokenize``.
"""

from __future__ import annotations

import io
import itertools
import keyword
import tokenize
from typing import NamedTuple


class Token(NamedTuple):
    """One normalised token and the (1-based) line of the text where it starts."""

    text: str
    line: int


_BLURRED = {tokenize.NAME: "N", tokenize.NUMBER: "#", tokenize.STRING: "S"}
_STRUCTURE = {tokenize.NEWLINE: ";", tokenize.INDENT: "{", tokenize.DEDENT: "}"}
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
# After these (or at the start) a string that ends its line is a docstring or a string
# used as a comment: dropped, so adding or rewording one changes nothing.
_STATEMENT_START = {";", "{", "}"}


def tokens(text: str) -> list[Token]:
    """The normalised tokens of the Python ``text`` (see the module's docstring).

    Text that does not tokenize to the end (a syntax error, an unclosed bracket or
    string) keeps the tokens read before the fault: a half-broken copy is still a copy.
    """
    kept: list[Token] = []
    raw = tokenize.generate_tokens(io.StringIO(text).readline)
    pending: Token | None = None  # a string at the start of a statement, maybe a docstring
    try:
        for kind, string, (line, _), _, _ in raw:
            if kind in _SKIPPED:
                continue
            if pending is not None:
                if kind != tokenize.NEWLINE:  # not alone on its statement: code, keep it
                    kept.append(pending)
                pending = None
                if kind == tokenize.NEWLINE:
                    continue  # the docstring's own end of statement goes with it
            if kind == tokenize.STRING and (not kept or kept[-1].text in _STATEMENT_START):
                pending = Token("S", line)
                continue
            if kind == tokenize.NAME and keyword.iskeyword(string):
                kept.append(Token(string, line))
            elif kind in _BLURRED:
                kept.append(Token(_BLURRED[kind], line))
            elif kind in _STRUCTURE:
                kept.append(Token(_STRUCTURE[kind], line))
            else:  # OP, and ERRORTOKEN (a stray character) as itself
                kept.append(Token(string, line))
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        pass
    if pending is not None:
        kept.append(pending)
    return kept


# A unit starts at a definition at most this deep: module level (0) or a class's body
# (1).  Nested closures (a ``_backward`` inside a method) stay in their method.
_UNIT_DEPTH = 1


def units(found: list[Token]) -> list[range]:
    """The token ranges of ``found`` that a copier may move as a whole: each top-level
    definition and each method (with its decorators), and the statements between
    them.  Fingerprinting each unit apart makes the fingerprints independent of the
    order of methods and functions."""
    starts = [0]
    depth = 0
    for index, token in enumerate(found):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif (
            token.text in ("def", "class", "@")
            and depth <= _UNIT_DEPTH
            and (index == 0 or found[index - 1].text in _STATEMENT_START)
            and not (token.text != "@" and _after_decorator(found, index))
        ):
            starts.append(index)
    bounds = [*sorted(set(starts)), len(found)]
    return [range(start, stop) for start, stop in itertools.pairwise(bounds) if stop > start]


def _after_decorator(found: list[Token], index: int) -> bool:
    """Whether the statement before ``found[index]`` is a decorator (``@`` ... ``;``)."""
    back = index - 2  # found[index - 1] is that statement's ";"
    while back >= 0 and found[back].text not in _STATEMENT_START:
        back -= 1
    return back + 1 < index - 1 and found[back + 1].text == "@"
