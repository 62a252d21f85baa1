"""A problem statement's Markdown as safe HTML: code blocks, tables and math, no script.

``judge serve``'s problem pages show statements through ``render_statement`` only.
Markdown is parsed by markdown-it-py (CommonMark, with its GFM tables) with raw HTML
off, so a ``<script>`` or ``<img onerror>`` in a statement is shown as text; links go
through markdown-it's own check (no ``javascript:``, ``vbscript:``, ``file:`` or
``data:``) and images are not rendered (a page would fetch them; the site loads
nothing from elsewhere).  ``$...$`` and ``$$...$$`` are math (mdit-py-plugins'
dollarmath), turned into MathML on the server by latex2mathml, so no script is needed to
typeset it.  latex2mathml copies ``\\text{...}`` and ``\\href`` into its output as they
are, so its MathML is rebuilt here from an allowlist of MathML elements and attributes,
every text escaped; what it cannot convert is shown as the TeX, escaped.

Needs the ``serve`` extra (``pip install 'micrograd-judge[serve]'``); the judge's core
never imports this module.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

from latex2mathml.converter import convert
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin

__all__ = ["MATHML_ATTRIBUTES", "MATHML_ELEMENTS", "render_statement", "safe_mathml"]

# Presentation MathML that latex2mathml writes, and nothing that can link or load.
MATHML_ELEMENTS = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mover",
        "munder",
        "munderover",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "mstyle",
        "mpadded",
        "mphantom",
        "menclose",
        "mfenced",
        "merror",
        "semantics",
        "annotation",
    ]
)
# Layout attributes only: no href, no event handlers, no style (it could fetch a url()).
MATHML_ATTRIBUTES = frozenset(
    [
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "accent",
        "accentunder",
        "columnalign",
        "rowalign",
        "columnspacing",
        "rowspacing",
        "columnlines",
        "rowlines",
        "frame",
        "framespacing",
        "linethickness",
        "minsize",
        "maxsize",
        "movablelimits",
        "width",
        "height",
        "depth",
        "notation",
        "scriptlevel",
        "displaystyle",
        "form",
        "open",
        "close",
        "separators",
        "symmetric",
        "largeop",
        "mathsize",
        "bevelled",
        "align",
        "equalrows",
        "equalcolumns",
    ]
)
_MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"


class _MathRebuilder(HTMLParser):
    """Writes back only allowed elements and attributes, and every text escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in MATHML_ELEMENTS:
            return
        kept = "".join(
            f' {name}="{html.escape(value or "", quote=True)}"'
            for name, value in attrs
            if name in MATHML_ATTRIBUTES
        )
        if tag == "math":
            kept = f' xmlns="{_MATHML_NAMESPACE}"' + kept
        self.out.append(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in MATHML_ELEMENTS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))


def safe_mathml(markup: str) -> str:
    """``markup`` (latex2mathml's output) rebuilt from ``MATHML_ELEMENTS`` and
    ``MATHML_ATTRIBUTES`` alone, text escaped: what is not MathML layout is dropped,
    its text kept as text."""
    rebuilder = _MathRebuilder()
    rebuilder.feed(markup)
    rebuilder.close()
    return "".join(rebuilder.out)


def _math(tex: str, options: dict[str, Any]) -> str:
    display = "block" if options.get("display_mode") else "inline"
    try:
        return safe_mathml(convert(tex, display=display))
    except Exception:  # latex2mathml raises many kinds on TeX it cannot read
        return f"<code class=tex>{html.escape(tex)}</code>"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.disable("image")  # a page would fetch it; statements draw nothing from elsewhere
    md.use(dollarmath_plugin, allow_digits=False, renderer=_math)
    return md


_MARKDOWN = _parser()


def render_statement(markdown: str) -> str:
    """``markdown`` (a problem's statement) as an HTML fragment: headings, lists, code
    blocks (``<pre><code class="language-python">``), tables and MathML math; raw HTML
    in it is shown as text, never as markup."""
    return _MARKDOWN.render(markdown)
