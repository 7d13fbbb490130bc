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
    """The lines of one diff3 conflict, base section included."""
    size = options.marker_size
    return [
        f"{'<' * size} {options.left_label}{newline}",
        *_terminated(left, newline),
        f"{'|' * size} {options.base_label}{newline}",
        *_terminated(base, newline),
        f"{'=' * size}{newline}",
        *_terminated(right, newline),
        f"{'>' * size} {options.right_label}{newline}",
    ]
