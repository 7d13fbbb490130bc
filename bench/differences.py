#!/usr/bin/env python3
"""Why clean merges of git-conflict scenarios differ from what the person committed.

For every scenario of a corpus (real-py-dev, real-py-dev2: the same format) where
``git merge-file`` conflicts, merge in-process with ``smartmerge.merge_texts``; for
each clean output that differs from Expected even ignoring whitespace, name its class:

* ``wrong (read and confirmed)``: a person read the output and found it lost or
  corrupted a side's change, or holds code neither side wrote (``REVIEWED``,
  ``bench/reviewed_differences.toml``, records each verdict with the sha256 of the
  output read; a verdict on another output does not count);
* ``suspect, not yet read``: ``suspects`` finds a line where the output disagrees with
  keeping both sides' changes while the person agrees, a line nobody wrote, or a name
  the output reads that no input leaves undefined; and no verdict covers this output;

and otherwise the first reason that applies, comparing sets of stripped non-blank lines:

* ``kept one side``: the person kept Left or Right whole (``meta.json``
  ``expected_equals``), so a merge that keeps both sides' changes cannot equal it;
* ``person wrote new lines``: Expected holds a line that is in none of Base, Left and
  Right, so no merge of the three can produce it;
* ``person dropped lines``: the output holds a line that Expected lacks;
* ``same lines, other order``: what is left (the order of two runs inserted at one
  spot, a statement placed elsewhere, one line kept twice).

The first two reasons are out of reach of any merge that keeps both sides' changes; the
report gives the ceiling they set on "clean and equal ignoring whitespace".

    python bench/differences.py ../shared/corpus/real-py-dev2 [--list] [--table]

``--list`` names the scenarios of each class, with the review note and suspect lines.
Standard library and smartmerge only; smartmerge is imported from this checkout.
"""

from __future__ import annotations

import argparse
import builtins
import hashlib
import json
import multiprocessing
import re
import symtable
import sys
import tomllib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge import merge_texts

KEPT_ONE_SIDE = "kept one side"
NEW_LINES = "person wrote new lines"
DROPPED = "person dropped lines"
ORDER = "same lines, other order"
WRONG = "wrong (read and confirmed)"
SUSPECT = "suspect, not yet read"
REASONS = (KEPT_ONE_SIDE, NEW_LINES, DROPPED, ORDER, WRONG, SUSPECT)
DESCRIPTIONS = {
    KEPT_ONE_SIDE: "the person kept one side whole",
    NEW_LINES: "Expected holds lines none of Base, Left, Right has (the person wrote code)",
    DROPPED: "the output keeps lines the person dropped",
    ORDER: "the same lines in another order",
    WRONG: "**wrong**: lost or corrupted a side's change, or code neither side wrote (read)",
    SUSPECT: "suspect lines (see `suspects`), not yet read",
}
REVIEWED = Path(__file__).resolve().parent / "reviewed_differences.toml"
WHITESPACE = re.compile(rb"\s+")


def _lines(data: bytes) -> set[bytes]:
    return {line.strip() for line in data.splitlines() if line.strip()}


def _counts(data: bytes) -> Counter[bytes]:
    return Counter(line.strip() for line in data.splitlines() if line.strip())


def undefined_names(data: bytes) -> set[str]:
    """Global names the code reads but never binds (nor are built in); empty for a
    star import or code that does not compile."""
    try:
        text = data.decode("utf-8")
        top = symtable.symtable(text, "<merge>", "exec")
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return set()
    bound = {sym.get_name() for sym in top.get_symbols() if sym.is_assigned() or sym.is_imported()}
    if "*" in bound or re.search(r"^\s*from\s+\S+\s+import\s+\*", text, re.MULTILINE):
        return set()
    read: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        tables += table.get_children()
        read |= {
            sym.get_name() for sym in table.get_symbols()
            if sym.is_referenced() and (sym.is_global() if table is not top else not sym.is_assigned() and not sym.is_imported())
            and not sym.is_declared_global()
        }
    return read - bound - set(dir(builtins)) - {"__file__", "__name__", "__doc__", "__builtins__", "__spec__", "__path__", "__loader__", "__package__", "__annotations__"}


def suspects(base: bytes, left: bytes, right: bytes, expected: bytes, output: bytes) -> list[str]:
    """Lines where the output looks like it lost or corrupted a side's change.

    Line by line (stripped, counted), keeping both sides' changes gives each line
    ``left + right - base`` copies. A line whose count in the output differs from that,
    while the person's count agrees with it, is a side's change the output dropped,
    a deletion it undid, or a line kept twice. A line that none of Base, Left, Right and
    Expected holds is code neither side wrote (a token merge the person did otherwise).
    Either may still be harmless (the person took one side of a token-level merge):
    each is read, and ``REVIEWED`` records the verdict.
    """
    b, lt, rt, e, o = (_counts(data) for data in (base, left, right, expected, output))
    found = [
        f"reads a name no side leaves undefined: {name}"
        for name in sorted(undefined_names(output) - undefined_names(left) - undefined_names(right))
    ]
    for line in sorted(set(b) | set(lt) | set(rt) | set(o)):
        both = max(0, lt[line] + rt[line] - b[line])
        if o[line] and not (b[line] or lt[line] or rt[line] or e[line]):
            found.append(f"neither side wrote: {line.decode(errors='replace')}")
        elif o[line] != both and e[line] == both:
            found.append(f"{o[line]} cop{'y' if o[line] == 1 else 'ies'}, both sides' changes give {both}: {line.decode(errors='replace')}")
    return found


def _reviews(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """(corpus, scenario) -> the review of one output, from ``REVIEWED``."""
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {(r["corpus"], r["scenario"]): r for r in data.get("review", [])}


def classify(base: bytes, left: bytes, right: bytes, expected: bytes, output: bytes, kept: str,
             review: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """(class, suspect lines) of one clean output of a git-conflict scenario.

    ``review`` is the recorded verdict on this scenario; it counts only while the output
    is the one that was read (its sha256 matches).
    """
    if WHITESPACE.sub(b"", output) == WHITESPACE.sub(b"", expected):
        return "equal", []
    found = suspects(base, left, right, expected, output)
    read = review is not None and review.get("output_sha256") == hashlib.sha256(output).hexdigest()
    if read and review is not None and review["verdict"] == "wrong":
        return WRONG, found
    if found and not read:
        return SUSPECT, found
    if kept in ("left", "right"):
        return KEPT_ONE_SIDE, found
    wanted = _lines(expected)
    if wanted - _lines(base) - _lines(left) - _lines(right):
        return NEW_LINES, found
    if _lines(output) - wanted:
        return DROPPED, found
    return ORDER, found


def examine(job: tuple[Path, dict[str, str] | None]) -> dict[str, object] | None:
    """The record of a git-conflict scenario; None for the others."""
    folder, review = job
    meta = json.loads((folder / "meta.json").read_text())
    if meta["git_merge_file"]["diff3"]["status"] == "clean":
        return None
    base, left, right, expected = (
        (folder / f"{name}.py").read_bytes() for name in ("Base", "Left", "Right", "Expected")
    )
    result = merge_texts(base, left, right, path=meta["path"])
    record: dict[str, object] = {"scenario": folder.name}
    if not result.clean:
        return {**record, "class": "conflict"}
    cls, found = classify(base, left, right, expected, result.text, meta.get("expected_equals", "none"), review)
    return {**record, "class": cls, "suspects": found, "output_sha256": hashlib.sha256(result.text).hexdigest(),
            "note": (review or {}).get("note", "")}


def report(records: list[dict[str, object]]) -> list[str]:
    """The summary lines."""
    outcomes = Counter(str(r["class"]) for r in records)
    clean = len(records) - outcomes["conflict"]
    lines = [
        f"git-conflict scenarios: {len(records)}; smartmerge clean: {clean} ({clean / max(1, len(records)):.1%})",
        f"clean and equal ignoring whitespace: {outcomes['equal']} ({outcomes['equal'] / max(1, clean):.1%})",
        "clean but different, by reason:",
        *(f"  {reason}: {outcomes[reason]}" for reason in REASONS),
    ]
    out_of_reach = outcomes[KEPT_ONE_SIDE] + outcomes[NEW_LINES]
    lines.append(f"ceiling with these clean merges: {(clean - out_of_reach) / max(1, clean):.1%} (all but the first two reasons equal)")
    return lines


def markdown(records: list[dict[str, object]]) -> list[str]:
    """The same as a Markdown table."""
    outcomes = Counter(str(r["class"]) for r in records)
    clean = len(records) - outcomes["conflict"]
    rows = ["| class | scenarios |", "|---|---:|",
            f"| git-conflict scenarios | {len(records)} |",
            f"| smartmerge clean | {clean} ({clean / max(1, len(records)):.1%}) |",
            f"| clean and equal to Expected ignoring whitespace | {outcomes['equal']} ({outcomes['equal'] / max(1, clean):.1%} of clean) |"]
    rows += [f"| clean but different: {DESCRIPTIONS[reason]} | {outcomes[reason]} |" for reason in REASONS]
    out_of_reach = outcomes[KEPT_ONE_SIDE] + outcomes[NEW_LINES]
    rows.append(f"| ceiling on \"equal\" with these clean merges (all but the first two reasons) | {(clean - out_of_reach) / max(1, clean):.1%} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a corpus folder such as real-py-dev or real-py-dev2")
    parser.add_argument("--list", action="store_true", help="name the scenarios of each reason (with the review note and suspect lines)")
    parser.add_argument("--reviewed", type=Path, default=REVIEWED, help=f"the verdicts of read outputs (default {REVIEWED.name} beside this script)")
    parser.add_argument("--table", action="store_true", help="print only the Markdown table (for bench/update_docs.py)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    args = parser.parse_args(argv)
    reviews = _reviews(args.reviewed)
    corpus = args.corpus.resolve().name
    folders = sorted(p for p in args.corpus.iterdir() if (p / "meta.json").exists() and (p / "Base.py").exists())
    jobs = [(folder, reviews.get((corpus, folder.name))) for folder in folders]
    with multiprocessing.Pool(args.jobs) as pool:
        records = [item for item in pool.imap_unordered(examine, jobs, chunksize=4) if item is not None]
    records.sort(key=lambda r: str(r["scenario"]))
    print("\n".join(markdown(records) if args.table else report(records)))
    if args.list:
        for reason in REASONS:
            print(f"\n{reason}:")
            for r in records:
                if r["class"] == reason:
                    note = f"  # {r['note']}" if r.get("note") else ""
                    print(f"  {r['scenario']}{note}")
                    if reason in (WRONG, SUSPECT):
                        print(f"    output sha256 {r['output_sha256']}")
                        for line in r.get("suspects") or []:  # type: ignore[attr-defined]
                            print(f"    - {str(line)[:150]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
