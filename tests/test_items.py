"""Merges inside one statement: named items of bracketed lists."""

from __future__ import annotations

from collections.abc import Hashable

from smartmerge.merging.items import (
    IMPORTS,
    KEYWORDS,
    merge_import_names,
    merge_inline_lists,
    merge_item_lists,
)
from smartmerge.merging.sets import ItemRule, left_order, merge_items


def test_keyword_arguments_added_on_both_sides_of_one_line() -> None:
    merged = merge_inline_lists("f('a')\n", "f('a', x=1)\n", "f('a', y='2, (3)')\n", unordered=False)
    assert merged == "f('a', x=1, y='2, (3)')\n"


def test_the_same_keyword_changed_two_ways_is_not_merged() -> None:
    assert merge_inline_lists("f(x=1)\n", "f(x=2)\n", "f(x=3)\n", unordered=False) is None


def test_a_shifted_positional_argument_is_not_merged() -> None:
    # a deleted positional argument shifts the others: no key can be trusted
    assert merge_inline_lists("f(a, b)\n", "f(b)\n", "f(a, b, c)\n", unordered=False) is None


def test_set_literals_merge_as_sets() -> None:
    assert merge_inline_lists("s = { 1 }\n", "s = { 1, 2 }\n", "s = { 1, 3 }\n", unordered=False) == "s = { 1, 2, 3 }\n"


def test_unclosed_strings_are_refused() -> None:
    assert merge_inline_lists("f('a')\n", "f('a', x='1)\n", "f('a', y=2)\n", unordered=False) is None


def test_multi_line_import_names_stay_sorted() -> None:
    base = "from m import (\n    a,\n    c,\n)\n"
    left = "from m import (\n    a,\n    c,\n    d,\n)\n"
    right = "from m import (\n    a,\n    b,\n    c,\n)\n"
    assert merge_item_lists(base, left, right, mode=IMPORTS) == "from m import (\n    a,\n    b,\n    c,\n    d,\n)\n"


def test_multi_line_keywords_with_a_comment_are_refused() -> None:
    base = "f(\n    a=1,\n)\n"
    left = "f(\n    a=1,\n    b=2,  # why\n)\n"
    right = "f(\n    a=1,\n    c=3,\n)\n"
    assert merge_item_lists(base, left, right, mode=KEYWORDS) is None


def test_one_line_import_names_keep_left_first_when_unsorted() -> None:
    assert merge_import_names("from m import b\n", "from m import b, a\n", "from m import b, c\n") == (
        "from m import b, a, c\n"
    )


# --- commutative lists (merging/sets.py) --------------------------------------

_COMMUTATIVE = ItemRule(order=left_order)


def merge_set(base: dict[Hashable, str], left: dict[Hashable, str], right: dict[Hashable, str]) -> list[str] | None:
    return merge_items(base, left, right, _COMMUTATIVE)


def test_set_merge_keeps_left_order_and_places_right_additions() -> None:
    base = {"IOE": "IOException"}
    left = {"IOE": "IOException", "PE": "ParseException"}
    right = {"UE": "UncheckedIOException"}
    assert merge_set(base, left, right) == ["ParseException", "UncheckedIOException"]
    # an addition goes before the item that follows it on its side
    base = {"public": "public"}
    assert merge_set(base, {"A": "@A", "public": "public"}, {"B": "@B", "public": "public"}) == ["@A", "@B", "public"]


def test_set_merge_refuses_one_item_changed_two_ways_or_deleted_and_changed() -> None:
    base = {"D": "@D(1)"}
    assert merge_set(base, {"D": "@D(2)"}, {"D": "@D(3)"}) is None
    assert merge_set(base, {}, {"D": "@D(3)"}) is None
    assert merge_set({}, {"D": "@D(2)"}, {"D": "@D(3)"}) is None


def test_set_merge_refuses_one_item_replaced_two_ways() -> None:
    assert merge_set({"A": "A"}, {"B": "B"}, {"C": "C"}) is None
    assert merge_set({"A": "A"}, {"B": "B"}, {"B": "B"}) == ["B"]
