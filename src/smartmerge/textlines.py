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


def opens_with_blank_line(text: str) -> bool:
    """Whether the text's first line (up to its first ``\\n``) holds only white space:
    a statement whose text carries the blank line above it opens a paragraph (a
    block of imports, a constant and its comment)."""
    return not text.split("\n", 1)[0].strip()


def has_conflict_markers(text: str) -> bool:
    """True when the text already holds a full set of conflict markers."""
    return bool(
        re.search(r"^<{7}", text, re.M)
        and re.search(r"^={7}", text, re.M)
        and re.search(r"^>{7}", text, re.M)
    )
