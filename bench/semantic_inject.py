#!/usr/bin/env python3
"""Does the semantic cross-check find the two patterns in real code? Injected, one per file.

The corpora hold almost no merge where the two patterns happen (see
``semantic_warnings.py``), so this makes them, on each scenario's Base (real code the
check was not written against), and counts how often the merge warns:

* **arity**: left removes the last parameter of a function (or a method) and drops the
  last argument of every call of it in the file; right adds a new function (or method,
  at the end of the class) that calls it with the old number of arguments (``None``s).
* **dead**: left changes the value of a local assignment ``x = v`` to ``x = [v][0]``;
  right replaces the one later read of ``x`` with ``None``.

For each: is the merge clean, and does it warn? A clean merge without the warning is a
miss, listed with the function's name so it can be read. The first candidate of each
file is taken; files that do not parse, or have no candidate, are skipped.

    nice python bench/semantic_inject.py ../shared/corpus/real-py-dev ../shared/corpus/real-py-dev2

Standard library and smartmerge only; smartmerge is imported from this checkout.
"""

from __future__ import annotations

import argparse
import ast
import multiprocessing
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge import merge_texts

Edit = tuple[int, int, bytes]  # replace data[start:end] with the bytes
Row = tuple[str, str, str, bool, bool, str]  # kind, scenario, function, clean, warned, method and reason


class _Offsets:
    """ast positions (line, UTF-8 byte column) to byte offsets of the text."""

    def __init__(self, data: bytes) -> None:
        self.starts = [0]
        for line in data.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int | None, col: int | None) -> int:
        return self.starts[(line or 1) - 1] + (col or 0)

    def start(self, node: ast.expr | ast.arg) -> int:
        return self.at(node.lineno, node.col_offset)

    def end(self, node: ast.expr | ast.arg) -> int:
        return self.at(node.end_lineno, node.end_col_offset)


def _apply(data: bytes, edits: list[Edit]) -> bytes:
    for start, end, text in sorted(edits, reverse=True):
        data = data[:start] + text + data[end:]
    return data


def _plain_calls(tree: ast.AST, matches: Callable[[ast.Call], bool]) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and matches(n)]


def _named(name: str) -> Callable[[ast.Call], bool]:
    return lambda call: isinstance(call.func, ast.Name) and call.func.id == name


def _through(receiver: str, attr: str) -> Callable[[ast.Call], bool]:
    return lambda call: (
        isinstance(call.func, ast.Attribute) and call.func.attr == attr
        and isinstance(call.func.value, ast.Name) and call.func.value.id == receiver
    )


def _fits(call: ast.Call, count: int) -> bool:
    return len(call.args) == count and not call.keywords and not any(isinstance(a, ast.Starred) for a in call.args)


def inject_arity(data: bytes) -> tuple[str, bytes, bytes] | None:
    """(function, left, right), or None when the file has no candidate."""
    tree = ast.parse(data)
    offsets = _Offsets(data)
    candidates: list[tuple[str, ast.FunctionDef, list[ast.Call], int, str]] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef):
            name = stmt.name
            calls = _plain_calls(tree, _named(name))
            candidates.append((name, stmt, calls, 0, ""))
        elif isinstance(stmt, ast.ClassDef):
            for method in stmt.body:
                if isinstance(method, ast.FunctionDef) and method.args.args:
                    receiver = method.args.args[0].arg
                    calls = _plain_calls(stmt, _through(receiver, method.name))
                    candidates.append((f"{stmt.name}.{method.name}", method, calls, 1, stmt.name))
    for qualname, fn, calls, skip, cls in candidates:
        params = fn.args.args[skip:]
        if fn.decorator_list or len(params) < 2 or fn.args.defaults or fn.args.vararg or fn.args.posonlyargs:
            continue
        if not calls or not all(_fits(c, len(params)) for c in calls):
            continue
        edits: list[Edit] = [(offsets.end(params[-2]), offsets.end(params[-1]), b"")]
        edits += [(offsets.end(c.args[-2]), offsets.end(c.args[-1]), b"") for c in calls]
        left = _apply(data, edits)
        nones = ", ".join(["None"] * len(params))
        if not cls:
            right = data.rstrip(b"\n") + f"\n\n\ndef injected_caller():\n    return {fn.name}({nones})\n".encode()
        else:
            owner = next(s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == cls)
            indent = " " * fn.col_offset
            receiver = fn.args.args[0].arg
            caller = (f"\n{indent}def injected_caller({receiver}):\n"
                      f"{indent}    return {receiver}.{fn.name}({nones})\n").encode()
            at = offsets.at((owner.end_lineno or owner.lineno) + 1, 0)
            right = data[:at] + caller + data[at:]
        return qualname, left, right
    return None


def inject_dead(data: bytes) -> tuple[str, bytes, bytes] | None:
    """(function, left, right), or None when the file has no candidate."""
    tree = ast.parse(data)
    offsets = _Offsets(data)
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for i, stmt in enumerate(fn.body):
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            if stmt.lineno != stmt.end_lineno:
                continue
            name = stmt.targets[0].id
            uses = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == name]
            loads = [n for n in uses if isinstance(n.ctx, ast.Load)]
            if len(uses) != 2 or len(loads) != 1:
                continue  # exactly this assignment and one read
            read = loads[0]
            # the read in a later statement of the same body, outside any nested scope or loop
            later = [s for s in fn.body[i + 1:] if any(n is read for n in ast.walk(s))]
            if not later or any(isinstance(n, ast.Lambda | ast.FunctionDef | ast.For | ast.While | ast.comprehension)
                                for n in ast.walk(later[0]) if any(m is read for m in ast.walk(n))):
                continue
            value = stmt.value
            left = _apply(data, [(offsets.start(value), offsets.start(value), b"["),
                                 (offsets.end(value), offsets.end(value), b"][0]")])
            right = _apply(data, [(offsets.start(read), offsets.end(read), b"None")])
            return f"{fn.name}: {name}", left, right
    return None


def examine(folder: Path) -> list[Row]:
    """One row per injection made."""
    data = (folder / "Base.py").read_bytes()
    rows: list[Row] = []
    for kind, inject in (("arity", inject_arity), ("dead", inject_dead)):
        try:
            made = inject(data)
        except (SyntaxError, ValueError, RecursionError):
            return rows
        if made is None:
            continue
        function, left, right = made
        result = merge_texts(data, left, right, path="injected.py")
        warned = any(("does not fit" if kind == "arity" else "never used") in w for w in result.warnings)
        rows.append((kind, folder.name, function, result.clean, warned, f"{result.method.value}: {result.reason}"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="at most this many scenarios per corpus")
    args = parser.parse_args()
    folders: list[Path] = []
    for corpus in args.corpus:
        found = sorted(p for p in corpus.iterdir() if (p / "Base.py").exists())
        folders += found[: args.limit] if args.limit else found
    with multiprocessing.Pool(args.jobs) as pool:
        rows = [row for found in pool.map(examine, folders, chunksize=4) for row in found]
    print("| pattern | injected | clean | clean and warned | clean, no warning | conflicted |")
    print("|---|---|---|---|---|---|")
    for kind in ("arity", "dead"):
        mine = [r for r in rows if r[0] == kind]
        clean = [r for r in mine if r[3]]
        warned = [r for r in clean if r[4]]
        print(f"| {kind} | {len(mine)} | {len(clean)} | {len(warned)} | {len(clean) - len(warned)} | {len(mine) - len(clean)} |")
    print("\nwhy the clean ones without a warning got their method:")
    for (kind, method), count in Counter((r[0], r[5].split(":")[0]) for r in rows if r[3] and not r[4]).most_common():
        print(f"- {kind}, {method}: {count}")
    print("\nmisses (clean, no warning):")
    for row in rows:
        if row[3] and not row[4]:
            print(f"- {row[0]}: {row[1]}: {row[2]} ({row[5]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
