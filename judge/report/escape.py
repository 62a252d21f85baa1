"""Make text a submission controls safe to print in any report.

A student's output and exception messages may hold terminal escapes, NUL bytes or lone
surrogates; written raw they recolour a CI log, cut a workflow command short or make an
XML file unreadable.  They are kept, but spelled out (``\\x1b``), so nothing is hidden.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def visible(text: str) -> str:
    """``text`` with Windows line ends made ``\\n`` and every other control character
    (but tab and newline), lone surrogate and non-character written as an escape."""

    def spell(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(spell, text.replace("\r\n", "\n"))
