"""Python statements as the tree builder needs them, whichever parser read them.

``parsing/python.py`` cuts a module into whole-line nodes from a few facts per
statement: its first and last line, its kind and name, the decorator role, and, for
definitions and plain blocks, the statements of its body. The stdlib ``ast`` gives
them for everything the running interpreter can parse (``statements_from_ast``);
``python_grammar.py`` gives the same facts from tree-sitter-python for syntax newer
than the interpreter. Both must describe one text identically, so that a revision
one parser read pairs with a revision the other read.
"""

from __future__ import annotations

import ast
from collections import namedtuple
from collections.abc import Sequence

TYPE_CHECKING = False  # typing costs a driver call start-up; mypy reads the name as true
if TYPE_CHECKING:
    from typing import NamedTuple

# Decorators that let several definitions share one name (property accessors,
# typing.overload stacks): they become part of the definition's identity.
ACCESSOR_ROLES = ("setter", "getter", "deleter")
OVERLOAD = "overload"

# the kinds of block whose body becomes children inside a function (when it has no
# else/except/finally parts)
BLOCK_KINDS = frozenset({"if", "for", "asyncfor", "while", "with", "asyncwith"})


if TYPE_CHECKING:
    class _StatementFields(NamedTuple):
        start: int  # 0-based first line, decorators included
        end: int  # 0-based line after its last line
        line: int  # 1-based line of the statement itself (after its decorators)
        # "def", "class", "import", "from_import", "assign", else the name of ast's node
        # class in lower case ("expr", "if", "try", "augassign", ...)
        kind: str
        name: str | None  # the identifying name of named kinds
        role: str = ""  # the decorator role ("setter", "overload")
        # the statements of a definition's or a block's body (empty for the others)
        body: tuple[Statement, ...] = ()
        # a block with else/elif/except/finally parts
        has_clauses: bool = False
else:
    # the same named tuple without typing.NamedTuple, whose import a driver call would pay
    _StatementFields = namedtuple(
        "Statement", ("start", "end", "line", "kind", "name", "role", "body", "has_clauses"), defaults=("", (), False)
    )


class Statement(_StatementFields):
    """One statement: its lines, identity and, for containers, its body. A named
    tuple, not a frozen dataclass: a 50,000-line module makes 25,000 of them per
    parse, and a frozen dataclass sets each field through ``object.__setattr__``."""

    __slots__ = ()

    @property
    def is_definition(self) -> bool:
        return self.kind in ("def", "class")


_HAS_BODY = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)


def statements_from_ast(stmts: Sequence[ast.stmt]) -> tuple[Statement, ...]:
    """The statements of an ``ast`` body (recursively into definitions and blocks)."""
    return tuple(_from_ast(stmt) for stmt in stmts)


def _from_ast(stmt: ast.stmt) -> Statement:
    first = stmt.lineno
    for decorator in getattr(stmt, "decorator_list", ()):
        first = min(first, decorator.lineno)
    kind, name = _kind_and_name(stmt)
    return Statement(
        start=first - 1,
        end=stmt.end_lineno or stmt.lineno,
        line=stmt.lineno,
        kind=kind,
        name=name,
        role=_role(stmt),
        body=statements_from_ast(stmt.body) if isinstance(stmt, _HAS_BODY) else (),
        has_clauses=bool(getattr(stmt, "orelse", None) or getattr(stmt, "handlers", None) or getattr(stmt, "finalbody", None)),
    )


def _kind_and_name(stmt: ast.stmt) -> tuple[str, str | None]:
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
    alias = getattr(stmt, "name", None)  # `type X = ...` (ast.TypeAlias, Python 3.12+)
    if type(stmt).__name__ == "TypeAlias" and isinstance(alias, ast.Name):
        return "assign", alias.id  # it binds its name like an assignment
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
        if isinstance(target, ast.Attribute) and target.attr in ACCESSOR_ROLES:
            return target.attr
        if isinstance(target, ast.Attribute | ast.Name):
            last = target.attr if isinstance(target, ast.Attribute) else target.id
            if last == OVERLOAD:
                return OVERLOAD
    return ""
