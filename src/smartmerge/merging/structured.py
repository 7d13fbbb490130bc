"""The structured merge: both sides' changes combined node by node.

For each node that all three revisions have, the result is the one side's text when
the other side left it alone; otherwise containers merge their header, children
and closing lines separately, and leaves merge item by item (import names,
keyword arguments, parameters, ``__all__``) or line by line. Bodies are merged as
sequences of identities (see ordering.py); a child deleted on one side and changed
on the other, or added under one name with different texts on both sides, becomes
a conflict, never a silent choice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from smartmerge.errors import MergeTimeout
from smartmerge.languages import LanguageProfile
from smartmerge.matching import match_children
from smartmerge.merging.diff3 import diff3
from smartmerge.merging.items import (
    IMPORTS,
    KEYWORDS,
    PARAMETERS,
    UNORDERED,
    merge_import_names,
    merge_inline_lists,
    merge_item_lists,
)
from smartmerge.merging.ordering import CombineRuns, merge_order
from smartmerge.merging.separators import merged_trailing, strip_last, with_separator
from smartmerge.merging.sets import merge_with_sets
from smartmerge.merging.tokens import changed_only_layout, formatter_quotes, merge_tokens, restyle
from smartmerge.merging.wrapping import find_wraps
from smartmerge.textlines import split_lines
from smartmerge.tree import ConflictPiece, Node, Piece, SetSpan

log = logging.getLogger(__name__)


# Kinds whose statements may repeat a name with different texts (two imports from
# one module): a new one is an addition, never a clash with the other side's.
_SET_LIKE_KINDS = ("import", "from_import")


@dataclass(frozen=True)
class _Context:
    profile: LanguageProfile
    deadline: float
    # the quote a side's formatter switched the whole file to: the other side's new or
    # changed code adopts it, so its content lands in the reformatted layout
    left_quote: str | None = None
    right_quote: str | None = None

    def from_left(self, text: str) -> str:
        return restyle(text, self.right_quote)

    def from_right(self, text: str) -> str:
        return restyle(text, self.left_quote)


def merge_trees(base: Node, left: Node, right: Node, profile: LanguageProfile, deadline: float) -> tuple[Piece, ...]:
    """Merge three module trees into pieces of text and conflicts."""
    left_quote, right_quote = formatter_quotes(base.text, left.text, right.text)
    ctx = _Context(profile, deadline, left_quote, right_quote)
    return tuple(_merge_node(base, left, right, ctx, ""))


def _symbol(path: str, node: Node) -> str:
    if node.name is None:
        return path
    return f"{path}.{node.name}" if path else node.name


def _merge_node(base: Node, left: Node, right: Node, ctx: _Context, path: str) -> list[Piece]:
    if time.monotonic() > ctx.deadline:
        raise MergeTimeout("structured merge ran out of time")
    if left.text == base.text:
        return [ctx.from_right(right.text)]
    if right.text == base.text:
        return [ctx.from_left(left.text)]
    if left.text == right.text:
        return [left.text]
    symbol = _symbol(path, base)
    if base.is_container and left.is_container and right.is_container and base.kind == left.kind == right.kind:
        ops = ctx.profile.commutative_operators
        sets = (base.sets, left.sets, right.sets)
        comment = ctx.profile.comment_prefix
        pieces = _merge_with_sets(
            base.head, left.head, right.head, sets, symbol, PARAMETERS if base.kind == "def" else None, ops, comment
        )
        separator = base.separator if base.separator == left.separator == right.separator else ""
        pieces += _merge_body(base.children, left.children, right.children, base.named_body, ctx, symbol, separator)
        pieces += _merge_text(base.tail, left.tail, right.tail, symbol, None, ops, comment)
        return pieces
    return _merge_leaf(base, left, right, ctx, symbol)


def _merge_leaf(base: Node, left: Node, right: Node, ctx: _Context, symbol: str) -> list[Piece]:
    mode = KEYWORDS
    if base.kind == left.kind == right.kind == "from_import":
        mode = IMPORTS
    elif _unordered_list(base, symbol, ctx.profile):
        mode = UNORDERED
    ops, comment = ctx.profile.commutative_operators, ctx.profile.comment_prefix
    if base.tail or left.tail or right.tail:
        return _merge_text(base.text, left.text, right.text, symbol, mode, ops, comment)
    sets = (base.sets, left.sets, right.sets)
    return _merge_with_sets(base.text, left.text, right.text, sets, symbol, mode, ops, comment)


def _merge_with_sets(
    base: str,
    left: str,
    right: str,
    sets: tuple[tuple[SetSpan, ...], ...],
    symbol: str,
    item_mode: str | None,
    commutative: tuple[str, ...],
    comment: str,
) -> list[Piece]:
    """``_merge_text``, except that when the texts hold lists the profile declares
    sets (``unordered.sets``) and both sides changed the text, those lists merge as
    sets and the rest as usual (when that gives no conflict)."""
    if all(sets) and left not in (base, right) and right != base:

        def merge_rest(b: str, lft: str, rgt: str) -> str | None:
            rest = _merge_text(b, lft, rgt, symbol, item_mode, commutative, comment)
            return "".join(p for p in rest if isinstance(p, str)) if all(isinstance(p, str) for p in rest) else None

        merged = merge_with_sets((base, left, right), sets, merge_rest)
        if merged is not None:
            return [merged]
    return _merge_text(base, left, right, symbol, item_mode, commutative, comment)


def _unordered_list(base: Node, symbol: str, profile: LanguageProfile) -> bool:
    """Whether a leaf's bracketed list is a set: Python's ``__all__``, or a value
    at a path the profile lists (pyproject's dependency arrays)."""
    if base.kind == "assign" and base.name in profile.unordered_list_assignments:
        return True
    if base.kind in profile.unordered_item_list_kinds:
        return True
    return any(fnmatchcase(symbol, pattern) for pattern in profile.unordered_item_list_paths)


def _merge_text(
    base: str,
    left: str,
    right: str,
    symbol: str,
    item_mode: str | None,
    commutative: tuple[str, ...] = (),
    comment: str = "#",
) -> list[Piece]:
    """Line diff3 of one node's text; clashing lines may still merge as item lists."""
    if left == base:
        return [right]
    if right == base or left == right:
        return [left]
    chunks = diff3(split_lines(base), split_lines(left), split_lines(right))
    if not any(chunk.conflict for chunk in chunks):
        return ["".join(line for chunk in chunks for line in chunk.resolved())]
    if item_mode == IMPORTS:
        merged = merge_import_names(base, left, right)
        if merged is not None:
            return [merged]
    if item_mode is not None:
        merged = merge_item_lists(base, left, right, mode=item_mode)
        if merged is not None:
            return [merged]
    pieces: list[Piece] = []
    for chunk in chunks:
        if not chunk.conflict:
            pieces.append("".join(chunk.resolved()))
            continue
        texts = ("".join(chunk.base), "".join(chunk.left), "".join(chunk.right))
        merged_tokens = merge_tokens(*texts, commutative=commutative, comment=comment)
        if merged_tokens is None:
            merged_tokens = merge_inline_lists(*texts, unordered=item_mode == UNORDERED)
        if merged_tokens is not None:
            pieces.append(merged_tokens)
        else:
            pieces.append(ConflictPiece(chunk.base, chunk.left, chunk.right, symbol))
    return pieces


def _identities(children: Sequence[Node], pairs: dict[int, int]) -> list[Hashable]:
    """One identity per child: its base index when matched, else a key of its own.

    Unmatched named children are keyed by signature and their rank among the
    unmatched of that signature, so one name added on both sides is one node (and
    a conflict if the texts differ); unmatched anonymous statements by text and
    the preceding identity, so the same statement added after the same neighbour
    on both sides is one addition.
    """
    to_base = {j: i for i, j in pairs.items()}
    ids: list[Hashable] = []
    seen: dict[Hashable, int] = {}
    previous: Hashable = None
    for j, child in enumerate(children):
        if j in to_base:
            identity: Hashable = ("base", to_base[j])
        else:
            if child.signature is not None and child.kind not in _SET_LIKE_KINDS:
                raw: Hashable = ("named", child.signature)
            elif child.kind in _SET_LIKE_KINDS:
                # one import added by both sides, wherever each put it, is one addition
                raw = ("new", child.text.strip())
            else:
                raw = ("new", child.text.strip(), previous)
            identity = (raw, seen.get(raw, 0))
            seen[raw] = seen.get(raw, 0) + 1
        ids.append(identity)
        previous = identity
    return ids


def _merge_body(
    base: Sequence[Node],
    left: Sequence[Node],
    right: Sequence[Node],
    named: bool,
    ctx: _Context,
    path: str,
    separator: str = "",
) -> list[Piece]:
    if separator:
        prefix = ctx.profile.comment_prefix
        trailing = merged_trailing(base, left, right, separator, prefix)
        base, left, right = ([with_separator(n, separator, prefix) for n in nodes] for nodes in (base, left, right))
        groups = _merge_members(base, left, right, named, ctx, path, separator)
        if not trailing:
            strip_last(groups, separator, prefix)
        return [piece for group in groups for piece in group]
    return [piece for group in _merge_members(base, left, right, named, ctx, path) for piece in group]


def _merge_members(
    base: Sequence[Node],
    left: Sequence[Node],
    right: Sequence[Node],
    named: bool,
    ctx: _Context,
    path: str,
    separator: str = "",
) -> list[list[Piece]]:
    """The merged body, as the pieces of each member in order."""
    renamable = ctx.profile.renamable_kinds
    left_pairs = match_children(base, left, named=named, renamable=renamable)
    right_pairs = match_children(base, right, named=named, renamable=renamable)
    base_ids = [("base", i) for i in range(len(base))]
    left_ids = _identities(left, left_pairs)
    right_ids = _identities(right, right_pairs)
    order = merge_order(base_ids, left_ids, right_ids, _sorted_imports(base, left, right, left_ids, right_ids, ctx))
    if order is None:
        log.debug("%s: both sides moved the same children differently", path or "module")
        return [_merge_text(_joined(base), _joined(left), _joined(right), path, None, (), ctx.profile.comment_prefix)]
    left_of = dict(zip(left_ids, left, strict=True))
    right_of = dict(zip(right_ids, right, strict=True))
    wraps = find_wraps(
        base, (left, right), (left_pairs, right_pairs), (left_ids, right_ids), separator, ctx.profile.comment_prefix
    )
    groups: list[list[Piece]] = []
    for identity in order:
        if identity in wraps.dropped:
            continue  # wrapped into a new member by one side: its edit lands there
        if identity in wraps.replaced:
            groups.append([wraps.replaced[identity]])
            continue
        b = base[identity[1]] if isinstance(identity, tuple) and identity[0] == "base" else None
        lnode, rnode = left_of.get(identity), right_of.get(identity)
        groups.append(_merge_child(b, lnode, rnode, ctx, path))
    return groups


def _merge_child(base: Node | None, left: Node | None, right: Node | None, ctx: _Context, path: str) -> list[Piece]:
    if base is None:
        if left is not None and right is not None and not changed_only_layout(left.text, right.text, ctx.profile.comment_prefix):
            # the same name added twice with different texts: never two definitions
            return [_whole_conflict("", left.text, right.text, _symbol(path, left))]
        if left is not None:
            return [ctx.from_left(left.text)]
        return [ctx.from_right(right.text)] if right is not None else []
    if left is None and right is None:
        return []
    if left is None or right is None:
        survivor = right if left is None else left
        assert survivor is not None  # for mypy: one of the two is present
        if changed_only_layout(base.text, survivor.text, ctx.profile.comment_prefix):
            # deleted on one side, only reformatted on the other: nothing of value is lost
            return []
        # deleted on one side, changed on the other
        left_text = "" if left is None else survivor.text
        right_text = "" if right is None else survivor.text
        return [_whole_conflict(base.text, left_text, right_text, _symbol(path, base))]
    return _merge_node(base, left, right, ctx, path)


def _whole_conflict(base: str, left: str, right: str, symbol: str) -> ConflictPiece:
    return ConflictPiece(tuple(split_lines(base)), tuple(split_lines(left)), tuple(split_lines(right)), symbol)


def _joined(nodes: Sequence[Node]) -> str:
    return "".join(node.text for node in nodes)


def _sorted_imports(
    base: Sequence[Node],
    left: Sequence[Node],
    right: Sequence[Node],
    left_ids: list[Hashable],
    right_ids: list[Hashable],
    ctx: _Context,
) -> CombineRuns | None:
    """Order two import runs inserted at one spot by module, if the block was sorted."""
    if not ctx.profile.keep_sorted_imports:
        return None
    text_of = {**dict(zip(left_ids, left, strict=True)), **dict(zip(right_ids, right, strict=True))}

    def module_key(node: Node) -> tuple[int, str]:
        name = (node.name or "").lower()
        return (0 if node.kind == "import" else 1, name)

    def blocks_sorted(nodes: Sequence[Node]) -> bool:
        run: list[Node] = []
        for node in [*nodes, None]:
            if node is not None and node.kind in ("import", "from_import"):
                run.append(node)
                continue
            keys = [module_key(n) for n in run]
            if keys != sorted(keys):
                return False
            run = []
        return True

    # one import is sorted by accident: sorting needs a base run of two or more
    base_imports = [node for node in base if node.kind in ("import", "from_import")]
    if len(base_imports) < 2 or not all(blocks_sorted(nodes) for nodes in (base, left, right)):
        return None

    def combine(left_run: list[Hashable], right_run: list[Hashable]) -> list[Hashable]:
        nodes = [text_of[i] for i in left_run + right_run]
        if not all(node.kind in ("import", "from_import") for node in nodes):
            return left_run + right_run
        return sorted(left_run + right_run, key=lambda i: module_key(text_of[i]))

    return combine
