"""Lines of text the way Python and git count them.

``str.splitlines`` also breaks on form feeds and other separators that neither
Python's tokenizer nor git treat as line ends, so it cannot be used here.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def split_lines(text: str) -> list[str]:
    """Split after each ``\\n``, ``\\r\\n`` or lone ``\\r``; keep the line ends."""
    return _LINE.findall(text)


def newline_of(text: str) -> str:
    """The line ending the text mostly uses (CRLF files stay CRLF)."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return "\r\n" if crlf > lf else "\n"


def has_conflict_markers(text: str) -> bool:
    """True when the text already holds a full set of conflict markers."""
    return bool(
        re.search(r"^<{7}", text, re.M)
        and re.search(r"^={7}", text, re.M)
        and re.search(r"^>{7}", text, re.M)
    )
