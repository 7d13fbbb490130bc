"""Lists whose order means nothing, merged as sets inside one line.

The profile names the node kinds (``unordered.commutative_parents``: Java's
``implements`` and ``throws`` lists, modifiers and annotations, the types of a
``catch``, JSX attributes). Where a line and token merge clash, each revision's text
is cut into its lists and the rest: the rest merges by tokens with each list as one
placeholder token, and each list merges as a set of items (keyed by name, so one
item changed two ways still clashes), left's additions first, then right's.

The lists come from a parse of the whole revision (a header or the closing lines of
a block do not parse on their own), so a fragment is located by its first line; a
fragment whose text is not at that place in its revision (a separator was added to
it) is not merged here.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from functools import cached_property

from smartmerge.languages import LanguageProfile
from smartmerge.merging.tokens import merge_tokens
from smartmerge.parsing.from_tree_sitter import ItemList, commutative_lists
from smartmerge.textlines import split_lines

_PLACEHOLDER = "smartmergeCommutativeList{}x"


class RevisionLists:
    """The commutative lists of one revision's whole text, parsed on first use."""

    def __init__(self, text: str, profile: LanguageProfile) -> None:
        self.text = text
        self.profile = profile

    @cached_property
    def _lists(self) -> tuple[ItemList, ...]:
        return commutative_lists(self.text, self.profile)

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        for line in split_lines(self.text):
            starts.append(starts[-1] + len(line))
        return starts

    def within(self, line: int, fragment: str) -> list[ItemList] | None:
        """The lists inside ``fragment`` (which starts at 1-based ``line``), with
        offsets relative to it; None when the fragment is not at that line."""
        if not 1 <= line <= len(self._line_starts):
            return None
        start = self._line_starts[line - 1]
        if self.text[start : start + len(fragment)] != fragment:
            return None
        end = start + len(fragment)
        inside = []
        for found in self._lists:
            if start <= found.start and found.end <= end:
                shifted = tuple((a - start, b - start) for a, b in found.items)
                inside.append(ItemList(found.kind, found.start - start, found.end - start, shifted, found.keys, found.kinds))
        return inside


def merge_commutative(
    texts: Sequence[str], lists: Sequence[Sequence[ItemList]], profile: LanguageProfile
) -> str | None:
    """The merge of three fragments whose differences lie in commutative lists (and
    in tokens around them that merge cleanly), or None."""
    if not lists[0] or len({tuple(item_list.kind for item_list in found) for found in lists}) != 1:
        return None
    if any(_PLACEHOLDER.format("") in text for text in texts):
        return None
    skeletons = [_skeleton(text, found) for text, found in zip(texts, lists, strict=True)]
    base, left, right = skeletons
    if left == base:
        merged = right
    elif right == base or left == right:
        merged = left
    else:
        merged_tokens = merge_tokens(base, left, right, commutative=profile.commutative_operators)
        if merged_tokens is None:
            return None
        merged = merged_tokens
    for index in range(len(lists[0])):
        placeholder = _PLACEHOLDER.format(index)
        if merged.count(placeholder) != 1:
            return None
        revisions = [(text, found[index]) for text, found in zip(texts, lists, strict=True)]
        merged_list = _merge_list(revisions, profile)
        if merged_list is None:
            return None
        merged = merged.replace(placeholder, merged_list)
    return merged


def _skeleton(text: str, lists: Sequence[ItemList]) -> str:
    out, cursor = [], 0
    for index, item_list in enumerate(lists):
        out += [text[cursor : item_list.start], _PLACEHOLDER.format(index)]
        cursor = item_list.end
    return "".join(out) + text[cursor:]


def _merge_list(revisions: Sequence[tuple[str, ItemList]], profile: LanguageProfile) -> str | None:
    if any(set(item_list.kinds) & profile.order_sensitive_items for _, item_list in revisions):
        # a JSX spread overrides the attributes before it: that list's order matters
        return None
    keyed: list[dict[Hashable, str]] = []
    for text, item_list in revisions:
        items = {}
        for (start, end), key in zip(item_list.items, item_list.keys, strict=True):
            group = next((i for i, g in enumerate(profile.exclusive_items) if key in g), None)
            identity: Hashable = ("one of", group) if group is not None else key
            if identity in items:
                return None
            items[identity] = text[start:end]
        keyed.append(items)
    merged = merge_set(*keyed)
    if not merged:
        return None
    return _gap(revisions, profile).join(merged)


def merge_set(base: dict[Hashable, str], left: dict[Hashable, str], right: dict[Hashable, str]) -> list[str] | None:
    """Three keyed sets merged: left's items in left's order without those right
    deleted, then each item right added just before the item that follows it in
    right (at the end when none does). None when one item was changed two ways,
    deleted on one side and changed on the other, or replaced by different items."""
    for key, text in base.items():
        for side, other in ((left, right), (right, left)):
            if key not in side and key in other and other[key] != text:
                return None
    left_added, right_added = left.keys() - base.keys(), right.keys() - base.keys()
    if (base.keys() - left.keys()) & (base.keys() - right.keys()) and left_added and right_added and left_added != right_added:
        # both replaced one item, each by another (`implements A` to `B` and to `C`)
        return None
    order = [key for key in left if key in right or key not in base]
    placed = set(order)
    before: dict[Hashable | None, list[Hashable]] = {}
    added = [key for key in right if key not in placed and key not in base]
    for index, key in enumerate(right):
        if key in added:
            successor = next((k for k in list(right)[index + 1 :] if k in placed), None)
            before.setdefault(successor, []).append(key)
    out: list[Hashable] = []
    for key in order:
        out += before.get(key, [])
        out.append(key)
    out += before.get(None, [])
    items: list[str] = []
    for key in out:
        texts = {side[key] for side in (left, right) if key in side}
        changed = {text for text in texts if text != base.get(key)}
        if len(changed) > 1:
            return None
        items.append(changed.pop() if changed else base[key])
    return items


def _gap(revisions: Sequence[tuple[str, ItemList]], profile: LanguageProfile) -> str:
    """What goes between two items: left's, else right's, else base's spelling."""
    base, left, right = revisions
    for text, item_list in (left, right, base):
        if len(item_list.items) > 1:
            return text[item_list.items[0][1] : item_list.items[1][0]]
    separator = profile.commutative_parents.get(base[1].kind, " ")
    if not separator.strip():
        return " "
    return f"{separator} " if separator == "," else f" {separator} "
