"""Python text -> Node tree of whole-line statement spans.

Statement boundaries come from the stdlib ``ast`` parser, whose line numbers are
exact and which parses a 500-line file in about 3 ms; libcst takes about 30 ms for
the same file and its position metadata another 50 ms, which alone would exceed the
merge's time budget three times over (see docs/architecture.md). Syntax newer than
the running interpreter (``type X = ...`` and ``def f[T]()`` on Python 3.11, 3.14's
``except A, B:`` and t-strings) gets the same facts from tree-sitter-python, once
libcst confirms the text is Python (``python_grammar.py``). Every byte of the input
lands in exactly one node, so ``parse_python(text).text == text``; libcst re-parses
the merged output in the check stage and merges inside single statements.

Comments and blank lines before a statement belong to it (libcst's convention);
comments at the end of a block, indented at least as deep as the block, belong to
the block's ``tail``.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Sequence

from smartmerge.deadline import in_time, note_pace
from smartmerge.errors import ParseFailed
from smartmerge.parsing.python_grammar import statements_from_grammar
from smartmerge.parsing.python_statements import BLOCK_KINDS, Statement, statements_from_ast
from smartmerge.records import record
from smartmerge.textlines import split_lines
from smartmerge.tree import Node

TYPE_CHECKING = False  # typing costs a driver call start-up; mypy reads the name as true
if TYPE_CHECKING:
    from typing import Any

_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$", re.S)


@record
class _Lines:
    lines: list[str]

    def text(self, start: int, end: int) -> str:
        """Lines [start, end) as text (0-based)."""
        return "".join(self.lines[start:end])

    def is_comment_or_blank(self, index: int) -> bool:
        return bool(_COMMENT_OR_BLANK.match(self.lines[index]))

    def indent(self, index: int) -> int:
        line = self.lines[index]
        return len(line) - len(line.lstrip(" \t"))


def parse_python(text: str, clash_kinds: frozenset[str] = frozenset(), tree: ast.Module | None = None) -> Node:
    """Parse a module; raise ParseFailed when the text is not valid Python 3.

    ``clash_kinds``: the kinds of block (the profile's ``insertion_conflict_bodies``)
    where both sides inserting different statements at one spot is a conflict.
    ``tree``: ``ast.parse(text)`` when the caller has it already (the check)."""
    try:
        if tree is None:
            started = time.monotonic()
            tree = ast.parse(text)
            note_pace(len(text), time.monotonic() - started)
        statements = statements_from_ast(tree.body)
    except SyntaxError as exc:
        # syntax newer than this interpreter: the grammar's reading, if it has one
        newer = statements_from_grammar(text)
        if newer is None:
            where = f" at line {exc.lineno}" if exc.lineno else ""
            raise ParseFailed(f"not valid Python 3{where}: {exc.__class__.__name__}") from None
        statements = newer
    except (ValueError, MemoryError) as exc:
        raise ParseFailed(f"not valid Python 3: {exc.__class__.__name__}") from None
    lines = _Lines(split_lines(text))
    # ast counts a lone form feed or other separators differently in rare files;
    # a statement past the last line means the two line counts disagree.
    if statements and statements[-1].end > len(lines.lines):
        raise ParseFailed("line numbering of the parser and of the text disagree")
    children, end = _body(statements, 0, lines, named=True, limit=len(lines.lines), clash_kinds=clash_kinds)
    return Node(kind="module", name=None, head="", children=children, tail=lines.text(end, len(lines.lines)))


def _groups(stmts: Sequence[Statement]) -> list[list[Statement]]:
    """Statements sharing a line (``a = 1; b = 2``) form one group, as in libcst."""
    groups: list[list[Statement]] = []
    for stmt in stmts:
        if groups and stmt.start < groups[-1][-1].end:
            groups[-1].append(stmt)
        else:
            groups.append([stmt])
    return groups


def _body(
    stmts: Sequence[Statement], start: int, lines: _Lines, *, named: bool, limit: int, clash_kinds: frozenset[str]
) -> tuple[tuple[Node, ...], int]:
    """Children for a body whose first child's text starts at line ``start``.

    Returns the children and the line after the last child's text.
    """
    children: list[Node] = []
    cursor = start
    groups = _groups(stmts)
    for index, group in enumerate(groups):
        in_time("parsing")  # a module of 100,000 lines takes a second to build
        next_start = groups[index + 1][0].start if index + 1 < len(groups) else limit
        node, cursor = _statement(group, cursor, lines, named=named, limit=next_start, clash_kinds=clash_kinds)
        children.append(node)
    return tuple(children), cursor


def _statement(
    group: list[Statement], start: int, lines: _Lines, *, named: bool, limit: int, clash_kinds: frozenset[str]
) -> tuple[Node, int]:
    stmt = group[0]
    kind, name = ("simple_statements", None) if len(group) > 1 else (stmt.kind, stmt.name)
    if not named:
        name = None
    own_start = stmt.start
    leading = len(lines.text(start, own_start))
    end = group[-1].end
    role = stmt.role
    body = stmt.body
    # compound statements inside a function body are containers too, so edits to two
    # different statements of one `if` or `with` block merge statement by statement
    # (only blocks without else/except/finally parts: code that moves between a body and
    # its clauses would otherwise look deleted from one and added to the other)
    is_block = not named and stmt.kind in BLOCK_KINDS and not stmt.has_clauses
    if len(group) == 1 and (stmt.is_definition or is_block) and body and body[0].start > own_start:
        header_end = body[0].start
        # comment lines right above the first body statement are its leading lines
        while header_end > own_start + 1 and lines.is_comment_or_blank(header_end - 1):
            header_end -= 1
        is_class = stmt.kind == "class"
        body_indent = lines.indent(body[0].start)
        children, body_end = _body(body, header_end, lines, named=is_class, limit=limit, clash_kinds=clash_kinds)
        tail_end = _block_tail(body_end, lines, body_indent, limit)
        node = _node(
            lines.text(start, tail_end),
            kind=kind,
            name=name,
            head=lines.text(start, header_end),
            leading=leading,
            children=children,
            tail=lines.text(body_end, tail_end),
            role=role,
            named_body=is_class,
            line=stmt.line,
            insertions_clash=kind in clash_kinds,
        )
        return node, tail_end
    head = lines.text(start, end)
    return _node(head, kind=kind, name=name, head=head, role=role, line=stmt.line, leading=leading), end


def _node(text: str, **fields: Any) -> Node:
    """``Node(**fields)``, built the way ``copy`` builds one, with its ``text`` (the
    lines it covers) already cached. A module of 50,000 lines has 25,000 nodes: the
    generated ``__init__`` stores all 13 fields, given or not, and
    ``functools.cached_property`` takes a lock for each first ``text``, which (with a
    frozen dataclass's ``object.__setattr__`` per field) took a fifth of parsing. Fields
    not given keep their defaults (the class attributes ``records.record`` leaves), as
    ``Node(**fields)`` would."""
    node: Node = object.__new__(Node)
    node.__dict__.update(fields, text=text)
    return node


def _block_tail(end: int, lines: _Lines, body_indent: int, limit: int) -> int:
    """Extend a block over the comments that close it (indented like its body)."""
    tail_end = end
    cursor = end
    while cursor < limit and lines.is_comment_or_blank(cursor):
        if lines.lines[cursor].strip() and lines.indent(cursor) >= body_indent:
            tail_end = cursor + 1
        elif lines.lines[cursor].strip():
            break
        cursor += 1
    return tail_end
