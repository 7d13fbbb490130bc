"""Python text -> Node tree of whole-line statement spans.

Statement boundaries come from the stdlib ``ast`` parser, whose line numbers are
exact and which parses a 500-line file in about 3 ms; libcst takes about 30 ms for
the same file and its position metadata another 50 ms, which alone would exceed the
merge's time budget three times over (see docs/architecture.md). Every byte of the
input lands in exactly one node, so ``parse_python(text).text == text``; libcst
re-parses the merged output in the check stage and merges inside single statements.

Comments and blank lines before a statement belong to it (libcst's convention);
comments at the end of a block, indented at least as deep as the block, belong to
the block's ``tail``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from smartmerge.deadline import in_time
from smartmerge.errors import ParseFailed
from smartmerge.textlines import split_lines
from smartmerge.tree import Node

# Decorators that let several definitions share one name (property accessors,
# typing.overload stacks): they become part of the definition's identity.
_ACCESSOR_ROLES = ("setter", "getter", "deleter")
_OVERLOAD = "overload"

_BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)

_COMMENT_OR_BLANK = re.compile(r"^\s*(#.*)?$", re.S)


@dataclass(frozen=True)
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


def parse_python(text: str, clash_kinds: frozenset[str] = frozenset()) -> Node:
    """Parse a module; raise ParseFailed when the text is not valid Python 3.

    ``clash_kinds``: the kinds of block (the profile's ``insertion_conflict_bodies``)
    where both sides inserting different statements at one spot is a conflict."""
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError, MemoryError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise ParseFailed(f"not valid Python 3{where}: {exc.__class__.__name__}") from None
    lines = _Lines(split_lines(text))
    # ast counts a lone form feed or other separators differently in rare files;
    # a statement past the last line means the two line counts disagree.
    if module.body and _end(module.body[-1]) > len(lines.lines):
        raise ParseFailed("line numbering of the parser and of the text disagree")
    children, end = _body(module.body, 0, lines, named=True, limit=len(lines.lines), clash_kinds=clash_kinds)
    return Node(kind="module", name=None, head="", children=children, tail=lines.text(end, len(lines.lines)))


def _start(stmt: ast.stmt) -> int:
    """0-based first line of a statement, decorators included."""
    first = stmt.lineno
    for decorator in getattr(stmt, "decorator_list", ()):
        first = min(first, decorator.lineno)
    return first - 1


def _end(stmt: ast.stmt) -> int:
    """0-based line after the statement's last line."""
    return stmt.end_lineno or stmt.lineno


def _groups(stmts: Sequence[ast.stmt]) -> list[list[ast.stmt]]:
    """Statements sharing a line (``a = 1; b = 2``) form one group, as in libcst."""
    groups: list[list[ast.stmt]] = []
    for stmt in stmts:
        if groups and _start(stmt) < _end(groups[-1][-1]):
            groups[-1].append(stmt)
        else:
            groups.append([stmt])
    return groups


def _body(
    stmts: Sequence[ast.stmt], start: int, lines: _Lines, *, named: bool, limit: int, clash_kinds: frozenset[str]
) -> tuple[tuple[Node, ...], int]:
    """Children for a body whose first child's text starts at line ``start``.

    Returns the children and the line after the last child's text.
    """
    children: list[Node] = []
    cursor = start
    groups = _groups(stmts)
    for index, group in enumerate(groups):
        in_time("parsing")  # a module of 100,000 lines takes a second to build
        next_start = _start(groups[index + 1][0]) if index + 1 < len(groups) else limit
        node, cursor = _statement(group, cursor, lines, named=named, limit=next_start, clash_kinds=clash_kinds)
        children.append(node)
    return tuple(children), cursor


def _statement(
    group: list[ast.stmt], start: int, lines: _Lines, *, named: bool, limit: int, clash_kinds: frozenset[str]
) -> tuple[Node, int]:
    stmt = group[0]
    kind, name = _kind_and_name(group) if named else (_kind_and_name(group)[0], None)
    own_start = _start(stmt)
    leading = len(lines.text(start, own_start))
    end = _end(group[-1])
    role = _role(stmt)
    body = getattr(stmt, "body", None)
    is_definition = isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    # compound statements inside a function body are containers too, so edits to two
    # different statements of one `if` or `with` block merge statement by statement
    # (only blocks without else/except/finally parts: code that moves between a body and
    # its clauses would otherwise look deleted from one and added to the other)
    is_block = not named and isinstance(stmt, _BLOCKS) and not _has_clauses(stmt)
    if len(group) == 1 and (is_definition or is_block) and body and _start(body[0]) > own_start:
        header_end = _start(body[0])
        # comment lines right above the first body statement are its leading lines
        while header_end > own_start + 1 and lines.is_comment_or_blank(header_end - 1):
            header_end -= 1
        is_class = isinstance(stmt, ast.ClassDef)
        body_indent = lines.indent(_start(body[0]))
        children, body_end = _body(body, header_end, lines, named=is_class, limit=limit, clash_kinds=clash_kinds)
        tail_end = _block_tail(body_end, lines, body_indent, limit)
        node = Node(
            kind=kind,
            name=name if named else None,
            head=lines.text(start, header_end),
            leading=leading,
            children=children,
            tail=lines.text(body_end, tail_end),
            role=role,
            named_body=is_class,
            line=stmt.lineno,
            insertions_clash=kind in clash_kinds,
        )
        return node, tail_end
    return Node(kind=kind, name=name, head=lines.text(start, end), role=role, line=stmt.lineno, leading=leading), end


def _has_clauses(stmt: ast.stmt) -> bool:
    return any(getattr(stmt, part, None) for part in ("orelse", "handlers", "finalbody"))


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


def _kind_and_name(group: list[ast.stmt]) -> tuple[str, str | None]:
    if len(group) > 1:
        return "simple_statements", None
    stmt = group[0]
    match stmt:
        case ast.FunctionDef() | ast.AsyncFunctionDef():
            return "def", stmt.name
        case ast.ClassDef():
            return "class", stmt.name
        case ast.Import():
            return "import", ",".join(_alias(a) for a in stmt.names)
        case ast.ImportFrom():
            return "from_import", "." * stmt.level + (stmt.module or "")
        case ast.Assign() if all(isinstance(t, ast.Name | ast.Tuple) for t in stmt.targets):
            names = [_target_name(t) for t in stmt.targets]
            if all(names):
                return "assign", "=".join(n for n in names if n)
        case ast.AnnAssign(target=ast.Name(id=target)):
            return "assign", target
    return type(stmt).__name__.lower(), None


def _alias(alias: ast.alias) -> str:
    return f"{alias.name} as {alias.asname}" if alias.asname else alias.name


def _target_name(target: ast.expr) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
        return ",".join(e.id for e in target.elts if isinstance(e, ast.Name))
    return None


def _role(stmt: ast.stmt) -> str:
    for decorator in getattr(stmt, "decorator_list", ()):
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in _ACCESSOR_ROLES:
            return target.attr
        if isinstance(target, ast.Attribute | ast.Name):
            last = target.attr if isinstance(target, ast.Attribute) else target.id
            if last == _OVERLOAD:
                return _OVERLOAD
    return ""
