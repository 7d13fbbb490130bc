"""Python syntax newer than the running interpreter, read with tree-sitter-python.

The stdlib ``ast`` knows only its own Python: on 3.11 it refuses ``type X = ...`` and
``def f[T]()`` (3.12) and 3.14's ``except A, B:`` and t-strings. For such text the
statements come from tree-sitter-python, whose grammar knows them, as the same
``Statement`` facts ``ast`` would give (``python_statements.py``), so a revision read
here pairs with one ``ast`` read.

tree-sitter recovers from errors and accepts Python 2 (``print "x"``) and some code
that is no Python at all (a body that is not indented), so its parse alone is no
proof: text counts as Python only when tree-sitter finds no ERROR or MISSING node
*and* libcst, whose parser also knows every current Python, accepts it. This path
runs only when ``ast`` has refused the text, so libcst's ~30 ms per 500 lines is
spent only there.
"""

from __future__ import annotations

import bisect
from functools import cache

from smartmerge.parsing.python_statements import ACCESSOR_ROLES, OVERLOAD, Statement
from smartmerge.textlines import split_lines

TYPE_CHECKING = False  # typing costs a driver call start-up; mypy reads the name as true
if TYPE_CHECKING:
    from tree_sitter import Node as TSNode
    from tree_sitter import Parser

# nodes that may sit anywhere between statements and tokens without being code
_NOT_CODE = frozenset({"comment", "line_continuation"})

# tree-sitter statement kind -> the name of ast's node class in lower case (the
# kinds ``statements_from_ast`` gives); the ones that depend on more than the node
# kind (async, except*, assignments, definitions) are decided in ``_kind_and_name``
_KINDS = {
    "return_statement": "return",
    "pass_statement": "pass",
    "break_statement": "break",
    "continue_statement": "continue",
    "raise_statement": "raise",
    "assert_statement": "assert",
    "delete_statement": "delete",
    "global_statement": "global",
    "nonlocal_statement": "nonlocal",
    "if_statement": "if",
    "while_statement": "while",
    "match_statement": "match",
    # the grammar also knows Python 2's print and exec statements; in text libcst
    # accepts as Python 3 they are calls with a space before the parenthesis
    "print_statement": "expr",
    "exec_statement": "expr",
}
# where each block kind keeps its body, and the fields that hold else/elif/except/finally
_BODY_FIELD = {
    "function_definition": "body",
    "class_definition": "body",
    "if_statement": "consequence",
    "for_statement": "body",
    "while_statement": "body",
    "with_statement": "body",
}
_CLAUSES = frozenset({"else_clause", "elif_clause", "except_clause", "except_group_clause", "finally_clause"})


@cache
def _parser() -> Parser:
    # imported here: only syntax newer than the interpreter needs it, and the merge
    # driver pays every import on each file git merges
    import tree_sitter

    from smartmerge.parsing.from_tree_sitter import language_of

    return tree_sitter.Parser(language_of("tree_sitter_python", "language"))


def is_modern_python(text: str) -> bool:
    """Whether ``text`` is Python by a grammar that knows every current version:
    tree-sitter-python without ERROR or MISSING nodes, and libcst."""
    return _clean_tree(text) is not None


def _clean_tree(text: str) -> TSNode | None:
    data = text.encode("utf-8")
    root = _parser().parse(data).root_node
    if root.has_error:
        return None
    import libcst  # imported here: ~120 ms of start-up, needed only on this path

    try:
        libcst.parse_module(text)
    except (libcst.ParserSyntaxError, RecursionError, ValueError):
        return None
    return root


def statements_from_grammar(text: str) -> tuple[Statement, ...] | None:
    """The module's statements read by tree-sitter-python, or None when the text is
    not Python by that grammar and libcst (``is_modern_python``)."""
    root = _clean_tree(text)
    if root is None:
        return None
    return _Reader(text).body(root)


class _Reader:
    """tree-sitter nodes -> Statements, lines counted the way the tree builder counts
    them (``split_lines``: ``\\r\\n``, ``\\r`` and ``\\n``), from byte offsets."""

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        offset = 0
        for line in split_lines(text):
            self.starts.append(offset)
            offset += len(line.encode("utf-8"))

    def line_of(self, byte: int) -> int:
        """0-based line holding byte offset ``byte``."""
        return bisect.bisect_right(self.starts, byte) - 1

    def body(self, parent: TSNode) -> tuple[Statement, ...]:
        return tuple(self.statement(child) for child in parent.named_children if child.type not in _NOT_CODE)

    def statement(self, node: TSNode) -> Statement:
        decorators: list[TSNode] = []
        definition = node
        if node.type == "decorated_definition":
            decorators = [child for child in node.named_children if child.type == "decorator"]
            definition = node.child_by_field_name("definition") or node
        kind, name = _kind_and_name(definition)
        field = _BODY_FIELD.get(definition.type)
        block = definition.child_by_field_name(field) if field else None
        has_clauses = any(child.type in _CLAUSES for child in definition.named_children)
        return Statement(
            start=self.line_of(node.start_byte),
            end=self.line_of(_last_code_byte(node)) + 1,
            line=self.line_of(definition.start_byte) + 1,
            kind=kind,
            name=name,
            role=_role(decorators),
            body=self.body(block) if block is not None else (),
            has_clauses=has_clauses,
        )


def _last_code_byte(node: TSNode) -> int:
    """The offset of the last byte of the node's last token that is code (a block's
    trailing comments are the tree builder's business)."""
    while True:
        children = [child for child in node.children if child.type not in _NOT_CODE]
        if not children:
            return max(node.start_byte, node.end_byte - 1)
        node = children[-1]


def _text(node: TSNode | None) -> str:
    return node.text.decode("utf-8") if node is not None and node.text is not None else ""


def _dotted(node: TSNode | None) -> str:
    """A dotted name without the spaces the source may have around its dots."""
    if node is None:
        return ""
    return ".".join(_text(part) for part in node.named_children if part.type == "identifier")


def _starts_with(node: TSNode, token: str) -> bool:
    return node.child_count > 0 and node.children[0].type == token


def _kind_and_name(node: TSNode) -> tuple[str, str | None]:
    kind = node.type
    if kind == "function_definition":
        return "def", _text(node.child_by_field_name("name"))
    if kind == "class_definition":
        return "class", _text(node.child_by_field_name("name"))
    if kind == "import_statement":
        return "import", ",".join(_imported(alias) for alias in node.children_by_field_name("name"))
    if kind == "import_from_statement":
        return "from_import", _module(node.child_by_field_name("module_name"))
    if kind == "future_import_statement":
        return "from_import", "__future__"
    if kind == "type_alias_statement":
        # it binds its name like an assignment (as in ``statements_from_ast``); the grammar
        # also reads an assignment to an attribute of a call of ``type`` as an alias
        # (``type(mock).name = ...``), whose target is no name: an anonymous assignment
        return "assign", _alias_name(node.child_by_field_name("left"))
    if kind == "for_statement":
        return ("asyncfor" if _starts_with(node, "async") else "for"), None
    if kind == "with_statement":
        return ("asyncwith" if _starts_with(node, "async") else "with"), None
    if kind == "try_statement":
        star = any(c.type == "except_group_clause" or (c.type == "except_clause" and _has_token(c, "*")) for c in node.children)
        return ("trystar" if star else "try"), None
    if kind == "expression_statement":
        return _expression_kind(node)
    return _KINDS.get(kind, kind), None


def _alias_name(left: TSNode | None) -> str | None:
    """``X`` of ``type X = ...`` and ``type X[T] = ...``; None when the target is no name."""
    target = left.named_children[0] if left is not None and left.named_child_count == 1 else None
    if target is not None and target.type == "generic_type":
        target = target.named_children[0] if target.named_child_count else None
    return _text(target) if target is not None and target.type == "identifier" else None


def _has_token(node: TSNode, token: str) -> bool:
    return any(not child.is_named and child.type == token for child in node.children)


def _imported(alias: TSNode) -> str:
    if alias.type == "aliased_import":
        return f"{_dotted(alias.child_by_field_name('name'))} as {_text(alias.child_by_field_name('alias'))}"
    return _dotted(alias)


def _module(node: TSNode | None) -> str:
    if node is None:
        return ""
    if node.type == "relative_import":
        prefix = next((c for c in node.named_children if c.type == "import_prefix"), None)
        module = next((c for c in node.named_children if c.type == "dotted_name"), None)
        return _text(prefix).count(".") * "." + _dotted(module)
    return _dotted(node)


def _expression_kind(node: TSNode) -> tuple[str, str | None]:
    """An expression statement as ``ast`` names it: an assignment to plain names
    (``a = b = 1``, ``x, y = p``, ``x: int = 1``) is ``assign`` with their names."""
    inner = [child for child in node.named_children if child.type not in _NOT_CODE]
    if len(inner) != 1 or inner[0].type not in ("assignment", "augmented_assignment"):
        return "expr", None
    if inner[0].type == "augmented_assignment":
        return "augassign", None
    assignment = inner[0]
    if assignment.child_by_field_name("type") is not None:  # annotated
        target = assignment.child_by_field_name("left")
        if target is not None and target.type == "identifier":
            return "assign", _text(target)
        return "annassign", None
    names: list[str | None] = []
    current: TSNode | None = assignment
    while current is not None and current.type == "assignment":
        names.append(_target_name(current.child_by_field_name("left")))
        current = current.child_by_field_name("right")
    if all(names):
        return "assign", "=".join(n for n in names if n)
    return "assign", None


def _target_name(target: TSNode | None) -> str | None:
    if target is None:
        return None
    if target.type == "identifier":
        return _text(target)
    if target.type in ("pattern_list", "tuple_pattern"):
        parts = [child for child in target.named_children if child.type not in _NOT_CODE]
        if parts and all(part.type == "identifier" for part in parts):
            return ",".join(_text(part) for part in parts)
    return None


def _role(decorators: list[TSNode]) -> str:
    for decorator in decorators:
        target = next((c for c in decorator.named_children if c.type not in _NOT_CODE), None)
        if target is not None and target.type == "call":
            target = target.child_by_field_name("function")
        if target is None:
            continue
        if target.type == "attribute":
            last = _text(target.child_by_field_name("attribute"))
            if last in ACCESSOR_ROLES:
                return last
        elif target.type == "identifier":
            last = _text(target)
        else:
            continue
        if last == OVERLOAD:
            return OVERLOAD
    return ""
