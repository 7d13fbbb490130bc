"""Keep an import block sorted when both sides keep it sorted.

When both sides add or move imports in one block, the merged order comes from
ordering.py (left's insertions, then right's). If each side's version of the block
is sorted under one of the common conventions (isort's default, plain imports
before ``from`` imports; or ``force_sort_within_sections``), the person merging
would sort the result too, so the merged block is sorted under the same key. So it
is when one side sorted the block (moved its imports into sorted order, as isort
does): the other side's import added at a spot of the unsorted block goes where the
sort puts it. A block is a run of consecutive import statements with no blank line
between them; the blank line above it stays above it when another import comes first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import pairwise

from smartmerge.textlines import opens_with_blank_line
from smartmerge.tree import Node

Id = Hashable
# the Python parser's kinds for import statements (parsing/python.py)
IMPORT_KINDS = ("import", "from_import")
_STATEMENT = re.compile(r"^\s*(?:from\s+(?P<module>[\w.]+)\s+import\s+(?P<names>.*)|import\s+(?P<modules>.*))$", re.S)

ImportKey = tuple[object, ...]
# how many of a block's imports each side must order before its order counts as sorted
MIN_SORTED = 3
# a smaller block counts as sorted when the side keeps every block of the body sorted
# under the same key, with at least this many neighbouring pairs in all (a file kept by
# isort shows it in every block; two short blocks in order may be chance)
MIN_SORTED_PAIRS = 4


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


def sort_import_blocks(
    order: Sequence[Id],
    present: Callable[[Id], Node | None],
    revisions: tuple[Mapping[Id, Node], Mapping[Id, Node], Mapping[Id, Node]],
    orders: tuple[Sequence[Id], Sequence[Id], Sequence[Id]],
    blank_moves: list[tuple[Id, Id]] | None = None,
) -> list[Id]:
    """``order`` with each import block that base and both sides keep sorted, sorted.

    A block whose first statement carries the blank line above it keeps that first
    statement, unless ``blank_moves`` is given: then the sort may put another import
    first, and (old first, new first) is appended to it so that the caller moves the
    blank line.

    ``revisions`` and ``orders``: base's, left's and right's nodes by id, and their
    ids in order. ``present(id)`` is the node an id contributes to the output (None
    when the merge drops it); ids that contribute nothing neither join nor split a block.
    """
    out = list(order)
    _, left, right = revisions
    _, left_order, right_order = orders
    kept_sorted = (_keys_keeping_sorted([left[i] for i in left_order]), _keys_keeping_sorted([right[i] for i in right_order]))
    for block in _blocks([present(identity) for identity in order]):
        if len(block) >= 2:
            _sort_block(out, block, present, revisions, orders, kept_sorted, blank_moves)
    return out


def _blocks(nodes: Sequence[Node | None]) -> list[list[int]]:
    """Positions of each import block among ``nodes`` (None: no output, no break)."""
    blocks: list[list[int]] = [[]]
    for at, node in enumerate(nodes):
        if node is None:
            continue
        if node.kind not in IMPORT_KINDS or _parts(node) is None or opens_with_blank_line(node.text):
            blocks.append([])
        if node.kind in IMPORT_KINDS and _parts(node) is not None:
            blocks[-1].append(at)
    return [block for block in blocks if block]


def _keys_keeping_sorted(nodes: Sequence[Node]) -> frozenset[int]:
    """The keys (indexes into _KEYS) under which every import block of a body is sorted,
    when its blocks hold MIN_SORTED_PAIRS neighbouring pairs or more."""
    blocks = [[nodes[at] for at in block] for block in _blocks(nodes)]
    if sum(len(block) - 1 for block in blocks) < MIN_SORTED_PAIRS:
        return frozenset()
    return frozenset(k for k, key in enumerate(_KEYS) if all(_sorted_under(key, block) for block in blocks))


def _sort_block(
    out: list[Id],
    positions: list[int],
    present: Callable[[Id], Node | None],
    revisions: tuple[Mapping[Id, Node], Mapping[Id, Node], Mapping[Id, Node]],
    orders: tuple[Sequence[Id], Sequence[Id], Sequence[Id]],
    kept_sorted: tuple[frozenset[int], frozenset[int]],
    blank_moves: list[tuple[Id, Id]] | None = None,
) -> None:
    ids = [out[at] for at in positions]
    members = set(ids)
    base, left, right = revisions
    seqs = [[nodes[i] for i in order if i in members] for nodes, order in zip(revisions[1:], orders[1:], strict=True)]
    # base's blocks that hold any of the members, whole: imports the merge replaced count
    base_nodes = [base[i] for i in orders[0]]
    base_blocks = [
        [base_nodes[at] for at in block] for block in _blocks(base_nodes) if any(orders[0][at] in members for at in block)
    ]

    def evidence(k: int) -> bool:
        # two imports are sorted by accident half the time (Mergiraf's `imports` case
        # keeps `os, sys, requests` in the sides' order): each side must order three or
        # more here, or keep the whole body sorted under that key; and base's imports
        # of the block must be in that order too (each side renaming one import of an
        # unsorted block can leave both sides sorted by chance)
        return all(_sorted_under(_KEYS[k], block) for block in base_blocks) and all(
            _sorted_under(_KEYS[k], seq) and (len(seq) >= MIN_SORTED or k in kept)
            for seq, kept in zip(seqs, kept_sorted, strict=True)
        )

    # a side that moved the block's imports into sorted order sorted the block (ran
    # isort on it): the other side's import added at a spot of the unsorted base
    # block goes where the sort puts it. Whether a side moved them is the same under
    # every key.
    base_order = [i for i in orders[0] if i in members]
    moved_by = [
        seq
        for seq, order in zip(seqs, orders[1:], strict=True)
        if len(seq) >= MIN_SORTED and [i for i in order if i in members and i in base] != base_order
    ]

    def sorted_by_a_side(k: int) -> bool:
        return any(_sorted_under(_KEYS[k], seq) for seq in moved_by)

    found = next((k for k in range(len(_KEYS)) if evidence(k) or sorted_by_a_side(k)), None)
    if found is None:
        return
    sort_key = _KEYS[found]
    nodes = {i: present(i) for i in ids}
    ordered = sorted(ids, key=lambda i: sort_key(_must_parse(nodes[i] or left.get(i) or right[i])))
    first = nodes[ids[0]]
    # the blank line above the block travels with its first statement
    if ordered[0] != ids[0] and first is not None and opens_with_blank_line(first.text):
        if blank_moves is None:
            return
        blank_moves.append((ids[0], ordered[0]))
    for at, identity in zip(positions, ordered, strict=True):
        out[at] = identity


def _must_parse(node: Node) -> tuple[int, str, str]:
    parts = _parts(node)
    assert parts is not None  # blocks hold parsed imports only
    return parts


def _sorted_under(key: Callable[[tuple[int, str, str]], ImportKey], nodes: Sequence[Node]) -> bool:
    keys = [key(_must_parse(node)) for node in nodes]
    return all(a <= b for a, b in pairwise(keys))
