"""tree-sitter parse -> Node tree of whole-line spans, driven by a LanguageProfile.

The grammar comes from the profile's wheel (``grammar``, ``grammar_function``). A
"body" is a node whose kind the profile lists in ``identity.named_bodies`` (object
members, top-level declarations, class bodies, tables: children identified by a
signature) or ``identity.sequence_bodies`` (statement blocks, arrays: children
matched by content). The members of a body (its named children that are not
comments) become child Nodes covering whole lines: comment and blank lines above a
member belong to it, members sharing a line form one anonymous group, and what
comes after the last member (closing brace, trailing comments) is the container's
``tail``. A member that holds a body itself (a pair whose value is an object, a
function with a block) becomes a container in turn. A body that cannot be cut into
whole lines (``{"a": 1, "b": 2}`` on one line) stays a leaf, merged by lines.

Every byte of the input lands in exactly one node, so ``parse(text).text == text``.
"""

from __future__ import annotations

import importlib
import re
from collections import deque
from collections.abc import Sequence
from functools import cache

from smartmerge.errors import ParseFailed
from smartmerge.languages import LanguageProfile
from smartmerge.records import record
from smartmerge.textlines import split_lines
from smartmerge.tree import Node, SetSpan

TYPE_CHECKING = False  # typing costs a driver call start-up; mypy reads the name as true
if TYPE_CHECKING:
    from tree_sitter import Language, Parser, Query
    from tree_sitter import Node as TSNode

# tree_sitter itself is imported where it is used: a Python merge (libcst and ast)
# never needs it, and the merge driver pays every import on each file git merges

# How deep below a member the search for its body goes: deep enough for a callback's
# block inside a call (statement > call > arguments > arrow function > block), shallow
# enough that a long expression is not searched through.
_BODY_SEARCH_DEPTH = 5
# Tokens that may follow the last member on its line (a trailing separator).
_TRAILING_SEPARATORS = ",;"
_PUNCT_SPACE = re.compile(r" ?([^\w\s]) ?")


@cache
def language_of(module: str, function: str) -> Language:
    """The tree-sitter Language of a grammar wheel (``tree_sitter_json``, ``language``)."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ParseFailed(f"grammar {module} is not installed") from exc
    import tree_sitter

    return tree_sitter.Language(getattr(mod, function)())


@cache
def _parser(module: str, function: str) -> Parser:
    import tree_sitter

    return tree_sitter.Parser(language_of(module, function))


@cache
def _comment_query(module: str, function: str, kinds: tuple[str, ...]) -> Query | None:
    if not kinds:
        return None
    import tree_sitter

    patterns = " ".join(f"({kind})" for kind in kinds)
    return tree_sitter.Query(language_of(module, function), f"[{patterns}] @comment")


@cache
def set_query(module: str, function: str, query: str) -> Query:
    """A profile's ``unordered.sets`` query, compiled (an unknown kind or field raises)."""
    import tree_sitter

    return tree_sitter.Query(language_of(module, function), query)


# A set found in the whole tree: its byte range, its items' byte ranges, the rule's
# separator, joiner and whether items are keyed.
_RawSet = tuple[int, int, tuple[tuple[int, int], ...], str, str, bool]


def _captured_items(node: TSNode, captured: set[tuple[int, int]], comments: frozenset[str]) -> tuple[tuple[int, int], ...] | None:
    """The byte ranges of a list's items captured ``@item``: its children in those
    ranges, with no other named child between the first and the last (a JSX spread
    among attributes keeps its place). None when the list spans lines or has none."""
    if node.start_point.row != node.end_point.row:
        return None
    children = [(child.start_byte, child.end_byte, child) for child in node.children]
    items = [(a, b) for a, b, _ in children if (a, b) in captured]
    if not items:
        return None
    between = [c for a, b, c in children if items[0][0] <= a and b <= items[-1][1] and (a, b) not in captured]
    if any(c.is_named or c.type in comments for c in between):
        return None
    return tuple(items)


_SET_OPENERS = (b"(", b"[", b"{", b"<", b":")
_SET_CLOSERS = (b")", b"]", b"}", b">")


def _set_items(node: TSNode, separator: str, comments: frozenset[str]) -> tuple[tuple[int, int], ...] | None:
    """The byte ranges of a list's items: the runs of children between separator
    tokens, without the unnamed brackets or colon that open and close it. None when
    the list spans lines, holds a comment, or has an empty item."""
    if node.start_point.row != node.end_point.row:
        return None
    children = list(node.children)
    if any(child.type in comments for child in children):
        return None

    def is_separator(child: TSNode) -> bool:
        return not child.is_named and child.text == separator.encode()

    # the opening bracket (or a bound's colon) and the closing one are no items; any
    # other unnamed token (`::` of `::serde::Serialize`) belongs to its item
    while children and not children[0].is_named and children[0].text in _SET_OPENERS:
        children.pop(0)
    while children and not children[-1].is_named and children[-1].text in _SET_CLOSERS:
        children.pop()
    runs: list[list[TSNode]] = [[]]
    for child in children:
        if is_separator(child):
            runs.append([])
        else:
            runs[-1].append(child)
    if runs and not runs[-1] and len(runs) > 1:
        runs.pop()  # a trailing separator
    if not runs or any(not run for run in runs):
        return None
    return tuple((run[0].start_byte, run[-1].end_byte) for run in runs)


def _last_row(node: TSNode) -> int:
    """The row of a node's last non-white-space byte: a comment that includes its
    newline, or a TOML table that runs over the blank lines after it, ends there."""
    text = node.text or b""
    trailing = text[len(text.rstrip()) :]
    row = node.end_point.row - trailing.count(b"\n")
    return max(row, node.start_point.row)


def first_error_line(root: TSNode) -> int | None:
    """1-based line of the first ERROR or MISSING node, None when there is none."""
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node.start_point.row + 1
        stack.extend(reversed([child for child in node.children if child.has_error or child.is_missing]))
    return root.start_point.row + 1


def parse_tree_sitter(text: str, profile: LanguageProfile, *, strict: bool = False) -> Node:
    """Parse with the profile's grammar; ERROR or MISSING nodes raise ParseFailed
    unless the profile tolerates them (``strict`` never does: the check stage)."""
    if "\r" in text.replace("\r\n", ""):
        # tree-sitter counts rows by \\n only; a lone \\r would shift every line
        raise ParseFailed("a lone carriage return as a line end")
    data = text.encode("utf-8")
    tree = _parser(profile.grammar, profile.grammar_function).parse(data)
    root = tree.root_node
    error_line = first_error_line(root)
    if error_line is not None and (strict or not profile.tolerate_errors):
        raise ParseFailed(f"not valid {profile.name} at line {error_line}")
    return _Builder(data, split_lines(text), profile).root(root)


def duplicate_names(text: str, profile: LanguageProfile) -> int:
    """How many members of named bodies repeat a sibling's name, counted over the
    whole tree, inline bodies too (``{ a = 1, a = 2 }`` on one line): the check
    stage refuses a result with more of them than any input had."""
    data = text.encode("utf-8")
    root = _parser(profile.grammar, profile.grammar_function).parse(data).root_node
    builder = _Builder(data, split_lines(text), profile)
    repeats = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in profile.named_bodies:
            seen: set[tuple[str, str]] = set()
            for child in node.named_children:
                name = builder.signature(child)
                if name is None:
                    continue
                repeats += (child.type, name) in seen
                seen.add((child.type, name))
        if node.type not in profile.atomic_kinds:
            stack.extend(node.named_children)
    return repeats


@record
class ItemList:
    """One commutative list of a text (``throws A, B``): character offsets."""

    kind: str
    start: int  # the first item's start
    end: int  # the last item's end
    items: tuple[tuple[int, int], ...]
    # what identifies each item: its ``name`` field, else its first named child,
    # else its own text (``@Deprecated(since = "2")`` is ``Deprecated``)
    keys: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # each item's node kind


_WORD_TOKEN = re.compile(rb"\w+")


def commutative_lists(text: str, profile: LanguageProfile) -> tuple[ItemList, ...]:
    """The lists of ``text`` whose kind the profile declares commutative, outermost
    first. Their items are the named children (a JSX element's tag, the ``name``
    field, is none); in a list separated by white space (modifiers) keywords are
    items too. A list holding a comment is left out: its lines are not items."""
    parents = profile.commutative_parents
    if not parents:
        return ()
    data = text.encode("utf-8")
    root = _parser(profile.grammar, profile.grammar_function).parse(data).root_node
    ascii_only = len(data) == len(text)

    def char(offset: int) -> int:
        return offset if ascii_only else len(data[:offset].decode("utf-8", "replace"))

    found: list[ItemList] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in parents and not node.has_error:
            separator = parents[node.type]
            items = []
            commented = False
            for index, child in enumerate(node.children):
                if child.type in profile.comment_kinds:
                    commented = True
                if child.type == separator or child.type in profile.comment_kinds:
                    continue
                if (child.is_named and node.field_name_for_child(index) != "name") or (not child.is_named and not separator.strip() and _WORD_TOKEN.fullmatch(child.text or b"")):
                    items.append(child)
            if items and not commented:
                found.append(
                    ItemList(
                        kind=node.type,
                        start=char(items[0].start_byte),
                        end=char(items[-1].end_byte),
                        items=tuple((char(i.start_byte), char(i.end_byte)) for i in items),
                        keys=tuple(_item_key(i) for i in items),
                        kinds=tuple(i.type for i in items),
                    )
                )
                continue
        if node.type not in profile.atomic_kinds:
            stack.extend(reversed(node.children))
    return tuple(sorted(found, key=lambda item_list: item_list.start))


def _item_key(item: TSNode) -> str:
    named = item.child_by_field_name("name") or next(iter(item.named_children), None) or item
    return b"".join((named.text or b"").split()).decode("utf-8", "replace")


class _Builder:
    def __init__(self, data: bytes, lines: list[str], profile: LanguageProfile) -> None:
        self.data = data
        self.lines = lines
        self.profile = profile
        self.line_starts = [0]
        for line in lines:
            self.line_starts.append(self.line_starts[-1] + len(line.encode("utf-8")))
        self.language = language_of(profile.grammar, profile.grammar_function)
        self.bodies = profile.named_bodies | profile.sequence_bodies
        # comments and leading kinds (attributes) are not members: their lines belong
        # to the member below them
        self.leading = frozenset(profile.comment_kinds) | frozenset(profile.leading_kinds)
        self.stop_kinds = frozenset(profile.atomic_kinds) | self.leading
        self.comment_rows: set[int] = set()
        self.sets: list[_RawSet] = []

    # --- rows -------------------------------------------------------------------

    def text(self, start_row: int, end_row: int) -> str:
        return "".join(self.lines[start_row:end_row])

    def _row_bytes(self, row: int) -> bytes:
        if row >= len(self.lines):
            return b""
        return self.data[self.line_starts[row] : self.line_starts[row + 1]]

    def blank_or_comment(self, row: int) -> bool:
        return row in self.comment_rows or not self._row_bytes(row).strip()

    def starts_row(self, node: TSNode) -> bool:
        """Only white space before the node on its first row."""
        row = node.start_point.row
        return not self.data[self.line_starts[row] : node.start_byte].strip()

    def ends_row(self, node: TSNode) -> bool:
        """After the node on its last row: nothing, a separator, or a comment."""
        row = _last_row(node)
        line_end = self.line_starts[row + 1] if row + 1 < len(self.line_starts) else len(self.data)
        rest = self.data[node.end_byte : line_end].strip().lstrip(_TRAILING_SEPARATORS.encode()).strip()
        return not rest or rest.startswith(self.profile.comment_prefix.encode()) or rest.startswith(b"/*")

    def _mark_comment_rows(self, root: TSNode) -> None:
        kinds = (*self.profile.comment_kinds, *self.profile.leading_kinds)
        query = _comment_query(self.profile.grammar, self.profile.grammar_function, kinds)
        if query is None:
            return
        import tree_sitter

        for nodes in tree_sitter.QueryCursor(query).captures(root).values():
            for node in nodes:
                if self.starts_row(node) and self.ends_row(node):
                    self.comment_rows.update(range(node.start_point.row, _last_row(node) + 1))

    # --- nodes ------------------------------------------------------------------

    def _find_sets(self, root: TSNode) -> None:
        """Every list the profile declares a set; a set inside another is left out
        (the outer one's items are compared whole)."""
        found: list[_RawSet] = []
        import tree_sitter

        comments = frozenset(self.profile.comment_kinds)
        for rule in self.profile.set_rules:
            query = set_query(self.profile.grammar, self.profile.grammar_function, rule.query)
            captures = tree_sitter.QueryCursor(query).captures(root)
            captured = {(item.start_byte, item.end_byte) for item in captures.get("item", [])}
            for node in captures.get("set", []):
                if "@item" in rule.query:
                    items = _captured_items(node, captured, comments)
                else:
                    items = _set_items(node, rule.separator, comments)
                if items is not None:
                    found.append((node.start_byte, node.end_byte, items, rule.separator, rule.joiner, rule.keyed))
        found.sort(key=lambda raw: (raw[0], -raw[1]))
        for raw in found:
            if not self.sets or raw[0] >= self.sets[-1][1]:
                self.sets.append(raw)

    def _sets_in(self, start_row: int, end_row: int) -> tuple[SetSpan, ...]:
        """The sets inside rows [start_row, end_row), in characters from its start."""
        start, end = self.line_starts[start_row], self.line_starts[end_row]
        spans = []
        for first, last, items, separator, joiner, keyed in self.sets:
            if first >= start and last <= end:

                def char(at: int) -> int:
                    return len(self.data[start:at].decode("utf-8"))

                spans.append(
                    SetSpan(char(first), char(last), tuple((char(a), char(b)) for a, b in items), separator, joiner, keyed)
                )
        return tuple(spans)

    def root(self, root: TSNode) -> Node:
        self._mark_comment_rows(root)
        self._find_sets(root)
        return self._node(root, 0, len(self.lines), kind=root.type, name=None)

    def _node(self, ts: TSNode, start_row: int, end_row: int, *, kind: str, name: str | None) -> Node:
        """The Node for rows [start_row, end_row): a container when ``ts`` holds a body
        that cuts into whole lines inside those rows, else a leaf."""
        body = self._find_body(ts)
        groups = self._groups(body, start_row) if body is not None else None
        if body is not None and groups is None:
            empty = self._empty_body(body, ts, start_row, end_row, kind=kind, name=name)
            if empty is not None:
                return empty
        if body is None or not groups:
            return Node(
                kind=kind, name=name, head=self.text(start_row, end_row), line=start_row + 1, sets=self._sets_in(start_row, end_row)
            )
        named = body.type in self.profile.named_bodies
        children = []
        first_row = self._leading_start(groups[0][0], start_row)
        cursor = first_row
        for index, group in enumerate(groups):
            group_end = _last_row(group[-1]) + 1
            if index + 1 == len(groups):
                group_end = max(group_end, cursor)
            child_name = self.signature(group[0]) if named and len(group) == 1 else None
            child_kind = group[0].type if len(group) == 1 else "group"
            if len(group) == 1:
                children.append(self._node(group[0], cursor, group_end, kind=child_kind, name=child_name))
            else:
                children.append(Node(kind=child_kind, name=None, head=self.text(cursor, group_end), line=cursor + 1))
            cursor = group_end
        if cursor > end_row:
            return Node(
                kind=kind, name=name, head=self.text(start_row, end_row), line=start_row + 1, sets=self._sets_in(start_row, end_row)
            )
        return Node(
            kind=kind,
            name=name,
            head=self.text(start_row, first_row),
            sets=self._sets_in(start_row, first_row),
            children=tuple(children),
            tail=self.text(cursor, end_row),
            named_body=named,
            line=start_row + 1,
            separator=self.profile.separators.get(body.type, ""),
            insertions_clash=body.type in self.profile.insertion_conflict_bodies,
        )

    def _empty_body(self, body: TSNode, ts: TSNode, start_row: int, end_row: int, *, kind: str, name: str | None) -> Node | None:
        """A body with no members whose brackets are on different lines (``struct {``
        / ``}``) is a container holding one empty child, so members both sides add
        there merge like additions to any other body."""
        tokens = body.children
        if len(tokens) < 2 or any(child.is_named and child.type not in self.leading for child in tokens):
            return None
        opening, closing = tokens[0], tokens[-1]
        head_end = _last_row(opening) + 1
        if not (start_row < head_end <= closing.start_point.row < end_row) or not self.starts_row(closing):
            return None
        placeholder = Node(kind="empty", name=None, head="", line=head_end + 1)
        return Node(
            kind=kind,
            name=name,
            head=self.text(start_row, head_end),
            children=(placeholder,),
            tail=self.text(head_end, end_row),
            named_body=body.type in self.profile.named_bodies,
            line=start_row + 1,
            separator=self.profile.separators.get(body.type, ""),
            insertions_clash=body.type in self.profile.insertion_conflict_bodies,
        )

    def _find_body(self, ts: TSNode) -> TSNode | None:
        """The shallowest body at or below ``ts`` (breadth first, not into atoms)."""
        queue: deque[tuple[TSNode, int]] = deque([(ts, 0)])
        while queue:
            node, depth = queue.popleft()
            if node.type in self.bodies:
                return node
            if depth < _BODY_SEARCH_DEPTH and node.type not in self.stop_kinds:
                queue.extend((child, depth + 1) for child in node.named_children)
        return None

    def _groups(self, body: TSNode, start_row: int) -> list[list[TSNode]] | None:
        """The body's members, those sharing a line grouped; None when the body
        cannot be cut into whole lines."""
        members: list[TSNode] = []
        for child in body.named_children:
            if child.type in self.leading or child.end_byte == child.start_byte:
                continue
            # named children before the first member on the body's opening line are
            # its header (a TOML table's name), not members
            if not members and not self.starts_row(child):
                continue
            members.append(child)
        if not members or members[0].start_point.row < start_row:
            return None
        groups: list[list[TSNode]] = []
        for member in members:
            if groups and member.start_point.row <= _last_row(groups[-1][-1]):
                groups[-1].append(member)
            else:
                groups.append([member])
        if not self.ends_row(members[-1]):
            return None
        return groups

    def _leading_start(self, first: TSNode, limit: int) -> int:
        """The first row of the comment and blank lines right above ``first``."""
        row = first.start_point.row
        while row > limit and self.blank_or_comment(row - 1):
            row -= 1
        return row

    def signature(self, member: TSNode) -> str | None:
        spec = self.profile.signatures.get(member.type)
        if spec is None:
            return None
        for alternative in [spec] if isinstance(spec, str) else spec:
            parts = [self._resolve(member, path) for path in alternative.split(",")]
            found = [part for part in parts if part is not None]
            if found:
                return " ".join(found)
        return None

    def _resolve(self, node: TSNode, path: str) -> str | None:
        """Follow ``a/b/c``: each step a field name, else the first named child of that kind."""
        current: TSNode | None = node
        for step in path.strip().split("/"):
            if current is None:
                return None
            current = _step(current, step)
        if current is None or current.text is None:
            return None
        # white space next to punctuation is layout: `f( int a )` names what `f(int a)` does
        return _PUNCT_SPACE.sub(r"\1", " ".join(current.text.decode("utf-8", "replace").split()))


def _step(node: TSNode, step: str) -> TSNode | None:
    """A field or child kind; ``field:kind`` only when the field holds that kind
    (``name:identifier``: a destructuring pattern is no name)."""
    step, _, kind = step.partition(":")
    if step == ".":
        # the member itself: an array element that is its own name (a set of strings)
        return node
    child = node.child_by_field_name(step)
    if child is None:
        child = next((c for c in node.named_children if c.type == step), None)
    if child is not None and kind and child.type != kind:
        return None
    return child


def kinds_and_fields(profile: LanguageProfile) -> tuple[list[str], list[str]]:
    """Every node kind and every signature step the profile names (for the profile test)."""
    kinds = [
        *profile.named_bodies,
        *profile.sequence_bodies,
        *profile.comment_kinds,
        *profile.leading_kinds,
        *profile.atomic_kinds,
        *profile.separators,
        *profile.signatures,
        *profile.renamable_kinds,
        *profile.unordered_item_list_kinds,
        *profile.insertion_conflict_bodies,
        *profile.commutative_parents,
        *profile.set_kinds,
        *profile.order_sensitive_items,
    ]
    steps: list[str] = []
    for spec in profile.signatures.values():
        alternatives: Sequence[str] = [spec] if isinstance(spec, str) else spec
        for alternative in alternatives:
            for path in alternative.split(","):
                for step in path.split("/"):
                    name, _, kind = step.strip().partition(":")
                    steps += [name] if name != "." else []
                    kinds += [kind] if kind else []
    return kinds, steps
