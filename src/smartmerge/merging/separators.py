"""Separators between the members of a body (the commas of a JSON object).

A member's whole-line text carries its trailing separator, except the last one's
where the grammar forbids it (JSON) or the file's style omits it. Before a body is
merged every member gets its separator, so members from both sides can be put in any
order; afterwards the last member of the result loses it again when the merged
style (left's change of base, else right's) has none. The check stage re-parses the
result, so a separator this cannot place (a code line with a comment after it that
looks like a string) costs a fallback, never a broken file.
"""

from __future__ import annotations

from collections.abc import Sequence

from smartmerge.records import replace
from smartmerge.textlines import split_lines
from smartmerge.tree import ConflictPiece, Node, Piece


def _code_end(line: str, comment_prefix: str) -> int | None:
    """Where the code of a line ends (before a trailing comment and white space),
    None for a blank or comment-only line."""
    body = line.rstrip("\r\n")
    cut = len(body)
    if comment_prefix:
        at = body.find(comment_prefix)
        # a prefix inside a string ("http://...") has an odd number of quotes before it
        while at >= 0 and body[:at].count('"') % 2:
            at = body.find(comment_prefix, at + 1)
        if at >= 0:
            cut = at
    code = body[:cut].rstrip()
    if not code.strip():
        return None
    return len(code)


def _last_code_line(lines: Sequence[str], comment_prefix: str) -> tuple[int, int] | None:
    for index in range(len(lines) - 1, -1, -1):
        end = _code_end(lines[index], comment_prefix)
        if end is not None:
            return index, end
    return None


def ends_with_separator(text: str, separator: str, comment_prefix: str) -> bool:
    lines = split_lines(text)
    found = _last_code_line(lines, comment_prefix)
    return found is not None and lines[found[0]][: found[1]].endswith(separator)


def _add(text: str, separator: str, comment_prefix: str) -> str | None:
    lines = split_lines(text)
    found = _last_code_line(lines, comment_prefix)
    if found is None:
        return None
    index, end = found
    if lines[index][:end].endswith(separator):
        return text
    lines[index] = lines[index][:end] + separator + lines[index][end:]
    return "".join(lines)


def _strip(lines: Sequence[str], separator: str, comment_prefix: str) -> list[str]:
    out = list(lines)
    found = _last_code_line(out, comment_prefix)
    if found is not None:
        index, end = found
        if out[index][:end].endswith(separator):
            out[index] = out[index][: end - len(separator)] + out[index][end:]
    return out


def with_separator(node: Node, separator: str, comment_prefix: str) -> Node:
    """The node with its separator after its last code line (where the closing
    bracket of a container member is: its tail)."""
    if node.children:
        tail = _add(node.tail, separator, comment_prefix)
        return node if tail is None else replace(node, tail=tail)
    head = _add(node.head, separator, comment_prefix)
    return node if head is None else replace(node, head=head)


def merged_trailing(base: Sequence[Node], left: Sequence[Node], right: Sequence[Node], separator: str, comment_prefix: str) -> bool:
    """Whether the merged body's last member keeps its separator."""

    def trailing(nodes: Sequence[Node]) -> bool | None:
        # an empty body (no members, or only an empty body's placeholder) has no style
        if not nodes or not nodes[-1].text.strip():
            return None
        return ends_with_separator(nodes[-1].text, separator, comment_prefix)

    b, lt, rt = trailing(base), trailing(left), trailing(right)
    if lt is not None and lt != b:
        return lt
    for style in (rt, lt, b):
        if style is not None:
            return style
    return False


def strip_last(groups: list[list[Piece]], separator: str, comment_prefix: str) -> None:
    """Remove the separator of the last member that produced any code (in place)."""
    for pieces in reversed(groups):
        for index in range(len(pieces) - 1, -1, -1):
            piece = pieces[index]
            if isinstance(piece, ConflictPiece):
                pieces[index] = ConflictPiece(
                    tuple(_strip(piece.base, separator, comment_prefix)),
                    tuple(_strip(piece.left, separator, comment_prefix)),
                    tuple(_strip(piece.right, separator, comment_prefix)),
                    piece.symbol,
                )
                return
            if _last_code_line(split_lines(piece), comment_prefix) is not None:
                pieces[index] = "".join(_strip(split_lines(piece), separator, comment_prefix))
                return


def set_separator(text: str, separator: str, comment_prefix: str, *, present: bool) -> str | None:
    """The text with its trailing separator added or removed; None when it has no code."""
    if not separator:
        return text
    if present:
        return _add(text, separator, comment_prefix)
    lines = split_lines(text)
    if _last_code_line(lines, comment_prefix) is None:
        return None
    return "".join(_strip(lines, separator, comment_prefix))
