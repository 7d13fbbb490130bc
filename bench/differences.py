#!/usr/bin/env python3
"""Why clean merges of git-conflict scenarios differ from what the person committed.

For every real-py-dev scenario where ``git merge-file`` conflicts, merge in-process
with ``smartmerge.merge_texts``; for each clean output that differs from Expected even
ignoring whitespace, name the first reason that applies, comparing sets of stripped
non-blank lines:

* ``kept one side``: the person kept Left or Right whole (``meta.json``
  ``expected_equals``), so a merge that keeps both sides' changes cannot equal it;
* ``person wrote new lines``: Expected holds a line that is in none of Base, Left and
  Right, so no merge of the three can produce it;
* ``person dropped lines``: the output holds a line that Expected lacks;
* ``same lines, other order``: what is left (the order of two runs inserted at one
  spot, a statement placed elsewhere, one line kept twice).

The first two are out of reach of any merge that keeps both sides' changes; the
report gives the ceiling they set on "clean and equal ignoring whitespace".

    python bench/differences.py ../shared/corpus/real-py-dev [--list]

Standard library and smartmerge only; smartmerge is imported from this checkout.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge import merge_texts

KEPT_ONE_SIDE = "kept one side"
NEW_LINES = "person wrote new lines"
DROPPED = "person dropped lines"
ORDER = "same lines, other order"
REASONS = (KEPT_ONE_SIDE, NEW_LINES, DROPPED, ORDER)
WHITESPACE = re.compile(rb"\s+")


def _lines(data: bytes) -> set[bytes]:
    return {line.strip() for line in data.splitlines() if line.strip()}


def examine(folder: Path) -> tuple[str, str] | None:
    """(scenario, outcome) for a git-conflict scenario; None for the others."""
    meta = json.loads((folder / "meta.json").read_text())
    if meta["git_merge_file"]["diff3"]["status"] == "clean":
        return None
    base, left, right, expected = (
        (folder / f"{name}.py").read_bytes() for name in ("Base", "Left", "Right", "Expected")
    )
    result = merge_texts(base, left, right, path=meta["path"])
    if not result.clean:
        return folder.name, "conflict"
    if WHITESPACE.sub(b"", result.text) == WHITESPACE.sub(b"", expected):
        return folder.name, "equal"
    if meta.get("expected_equals") in ("left", "right"):
        return folder.name, KEPT_ONE_SIDE
    wanted = _lines(expected)
    if wanted - _lines(base) - _lines(left) - _lines(right):
        return folder.name, NEW_LINES
    if _lines(result.text) - wanted:
        return folder.name, DROPPED
    return folder.name, ORDER


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the real-py-dev folder")
    parser.add_argument("--list", action="store_true", help="name the scenarios of each reason")
    args = parser.parse_args()
    folders = sorted(p for p in args.corpus.iterdir() if (p / "meta.json").exists() and (p / "Base.py").exists())
    with multiprocessing.Pool() as pool:
        found = [item for item in pool.imap_unordered(examine, folders, chunksize=4) if item is not None]
    outcomes = Counter(outcome for _, outcome in found)
    clean = len(found) - outcomes["conflict"]
    print(f"git-conflict scenarios: {len(found)}; smartmerge clean: {clean} ({clean / len(found):.1%})")
    print(f"clean and equal ignoring whitespace: {outcomes['equal']} ({outcomes['equal'] / max(1, clean):.1%})")
    print("clean but different, by reason:")
    for reason in REASONS:
        print(f"  {reason}: {outcomes[reason]}")
    out_of_reach = outcomes[KEPT_ONE_SIDE] + outcomes[NEW_LINES]
    print(f"ceiling with these clean merges: {(clean - out_of_reach) / max(1, clean):.1%} (all but the first two reasons equal)")
    if args.list:
        for reason in REASONS:
            print(f"\n{reason}:")
            for name in sorted(name for name, outcome in found if outcome == reason):
                print(f"  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
