"""Merges inside one statement whose parts are a list of named items.

A multi-line bracketed list with one item per line — the names of a parenthesised
``from x import (...)``, the keyword arguments of a call, the parameters of a
signature, the strings of ``__all__`` — merges item by item: both sides may add,
remove or change different items. Items are identified by name (``key=value`` by
its key, ``a as b`` by ``a``); a list of plain values is only merged when the
profile declares it unordered (``__all__``), since inserting next to a deleted
positional item has no single right answer. Anything else returns None and the
caller falls back to lines.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Hashable, Iterator

from smartmerge.languages import TokenLists
from smartmerge.merging.diff3 import merge3
from smartmerge.merging.ordering import CombineRuns, merge_order
from smartmerge.merging.tokens import holds_items, token_keys
from smartmerge.records import record
from smartmerge.textlines import split_lines

_OPENERS = ("(", "[", "{")
_CLOSERS = (")", "]", "}")
_ALIAS = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*)(?:\s+as\s+[A-Za-z_][A-Za-z0-9_]*)?$")


@record
class _ItemList:
    head: tuple[str, ...]  # lines up to and including the opening bracket
    items: tuple[str, ...]  # one line per item, without the trailing comma and newline
    commas: tuple[bool, ...]  # whether each item line ended with a comma
    indent: str
    newline: str
    tail: tuple[str, ...]  # the closing line(s)


def _strip_comment_free(line: str) -> str | None:
    """The line without its line end, or None when it holds a comment or a string
    with brackets that would make splitting by lines unsafe."""
    body = line.rstrip("\r\n")
    if "#" in body:
        return None
    return body


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _split(text: str) -> _ItemList | None:
    lines = split_lines(text)
    opener = next((i for i, line in enumerate(lines) if line.rstrip().endswith(_OPENERS)), None)
    if opener is None or len(lines) - opener < 3:
        return None
    closing = len(lines) - 1
    if not lines[closing].strip().startswith(_CLOSERS):
        return None
    items, commas = [], []
    indent = None
    for line in lines[opener + 1 : closing]:
        body = _strip_comment_free(line)
        if body is None or not body.strip():
            return None
        stripped = body.strip()
        comma = stripped.endswith(",")
        item = stripped[:-1].rstrip() if comma else stripped
        if not item or not _balanced(item) or "," in _outside_brackets(item):
            return None
        items.append(item)
        commas.append(comma)
        indent = indent if indent is not None else body[: len(body) - len(body.lstrip())]
    newline = "\r\n" if lines[opener].endswith("\r\n") else "\n"
    return _ItemList(tuple(lines[: opener + 1]), tuple(items), tuple(commas), indent or "    ", newline, (lines[closing],))


def _scan(text: str) -> Iterator[tuple[int, str, int, bool]]:
    """Each character with the bracket depth after it and whether a string literal is
    open after it (so a closing quote reports False, and a text whose last character
    reports True ends inside a string); the one scanner the helpers below share."""
    depth, quote, escaped = 0, "", False
    for index, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            yield index, char, depth, bool(quote)
            continue
        if char in "'\"":
            quote = char
            yield index, char, depth, True
            continue
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        yield index, char, depth, False


def _outside_brackets(item: str) -> str:
    """The characters of an item at bracket depth zero, strings blanked out."""
    return "".join(
        char for _, char, depth, in_string in _scan(item)
        if not in_string and depth == 0 and char not in _OPENERS + _CLOSERS
    )


_PARAM = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*)\s*(?::.*)?(?:=.*)?$", re.S)
_DICT_KEY = re.compile(r"""^((?:'[^'\\]*'|"[^"\\]*"|[A-Za-z_][A-Za-z0-9_.]*))\s*:(?!=)""")
_KWARG = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)|^\*\*?([A-Za-z_][A-Za-z0-9_.]*)$")

# What identifies an item, by the kind of list it is in.
IMPORTS, UNORDERED, PARAMETERS, KEYWORDS = "imports", "unordered", "parameters", "keywords"


def _key(item: str, mode: str) -> Hashable | None:
    if mode == IMPORTS:
        match = _ALIAS.match(item)
        return ("name", match.group(1)) if match else None
    if mode == UNORDERED:
        return ("value", item)
    if mode == PARAMETERS:
        if item in ("*", "/"):
            return ("marker", item)
        match = _PARAM.match(item)
        return ("name", match.group(1)) if match else None
    match = _KWARG.match(item) or _DICT_KEY.match(item)
    if match:
        return ("name", next(g for g in match.groups() if g is not None))
    return None


def merge_item_lists(base: str, left: str, right: str, *, mode: str) -> str | None:
    """The merged statement, or None when it is not a list this module can merge."""
    parts = [_split(t) for t in (base, left, right)]
    if any(p is None for p in parts):
        return None
    b, lft, rgt = parts
    assert b is not None and lft is not None and rgt is not None  # for mypy: checked above
    head = merge3(b.head, lft.head, rgt.head)
    tail = merge3(b.tail, lft.tail, rgt.tail)
    if head is None or tail is None:
        return None
    keyed = _keyed([b.items, lft.items, rgt.items], mode)
    if keyed is None:
        return None
    merged_items = _merge_keyed(keyed, sort=mode in (IMPORTS, UNORDERED))
    if merged_items is None:
        return None
    last_comma = _pick(b.commas[-1] if b.commas else True, lft.commas[-1] if lft.commas else True, rgt.commas[-1] if rgt.commas else True)
    indent = _pick_str(b.indent, lft.indent, rgt.indent)
    lines = list(head)
    for index, item in enumerate(merged_items):
        comma = "," if index < len(merged_items) - 1 or last_comma else ""
        lines.append(f"{indent}{item}{comma}{lft.newline}")
    lines.extend(tail)
    return "".join(lines)


def _keyed(lists: list[tuple[str, ...]], mode: str) -> list[dict[Hashable, str]] | None:
    """Each revision's items by key; None when an item has no key.

    Positional items of a call (keyword mode) are keyed by position, but only when
    all three revisions have the same number of them: an inserted or deleted
    positional argument shifts the others, and then no key is trustworthy.
    """
    keyed: list[dict[Hashable, str]] = []
    positional_counts = set()
    for items in lists:
        keys: list[Hashable | None] = []
        positional = 0
        for item in items:
            key = _key(item, mode)
            if key is None and mode == KEYWORDS:
                key = ("pos", positional)
                positional += 1
            keys.append(key)
        positional_counts.add(positional)
        if any(k is None for k in keys) or len(set(keys)) != len(keys):
            return None
        keyed.append(dict(zip(keys, items, strict=True)))
    if len(positional_counts) > 1:
        return None
    return keyed


_INLINE_OPEN = {"(": ")", "[": "]", "{": "}"}


def merge_inline_lists(
    base: str, left: str, right: str, *, unordered: bool, lists: TokenLists | None = None
) -> str | None:
    """Items added or changed by both sides inside one bracket pair on one line:
    ``f(a, x=1)`` and ``f(a, y=2)`` give ``f(a, x=1, y=2)``; a set literal merges as
    a set. The texts must agree outside that bracket pair. With ``lists`` (the
    profile's ``[tokens]``), only a bracket that holds a list of items qualifies: a
    tuple's values are one value (``(7, 1, 0, 'dev', 0)``)."""
    texts = (base, left, right)
    start = _common_prefix(texts)
    end = _common_suffix(texts, start)
    # widen to the innermost bracket pair that encloses every difference
    for open_at in range(start - 1, -1, -1):
        opener = base[open_at]
        if opener not in _INLINE_OPEN:
            continue
        spans = [_closing(t, open_at) for t in texts]
        if any(c is None for c in spans):
            return None
        if all(c is not None and len(t) - c <= end for c, t in zip(spans, texts, strict=True)):
            break
    else:
        return None
    if lists is not None and not holds_items((token_keys(base[:open_at]) or [""])[-1], base[open_at:], lists):
        return None
    insides = [t[open_at + 1 : c] for t, c in zip(texts, spans, strict=True) if c is not None]
    if any("\n" in inside or "#" in inside for inside in insides):
        return None
    split = [_split_items(inside) for inside in insides]
    if any(items is None for items in split):
        return None
    item_lists = [tuple(i.strip() for i in items) for items in split if items is not None]
    if any(not all(item_lists_i) for item_lists_i in item_lists):
        return None
    is_set = opener == "{" and not any(_DICT_KEY.match(i) for items in item_lists for i in items)
    mode = UNORDERED if unordered or is_set else KEYWORDS
    keyed = _keyed(item_lists, mode)
    if keyed is None:
        return None
    merged = _merge_keyed(keyed, sort=False)
    if merged is None:
        return None
    inside = insides[1]
    pad_left = inside[: len(inside) - len(inside.lstrip())]
    pad_right = inside[len(inside.rstrip()) :]
    close_left = spans[1]
    assert close_left is not None  # for mypy: checked above
    return left[: open_at + 1] + pad_left + ", ".join(merged) + pad_right + left[close_left:]


def _common_prefix(texts: tuple[str, ...]) -> int:
    n = 0
    shortest = min(len(t) for t in texts)
    while n < shortest and texts[0][n] == texts[1][n] == texts[2][n]:
        n += 1
    return n


def _common_suffix(texts: tuple[str, ...], prefix: int) -> int:
    n = 0
    shortest = min(len(t) for t in texts) - prefix
    while n < shortest and texts[0][-1 - n] == texts[1][-1 - n] == texts[2][-1 - n]:
        n += 1
    return n


def _closing(text: str, open_at: int) -> int | None:
    """Index of the bracket closing the one at ``open_at`` (strings skipped)."""
    for index, _char, depth, in_string in _scan(text[open_at:]):
        if not in_string and depth == 0:
            return open_at + index
    return None


def _split_items(inside: str) -> list[str] | None:
    """Top-level comma-separated items; a trailing comma gives no empty item."""
    items: list[str] = []
    current: list[str] = []
    depth, in_string = 0, False
    for _, char, depth, in_string in _scan(inside):
        if char == "," and depth == 0 and not in_string:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    if in_string or depth:
        return None
    if "".join(current).strip():
        items.append("".join(current))
    return items


class _Conflict:
    pass


_CONFLICT = _Conflict()


def _merge_item(base: str | None, left: str | None, right: str | None) -> str | _Conflict | None:
    """One item's merged text; None when deleted; _CONFLICT when edits clash."""
    if base is None:
        if left is not None and right is not None and left != right:
            return _CONFLICT
        return left if left is not None else right
    if left is None or right is None:
        survivor = right if left is None else left
        # deleted on one side: fine unless the other side changed it
        return None if survivor in (None, base) else _CONFLICT
    if left == base:
        return right
    if right == base or left == right:
        return left
    return _CONFLICT


def _pick(base: bool, left: bool, right: bool) -> bool:
    return right if left == base else left


def _pick_str(base: str, left: str, right: str) -> str:
    return right if left == base else left


SortKey = Callable[[Hashable], str]


def _text(key: Hashable) -> str:
    return str(key[1]).strip("'\"") if isinstance(key, tuple) else str(key)


def _lower_text(key: Hashable) -> str:
    return _text(key).lower()


def _common_sort_key(orders: list[list[Hashable]]) -> SortKey | None:
    """A key under which every revision's list is sorted, if there is one."""
    if not any(len(order) > 1 for order in orders):
        return None
    for candidate in (_text, _lower_text):
        if all(order == sorted(order, key=candidate) for order in orders):
            return candidate
    return None


def _merge_keyed(keyed: list[dict[Hashable, str]], *, sort: bool) -> list[str] | None:
    """Merge three keyed item lists; None when one item was changed two ways."""
    sort_key = _common_sort_key([list(d) for d in keyed]) if sort else None
    combine: CombineRuns | None = None
    if sort_key is not None:
        key = sort_key

        def combine(left_run: list[Hashable], right_run: list[Hashable]) -> list[Hashable]:
            return sorted(left_run + right_run, key=key)

    order = merge_order(list(keyed[0]), list(keyed[1]), list(keyed[2]), combine)
    if order is None:
        return None
    items = []
    for item_key in order:
        merged = _merge_item(*(d.get(item_key) for d in keyed))
        if isinstance(merged, _Conflict):
            return None
        if merged is not None:
            items.append(merged)
    return items


def merge_import_names(base: str, left: str, right: str) -> str | None:
    """``from x import a, b`` on one line, names added on both sides."""
    parsed = []
    for text in (base, left, right):
        lines = split_lines(text)
        stripped = [line for line in lines if line.strip() and not line.strip().startswith("#")]
        if len(stripped) != 1 or "(" in stripped[0] or "#" in stripped[0] or "\\" in stripped[0]:
            return None
        try:
            node = ast.parse(stripped[0].strip()).body[0]
        except SyntaxError:
            return None
        if not isinstance(node, ast.ImportFrom):
            return None
        parsed.append((lines, stripped[0], node))
    modules = {(n.module, n.level) for _, _, n in parsed}
    # only the statement itself may differ: comments around it merge line by line
    surroundings = {tuple(line for line in lines if line is not stmt) for lines, stmt, _ in parsed}
    if len(modules) != 1 or len(surroundings) != 1:
        return None
    name_lists = [[a.name if a.asname is None else f"{a.name} as {a.asname}" for a in n.names] for _, _, n in parsed]
    keyed: list[dict[Hashable, str]] = [{("name", name.split(" as ")[0]): name for name in names} for names in name_lists]
    if any(len(k) != len(n) for k, n in zip(keyed, name_lists, strict=True)):
        return None
    names = _merge_keyed(keyed, sort=True)
    if names is None:
        return None
    left_lines, left_line, _ = parsed[1]
    statement = left_line[: left_line.index(" import ") + len(" import ")] + ", ".join(names)
    ending = left_line[len(left_line.rstrip("\r\n")) :]
    # keep left's leading comments and blank lines around the statement
    out = [statement + ending if line is left_line else line for line in left_lines]
    return "".join(out)
