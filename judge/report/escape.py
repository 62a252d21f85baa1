"""Make text a submission controls safe to show: one escaping function per medium.

Every piece of text that a submission or a student's file or folder name controls
(messages, printed output, names, paths) reaches a report through exactly one function
of this module, chosen by where it is shown:

=====================  ====================================================
``terminal``           a block of lines for a terminal or a plain-text file
``terminal_line``      one line for a terminal (a name in a row, a headline)
``markdown_inline``    one line of Markdown: a table cell, a heading, a
                       ``<summary>``; no HTML, no markup, no links
``markdown_block``     a block of Markdown: a code fence nothing can close
``html_inline``        one line of HTML inside Markdown (a ``<summary>``), where
                       Markdown is not read but a blank line would end the block;
                       also any one line of the HTML report (text or attribute)
``html_block``         a block of lines in the HTML report's ``<pre>``
``xml``                XML 1.0 text and attribute values
``csv_cell``           a CSV cell no spreadsheet will evaluate
``workflow_data``      a GitHub workflow command's message (after ``::``)
``workflow_property``  a workflow command's property (``file=``, ``title=``)
=====================  ====================================================

All of them first spell out (as ``\\x1b``, ``\\u202e``) what could rewrite the screen
or reorder what a reader sees: C0 and C1 controls (ESC and CSI start terminal escapes,
U+0085 is a line break to some readers, U+009B a one-byte CSI), DEL, bidi overrides,
embeddings, isolates and marks (U+202E makes ``exe.txt`` read ``txt.exe``), line and
paragraph separators, lone surrogates and non-characters.  Nothing is dropped, so an
instructor can still see what was there.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = [
    "csv_cell",
    "html_block",
    "html_inline",
    "markdown_block",
    "markdown_inline",
    "terminal",
    "terminal_line",
    "workflow_data",
    "workflow_property",
    "xml",
]

# Characters never written raw, in any medium.  Tab and newline are kept by the block
# functions and spelled by the one-line ones.
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab, newline), DEL, C1 (U+0085 NEL, U+009B CSI)
    "\u061c\u200e\u200f"  # Arabic letter mark, left-to-right and right-to-left marks
    "\u202a-\u202e"  # bidi embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2066-\u2069"  # bidi isolates (LRI, RLI, FSI, PDI)
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff"  # lone surrogates (cannot even be encoded as UTF-8)
    "\ufffe\uffff"  # non-characters
)
_BLOCK_UNSAFE = re.compile(f"[{_UNSAFE}]")
_LINE_UNSAFE = re.compile(f"[{_UNSAFE}\t\n]")


def _spell(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """``text`` with Windows line ends made ``\\n`` and every unsafe character but tab
    and newline spelled out: safe to print as a block of lines."""
    return _BLOCK_UNSAFE.sub(_spell, text.replace("\r\n", "\n"))


def terminal_line(text: str) -> str:
    """``text`` as one line: newlines and tabs spelled out too, so a name can never start
    a row of its own or push a column out of line."""
    return _LINE_UNSAFE.sub(_spell, text)


# Markdown punctuation that starts markup inline: emphasis, code, links and images,
# table cells, headings, strikethrough, autolinks (``<``, handled by html.escape) and
# the characters a GitHub extended autolink or a mention starts from.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|#~!@])")
# GitHub turns ``http://x``, ``www.x`` into links even without markup: break the
# pattern by escaping the character it is recognised at.
_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(?<=www)(\.)")


def markdown_inline(text: str) -> str:
    """``text`` safe as one line of Markdown (a table cell, a heading, a list item):
    whitespace runs (blank lines included) become one space, HTML is escaped, markup
    and link characters are backslash-escaped, so it renders as the literal text."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", terminal(text))
    escaped = _AUTOLINK.sub(lambda m: "\\" + m.group(), escaped)
    # After the backslashes, so that no entity it writes (&lt;) is escaped in turn.
    return " ".join(html.escape(escaped, quote=False).split())


def markdown_block(text: str, info: str = "text") -> str:
    """``text`` in a code fence longer than any run of backticks inside it, so no line
    of it can close the fence, and inside which nothing (``</details>``, headings, HTML)
    is Markdown."""
    text = terminal(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def html_inline(text: str) -> str:
    """``text`` safe as one line of an HTML block in Markdown (``<details><summary>``):
    HTML escaped and whitespace runs made one space, since a blank line would end the
    block and let what follows render as Markdown (a heading, a link)."""
    return " ".join(html.escape(terminal(text), quote=True).split())


def html_block(text: str) -> str:
    """``text`` safe as the content of an HTML ``<pre>``: unsafe characters spelled
    out, ``<``, ``&`` and quotes escaped, lines kept (nothing can close the element or
    start a tag, since no ``<`` is left)."""
    return html.escape(terminal(text), quote=True)


def xml(text: str) -> str:
    """``text`` with everything XML 1.0 cannot hold, even escaped, spelled out (the XML
    writer escapes ``<``, ``&`` and quotes itself)."""
    return terminal(text)


# What a spreadsheet takes for the start of a formula, with the look-alikes some of
# them normalise: full-width and small forms, the minus sign.
_FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\u2212")


def _ignorable(char: str) -> bool:
    """Characters a spreadsheet may skip before reading a formula: spaces of any kind
    (no-break, em, ideographic...), line breaks, zero-width and format characters."""
    return char.isspace() or unicodedata.category(char) in ("Zs", "Zl", "Zp", "Cc", "Cf")


def csv_cell(text: str) -> str:
    """``text`` as one line that no spreadsheet will evaluate: unsafe characters spelled
    out, and ``'`` put in front when the first character that is not a space (of any
    kind) starts a formula (``=HYPERLINK(...)``, `` =1+1``, ``\\u00a0=``, ``\\uff1d``)."""
    line = terminal_line(text)
    first = next((char for char in text if not _ignorable(char)), "")
    starts_formula = first in _FORMULA_STARTS or (text[:1] in _FORMULA_STARTS)
    return "'" + line if starts_formula else line


def workflow_data(text: str) -> str:
    """A GitHub workflow command's message (after ``::``): unsafe characters spelled
    out, then ``%``, CR and LF percent-encoded, so the message stays one command."""
    return terminal(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(text: str) -> str:
    """A workflow command's property value (``file=``, ``title=``), where ``,`` and ``:``
    would end it."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")
