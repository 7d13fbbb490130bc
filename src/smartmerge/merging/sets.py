"""Lists whose order means nothing, merged as sets inside a text.

Two sources in the profile's ``unordered`` table name the lists. ``commutative_parents``
names node kinds (Java's ``implements`` and ``throws`` lists, modifiers and
annotations, the types of a ``catch``, JSX attributes): where a line and token merge
clash, they are found in a parse of the whole revision (a header or the closing lines
of a block do not parse on their own), so a fragment is located by its first line,
and a fragment whose text is not at that place in its revision (a separator was added
to it) is not merged here. An item is named by its ``name`` field, else its first
named child, else its text, so one item changed two ways still clashes. ``sets``
holds tree-sitter queries (a Rust ``#[derive(Debug)]`` that left extends with
``Clone`` and right with ``PartialEq``, trait bounds ``T: Ord`` that both sides
extend, destructuring patterns), whose lists the parse hands on (``tree.SetSpan``);
an item is named by its text without layout, or in a keyed set by its first word.

Either way a token merge sees two different insertions at one spot and conflicts.
When the n-th list of each revision is one list, each list is replaced by a
placeholder, the rest of the text merges as the caller merges it, and each list
merges as a set of items: an item one side removed is gone; one item changed two
ways, or changed on one side and deleted on the other, is refused, as is any clash in
the rest of the text or in a list's brackets. The two sources have always differed in
a few choices (``ItemRule``: the merged order, whether layout counts, both sides
replacing one item, an empty list); each is a parameter, set as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from functools import cached_property

from smartmerge.languages import LanguageProfile
from smartmerge.merging.ordering import merge_order
from smartmerge.records import record
from smartmerge.textlines import split_lines
from smartmerge.tree import SetSpan

TYPE_CHECKING = False  # typing costs a driver call start-up; mypy reads the name as true
if TYPE_CHECKING:
    from typing import Literal

    from smartmerge.parsing.from_tree_sitter import ItemList

# merges the texts with their lists masked: the merged text, or None on a conflict
MergeRest = Callable[[str, str, str], str | None]
# all item identities of base, left and right in merged order; None when moves clash
OrderItems = Callable[[Sequence[Hashable], Sequence[Hashable], Sequence[Hashable]], list[Hashable] | None]


def left_order(base: Sequence[Hashable], left: Sequence[Hashable], right: Sequence[Hashable]) -> list[Hashable]:
    """Left's items in left's order without those right deleted, then each item
    right added just before the item that follows it in right (at the end when none
    does); the items one side deleted come last, to be dropped."""
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
    return out + [key for key in base if key not in placed]


@record
class ItemRule:
    """How the items of a list merge, beyond what names them."""

    # the merged order: ordering.merge_order (base order, both sides' moves, left's
    # additions at a spot before right's) or left_order (left's order, each of right's
    # additions before the item that follows it on right)
    order: OrderItems
    # items compared without layout (an item named by its text differs between sides
    # in spacing only), else by their exact text
    ignore_layout: bool = False
    # both sides removed an item and added others: "different" refuses it when the
    # additions differ (``implements A`` to ``B`` and to ``C``), "any" always (an item
    # named by its text cannot change, only be replaced), "never" leaves it to the
    # items (a keyed item that changed is the same name)
    replaced_both: Literal["different", "any", "never"] = "different"
    # a list with its brackets may end up empty; a bare list (modifiers) may not
    may_empty: bool = False
    # groups of item names a list holds one of at most (``public``, ``protected``,
    # ``private``): one identity, so two changes within one group clash
    exclusive: tuple[frozenset[str], ...] = ()
    # item kinds that make a list's order matter: such a list is not merged
    order_sensitive: frozenset[str] = frozenset()

    def identity(self, key: str) -> Hashable:
        """What identifies an item named ``key`` in its list."""
        group = next((i for i, g in enumerate(self.exclusive) if key in g), None)
        return ("one of", group) if group is not None else key


@record
class UnorderedList:
    """One list of a fragment whose items may come in any order: character offsets
    into the fragment, and how its items merge."""

    start: int  # where the masked text starts: the opening bracket, or the first item
    end: int
    items: tuple[tuple[int, int], ...]
    keys: tuple[str, ...]  # each item's name
    kinds: tuple[str, ...]  # each item's node kind, where the source knows it
    # what the n-th lists of three revisions agree on when they are one list
    place: Hashable
    joiner: str  # how a new item is joined when no revision shows two items
    rule: ItemRule


# --- the lists of node kinds the profile declares commutative -------------------------


def _kind_joiner(kind: str, profile: LanguageProfile) -> str:
    separator = profile.commutative_parents.get(kind, " ")
    if not separator.strip():
        return " "
    return f"{separator} " if separator == "," else f" {separator} "


class RevisionLists:
    """The commutative lists of one revision's whole text, parsed on first use."""

    def __init__(self, text: str, profile: LanguageProfile) -> None:
        self.text = text
        self.profile = profile

    @cached_property
    def _lists(self) -> tuple[ItemList, ...]:
        # imported here: tree-sitter's queries, asked for only where a side changed such a list
        from smartmerge.parsing.from_tree_sitter import commutative_lists

        return commutative_lists(self.text, self.profile)

    @cached_property
    def _rule(self) -> ItemRule:
        profile = self.profile
        return ItemRule(left_order, exclusive=profile.exclusive_items, order_sensitive=profile.order_sensitive_items)

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        for line in split_lines(self.text):
            starts.append(starts[-1] + len(line))
        return starts

    def within(self, line: int, fragment: str) -> tuple[UnorderedList, ...] | None:
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
                inside.append(
                    UnorderedList(
                        start=found.start - start,
                        end=found.end - start,
                        items=tuple((a - start, b - start) for a, b in found.items),
                        keys=found.keys,
                        kinds=found.kinds,
                        place=found.kind,
                        joiner=_kind_joiner(found.kind, self.profile),
                        rule=self._rule,
                    )
                )
        return tuple(inside)


# --- the lists the profile's queries declare sets ---------------------------------------

_FIRST_WORD = re.compile(r"[\w$]+")


def _norm(item: str) -> str:
    return " ".join(item.split())


def _as_written(item: str) -> str:
    return item


def _key(item: str, keyed: bool) -> str:
    """What names an item: its first word when keyed (``a: b`` is ``a``), else its
    text without layout."""
    found = _FIRST_WORD.search(item) if keyed else None
    return found.group() if found else _norm(item)


def _query_rule(keyed: bool) -> ItemRule:
    return ItemRule(order=merge_order, ignore_layout=True, replaced_both="never" if keyed else "any", may_empty=True)


def _query_lists(text: str, spans: Sequence[SetSpan], keyed: Sequence[bool]) -> tuple[UnorderedList, ...]:
    """The sets of one revision, each item named as base's set at that index says
    (``keyed``), so the three revisions name items alike. A set's place is its
    separator and the text before it on its line since the previous set, without
    white space."""
    out = []
    previous = 0
    for span, keyed_set in zip(spans, keyed, strict=True):
        line_start = text.rfind("\n", 0, span.start) + 1
        lead = text[max(previous, line_start) : span.start]
        out.append(
            UnorderedList(
                start=span.start,
                end=span.end,
                items=span.items,
                keys=tuple(_key(text[a:b], keyed_set) for a, b in span.items),
                kinds=(),
                place=(span.separator, "".join(lead.split())),
                joiner=span.joiner,
                rule=_query_rule(keyed_set),
            )
        )
        previous = span.end
    return tuple(out)


def merge_with_sets(
    texts: tuple[str, str, str], spans: tuple[tuple[SetSpan, ...], ...], merge_rest: MergeRest
) -> str | None:
    """The merged text of three texts holding sets (``unordered.sets``), or None when
    the sets do not pair up or any part clashes."""
    if len({len(side) for side in spans}) != 1:
        return None
    keyed = [span.keyed for span in spans[0]]
    lists = tuple(_query_lists(text, side, keyed) for text, side in zip(texts, spans, strict=True))
    return merge_lists(texts, lists, merge_rest)


# --- the one merge -----------------------------------------------------------------------


def _placeholder(index: int, texts: Sequence[str]) -> str:
    stem = "smartmergeset"
    while any(stem in text for text in texts):
        stem += "x"
    return f"{stem}{index}x"  # the closing x: set 1 is no prefix of set 10


def merge_lists(
    texts: Sequence[str], lists: Sequence[Sequence[UnorderedList]], merge_rest: MergeRest
) -> str | None:
    """The merge of three texts whose differences lie in their unordered lists (and in
    text around them that ``merge_rest`` merges cleanly), or None."""
    # the n-th list of each revision must be the same list: the same kind, or the same
    # separator and text leading to it (`T` of `T: Ord`, `docs =`), or one side's bound
    # would merge into another parameter's when a side deleted one list and added another
    places = [tuple(found.place for found in side) for side in lists]
    if not lists[0] or any(place != places[0] for place in places):
        return None
    names = [_placeholder(i, texts) for i in range(len(lists[0]))]
    masked = []
    for text, side in zip(texts, lists, strict=True):
        out, at = [], 0
        for name, found in zip(names, side, strict=True):
            out += [text[at : found.start], name]
            at = found.end
        masked.append("".join(out) + text[at:])
    rest = merge_rest(masked[0], masked[1], masked[2])
    if rest is None or any(rest.count(name) != 1 for name in names):
        return None
    for index, name in enumerate(names):
        merged = _merge_list(texts, [side[index] for side in lists])
        if merged is None:
            return None
        rest = rest.replace(name, merged)
    return rest


def _pick(base: str, left: str, right: str) -> str | None:
    if left == base:
        return right
    if right in (base, left):
        return left
    return None


def _merge_list(texts: Sequence[str], lists: Sequence[UnorderedList]) -> str | None:
    """One list's merged text, or None when its edits clash."""
    rule = lists[0].rule
    if any(set(found.kinds) & rule.order_sensitive for found in lists):
        # a JSX spread overrides the attributes before it: that list's order matters
        return None
    opening = _pick(*(text[found.start : found.items[0][0]] for text, found in zip(texts, lists, strict=True)))
    closing = _pick(*(text[found.items[-1][1] : found.end] for text, found in zip(texts, lists, strict=True)))
    if opening is None or closing is None:
        return None
    sides: list[dict[Hashable, str]] = []
    for text, found in zip(texts, lists, strict=True):
        items: dict[Hashable, str] = {}
        for (start, end), key in zip(found.items, found.keys, strict=True):
            identity = rule.identity(key)
            if identity in items:
                return None  # a repeated item: no identity to go by
            items[identity] = text[start:end]
        sides.append(items)
    merged = merge_items(sides[0], sides[1], sides[2], rule)
    if merged is None:
        return None
    # the spacing between items as left, else right, else base wrote it
    joiner = next(
        (texts[i][lists[i].items[0][1] : lists[i].items[1][0]] for i in (1, 2, 0) if len(lists[i].items) > 1),
        lists[0].joiner,
    )
    return opening + joiner.join(merged) + closing


class _Clash:
    pass


_CLASH = _Clash()


def merge_items(
    base: dict[Hashable, str], left: dict[Hashable, str], right: dict[Hashable, str], rule: ItemRule
) -> list[str] | None:
    """Three sets of items by identity merged, in ``rule.order``. None when one item
    was changed two ways, deleted on one side and changed on the other, or replaced
    on both sides (as ``rule.replaced_both`` says)."""
    left_added, right_added = left.keys() - base.keys(), right.keys() - base.keys()
    removed_both = (base.keys() - left.keys()) & (base.keys() - right.keys())
    refused = rule.replaced_both == "any" or (rule.replaced_both == "different" and left_added != right_added)
    if removed_both and left_added and right_added and refused:
        # both replaced one item, each by another (`implements A` to `B` and to `C`)
        return None
    order = rule.order(list(base), list(left), list(right))
    if order is None:
        return None
    norm = _norm if rule.ignore_layout else _as_written
    kept: list[str] = []
    for key in order:
        merged = _merge_item(base.get(key), left.get(key), right.get(key), norm)
        if isinstance(merged, _Clash):
            return None
        if merged is not None:
            kept.append(merged)
    if not kept and not rule.may_empty:
        return None
    return kept


def _merge_item(base: str | None, left: str | None, right: str | None, norm: Callable[[str], str]) -> str | _Clash | None:
    """One item's merged text; None when it is gone; _CLASH when edits clash."""
    if base is None:
        if left is not None and right is not None and norm(left) != norm(right):
            return _CLASH  # one name added twice with different texts
        return left if left is not None else right
    if left is None or right is None:
        survivor = right if left is None else left
        # deleted on one side: fine unless the other side changed it
        return None if survivor is None or norm(survivor) == norm(base) else _CLASH
    if norm(left) == norm(base):
        return right
    if norm(right) in (norm(base), norm(left)):
        return left
    return _CLASH
