#!/usr/bin/env python3
"""How often the semantic cross-check warns on real merges, and what it costs.

For every scenario of one or more corpus folders (format: ``../shared/corpus/README.md``),
merge in-process with ``smartmerge.merge_texts`` and, for each clean result, collect
``result.warnings`` (``checking_semantics.py``) and the time the check took
(``result.timings["semantics"]``). Per stratum (git clean / git conflict): clean
results, results with a warning, and every warning in full, so each can be read and
judged. ``--expected`` also runs the check on what the person committed (Expected
against Base, Left and Right): a warning there is a merge people actually made.

    nice python bench/semantic_warnings.py ../shared/corpus/real-py-dev ../shared/corpus/real-py-dev2

Standard library and smartmerge only; smartmerge is imported from this checkout.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge import merge_texts
from smartmerge.checking_semantics import semantic_warnings

Row = tuple[str, str, bool, list[str], float | None, list[str], float]


def examine(task: tuple[Path, bool]) -> Row:
    """(scenario, stratum, clean, warnings, CPU seconds of the check, warnings on Expected,
    CPU seconds of the whole merge)."""
    folder, on_expected = task
    meta = json.loads((folder / "meta.json").read_text())
    stratum = "git clean" if meta["git_merge_file"]["diff3"]["status"] == "clean" else "git conflict"
    base, left, right, expected = ((folder / f"{name}.py").read_bytes() for name in ("Base", "Left", "Right", "Expected"))
    started = time.thread_time()
    result = merge_texts(base, left, right, path=meta["path"])
    merge_seconds = time.thread_time() - started
    seconds = None
    if "semantics" in result.timings:
        # the check again, timed in CPU seconds of this thread: the wall clock of a
        # shared machine says more about the neighbours than about the check
        texts = [data.removeprefix(b"\xef\xbb\xbf").decode("utf-8") for data in (base, left, right, result.text)]
        started = time.thread_time()
        semantic_warnings(*texts)
        seconds = time.thread_time() - started
    committed: list[str] = []
    if on_expected:
        try:
            texts = [data.removeprefix(b"\xef\xbb\xbf").decode("utf-8") for data in (base, left, right, expected)]
            committed = list(semantic_warnings(*texts))
        except UnicodeDecodeError:
            pass
    return folder.name, stratum, result.clean, list(result.warnings), seconds, committed, merge_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="at most this many scenarios per corpus")
    parser.add_argument("--expected", action="store_true", help="also check what the person committed")
    args = parser.parse_args()
    for corpus in args.corpus:
        folders = sorted(p for p in corpus.iterdir() if (p / "meta.json").exists() and (p / "Base.py").exists())
        if args.limit:
            folders = folders[: args.limit]
        tasks = [(folder, args.expected) for folder in folders]
        with multiprocessing.Pool(args.jobs) as pool:
            rows = pool.map(examine, tasks, chunksize=4)
        print(f"## {corpus.name} ({len(rows)} scenarios)\n")
        print("| stratum | scenarios | clean | clean with a warning | warnings |")
        print("|---|---|---|---|---|")
        for stratum in ("git clean", "git conflict"):
            mine = [r for r in rows if r[1] == stratum]
            clean = [r for r in mine if r[2]]
            warned = [r for r in clean if r[3]]
            print(f"| {stratum} | {len(mine)} | {len(clean)} | {len(warned)} | {sum(len(r[3]) for r in warned)} |")
        times = sorted(1e3 * r[4] for r in rows if r[4] is not None)
        if times:
            p95 = times[int(0.95 * (len(times) - 1))]
            merges = sorted(1e3 * r[6] for r in rows if r[4] is not None)
            print(f"\ncheck CPU time per clean structured Python result (n={len(times)}): "
                  f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms; "
                  f"the whole merge of the same results (CPU, in-process, check included): "
                  f"median {statistics.median(merges):.1f} ms")
            slowest = sorted((r for r in rows if r[4] is not None), key=lambda r: -(r[4] or 0.0))[:3]
            print("slowest: " + ", ".join(f"{r[0]} {1e3 * (r[4] or 0.0):.1f} ms" for r in slowest) + "\n")
        for name, stratum, _, warnings, _, _, _ in rows:
            for warning in warnings:
                print(f"- merge, {stratum}: {name}: {warning}")
        if args.expected:
            for name, stratum, _, _, _, committed, _ in rows:
                for warning in committed:
                    print(f"- Expected, {stratum}: {name}: {warning}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
