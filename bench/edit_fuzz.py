#!/usr/bin/env python3
"""Hunt for silent wrong merges: random edits to two nearby lines of real files.

For every ``Base.py`` of a corpus folder that parses, and each seed, a few trials: pick
two lines that each hold one whole simple statement, 1 to 5 lines apart (adjacent ones
make git conflict), and give each side one edit of one of them: rename an identifier,
change a number, insert a statement after it, or delete it. The right answer is known
(base with both edits), so a clean merge that differs from it, ignoring white space, is
a silent wrong merge. Trials whose left, right or answer does not parse are skipped.

    python bench/edit_fuzz.py ../shared/corpus/real-py-dev --seeds 2

It prints how the trials came out and every silent difference, with what reproduces it
(scenario, seed, lines, edits). Standard library and smartmerge only; smartmerge is
imported from this checkout.
"""

from __future__ import annotations

import argparse
import ast
import keyword
import multiprocessing
import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge import merge_texts

TRIALS_PER_SEED = 6
GAPS = (1, 1, 2, 3, 5)  # how far apart the two edited lines are; 1 twice as often
WHITESPACE = re.compile(r"\s+")
IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*\b")
NUMBER = re.compile(r"\b\d+\b")


def _rename(line: str, rng: random.Random) -> list[str] | None:
    names = [m for m in IDENTIFIER.finditer(line) if not keyword.iskeyword(m.group())]
    if not names:
        return None
    m = rng.choice(names)
    return [f"{line[: m.start()]}{m.group()}_z{rng.randint(0, 9)}{line[m.end() :]}"]


def _renumber(line: str, rng: random.Random) -> list[str] | None:
    numbers = list(NUMBER.finditer(line))
    if not numbers:
        return None
    m = rng.choice(numbers)
    return [f"{line[: m.start()]}{int(m.group()) + 7}{line[m.end() :]}"]


def _insert_after(line: str, rng: random.Random) -> list[str] | None:
    indent = line[: len(line) - len(line.lstrip())]
    return [line, f"{indent}fuzz_{rng.randint(0, 999)} = {rng.randint(0, 99)}\n"]


def _delete(line: str, rng: random.Random) -> list[str] | None:
    return []


EDITS: dict[str, Callable[[str, random.Random], list[str] | None]] = {
    "rename": _rename,
    "number": _renumber,
    "insert": _insert_after,
    "delete": _delete,
}


def _simple_lines(tree: ast.Module) -> list[int]:
    """0-based lines that hold one whole simple statement."""
    return sorted(
        {n.lineno - 1 for n in ast.walk(tree) if isinstance(n, ast.stmt) and not hasattr(n, "body") and n.lineno == n.end_lineno}
    )


def _parses(*texts: str) -> bool:
    try:
        for text in texts:
            ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def fuzz(job: tuple[Path, int]) -> list[dict[str, object]]:
    """The trials of one file and seed: one record each."""
    path, seed = job
    rng = random.Random(seed)
    try:
        base = path.read_text(encoding="utf-8")
        tree = ast.parse(base)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return []
    lines = base.splitlines(keepends=True)
    statements = _simple_lines(tree)
    if len(statements) < 4 or not lines[-1].endswith("\n"):
        return []
    records: list[dict[str, object]] = []
    for _ in range(TRIALS_PER_SEED):
        first = rng.choice(statements)
        second = first + rng.choice(GAPS)
        if second not in statements:
            continue
        kinds = (rng.choice(list(EDITS)), rng.choice(list(EDITS)))
        edited = (EDITS[kinds[0]](lines[first], rng), EDITS[kinds[1]](lines[second], rng))
        if edited[0] is None or edited[1] is None:
            continue
        # left edits the first line half of the time, the second line the other half
        left_at, right_at = (first, second) if rng.random() < 0.5 else (second, first)
        new = {first: "".join(edited[0]), second: "".join(edited[1])}
        left = "".join(new[k] if k == left_at else line for k, line in enumerate(lines))
        right = "".join(new[k] if k == right_at else line for k, line in enumerate(lines))
        answer = "".join(new.get(k, line) for k, line in enumerate(lines))
        if not _parses(left, right, answer):
            continue
        result = merge_texts(base.encode(), left.encode(), right.encode(), path=path.name)
        if not result.clean:
            outcome = "conflict"
        elif WHITESPACE.sub("", result.text.decode()) == WHITESPACE.sub("", answer):
            outcome = "clean, right"
        else:
            outcome = "clean, WRONG"
        records.append(
            {"file": str(path.parent.name), "seed": seed, "lines": (left_at + 1, right_at + 1),
             "edits": kinds if left_at == first else kinds[::-1], "method": str(result.method), "outcome": outcome}
        )
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a folder of scenario folders holding Base.py")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per file (default 1)")
    args = parser.parse_args()
    files = sorted(args.corpus.glob("*/Base.py"))
    jobs = [(path, seed) for path in files for seed in range(args.seeds)]
    with multiprocessing.Pool() as pool:
        records = [r for batch in pool.imap_unordered(fuzz, jobs, chunksize=4) for r in batch]
    outcomes = Counter(str(r["outcome"]) for r in records)
    print(f"{len(files)} files, {args.seeds} seed(s): {len(records)} trials")
    for outcome in ("clean, right", "conflict", "clean, WRONG"):
        print(f"  {outcome}: {outcomes[outcome]}")
    for r in records:
        if r["outcome"] == "clean, WRONG":
            print(f"  silent: {r['file']} seed {r['seed']} lines {r['lines']} (left, right) edits {r['edits']}")
    return 1 if outcomes["clean, WRONG"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
