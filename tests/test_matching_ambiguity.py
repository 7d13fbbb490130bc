"""matching.ambiguity: which pairs of an alignment are a guess, and what diff3 does
with them (an edit of a guessed copy meets the other side's change)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from smartmerge.matching.ambiguity import changed_by_deleting, equal_pairs, uncertain
from smartmerge.merging.diff3 import diff3


def _uncertain(base: str, side: str, suspects: list[int]) -> list[int]:
    return sorted(uncertain(base, side, equal_pairs(base, side), suspects))


def test_a_deleted_copy_slides_over_its_twin() -> None:
    # [a, X, X, e] -> [a, X, e]: either X went
    assert 1 in _uncertain("aXXe", "aXe", [1])
    # a run of two deleted after its twin run: the whole twin is a guess
    assert _uncertain("kpqrpqrk", "kpqrk", [1]) == [1, 2, 3, 4, 5, 6]


def test_an_inserted_copy_makes_its_twin_a_guess() -> None:
    assert _uncertain("abXe", "abXXe", [2]) == [2]
    assert _uncertain("abcXY", "abcXYXY", [3]) == [3, 4]


def test_a_distant_copy_the_two_directions_pair_differently() -> None:
    # [a, x, c, x] -> [a, I, x] (x, c wrapped in a new block I): which x stayed?
    assert _uncertain("axcx", "aIx", [1]) == [1, 3]


def test_unique_or_untouched_elements_are_no_guess() -> None:
    assert _uncertain("aXbXc", "aXbXc", list(range(5))) == []
    assert _uncertain("XaX", "XaXb", [0, 1, 2]) == []  # appended b slides over nothing equal
    assert _uncertain("abcd", "abd", [0, 1, 3]) == []  # nothing repeats
    assert _uncertain("aXXe", "aXe", []) == []  # the other side changed nothing


def test_diff3_conflicts_where_an_edit_would_land_on_a_guessed_copy() -> None:
    base, left, right = ["a", "X", "X", "e"], ["a", "X", "e"], ["a", "Y", "X", "e"]
    assert any(chunk.conflict for chunk in diff3(base, left, right))
    assert any(chunk.conflict for chunk in diff3(base, right, left))
    # an edit away from the copies still merges with the deletion
    far = ["b", "X", "X", "e"]
    merged = [item for chunk in diff3(base, left, far) for item in chunk.resolved()]
    assert not any(chunk.conflict for chunk in diff3(base, left, far)) and merged == ["b", "X", "e"]


def test_a_deletion_that_can_slide_off_an_element_is_no_change_of_it() -> None:
    def slides(base: str, side: str, i: int) -> bool:
        matched = equal_pairs(base, side)
        assert i not in matched
        return i not in changed_by_deleting(base, matched, len(side))

    assert slides("aXXe", "aXe", 2)  # the copy taken for deleted could be the other
    assert slides("kpqrpqrk", "kpqrk", 4)
    assert not slides("aXYe", "aXe", 2)  # Y is unique: it went
    assert not slides("aXXe", "aYXe", 1)  # replaced, not deleted


def _slides_off_one_by_one(base: Sequence[Hashable], matched: dict[int, int], i: int, other_len: int) -> bool:
    """The reference: the per-position test ``changed_by_deleting`` replaced, which
    walked the whole unpaired run around ``i`` for each ``i`` of it."""
    n = len(base)
    p, q = i, i + 1
    while p > 0 and p - 1 not in matched:
        p -= 1
    while q < n and q not in matched:
        q += 1
    if (matched[p - 1] if p > 0 else -1) + 1 != (matched[q] if q < n else other_len):
        return False
    back = 0
    while p - back > 0 and base[p - back - 1] == base[q - back - 1]:
        back += 1
        if q - back <= i:
            return True
    ahead = 0
    while q + ahead < n and base[p + ahead] == base[q + ahead]:
        ahead += 1
        if p + ahead > i:
            return True
    return False


def _check_against_reference(base: str, matched: dict[int, int], other_len: int) -> None:
    expected = {
        i for i in range(len(base)) if i not in matched and not _slides_off_one_by_one(base, matched, i, other_len)
    }
    assert changed_by_deleting(base, matched, other_len) == expected


@settings(deadline=None, max_examples=500)
@given(st.text(alphabet="ab", max_size=12), st.text(alphabet="abc", max_size=12))
def test_changed_by_deleting_is_the_per_position_test_on_alignments(base: str, side: str) -> None:
    _check_against_reference(base, equal_pairs(base, side), len(side))


@settings(deadline=None, max_examples=500)
@given(st.data(), st.text(alphabet="ab", max_size=12), st.integers(0, 14))
def test_changed_by_deleting_is_the_per_position_test_on_any_pairs(data: st.DataObject, base: str, other_len: int) -> None:
    # any pairs, as the structured merge's (which need not be one alignment in order)
    keys = data.draw(st.sets(st.integers(0, max(len(base) - 1, 0))) if base else st.just(set[int]()))
    matched = {i: data.draw(st.integers(-1, 14)) for i in sorted(keys)}
    _check_against_reference(base, matched, other_len)
