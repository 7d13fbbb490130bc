"""Merges of a text whose one-line lists the profile declares sets.

A Rust ``#[derive(Debug)]`` that left extends with ``Clone`` and right with
``PartialEq``, or trait bounds ``T: Ord`` that both sides extend: a token merge sees
two different insertions at one spot and conflicts. When the profile's
``unordered.sets`` queries found the same number of sets in all three revisions, each
set is replaced by a placeholder, the rest of the text merges as usual, and each set
merges as a set of items: base order, then left's additions, then right's; an item
one side removed is gone. Both sides replacing the same item (each removing it and
adding something else) has no single answer and is refused, as is any clash in the
rest of the text or in a set's brackets. In a keyed set (a destructuring pattern) an
item is named by its first word, and one item changed two ways, or changed on one
side and deleted on the other, is refused too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from smartmerge.merging.ordering import merge_order
from smartmerge.tree import SetSpan

# merges the texts with their sets masked: the merged text, or None on a conflict
MergeRest = Callable[[str, str, str], str | None]


def _placeholder(index: int, texts: Sequence[str]) -> str:
    stem = "smartmergeset"
    while any(stem in text for text in texts):
        stem += "x"
    return f"{stem}{index}x"  # the closing x: set 1 is no prefix of set 10


def _norm(item: str) -> str:
    return " ".join(item.split())


def _pick(base: str, left: str, right: str) -> str | None:
    if left == base:
        return right
    if right in (base, left):
        return left
    return None


_FIRST_WORD = re.compile(r"[\w$]+")


class _Clash:
    pass


_CLASH = _Clash()


def _key(item: str, keyed: bool) -> str:
    """What identifies an item: its first word when keyed (``a: b`` is ``a``), else
    its text without layout."""
    found = _FIRST_WORD.search(item) if keyed else None
    return found.group() if found else _norm(item)


def _merge_item(base: str | None, left: str | None, right: str | None) -> str | _Clash | None:
    """One item's merged text; None when it is gone; _CLASH when edits clash."""
    if base is None:
        if left is not None and right is not None and _norm(left) != _norm(right):
            return _CLASH  # one name added twice with different texts
        return left if left is not None else right
    if left is None or right is None:
        survivor = right if left is None else left
        # deleted on one side: fine unless the other side changed it
        return None if survivor is None or _norm(survivor) == _norm(base) else _CLASH
    if _norm(left) == _norm(base):
        return right
    if _norm(right) in (_norm(base), _norm(left)):
        return left
    return _CLASH


def _merge_one(texts: Sequence[str], spans: Sequence[SetSpan]) -> str | None:
    """One set's merged text, or None when its edits clash."""
    keyed = spans[0].keyed
    openings = [t[s.start : s.items[0][0]] for t, s in zip(texts, spans, strict=True)]
    closings = [t[s.items[-1][1] : s.end] for t, s in zip(texts, spans, strict=True)]
    by_key: list[dict[str, str]] = []
    for text, span in zip(texts, spans, strict=True):
        side = {_key(text[a:b], keyed): text[a:b] for a, b in span.items}
        if len(side) != len(span.items):
            return None  # a repeated item: no identity to go by
        by_key.append(side)
    opening, closing = _pick(*openings), _pick(*closings)
    if opening is None or closing is None:
        return None
    base_keys, left_keys, right_keys = (set(side) for side in by_key)
    removed_both = (base_keys - left_keys) & (base_keys - right_keys)
    if not keyed and removed_both and left_keys - base_keys and right_keys - base_keys:
        return None  # the same item replaced on both sides
    order = merge_order(list(by_key[0]), list(by_key[1]), list(by_key[2]))
    if order is None:
        return None
    kept: list[str] = []
    for key in order:
        merged = _merge_item(*(side.get(str(key)) for side in by_key))
        if isinstance(merged, _Clash):
            return None
        if merged is not None:
            kept.append(merged)
    # the spacing between items as left, else right, else base wrote it
    joiner = next(
        (texts[i][spans[i].items[0][1] : spans[i].items[1][0]] for i in (1, 2, 0) if len(spans[i].items) > 1),
        spans[0].joiner,
    )
    return opening + joiner.join(kept) + closing


def _contexts(text: str, spans: Sequence[SetSpan]) -> list[tuple[str, str]]:
    """Per set, its separator and the text before it on its line since the previous
    set, without white space."""
    out = []
    previous = 0
    for span in spans:
        line_start = text.rfind("\n", 0, span.start) + 1
        lead = text[max(previous, line_start) : span.start]
        out.append((span.separator, "".join(lead.split())))
        previous = span.end
    return out


def merge_with_sets(
    texts: tuple[str, str, str], spans: tuple[tuple[SetSpan, ...], ...], merge_rest: MergeRest
) -> str | None:
    """The merged text, or None when the sets do not pair up or any part clashes."""
    counts = {len(side) for side in spans}
    if len(counts) != 1 or not counts.pop():
        return None
    if any({s.separator for s in side} != {s.separator for s in spans[0]} for side in spans):
        return None
    # the n-th set of each revision must be the same list: same separator and the same
    # text leading to it (`T` of `T: Ord`, `docs =`), or one side's bound would merge
    # into another parameter's when a side deleted one list and added another
    contexts = [_contexts(text, side) for text, side in zip(texts, spans, strict=True)]
    if contexts[1] != contexts[0] or contexts[2] != contexts[0]:
        return None
    names = [_placeholder(i, texts) for i in range(len(spans[0]))]
    masked = []
    for text, side in zip(texts, spans, strict=True):
        out, at = [], 0
        for name, span in zip(names, side, strict=True):
            out += [text[at : span.start], name]
            at = span.end
        masked.append("".join(out) + text[at:])
    rest = merge_rest(masked[0], masked[1], masked[2])
    if rest is None or any(rest.count(name) != 1 for name in names):
        return None
    for index, name in enumerate(names):
        if any(side[index].separator != spans[0][index].separator for side in spans):
            return None
        merged = _merge_one(texts, [side[index] for side in spans])
        if merged is None:
            return None
        rest = rest.replace(name, merged)
    return rest
