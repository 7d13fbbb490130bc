"""What a conflict looks like in a file: diff3 markers aligned to whole lines."""

from __future__ import annotations

from collections.abc import Sequence

from smartmerge.options import MergeOptions


def _terminated(lines: Sequence[str], newline: str) -> list[str]:
    """Lines with a final line end, so the next marker starts a line of its own."""
    out = list(lines)
    if out and not out[-1].endswith(("\n", "\r")):
        out[-1] += newline
    return out


def conflict_block(
    base: Sequence[str],
    left: Sequence[str],
    right: Sequence[str],
    options: MergeOptions,
    newline: str = "\n",
) -> list[str]:
    """The lines of one conflict in ``options.conflict_style`` (diff3: base section included)."""
    size = options.marker_size
    before: list[str] = []
    after: list[str] = []
    left, right = _terminated(left, newline), _terminated(right, newline)
    if options.conflict_style == "zdiff3":
        # git's zealous diff3: lines both sides begin or end with are not part of the conflict
        while left and right and left[0] == right[0]:
            before.append(left.pop(0))
            right.pop(0)
        while left and right and left[-1] == right[-1]:
            after.insert(0, left.pop())
            right.pop()
    middle = [] if options.conflict_style == "merge" else [
        f"{'|' * size} {options.base_label}{newline}",
        *_terminated(base, newline),
    ]
    return [
        *before,
        f"{'<' * size} {options.left_label}{newline}",
        *left,
        *middle,
        f"{'=' * size}{newline}",
        *right,
        f"{'>' * size} {options.right_label}{newline}",
        *after,
    ]
