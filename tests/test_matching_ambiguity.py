"""matching.ambiguity: which pairs of an alignment are a guess, and what diff3 does
with them (an edit of a guessed copy meets the other side's change)."""

from __future__ import annotations

from smartmerge.matching.ambiguity import deletion_slides_off, equal_pairs, uncertain
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
        return deletion_slides_off(base, equal_pairs(base, side), i, len(side))

    assert slides("aXXe", "aXe", 2)  # the copy taken for deleted could be the other
    assert slides("kpqrpqrk", "kpqrk", 4)
    assert not slides("aXYe", "aXe", 2)  # Y is unique: it went
    assert not slides("aXXe", "aYXe", 1)  # replaced, not deleted
