"""Keep an import block sorted when both sides keep it sorted.

When both sides add or move imports in one block, the merged order comes from
ordering.py (left's insertions, then right's). If each side's version of the block
is sorted under one of the common conventions (isort's default, plain imports
before ``from`` imports; or ``force_sort_within_sections``), the person merging
would sort the result too, so the merged block is sorted under the same key. A
block is a run of consecutive import statements with no blank line between them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import pairwise

from smartmerge.tree import Node

Id = Hashable
# the Python parser's kinds for import statements (parsing/python.py)
IMPORT_KINDS = ("import", "from_import")
_STATEMENT = re.compile(r"^\s*(?:from\s+(?P<module>[\w.]+)\s+import\s+(?P<names>.*)|import\s+(?P<modules>.*))$", re.S)

ImportKey = tuple[object, ...]
# how many of a block's imports each side must order before its order counts as sorted
MIN_SORTED = 3


def _parts(node: Node) -> tuple[int, str, str] | None:
    code = " ".join(line.strip() for line in node.text.splitlines() if line.strip() and not line.strip().startswith("#"))
    found = _STATEMENT.match(code)
    if found is None:
        return None
    if found["module"] is not None:
        names = re.sub(r"[()\s]+", " ", found["names"].split("#")[0]).strip(" ,")
        return (1, found["module"], names)
    return (0, found["modules"].split("#")[0].strip(), "")


# the conventions seen in the corpus, each case-insensitive and case-sensitive
_KEYS: tuple[Callable[[tuple[int, str, str]], ImportKey], ...] = (
    lambda p: (p[0], p[1].lower(), p[2].lower()),
    lambda p: (p[1].lower(), p[2].lower()),
    lambda p: (p[0], p[1], p[2]),
    lambda p: (p[1], p[2]),
)


def _starts_block(node: Node) -> bool:
    first = node.text.split("\n", 1)[0]
    return not first.strip()


def sort_import_blocks(
    order: Sequence[Id],
    present: Callable[[Id], Node | None],
    left: Mapping[Id, Node],
    right: Mapping[Id, Node],
    left_order: Sequence[Id],
    right_order: Sequence[Id],
) -> list[Id]:
    """``order`` with each import block that both sides keep sorted, sorted.

    ``present(id)`` is the node an id contributes to the output (None when the
    merge drops it); ids that contribute nothing neither join nor split a block.
    """
    out = list(order)
    block: list[int] = []  # positions in ``out``

    def flush() -> None:
        if len(block) >= 2:
            _sort_block(out, block, present, left, right, left_order, right_order)
        block.clear()

    for at, identity in enumerate(order):
        node = present(identity)
        if node is None:
            continue
        if node.kind not in IMPORT_KINDS or _parts(node) is None:
            flush()
            continue
        if _starts_block(node):
            flush()
        block.append(at)
    flush()
    return out


def _sort_block(
    out: list[Id],
    positions: list[int],
    present: Callable[[Id], Node | None],
    left: Mapping[Id, Node],
    right: Mapping[Id, Node],
    left_order: Sequence[Id],
    right_order: Sequence[Id],
) -> None:
    ids = [out[at] for at in positions]
    members = set(ids)
    left_seq = [i for i in left_order if i in members]
    right_seq = [i for i in right_order if i in members]
    # two imports are sorted by accident half the time (Mergiraf's `imports` case keeps
    # `os, sys, requests` in the sides' order): each side must order three or more
    if len(left_seq) < MIN_SORTED or len(right_seq) < MIN_SORTED:
        return
    for sort_key in _KEYS:
        if _sorted_under(sort_key, [left[i] for i in left_seq]) and _sorted_under(sort_key, [right[i] for i in right_seq]):
            break
    else:
        return
    nodes = {i: present(i) for i in ids}
    ordered = sorted(ids, key=lambda i: sort_key(_must_parse(nodes[i] or left.get(i) or right[i])))
    first = nodes[ids[0]]
    # the blank line above the block travels with its first statement
    if ordered[0] != ids[0] and first is not None and _starts_block(first):
        return
    for at, identity in zip(positions, ordered, strict=True):
        out[at] = identity


def _must_parse(node: Node) -> tuple[int, str, str]:
    parts = _parts(node)
    assert parts is not None  # blocks hold parsed imports only
    return parts


def _sorted_under(key: Callable[[tuple[int, str, str]], ImportKey], nodes: Sequence[Node]) -> bool:
    keys = [key(_must_parse(node)) for node in nodes]
    return all(a <= b for a, b in pairwise(keys))
