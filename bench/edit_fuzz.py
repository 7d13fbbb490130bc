#!/usr/bin/env python3
"""Hunt for silent wrong merges: random edits to real files whose right merge is known.

For every ``Base.py`` of the corpus folders that parses, and each seed, trials of each
chosen kind (``--kinds``, default all). A trial gives left and right one edit each and
knows the right answer: either the one correct merge (base with both edits; a conflict
is safe there, only less useful) or "must conflict" (the two edits clash; a clean
result is wrong). A clean result that is none of the right answers, ignoring white
space, or that does not parse, is a silent wrong merge. Trials whose left, right or
answer does not parse are skipped; left and right swap sides at random.

Kinds (the numbers are the patterns of issue 13):

* ``nearby``: two simple statements 1 to 5 lines apart (adjacent ones make git
  conflict), each side renames an identifier, changes a number, inserts a statement
  after, or deletes one of them (the original kind);
* ``import-vs-use`` (1): one side deletes an import and every statement using it, the
  other adds a use inside a function: must conflict;
* ``wrap-vs-edit`` (2): one side wraps a run of statements in a new ``if``/``with`` (or
  unwraps an ``if``), the other edits or deletes one of them;
* ``anchor-rewrite`` (3): one side rewrites a statement (two token edits), the other
  inserts a statement right after (or before) it;
* ``duplicate-name`` (4): one side adds ``def X``/``import X``, the other renames the
  neighbouring function or import to X: a second ``def X`` must conflict, a second
  ``import X`` may go (the deduplicated merge is right) but must not be kept twice;
* ``same-argument`` (4): both sides insert the same positional argument into one call
  at different positions: must conflict;
* ``comment-block`` (5): one side deletes a comment block (the file's header first) or
  moves it, the other edits the statement below it or inserts one above that statement
  (both edits merge), or edits a line of the block (deleted vs edited: must conflict);
* ``delete-vs-rewrite`` (6): one side deletes a statement of a function body, the
  other rewrites it: must conflict;
* ``scalar-expression`` (7): two different token edits in one tuple of scalars or one
  arithmetic expression: must conflict;
* ``reflow-vs-edit`` (8): one side spreads a call over one line per argument (with a
  trailing comma), the other edits an argument (outputs that do not parse show here).

    python bench/edit_fuzz.py ../shared/corpus/real-py-dev ../shared/corpus/real-py-dev2 --seeds 2

Base files may also come from code the engine was never tuned on: ``--files DIR``
(repeatable) takes every ``.py`` file under DIR, the standard library or an installed
package (``--exclude GLOB`` leaves out paths below DIR that match), and ``--min-lines``/``--max-lines`` with ``--limit`` (per corpus or folder,
spread evenly) keep a run small:

    python bench/edit_fuzz.py --files "$(python -c 'import os; print(os.path.dirname(os.__file__))')" \
        --exclude 'site-packages/*' --limit 150

It prints how the trials came out per kind and every silent wrong merge, with what
reproduces it (scenario, seed, kind, detail); ``--dump DIR`` writes each one's
Base/Left/Right/Output/Answer there. Exit status 1 when there is a silent wrong merge.
Standard library and smartmerge only; smartmerge is imported from this checkout.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import keyword
import multiprocessing
import random
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge import merge_texts

TRIALS_PER_SEED = 6  # of the nearby kind
PER_KIND = 2  # attempts of every other kind per file and seed (some find no place)
GAPS = (1, 1, 2, 3, 5)  # how far apart the two edited lines are; 1 twice as often
WHITESPACE = re.compile(r"\s+")
IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*\b")
NUMBER = re.compile(r"\b\d+\b")
BUILTIN_NAMES = frozenset(dir(builtins))

RIGHT, CONFLICT, WRONG, UNPARSABLE = "clean, right", "conflict", "clean, WRONG", "clean, does not parse"
OUTCOMES = (RIGHT, CONFLICT, WRONG, UNPARSABLE)


@dataclass(frozen=True)
class Trial:
    """Two edits of one base and what a right merge of them is.

    ``answers`` empty: the edits clash and the merge must conflict. Otherwise any of
    them (compared ignoring white space) is right, and a conflict is safe.
    """

    left: str
    right: str
    answers: tuple[str, ...]
    detail: str


# --------------------------------------------------------------------------- line edits


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


def _code_part(line: str) -> tuple[str, str]:
    """A line split at a trailing comment, roughly (a ``#`` outside quotes)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:i], line[i:]
    return line, ""


def _token_edit(line: str, rng: random.Random) -> str | None:
    """``line`` with one identifier renamed or one number changed, outside its comment."""
    code, comment = _code_part(line.rstrip("\n"))
    edited = (_rename if rng.random() < 0.6 else _renumber)(code, rng) or _rename(code, rng)
    if edited is None:
        return None
    return edited[0] + comment + "\n"


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _splice(lines: Sequence[str], edits: dict[int, str]) -> str:
    """``lines`` with line k replaced by ``edits[k]`` (any number of lines, or none)."""
    return "".join(edits.get(k, line) for k, line in enumerate(lines))


def _parses(*texts: str) -> bool:
    """Every text compiles (``ast.parse`` alone lets a statement before ``from __future__`` by)."""
    try:
        for text in texts:
            compile(text, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- the source


@dataclass(frozen=True)
class Source:
    text: str
    lines: list[str]
    tree: ast.Module

    def whole_line(self, node: ast.stmt) -> bool:
        """The statement is alone on one line (a trailing comment allowed)."""
        if node.lineno != node.end_lineno or node.end_col_offset is None:
            return False
        line = self.lines[node.lineno - 1]
        if not line.isascii() or line[: node.col_offset].strip():
            return False
        rest = line[node.end_col_offset :].strip()
        return not rest or rest.startswith("#")

    def bodies(self, functions_only: bool = False) -> Iterator[list[ast.stmt]]:
        """Every statement list of the file (function bodies only, if asked)."""
        for node in ast.walk(self.tree):
            if functions_only and not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for field in ("body", "orelse", "finalbody"):
                body = getattr(node, field, None)
                if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                    yield body

    def simple_statements(self, functions_only: bool = False) -> list[tuple[list[ast.stmt], int]]:
        """(body, index) of every whole-line simple statement."""
        return [
            (body, i)
            for body in self.bodies(functions_only)
            for i, node in enumerate(body)
            if not hasattr(node, "body") and self.whole_line(node)
        ]


def _source(text: str) -> Source | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    lines = text.splitlines(keepends=True)
    if not lines or not lines[-1].endswith("\n"):
        return None
    return Source(text, lines, tree)


# --------------------------------------------------------------------------- the kinds


def _new_statement(indent: str, rng: random.Random, value: str | None = None) -> str:
    return f"{indent}fuzz_{rng.randint(0, 999)} = {value if value is not None else rng.randint(0, 99)}\n"


def import_vs_use(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 1: one side deletes an import and its uses, the other adds a use."""
    imports = [
        node for node in src.tree.body
        if isinstance(node, ast.Import | ast.ImportFrom) and len(node.names) == 1
        and node.names[0].name != "*" and src.whole_line(node)
        and (node.names[0].asname or "." not in node.names[0].name)
    ]
    if not imports:
        return None
    node = rng.choice(imports)
    name = node.names[0].asname or node.names[0].name
    if name in BUILTIN_NAMES:
        return None
    bound = [
        n for n in ast.walk(src.tree)
        if (isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load))
        or (isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == name)
        or (isinstance(n, ast.arg) and n.arg == name)
        or (isinstance(n, ast.alias) and n is not node.names[0] and (n.asname or n.name.split(".")[0]) == name)
    ]
    if bound:
        return None
    if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(src.tree)):
        return None  # a star import may bind the name too: whether a use conflicts is unknown
    if any(_reads(part, name) for n in ast.walk(src.tree) if hasattr(n, "body") for part in _header(n)):
        return None  # read by a class base, decorator, default, `with`, `if`: no clean deletion
    statements = {id(body[i]) for body, i in src.simple_statements()}
    use_lines: set[int] = set()
    for outer in ast.walk(src.tree):
        if not isinstance(outer, ast.stmt) or hasattr(outer, "body"):
            continue
        if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(outer)):
            if id(outer) not in statements:
                return None  # a use inside a compound statement's header: no clean deletion
            use_lines.add(outer.lineno - 1)
    if len(use_lines) > 3:
        return None
    anchors = [
        (body, i) for body, i in src.simple_statements(functions_only=True)
        if body[i].lineno - 1 not in use_lines
    ]
    if not anchors:
        return None
    body, i = rng.choice(anchors)
    at = body[i].lineno - 1
    left = _splice(src.lines, {k: "" for k in (node.lineno - 1, *use_lines)})
    right = _splice(src.lines, {at: src.lines[at] + _new_statement(_indent_of(src.lines[at]), rng, name)})
    return Trial(left, right, (), f"drop `{name}` (import line {node.lineno}, {len(use_lines)} uses); use after line {at + 1}")


def _header(node: ast.AST) -> list[ast.AST]:
    """What a compound statement holds besides its bodies (bases, decorators, the
    parameters' defaults and annotations, an ``if``'s test, a ``with``'s items)."""
    bodies = {"body", "orelse", "finalbody", "handlers", "cases"}
    parts: list[ast.AST] = []
    for field, value in ast.iter_fields(node):
        if field in bodies:
            continue
        parts.extend(v for v in (value if isinstance(value, list) else [value]) if isinstance(v, ast.AST))
    return parts


def _reads(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _runs(src: Source) -> list[tuple[list[ast.stmt], int, int]]:
    """(body, start, stop) of runs of 2 to 4 whole-line simple statements on consecutive lines."""
    found = []
    for body in src.bodies():
        for start in range(len(body)):
            stop = start
            while (
                stop < len(body) and stop - start < 4 and not hasattr(body[stop], "body")
                and src.whole_line(body[stop])
                and (stop == start or body[stop].lineno == body[stop - 1].lineno + 1)
            ):
                stop += 1
            if stop - start >= 2:
                found.append((body, start, stop))
    return found


def wrap_vs_edit(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 2: one side wraps (or unwraps) a block, the other edits one of its statements."""
    if rng.random() < 0.3:
        return _unwrap_vs_edit(src, rng)
    runs = _runs(src)
    if not runs:
        return None
    body, start, stop = rng.choice(runs)
    stop = rng.randint(start + 1, stop) if rng.random() < 0.5 else stop
    first, last = body[start].lineno - 1, body[stop - 1].lineno - 1
    indent = _indent_of(src.lines[first])
    header = f"{indent}if fuzz_flag:\n" if rng.random() < 0.5 else f"{indent}with fuzz_context():\n"
    target = rng.randint(first, last)
    deleting = stop - start >= 2 and rng.random() < 0.4
    edited = "" if deleting else _token_edit(src.lines[target], rng)
    if edited is None:
        return None

    def wrapped(lines: Sequence[str]) -> dict[int, str]:
        out = {k: "    " + lines[k] if lines[k] else "" for k in range(first, last + 1)}
        out[first] = header + out[first]
        return out

    left = _splice(src.lines, wrapped(src.lines))
    right = _splice(src.lines, {target: edited})
    both = list(src.lines)
    both[target] = edited
    answer = _splice(src.lines, wrapped(both))
    what = "delete" if deleting else "edit"
    return Trial(left, right, (answer,), f"wrap lines {first + 1}-{last + 1} in `{header.strip()}`; {what} line {target + 1}")


def _unwrap_vs_edit(src: Source, rng: random.Random) -> Trial | None:
    blocks = [
        node for node in ast.walk(src.tree)
        if isinstance(node, ast.If | ast.With) and not getattr(node, "orelse", None)
        and 1 <= len(node.body) <= 4 and node.body[0].lineno == node.lineno + 1
        and all(not hasattr(s, "body") and src.whole_line(s) for s in node.body)
        and node.body[-1].lineno - node.body[0].lineno == len(node.body) - 1
        and src.lines[node.lineno - 1].rstrip().endswith(":")
    ]
    if not blocks:
        return None
    node = rng.choice(blocks)
    header = node.lineno - 1
    outer, inner = _indent_of(src.lines[header]), _indent_of(src.lines[header + 1])
    if len(inner) <= len(outer):
        return None
    first, last = header + 1, header + len(node.body)
    target = rng.randint(first, last)
    edited = _token_edit(src.lines[target], rng)
    if edited is None:
        return None

    def unwrapped(lines: Sequence[str]) -> dict[int, str]:
        out = {k: outer + lines[k][len(inner) :] for k in range(first, last + 1)}
        out[header] = ""
        return out

    both = list(src.lines)
    both[target] = edited
    left = _splice(src.lines, unwrapped(src.lines))
    right = _splice(src.lines, {target: edited})
    answer = _splice(src.lines, unwrapped(both))
    return Trial(left, right, (answer,), f"unwrap the block of line {header + 1}; edit line {target + 1}")


def anchor_rewrite(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 3: one side rewrites a statement, the other inserts next to it."""
    statements = src.simple_statements()
    if not statements:
        return None
    body, i = rng.choice(statements)
    at = body[i].lineno - 1
    rewritten = _token_edit(src.lines[at], rng)
    rewritten = rewritten and _token_edit(rewritten, rng)
    if rewritten is None or rewritten == src.lines[at]:
        return None
    new = _new_statement(_indent_of(src.lines[at]), rng)
    after = rng.random() < 0.7
    inserted = src.lines[at] + new if after else new + src.lines[at]
    answer = rewritten + new if after else new + rewritten
    where = "after" if after else "before"
    return Trial(
        _splice(src.lines, {at: rewritten}), _splice(src.lines, {at: inserted}), (_splice(src.lines, {at: answer}),),
        f"rewrite line {at + 1}; insert {where} it",
    )


def duplicate_name(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 4: one side adds X, the other renames a neighbour to X."""
    if rng.random() < 0.5:
        return _duplicate_import(src, rng)
    pairs = [
        node for body in src.bodies() for node in body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None
        and re.match(rf"\s*(async\s+)?def\s+{node.name}\b", src.lines[node.lineno - 1])
    ]
    if not pairs:
        return None
    node = rng.choice(pairs)
    name = f"fuzz_fn_{rng.randint(0, 999)}"
    def_line, end = node.lineno - 1, node.end_lineno - 1  # type: ignore[operator]  # checked above
    indent = _indent_of(src.lines[def_line])
    added = f"\n{indent}def {name}(*args):\n{indent}    return {rng.randint(0, 99)}\n"
    left = _splice(src.lines, {end: src.lines[end] + added})
    renamed = re.sub(rf"\bdef\s+{node.name}\b", f"def {name}", src.lines[def_line], count=1)
    right = _splice(src.lines, {def_line: renamed})
    return Trial(left, right, (), f"add `def {name}` after line {end + 1}; rename `def {node.name}` (line {def_line + 1}) to it")


def _duplicate_import(src: Source, rng: random.Random) -> Trial | None:
    imports = [
        node for node in src.tree.body
        if isinstance(node, ast.Import) and len(node.names) == 1 and not node.names[0].asname
        and "." not in node.names[0].name and src.whole_line(node)
    ]
    if not imports:
        return None
    node = rng.choice(imports)
    at, old = node.lineno - 1, node.names[0].name
    new = f"fuzz_mod_{rng.randint(0, 999)}"
    line = f"import {new}\n"
    left = _splice(src.lines, {at: src.lines[at] + line} if rng.random() < 0.5 else {at: line + src.lines[at]})
    renamed = re.sub(rf"\bimport\s+{old}\b", f"import {new}", src.lines[at], count=1)
    right = _splice(src.lines, {at: renamed})
    # both sides import `new`: once is the merge, twice is a duplicate
    return Trial(left, right, (right,), f"add `import {new}` next to line {at + 1}; rename `import {old}` to it")


def same_argument(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 4: both sides insert one positional argument at different positions."""
    calls = []
    for body, i in src.simple_statements():
        for node in ast.walk(body[i]):
            if (
                isinstance(node, ast.Call) and len(node.args) >= 2 and node.lineno == node.end_lineno
                and not any(isinstance(a, ast.Starred) for a in node.args)
            ):
                calls.append(node)
    if not calls:
        return None
    call = rng.choice(calls)
    at = call.lineno - 1
    line = src.lines[at]
    places = [a.col_offset for a in call.args]
    first, second = rng.sample(places, 2)
    word = f"fuzz_arg_{rng.randint(0, 999)}, "

    def insert(col: int) -> str:
        return line[:col] + word + line[col:]

    return Trial(_splice(src.lines, {at: insert(first)}), _splice(src.lines, {at: insert(second)}), (),
                 f"insert `{word.strip(', ')}` at columns {first} and {second} of line {at + 1}")


def _first_line(node: ast.stmt) -> int:
    """0-based first line of a statement, its decorators included."""
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1


def _comment_blocks(src: Source) -> list[tuple[int, int, list[ast.stmt], int]]:
    """(first, stop, body, index) of runs of 2 or more comment lines right above a
    statement ``body[index]`` of the same indent (at most 2 blank lines between)."""
    starts = {_first_line(node): (body, i) for body in src.bodies() for i, node in enumerate(body)}
    blocks = []
    k = 0
    while k < len(src.lines):
        indent = _indent_of(src.lines[k])
        if src.lines[k].lstrip().startswith("#"):
            stop = k
            while stop < len(src.lines) and src.lines[stop].lstrip().startswith("#") and _indent_of(src.lines[stop]) == indent:
                stop += 1
            below = stop
            while below < min(stop + 2, len(src.lines)) and not src.lines[below].strip():
                below += 1
            if stop - k >= 2 and below in starts and _indent_of(src.lines[below]) == indent:
                blocks.append((k, stop, *starts[below]))
            k = stop
        else:
            k += 1
    return blocks


def comment_block(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 5: one side deletes or moves a comment block, the other edits near or in it."""
    blocks = _comment_blocks(src)
    if not blocks:
        return None
    first, stop, body, index = blocks[0] if rng.random() < 0.5 else rng.choice(blocks)
    block = "".join(src.lines[first:stop])
    removed = {k: "" for k in range(first, stop)}
    choice = rng.random()
    if choice < 0.35:  # a line of the block edited: deleted vs edited
        target = rng.randrange(first, stop)
        edited = src.lines[target].rstrip("\n") + " (fuzz)\n"
        return Trial(_splice(src.lines, removed), _splice(src.lines, {target: edited}), (),
                     f"delete comment lines {first + 1}-{stop}; edit line {target + 1}")
    node = body[index]
    below = _first_line(node)
    if choice < 0.5:  # a statement inserted between the block and the statement below
        new = _new_statement(_indent_of(src.lines[below]), rng)
        at = rng.choice((stop, below))  # right under the comment, or after the blank lines
        inserted = {at: new + src.lines[at]}
        return Trial(_splice(src.lines, removed), _splice(src.lines, inserted), (_splice(src.lines, {**removed, **inserted}),),
                     f"delete comment lines {first + 1}-{stop}; insert above line {at + 1}")
    if hasattr(node, "body") or not src.whole_line(node) or node.lineno - 1 != below:
        return None
    edited_below = _token_edit(src.lines[below], rng)
    if edited_below is None:
        return None
    if choice < 0.7:
        left_edits = removed
        what = "delete"
    else:  # move the block above a later statement of the same body
        later = [_first_line(n) for n in body[index + 2 :]]
        later = [k for k in later if not src.lines[k - 1].lstrip().startswith("#")]
        if not later:
            return None
        to = rng.choice(later)
        left_edits = {**removed, to: block + src.lines[to]}
        what = f"move above line {to + 1}"
    both = {**left_edits, below: edited_below}
    return Trial(_splice(src.lines, left_edits), _splice(src.lines, {below: edited_below}), (_splice(src.lines, both),),
                 f"{what} comment lines {first + 1}-{stop}; edit line {below + 1}")


def delete_vs_rewrite(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 6: one side deletes a function-body statement, the other rewrites it."""
    statements = [(body, i) for body, i in src.simple_statements(functions_only=True) if len(body) >= 2]
    if not statements:
        return None
    body, i = rng.choice(statements)
    at = body[i].lineno - 1
    rewritten = _token_edit(src.lines[at], rng)
    if rewritten is None:
        return None
    return Trial(_splice(src.lines, {at: ""}), _splice(src.lines, {at: rewritten}), (), f"delete line {at + 1}; rewrite it")


def _scalar_leaves(node: ast.expr) -> list[ast.expr] | None:
    """The names and numbers of a tuple of scalars or an arithmetic expression, else None."""
    if isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Load):
        leaves = node.elts
        if len(leaves) >= 2 and all(isinstance(e, ast.Name) or _is_number(e) for e in leaves):
            return list(leaves)
        return None
    if isinstance(node, ast.BinOp):
        out: list[ast.expr] = []
        stack: list[ast.expr] = [node]
        while stack:
            part = stack.pop()
            if isinstance(part, ast.BinOp):
                stack += [part.right, part.left]
            elif isinstance(part, ast.UnaryOp):
                stack.append(part.operand)
            elif isinstance(part, ast.Name) or _is_number(part):
                out.append(part)
        return out if len(out) >= 2 else None
    return None


def _is_number(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


def _edit_leaf(line: str, leaf: ast.expr, rng: random.Random) -> str:
    start, end = leaf.col_offset, leaf.end_col_offset
    assert end is not None
    if isinstance(leaf, ast.Name):
        new = f"{leaf.id}_z{rng.randint(0, 9)}"
    else:
        new = str(int(float(line[start:end].replace("_", "")) + 7)) if line[start:end].isdigit() else line[start:end] + "1"
    return line[:start] + new + line[end:]


def scalar_expression(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 7: two different token edits in one scalar tuple or arithmetic expression."""
    found = []
    for body, i in src.simple_statements():
        for node in ast.walk(body[i]):
            if isinstance(node, ast.expr):
                leaves = _scalar_leaves(node)
                if leaves:
                    found.append((body[i].lineno - 1, node, leaves))
    if not found:
        return None
    at, node, leaves = rng.choice(found)
    one, other = rng.sample(leaves, 2)
    line = src.lines[at]
    kind = "tuple" if isinstance(node, ast.Tuple) else "expression"
    return Trial(_splice(src.lines, {at: _edit_leaf(line, one, rng)}), _splice(src.lines, {at: _edit_leaf(line, other, rng)}), (),
                 f"edit two tokens of the {kind} `{ast.unparse(node)}` on line {at + 1}")


def reflow_vs_edit(src: Source, rng: random.Random) -> Trial | None:
    """Pattern 8: one side puts each argument of a call on its own line, the other edits one."""
    calls = []
    for body, i in src.simple_statements():
        stmt = body[i]
        for node in ast.walk(stmt):
            arguments = [*node.args, *node.keywords] if isinstance(node, ast.Call) else []
            if len(arguments) >= 2 and node.lineno == node.end_lineno and src.lines[stmt.lineno - 1].rstrip().endswith(")"):
                calls.append((stmt.lineno - 1, arguments))
    if not calls:
        return None
    at, arguments = rng.choice(calls)
    line = src.lines[at]
    starts = sorted(a.col_offset for a in arguments)
    ends = sorted(a.end_col_offset or 0 for a in arguments)
    opening = line.rfind("(", 0, starts[0])
    closing = line.find(")", ends[-1])
    if opening < 0 or closing < 0 or line[ends[-1] : closing].strip(", "):
        return None
    pick = rng.randrange(len(starts))
    piece = line[starts[pick] : ends[pick]]
    edited_piece = _token_edit(piece + "\n", rng)
    if edited_piece is None:
        return None
    edited_piece = edited_piece.rstrip("\n")
    indent = _indent_of(line) + "    "

    def reflowed(pieces: list[str]) -> str:
        inner = "".join(f"{indent}{p},\n" for p in pieces)
        return f"{line[: opening + 1]}\n{inner}{_indent_of(line)}{line[closing:]}"

    pieces = [line[s:e] for s, e in zip(starts, ends, strict=True)]
    changed = list(pieces)
    changed[pick] = edited_piece
    right_line = line[: starts[pick]] + edited_piece + line[ends[pick] :]
    return Trial(_splice(src.lines, {at: reflowed(pieces)}), _splice(src.lines, {at: right_line}),
                 (_splice(src.lines, {at: reflowed(changed)}),), f"reflow the call on line {at + 1}; edit argument {pick + 1}")


KINDS: dict[str, Callable[[Source, random.Random], Trial | None]] = {
    "import-vs-use": import_vs_use,
    "wrap-vs-edit": wrap_vs_edit,
    "anchor-rewrite": anchor_rewrite,
    "duplicate-name": duplicate_name,
    "same-argument": same_argument,
    "comment-block": comment_block,
    "delete-vs-rewrite": delete_vs_rewrite,
    "scalar-expression": scalar_expression,
    "reflow-vs-edit": reflow_vs_edit,
}
ALL_KINDS = ("nearby", *KINDS)


def _nearby_trials(src: Source, seed: int) -> Iterator[Trial]:
    """The original kind: one edit to each of two simple statements 1 to 5 lines apart."""
    rng = random.Random(seed)
    lines = src.lines
    statements = sorted(
        {n.lineno - 1 for n in ast.walk(src.tree) if isinstance(n, ast.stmt) and not hasattr(n, "body") and n.lineno == n.end_lineno}
    )
    if len(statements) < 4:
        return
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
        left = _splice(lines, {left_at: new[left_at]})
        right = _splice(lines, {right_at: new[right_at]})
        names = kinds if left_at == first else kinds[::-1]
        yield Trial(left, right, (_splice(lines, new),), f"lines {(left_at + 1, right_at + 1)} (left, right) edits {names}")


# --------------------------------------------------------------------------- running


def judge(trial: Trial, clean: bool, output: str) -> str:
    """The outcome of one merge of ``trial``."""
    if not clean:
        return CONFLICT
    if not _parses(output):
        return UNPARSABLE
    squeezed = WHITESPACE.sub("", output)
    if any(squeezed == WHITESPACE.sub("", answer) for answer in trial.answers):
        return RIGHT
    return WRONG


def trials_of(text: str, seed: int, kinds: Sequence[str], name: str = "") -> Iterator[tuple[str, Trial]]:
    """(kind, trial) for one file and seed: every trial whose inputs and answers parse."""
    src = _source(text)
    if src is None:
        return
    for kind in kinds:
        if kind == "nearby":
            made: list[Trial] = list(_nearby_trials(src, seed))
        else:
            rng = random.Random(f"{name}:{seed}:{kind}")
            made = [t for t in (KINDS[kind](src, rng) for _ in range(PER_KIND)) if t is not None]
            made = [Trial(t.right, t.left, t.answers, f"(sides swapped) {t.detail}") if rng.random() < 0.5 else t for t in made]
        for trial in made:
            if trial.left != text and trial.right != text and _parses(trial.left, trial.right, *trial.answers):
                yield kind, trial


@dataclass(frozen=True)
class BaseFile:
    """One base file: a corpus scenario's ``Base.py``, or a ``.py`` file of a ``--files`` folder."""

    path: Path
    corpus: str  # the corpus folder's name, or the --files folder's
    name: str  # the scenario folder's name, or the path below the --files folder with "+" for "/"


def corpus_sources(corpus: Path) -> list[BaseFile]:
    return [BaseFile(p, corpus.name, p.parent.name) for p in sorted(corpus.glob("*/Base.py"))]


def file_sources(folder: Path, exclude: Sequence[str] = ()) -> list[BaseFile]:
    """Every ``.py`` file under ``folder`` (code the engine was never tuned on: the
    standard library, installed packages), in path order, but those whose path below
    ``folder`` matches a glob of ``exclude`` (``site-packages/*``)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        below = path.relative_to(folder)
        # (fnmatch's * crosses folders: site-packages/* is all below site-packages)
        if path.is_file() and "__pycache__" not in below.parts and not any(fnmatch(below.as_posix(), glob) for glob in exclude):
            found.append(BaseFile(path, folder.name, "+".join(below.parts)))
    return found


def fuzz(job: tuple[BaseFile, int, tuple[str, ...], Path | None]) -> list[dict[str, object]]:
    """The trials of one file and seed: one record each."""
    source, seed, kinds, dump = job
    path = source.path
    try:
        base = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    records: list[dict[str, object]] = []
    for n, (kind, trial) in enumerate(trials_of(base, seed, kinds, source.name)):
        result = merge_texts(base.encode(), trial.left.encode(), trial.right.encode(), path=path.name)
        output = result.text.decode("utf-8", "replace")
        outcome = judge(trial, result.clean, output)
        record: dict[str, object] = {
            "file": source.name, "corpus": source.corpus, "seed": seed, "kind": kind,
            "detail": trial.detail, "must_conflict": not trial.answers, "method": str(result.method), "outcome": outcome,
        }
        if dump is not None and outcome in (WRONG, UNPARSABLE):
            folder = dump / f"{kind}__{source.name}__{seed}__{n}"
            folder.mkdir(parents=True, exist_ok=True)
            for role, text in (("Base", base), ("Left", trial.left), ("Right", trial.right), ("Output", output)):
                (folder / f"{role}.py").write_text(text, encoding="utf-8")
            for k, answer in enumerate(trial.answers):
                (folder / f"Answer{k or ''}.py").write_text(answer, encoding="utf-8")
            (folder / "detail.txt").write_text(f"{trial.detail}\n", encoding="utf-8")
            record["dump"] = str(folder)
        records.append(record)
    return records


def report(records: list[dict[str, object]], kinds: Sequence[str]) -> list[str]:
    """The per-kind table, as Markdown."""
    rows = ["| kind | must conflict | trials | clean, right | conflict | clean, wrong | clean, does not parse |",
            "|---|---|---:|---:|---:|---:|---:|"]
    total: Counter[str] = Counter()
    for kind in kinds:
        mine = [r for r in records if r["kind"] == kind]
        counts = Counter(str(r["outcome"]) for r in mine)
        total.update(counts)
        must = sorted({bool(r["must_conflict"]) for r in mine})
        flag = {(): "", (False,): "no", (True,): "yes", (False, True): "some"}[tuple(must)]
        rows.append(f"| {kind} | {flag} | {len(mine):,} | {counts[RIGHT]:,} | {counts[CONFLICT]:,} | {counts[WRONG]:,} | {counts[UNPARSABLE]:,} |")
    rows.append(f"| all | | {len(records):,} | {total[RIGHT]:,} | {total[CONFLICT]:,} | {total[WRONG]:,} | {total[UNPARSABLE]:,} |")
    return rows


def _sized(path: Path, min_lines: int | None, max_lines: int | None) -> bool:
    lines = path.read_bytes().count(b"\n")
    return (min_lines is None or lines >= min_lines) and (max_lines is None or lines <= max_lines)


def _spread(items: list[BaseFile], n: int | None) -> list[BaseFile]:
    """``n`` of ``items`` spread evenly (folders are sorted by repository), or all."""
    if n is None or n >= len(items):
        return items
    return [items[k * len(items) // n] for k in range(n)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="*", help="folders of scenario folders holding Base.py")
    parser.add_argument("--files", type=Path, action="append", default=[], metavar="DIR",
                        help="also every .py file under DIR as a base file (repeatable): code outside the corpora")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="leave out the --files whose path below DIR matches GLOB (repeatable): 'site-packages/*'")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per file (default 1)")
    parser.add_argument("--kinds", default=",".join(ALL_KINDS),
                        help=f"comma-separated kinds to run (default all: {','.join(ALL_KINDS)})")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--limit", type=int, help="at most N files per corpus (or --files folder), spread evenly over it")
    parser.add_argument("--max-lines", type=int, help="only files of at most N lines (small files make cheap trials)")
    parser.add_argument("--min-lines", type=int, help="only files of at least N lines (the big files a --max-lines run left out)")
    parser.add_argument("--table", action="store_true", help="print only the per-kind Markdown table (for bench/update_docs.py)")
    parser.add_argument("--dump", type=Path, help="write Base/Left/Right/Output/Answer of each silent wrong merge here")
    args = parser.parse_args(argv)
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown:
        parser.error(f"unknown kind(s) {', '.join(unknown)}; choose from {', '.join(ALL_KINDS)}")
    if not args.corpus and not args.files:
        parser.error("name a corpus folder or --files DIR")
    missing = [str(folder) for folder in (*args.corpus, *args.files) if not folder.is_dir()]
    if missing:
        parser.error(f"not a folder: {', '.join(missing)}")
    groups = [corpus_sources(corpus) for corpus in args.corpus] + [file_sources(folder, args.exclude) for folder in args.files]
    files = [
        source for group in groups
        for source in _spread([s for s in group if _sized(s.path, args.min_lines, args.max_lines)], args.limit)
    ]
    jobs = [(source, seed, kinds, args.dump) for source in files for seed in range(args.seeds)]
    with multiprocessing.Pool(args.jobs) as pool:
        records = [r for batch in pool.imap_unordered(fuzz, jobs, chunksize=2) for r in batch]
    records.sort(key=lambda r: (str(r["corpus"]), str(r["file"]), int(str(r["seed"])), str(r["kind"])))
    silent = [r for r in records if r["outcome"] in (WRONG, UNPARSABLE)]
    if args.table:
        print("\n".join(report(records, kinds)))
        return 1 if silent else 0
    outcomes = Counter(str(r["outcome"]) for r in records)
    print(f"{len(files)} files, {args.seeds} seed(s): {len(records)} trials")
    for outcome in OUTCOMES:
        print(f"  {outcome}: {outcomes[outcome]}")
    print()
    print("\n".join(report(records, kinds)))
    for r in silent:
        where = f" -> {r['dump']}" if "dump" in r else ""
        print(f"  silent ({r['outcome']}): {r['corpus']}/{r['file']} seed {r['seed']} {r['kind']}: {r['detail']}{where}")
    return 1 if silent else 0


if __name__ == "__main__":
    raise SystemExit(main())
