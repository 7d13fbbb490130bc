"""Which pairs of an alignment are a guess: an element equal to another one nearby.

An alignment of base with one side pairs equal elements; when base holds an element
more than once, several alignments may be equally good, and the one taken decides
where the other side's edit of that element lands. Two shapes:

- a slider: a run one side deleted (or inserted) next to an equal element, as in
  ``[x, x]`` to ``[x]``: which copy went is unknown, so an edit of either copy by
  the other side may land on the one that is gone;
- a distant copy: ``[a, x, c, x]`` to ``[a, if(x, c), x]`` (a run wrapped in a new
  ``if``): the ``x`` left in place pairs with the first copy or the second, the
  alignment run from the start and from the end disagree.

Callers treat an edit the other side made to such an element as meeting this side's
change there (a conflict, or a merge by lines where they meet), never as landing on
the copy the alignment happened to take.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from difflib import SequenceMatcher


def equal_pairs(base: Sequence[Hashable], side: Sequence[Hashable]) -> dict[int, int]:
    """Base position -> side position for every element an alignment finds equal."""
    pairs: dict[int, int] = {}
    for block in SequenceMatcher(None, base, side, autojunk=False).get_matching_blocks():
        pairs.update((block.a + k, block.b + k) for k in range(block.size))
    return pairs


def uncertain(
    base: Sequence[Hashable], side: Sequence[Hashable], matched: dict[int, int], suspects: Iterable[int]
) -> set[int]:
    """The base positions whose pairs in ``matched`` (an alignment of base with
    ``side``) are a guess that matters: empty unless one of ``suspects`` (usually
    what the other side changed) is a repeated element that slides, or that the
    alignment run from the end pairs differently. Then every pair the guess decides
    goes: the equal elements the slide could move over, or every pair the two
    alignments disagree on between two pairs they agree on, so that the caller's
    changes there meet."""
    # repeated within base or within the side (an element in each once is no choice)
    in_base, in_side = Counter(base), Counter(side)
    repeated = {i for i in suspects if in_base[base[i]] > 1 or in_side[base[i]] > 1}
    if not repeated:
        return set()
    n, m = len(base), len(side)
    backward = {n - 1 - i: m - 1 - j for i, j in equal_pairs(base[::-1], side[::-1]).items()}
    # the pairs the two alignments disagree on, between pairs they agree on
    disagree = [i for i in range(n) if matched.get(i) != backward.get(i)]
    agree = [i for i in range(n) if i in matched and matched[i] == backward.get(i)]
    found: set[int] = set()
    for i in repeated:
        if matched.get(i) != backward.get(i):
            lo, hi = bisect_left(agree, i), bisect_right(agree, i)
            low = agree[lo - 1] if lo else -1
            high = agree[hi] if hi < len(agree) else n
            found.update(disagree[bisect_right(disagree, low) : bisect_left(disagree, high)])
    to_base = {j: i for i, j in matched.items()}
    for i in repeated:
        if i in matched:
            found |= _slid_over(base, matched, i, m)
            found |= {to_base[j] for j in _slid_over(side, to_base, matched[i], n)}
    return found


def _slid_over(seq: Sequence[Hashable], matched: dict[int, int], i: int, other_len: int) -> set[int]:
    """The paired positions of ``seq`` around ``i`` that a run the alignment leaves
    unpaired (deleted from base, or inserted by the side when ``seq`` is the side),
    with nothing on the other sequence in its place, could move over: the run and
    the elements it would move over are equal one for one (``[x, x]`` to ``[x]``:
    either ``x`` went). Empty unless the run reaches ``i``."""
    n = len(seq)
    # the equal block around i: consecutive pairs
    start, end = i, i + 1
    while start > 0 and matched.get(start - 1) == matched[start] - 1:
        start -= 1
    while end < n and matched.get(end) == matched[end - 1] + 1:
        end += 1
    # a run unpaired right after the block, the block's partner going on after it
    q = end
    while q < n and q not in matched:
        q += 1
    if q > end and (matched[q] if q < n else other_len) == matched[end - 1] + 1:
        reach = 0  # how far the run slides back into the block
        while end - reach - 1 >= start and seq[end - reach - 1] == seq[q - reach - 1]:
            reach += 1
        if end - i <= reach:
            return set(range(end - reach, end))
    # a run unpaired right before the block
    p = start - 1
    while p >= 0 and p not in matched:
        p -= 1
    if p < start - 1 and (matched[p] if p >= 0 else -1) == matched[start] - 1:
        reach = 0  # how far the run slides forward into the block
        while start + reach < end and seq[start + reach] == seq[p + 1 + reach]:
            reach += 1
        if i - start < reach:
            return set(range(start, start + reach))
    return set()


def changed_by_deleting(base: Sequence[Hashable], matched: dict[int, int], other_len: int) -> set[int]:
    """The positions of ``base`` left unpaired by ``matched`` (an alignment of base
    with a side ``other_len`` long) that are a change of that position in particular:
    all but those in a deleted run that could move off them over equal elements
    (``[x, x]`` to ``[x]`` with the copy taken for deleted: either copy went).
    ``uncertain`` should not count such a deletion as a change of the position
    (two deletions or insertions of equal elements next to each other agree
    whichever copies are taken).

    Each maximal unpaired run ``[p, q)`` is walked once: whether the side wrote
    something in its place (an edit, every position changed) holds for the whole
    run, and how far the run slides towards the start (``back``) or the end
    (``ahead``) decides which of its positions it can move off: the last ``back``
    ones, and the first ``ahead`` ones."""
    n = len(base)
    changed: set[int] = set()
    q = 0
    while q < n:
        if q in matched:
            q += 1
            continue
        p = q
        while q < n and q not in matched:
            q += 1
        if (matched[p - 1] if p > 0 else -1) + 1 != (matched[q] if q < n else other_len):
            changed.update(range(p, q))  # the side wrote something in the run's place: an edit
            continue
        # slide the run towards the start while its last equals the one before it;
        # sliding by the run's length or more moves it off every one of its positions
        back = 0
        while back < q - p and p - back > 0 and base[p - back - 1] == base[q - back - 1]:
            back += 1
        # slide it towards the end while its first equals the one after it
        ahead = 0
        while ahead < q - p and q + ahead < n and base[p + ahead] == base[q + ahead]:
            ahead += 1
        changed.update(range(p + ahead, q - back))
    return changed
