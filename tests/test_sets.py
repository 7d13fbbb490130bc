"""Lists a profile declares sets (``unordered.sets``), and the token pattern per
comment prefix."""

from __future__ import annotations

from smartmerge.languages import profile_named
from smartmerge.merging.sets import merge_with_sets
from smartmerge.merging.tokens import merge_tokens, token_keys
from smartmerge.parsing import parse


def _sets(text: str, language: str = "rust") -> tuple[str, tuple]:  # type: ignore[type-arg]
    node = parse(text, profile_named(language)).children[0]
    return node.head, node.sets


def _merge(base: str, left: str, right: str) -> str | None:
    parsed = [_sets(t) for t in (base, left, right)]
    texts = (parsed[0][0], parsed[1][0], parsed[2][0])

    def rest(b: str, lft: str, rgt: str) -> str | None:
        if lft == b:
            return rgt
        return lft if rgt in (b, lft) else None

    return merge_with_sets(texts, tuple(p[1] for p in parsed), rest)


def test_derive_items_are_found_but_not_other_attributes_or_macros() -> None:
    _, sets = _sets("#[derive(Debug, Clone)]\n#[cfg(test)]\nstruct A;\n")
    assert len(sets) == 1 and len(sets[0].items) == 2
    _, sets = _sets("fn f() {\n    vec![1, 2];\n}\n")
    assert sets == ()


def test_a_list_over_several_lines_is_not_a_set() -> None:
    _, sets = _sets("#[derive(\n    Debug,\n    Clone,\n)]\nstruct A;\n")
    assert sets == ()


def test_items_added_at_one_spot_both_land_left_first() -> None:
    merged = _merge("#[derive(Debug)]\nstruct A;\n", "#[derive(Debug, Eq)]\nstruct A;\n", "#[derive(Debug, Hash)]\nstruct A;\n")
    assert merged == "#[derive(Debug, Eq, Hash)]\nstruct A;\n"


def test_a_removal_stays_removed_and_an_addition_lands() -> None:
    merged = _merge("#[derive(Debug, Clone)]\nstruct A;\n", "#[derive(Debug)]\nstruct A;\n", "#[derive(Debug, Clone, Eq)]\nstruct A;\n")
    assert merged == "#[derive(Debug, Eq)]\nstruct A;\n"


def test_one_item_replaced_two_ways_is_refused() -> None:
    merged = _merge("#[derive(Clone)]\nstruct A;\n", "#[derive(Copy)]\nstruct A;\n", "#[derive(Default)]\nstruct A;\n")
    assert merged is None


def test_a_clash_outside_the_sets_is_refused() -> None:
    merged = _merge("#[derive(Debug)]\nstruct A;\n", "#[derive(Debug, Eq)]\nstruct B;\n", "#[derive(Debug)]\nstruct C;\n")
    assert merged is None


def test_comments_follow_the_profile_prefix() -> None:
    assert token_keys("#[derive(A)] // x y", "//") == ["#", "[", "derive", "(", "A", ")", "]", "// x y"]
    assert token_keys("a // b  # c") == ["a", "//", "b", "# c"]


def test_a_trailing_comma_goes_after_the_other_sides_change_at_the_list_end() -> None:
    assert merge_tokens("f(a, b)", "f(a, b,)", "f(a, c)") == "f(a, c,)"
    assert merge_tokens("f(a)", "f(a, b)", "f(a,)") == "f(a, b,)"
    # the other side deleted the last item: no single answer
    assert merge_tokens("f(a, b)", "f(a, b,)", "f(a)") is None
    # not before a closing bracket: still a clash
    assert merge_tokens("x = a", "x = a,", "x = b") is None


def test_sets_pair_only_when_the_text_leading_to_them_agrees() -> None:
    # left dropped T's bound list and added V's: right's bound on T must not land on U
    base = "fn f<T: X, U: Y>() {}\n"
    left = "fn f<T, U: Y, V: Z>() {}\n"
    right = "fn f<T: X + W, U: Y>() {}\n"
    assert _merge(base, left, right) is None
