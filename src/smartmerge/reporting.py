"""Conflicts as data: the records behind every ``--json`` (schema in ``docs/json.md``).

A merge's output text is the one truth about its conflicts: whichever method wrote
it (structured or line merge), its diff3 marker blocks are the conflicts. This module
reads them back out of the text with their line ranges and each side's text, names
the symbol each is in (the structured merge's own name when it gave one, else the
innermost ``def``/``class`` found by ``ast`` in the output as one side would see it),
says what kind of clash it is, and why smartmerge left it to a person.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from smartmerge.result import MergeResult, Method

# bump when a field changes meaning or disappears; new fields do not bump it
SCHEMA_VERSION = 1
SCHEMA = f"smartmerge.conflicts/{SCHEMA_VERSION}"

BOTH_CHANGED = "both_changed"
DELETE_AGAINST_CHANGE = "delete_against_change"
BOTH_ADDED_DIFFERENTLY = "both_added_differently"
INSERTION_CLASH = "insertion_clash"

# names a section defines at its own indentation: def/class names and plain assignments
_DEFINES = re.compile(r"(?:async\s+)?(?:def|class)\s+(\w+)|(\w+)\s*(?::[^=]*)?=(?!=)")


@dataclass(frozen=True)
class ConflictRecord:
    """One conflict block of an output text (lines 1-based, inclusive, markers included)."""

    symbol: str
    kind: str
    start_line: int
    end_line: int
    base: str
    left: str
    right: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "kind": self.kind,
            "lines": {"start": self.start_line, "end": self.end_line},
            "base": self.base,
            "left": self.left,
            "right": self.right,
            "why": self.why,
        }


@dataclass(frozen=True)
class _Block:
    start: int  # 0-based index of the opening marker line
    end: int  # 0-based index of the closing marker line
    base: tuple[str, ...]
    left: tuple[str, ...]
    right: tuple[str, ...]


def _blocks(lines: list[str], size: int) -> list[_Block]:
    """The diff3 (or two-way) marker blocks of a text, in order."""
    opening, middle, separator, closing = "<" * size, "|" * size, "=" * size, ">" * size

    def marker(line: str, sign: str) -> bool:
        bare = line.rstrip("\r\n")
        return bare.startswith(sign) and bare[size : size + 1] in ("", " ")

    blocks: list[_Block] = []
    index = 0
    while index < len(lines):
        if not marker(lines[index], opening):
            index += 1
            continue
        start = index
        sections: dict[str, list[str]] = {"left": [], "base": [], "right": []}
        section = "left"
        index += 1
        while index < len(lines):
            line = lines[index]
            if section == "left" and marker(line, middle):
                section = "base"
            elif section in ("left", "base") and line.rstrip("\r\n") == separator:
                section = "right"
            elif section == "right" and marker(line, closing):
                blocks.append(_Block(start, index, tuple(sections["base"]), tuple(sections["left"]), tuple(sections["right"])))
                break
            else:
                sections[section].append(line)
            index += 1
        index += 1
    return blocks


def _view(lines: list[str], blocks: list[_Block], side: str) -> tuple[str, list[tuple[int, int]]]:
    """The output as one side sees it (each block replaced by that side's section), and
    where each block's section sits in it (0-based first line, line count)."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    position = 0
    for block in blocks:
        out.extend(lines[position : block.start])
        section = getattr(block, side)
        spans.append((len(out), len(section)))
        out.extend(section)
        position = block.end + 1
    out.extend(lines[position:])
    return "".join(out), spans


def _scopes(tree: ast.AST) -> list[tuple[int, int, str]]:
    """Every def and class: (first line, last line, qualified name), 1-based."""
    found: list[tuple[int, int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                found.append((first, child.end_lineno or child.lineno, name))
                walk(child, name + ".")
            else:
                walk(child, prefix)

    walk(tree, "")
    return found


def _bound_names(text: str) -> set[str] | None:
    """Qualified names a Python text defines or assigns in its module and class bodies
    (what a conflict's symbol can be); None when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    names = {name for _, _, name in _scopes(tree)}

    def assigned(body: list[ast.stmt], prefix: str) -> None:
        for statement in body:
            targets = statement.targets if isinstance(statement, ast.Assign) else (
                [statement.target] if isinstance(statement, ast.AnnAssign | ast.AugAssign) else [])
            names.update(prefix + t.id for t in targets if isinstance(t, ast.Name))
            if isinstance(statement, ast.ClassDef):
                assigned(statement.body, f"{prefix}{statement.name}.")

    assigned(tree.body, "")
    return names


def _symbols_by_ast(lines: list[str], blocks: list[_Block]) -> list[str] | None:
    """The innermost definition holding each block, read from the first side's view of
    the output that parses; None when no view parses (not Python, or broken)."""
    for side in ("left", "right", "base"):
        text, spans = _view(lines, blocks, side)
        try:
            scopes = _scopes(ast.parse(text))
        except (SyntaxError, ValueError, RecursionError):
            continue
        names = []
        for first, count in spans:
            # an empty section sits between two lines: the line above it is where it was
            low, high = (first + 1, first + count) if count else (first, first)
            holding = [s for s in scopes if s[0] <= max(low, 1) and high <= s[1]]
            names.append(max(holding, key=lambda s: s[0])[2] if holding else "")
        return names
    return None


def _blank(section: Iterable[str]) -> bool:
    return all(not line.strip() for line in section)


def _defined(section: tuple[str, ...]) -> set[str]:
    """Names a section defines at its own (outermost) indentation."""
    lines = [line for line in section if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in lines), default=0)
    names = set()
    for line in lines:
        found = _DEFINES.match(line.lstrip()) if len(line) - len(line.lstrip()) == indent else None
        if found:
            names.add(found[1] or found[2])
    return names


def _kind(block: _Block, symbol: str, base_symbols: set[str] | None) -> str:
    if _blank(block.base):
        if _blank(block.left) or _blank(block.right):
            return INSERTION_CLASH
        if _defined(block.left) & _defined(block.right):
            return BOTH_ADDED_DIFFERENTLY
        # narrowed into a definition that base does not have: both sides added it
        if symbol and base_symbols is not None and symbol not in base_symbols:
            return BOTH_ADDED_DIFFERENTLY
        return INSERTION_CLASH
    if _blank(block.left) or _blank(block.right):
        return DELETE_AGAINST_CHANGE
    return BOTH_CHANGED


def _why(kind: str, block: _Block, symbol: str) -> str:
    where = f"'{symbol}'" if symbol else "module-level code"
    if kind == DELETE_AGAINST_CHANGE:
        deleter, changer = ("left", "right") if _blank(block.left) else ("right", "left")
        return (
            f"{deleter} deleted lines of {where} that {changer} changed; "
            "keeping the change would undo the deletion, dropping it would lose the change"
        )
    if kind == BOTH_ADDED_DIFFERENTLY:
        names = ", ".join(sorted(_defined(block.left) & _defined(block.right))) or f"'{symbol}'"
        return f"both sides added {names} with different text; keeping both would define it twice"
    if kind == INSERTION_CLASH:
        return f"both sides inserted different code at the same place in {where}; which goes first changes behaviour"
    return f"both sides changed the same lines of {where} differently, and neither change contains the other"


def conflict_records(
    text: bytes,
    marker_size: int,
    structured_symbols: Mapping[int, str] | None = None,
    reason: str = "",
    base: bytes | None = None,
) -> tuple[ConflictRecord, ...]:
    """The conflicts of an output text as records.

    ``structured_symbols`` maps a block's first line (1-based) to the symbol the
    structured merge named it by; ``reason`` is the merge's reason, added to each
    record's ``why`` when the line merge wrote the text; ``base``, when given, tells
    a definition both sides added from an insertion into an old one.
    """
    decoded = text.decode("utf-8", "replace")
    lines = decoded.splitlines(keepends=True)
    blocks = _blocks(lines, marker_size)
    if not blocks:
        return ()
    by_ast = _symbols_by_ast(lines, blocks) or [""] * len(blocks)
    base_symbols = _bound_names(base.decode("utf-8", "replace")) if base is not None else None
    records = []
    for block, parsed in zip(blocks, by_ast, strict=True):
        symbol = (structured_symbols or {}).get(block.start + 1) or parsed
        kind = _kind(block, symbol, base_symbols)
        why = _why(kind, block, symbol)
        if reason:
            why += f" (merged line by line: {reason})"
        records.append(ConflictRecord(
            symbol, kind, block.start + 1, block.end + 1,
            "".join(block.base), "".join(block.left), "".join(block.right), why,
        ))
    return tuple(records)


def result_records(result: MergeResult, marker_size: int, base: bytes | None = None) -> tuple[ConflictRecord, ...]:
    """The conflicts of a merge result (none when it is clean); ``base`` as for
    :func:`conflict_records`."""
    if result.clean:
        return ()
    symbols = {conflict.start_line: conflict.symbol for conflict in result.conflicts if conflict.symbol}
    reason = result.reason if result.method is Method.LINE else ""
    return conflict_records(result.text, marker_size, symbols, reason, base)


def file_json(
    path: str,
    status: str,
    by: str | None,
    result: MergeResult | None,
    marker_size: int,
    base: bytes | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One file's entry: ``status`` merged / conflict / error, ``by`` who merged it."""
    entry: dict[str, Any] = {
        "path": path,
        "status": status,
        "by": by,
        "method": result.method.value if result else None,
        "reason": result.reason if result else "",
        "conflicts": [record.to_json() for record in result_records(result, marker_size, base)] if result else [],
    }
    entry.update(extra)
    return entry


def document(command: str, files: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """The top level of every ``--json`` answer."""
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "command": command,
        "clean": all(entry["status"] == "merged" for entry in files),
        "files": files,
    }
    doc.update(extra)
    return doc


# --- symbols a side changed (for claims)


def definitions(text: str) -> dict[str, str] | None:
    """Each def/class of a Python text by qualified name, with its own source lines (the
    lines of the definitions nested in it left out, so that an edit of a method is not an
    edit of its class); None when the text does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None
    lines = text.splitlines(keepends=True)
    scopes = _scopes(tree)
    own: dict[str, str] = {}
    for first, last, name in scopes:
        nested = [(low, high) for low, high, inner in scopes if inner.startswith(name + ".")]
        # blank lines are left out too: the space around an added method is no edit of its class
        own[name] = "".join(
            line for number, line in enumerate(lines[first - 1 : last], start=first)
            if line.strip() and not any(low <= number <= high for low, high in nested)
        )
    return own


def changed_symbols(base: str, side: str) -> set[str] | None:
    """Qualified names of the definitions ``side`` added, removed or edited relative to
    ``base`` (a class counts only for its own lines, not its methods'); None when either
    text does not parse."""
    before, after = definitions(base), definitions(side)
    if before is None or after is None:
        return None
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
