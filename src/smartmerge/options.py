"""MergeOptions: everything a caller can choose about one merge."""

from __future__ import annotations

from smartmerge.records import record

DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MARKER_SIZE = 7
# git's merge.conflictStyle values: "merge" has no base section, "zdiff3" moves the
# lines both sides share at the ends of a conflict out of it
CONFLICT_STYLES = ("diff3", "merge", "zdiff3")


@record
class MergeOptions:
    """How to merge and how to write conflicts.

    Labels follow git's diff3 markers: ``<<<<<<< left``, ``||||||| base``,
    ``=======``, ``>>>>>>> right``.
    """

    base_label: str = "base"
    left_label: str = "left"
    right_label: str = "right"
    marker_size: int = DEFAULT_MARKER_SIZE
    # Wall-clock budget for the structured merge; past it the line merge is used.
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    # Force a language instead of detecting it from the path ("python", ...).
    language: str | None = None
    # Skip the structured merge and use the line merge only.
    line_merge: bool = False
    # How conflicts are written: one of CONFLICT_STYLES (diff3 keeps the base section,
    # which `smartmerge solve` needs to undo a conflict from the file alone).
    conflict_style: str = "diff3"
