"""A three-way merge of two edited copies of one sequence (lines, tokens, keys).

This is the classic diff3 (Khanna, Kunal and Pierce, "A Formal Investigation of
Diff3"): stable chunks are stretches where base, left and right agree; between
them lie unstable chunks, which are either changed by one side only, changed the
same way by both, or a conflict. Like git, two edits with no unchanged element
between them form one chunk and so conflict.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from smartmerge.matching.ambiguity import changed_by_deleting, equal_pairs, uncertain
from smartmerge.records import record

TYPE_CHECKING = False  # typing costs a driver call start-up; mypy reads the name as true
if TYPE_CHECKING:
    from typing import Generic, TypeVar

    T = TypeVar("T", bound=Hashable)
else:
    class Generic:
        """Chunk is generic for mypy only: at run time ``Generic[T]`` is this plain base."""

        __slots__ = ()

        def __class_getitem__(cls, item: object) -> type:
            return cls

    T = Hashable


@record
class Chunk(Generic[T]):
    """One chunk of a diff3: ``stable`` when all three agree."""

    base: tuple[T, ...]
    left: tuple[T, ...]
    right: tuple[T, ...]

    @property
    def stable(self) -> bool:
        return self.base == self.left == self.right

    @property
    def conflict(self) -> bool:
        return self.left != self.base and self.right != self.base and self.left != self.right

    def resolved(self) -> tuple[T, ...]:
        """The merged content of a chunk that is not a conflict."""
        if self.left == self.base:
            return self.right
        return self.left


def diff3(base: Sequence[T], left: Sequence[T], right: Sequence[T]) -> list[Chunk[T]]:
    """Split the three sequences into stable and unstable chunks.

    A base element one side changed is no anchor for the other side when that
    side's partner for it is a guess (``matching.ambiguity.uncertain``: one of two
    equal statements, the one a side deleted or wrapped in a new ``if``): the two
    changes meet in one chunk, a conflict, rather than the edit landing on the
    wrong copy."""
    to_left = equal_pairs(base, left)
    to_right = equal_pairs(base, right)
    changed_by_left = changed_by_deleting(base, to_left, len(left))
    changed_by_right = changed_by_deleting(base, to_right, len(right))
    for i in uncertain(base, left, to_left, changed_by_right):
        to_left.pop(i, None)
    for i in uncertain(base, right, to_right, changed_by_left):
        to_right.pop(i, None)
    chunks: list[Chunk[T]] = []
    i = j = k = 0
    while i < len(base) or j < len(left) or k < len(right):
        # a stable run: base[i] is matched to exactly left[j] and right[k]
        start = i
        while i < len(base) and to_left.get(i) == j and to_right.get(i) == k:
            i, j, k = i + 1, j + 1, k + 1
        if i > start:
            run = tuple(base[start:i])
            chunks.append(Chunk(run, run, run))
            continue
        # an unstable chunk up to the next base element matched on both sides
        o = i
        while o < len(base) and not (o in to_left and o in to_right and to_left[o] >= j and to_right[o] >= k):
            o += 1
        if o < len(base):
            nj, nk = to_left[o], to_right[o]
        else:
            nj, nk = len(left), len(right)
        chunks.append(Chunk(tuple(base[i:o]), tuple(left[j:nj]), tuple(right[k:nk])))
        i, j, k = o, nj, nk
    return chunks


def merge3(base: Sequence[T], left: Sequence[T], right: Sequence[T]) -> tuple[T, ...] | None:
    """The merged sequence, or None when any chunk conflicts."""
    merged: list[T] = []
    for chunk in diff3(base, left, right):
        if chunk.conflict:
            return None
        merged.extend(chunk.resolved())
    return tuple(merged)


def contains_changes(base: Sequence[T], side: Sequence[T], merged: Sequence[T]) -> bool:
    """True when every change from base to ``side`` is also in ``merged``.

    The merge of (base, merged, side) then adds nothing to ``merged``: that is
    the definition of containment used by the self-check.
    """
    return merge3(base, merged, side) == tuple(merged)
