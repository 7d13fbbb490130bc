"""The order of a merged body: base order, each side's moves, both sides' insertions.

Every child carries an identity (its base index when matched, otherwise a key of
its own); this module only decides where each identity goes. Insertions attach to
the nearest preceding child that both sides still order the same way (the anchor);
when both sides insert after one anchor, left's run comes first, then right's, as
people do about three times in four (corpus/CONFLICTS.md).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from difflib import SequenceMatcher

Id = Hashable
# orders two runs that both sides inserted after one anchor
CombineRuns = Callable[[list[Id], list[Id]], list[Id]]


def _moved(base: Sequence[Id], side: Sequence[Id]) -> set[Id]:
    """Children both revisions have but the side put in another order."""
    side_set = set(side)
    common_base = [x for x in base if x in side_set]
    base_set = set(base)
    common_side = [x for x in side if x in base_set]
    matcher = SequenceMatcher(None, common_base, common_side, autojunk=False)
    kept = {common_side[b.b + k] for b in matcher.get_matching_blocks() for k in range(b.size)}
    return set(common_side) - kept


def _runs(
    side: Sequence[Id], skeleton: Sequence[Id], skip: set[Id], replaces: bool, replacing: set[Id | None] | None = None
) -> dict[Id | None, list[Id]]:
    """Anchor -> the ids the side puts right after it (in the side's order).

    With ``replaces``, a run the side wrote where it deleted base children (a statement
    changed beyond matching: an import of another module) replaces them, so its anchor
    is the last of them: the other side's insertions before them stay before it, and
    (``replacing`` collects such anchors) those after it come after the rewrite."""
    position = {item: k for k, item in enumerate(skeleton)}
    runs: dict[Id | None, list[Id]] = {}
    anchor: Id | None = None
    run: list[Id] = []

    def flush(successor: int) -> None:
        if run:
            after = position[anchor] if anchor is not None else -1
            key = skeleton[successor - 1] if replaces and successor - 1 > after else anchor
            if key is not anchor and replacing is not None:
                replacing.add(key)
            runs.setdefault(key, []).extend(run)
            run.clear()

    for item in side:
        if item in position:
            flush(position[item])
            anchor = item
        elif item not in skip:
            run.append(item)
    flush(len(skeleton))
    return runs


def merge_order(
    base: Sequence[Id],
    left: Sequence[Id],
    right: Sequence[Id],
    combine_runs: CombineRuns | None = None,
    *,
    replacements: bool = False,
) -> list[Id] | None:
    """All ids of the three sequences in merged order; None when moves clash.

    ``combine_runs`` orders two runs inserted after the same anchor (for sorted
    import blocks); by default left's run comes first. ``replacements``: a run a side
    wrote in place of base children it deleted goes where they were (in a module or
    class, where the other side's statement inserted just before an import it did
    not touch must stay before that import's new version; inside a function a
    replacement's place next to a clash has no such meaning, so it keeps the anchor
    before it).
    """
    moved_left, moved_right = _moved(base, left), _moved(base, right)
    both_moved = moved_left & moved_right
    # both sides moved the same child: only fine when they agree on the result
    if both_moved and [x for x in left if x in both_moved] != [x for x in right if x in both_moved]:
        return None
    skeleton = [x for x in base if x not in moved_left and x not in moved_right]
    # a child moved by one side is placed by that side alone
    left_replacing: set[Id | None] = set()
    right_replacing: set[Id | None] = set()
    left_runs = _runs(left, skeleton, moved_right - moved_left, replacements, left_replacing)
    right_runs = _runs(right, skeleton, moved_left - moved_right, replacements, right_replacing)
    out: list[Id] = []
    emitted: set[Id] = set()
    for anchor in [None, *skeleton]:
        if anchor is not None:
            out.append(anchor)
            emitted.add(anchor)
        left_run = [x for x in left_runs.get(anchor, []) if x not in emitted]
        right_full = [x for x in right_runs.get(anchor, []) if x not in emitted]
        right_run = [x for x in right_full if x not in left_run]
        if set(left_run) <= set(right_full) or not right_run:
            # one side inserted all the other did and more (a backport): its order
            run = right_full if len(right_full) > len(left_run) else left_run
        elif anchor in right_replacing and anchor not in left_replacing:
            # right rewrote the anchor, left inserted after it: after the rewrite
            run = right_run + left_run
        elif combine_runs is not None and left_run:
            run = combine_runs(left_run, right_run)
        else:
            run = left_run + right_run
        for item in run:
            if item not in emitted:
                out.append(item)
                emitted.add(item)
    return out
