"""A member one side wrapped into a new parent, which the other side edited.

Left moves ``hello`` into a new ``container`` (every line indented one more level),
right changes a value inside ``hello``: the body-level merge sees ``hello`` deleted on
one side and changed on the other, a conflict. When the side that deleted the member
added a new member holding exactly one descendant of the same kind and name whose
text is base's re-indented (and nothing else changed), the other side's version,
re-indented the same way, takes that descendant's place, and the member leaves its
old place. Anything less certain stays a conflict.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence

from smartmerge.merging.separators import ends_with_separator, set_separator
from smartmerge.records import record
from smartmerge.textlines import split_lines
from smartmerge.tree import Node


@record
class Wraps:
    dropped: frozenset[Hashable]  # base identities that left their place
    replaced: dict[Hashable, str]  # a new member's identity -> its text with the other side's edit


def descendants(node: Node) -> Iterator[Node]:
    for child in node.children:
        yield child
        yield from descendants(child)


def _indent_prefix(base: str, moved: str) -> str | None:
    """The white space the move put before every non-blank line of base, or None when
    the texts differ otherwise."""
    base_lines, moved_lines = split_lines(base), split_lines(moved)
    if len(base_lines) != len(moved_lines) or not base_lines:
        return None
    first = next((i for i, line in enumerate(base_lines) if line.strip()), None)
    if first is None or not moved_lines[first].endswith(base_lines[first]):
        return None
    prefix = moved_lines[first][: len(moved_lines[first]) - len(base_lines[first])]
    if not prefix or prefix.strip():
        return None
    for b, m in zip(base_lines, moved_lines, strict=True):
        if (b.strip() and m != prefix + b) or (not b.strip() and m.strip()):
            return None
    return prefix


def _reindent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else line for line in split_lines(text))


def find_wraps(
    base: Sequence[Node],
    sides: tuple[Sequence[Node], Sequence[Node]],
    pairs: tuple[dict[int, int], dict[int, int]],
    ids: tuple[list[Hashable], list[Hashable]],
    separator: str,
    comment_prefix: str,
) -> Wraps:
    """The members one side wrapped into a new parent and the other side changed."""
    dropped: set[Hashable] = set()
    replaced: dict[Hashable, str] = {}
    for s in (0, 1):
        side, other = sides[s], sides[1 - s]
        side_pairs, other_pairs = pairs[s], pairs[1 - s]
        taken = set(side_pairs.values())
        new = [j for j in range(len(side)) if j not in taken and ids[s][j] not in ids[1 - s]]
        for i, node in enumerate(base):
            if i in side_pairs or i not in other_pairs or node.signature is None:
                continue
            edited = other[other_pairs[i]]
            if edited.text == node.text:
                continue
            hits = [(j, d) for j in new for d in descendants(side[j]) if d.signature == node.signature]
            if len(hits) != 1:
                continue
            j, moved = hits[0]
            # a new member may take in several wrapped members
            wrapper = replaced.get(ids[s][j], side[j].text)
            text = _rewrap(node.text, moved.text, edited.text, separator, comment_prefix)
            if text is None or wrapper.count(moved.text) != 1:
                continue
            dropped.add(("base", i))
            replaced[ids[s][j]] = wrapper.replace(moved.text, text)
    return Wraps(frozenset(dropped), replaced)


def _rewrap(base: str, moved: str, edited: str, separator: str, comment_prefix: str) -> str | None:
    """The edited member re-indented and separated like the moved copy, or None when
    the moved copy is not base re-indented."""
    keep = ends_with_separator(moved, separator, comment_prefix) if separator else False
    plain = [set_separator(t, separator, comment_prefix, present=False) for t in (base, moved, edited)]
    if any(t is None for t in plain):
        return None
    base_plain, moved_plain, edited_plain = plain
    assert base_plain is not None and moved_plain is not None and edited_plain is not None  # for mypy
    prefix = _indent_prefix(base_plain, moved_plain)
    if prefix is None:
        return None
    return set_separator(_reindent(edited_plain, prefix), separator, comment_prefix, present=keep)
