"""The structured merge: both sides' changes combined node by node.

For each node that all three revisions have, the result is the one side's text when
the other side left it alone; otherwise containers merge their header, children
and closing lines separately, and leaves merge item by item (import names,
keyword arguments, parameters, ``__all__``) or line by line. Bodies are merged as
sequences of identities (see ordering.py); a child deleted on one side and changed
on the other, or added under one name with different texts on both sides, becomes
a conflict, never a silent choice.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Hashable, Sequence
from fnmatch import fnmatchcase

from smartmerge import lazy_logging
from smartmerge.deadline import in_time
from smartmerge.errors import MergeTimeout
from smartmerge.languages import LanguageProfile
from smartmerge.matching import ambiguous_pairs, match_children
from smartmerge.matching.ambiguity import changed_by_deleting
from smartmerge.merging.diff3 import diff3
from smartmerge.merging.import_blocks import IMPORT_KINDS, sort_import_blocks
from smartmerge.merging.items import (
    IMPORTS,
    KEYWORDS,
    PARAMETERS,
    UNORDERED,
    merge_import_names,
    merge_inline_lists,
    merge_item_lists,
)
from smartmerge.merging.ordering import CombineRuns, merge_order
from smartmerge.merging.separators import merged_trailing, strip_last, with_separator
from smartmerge.merging.sets import RevisionLists, merge_lists, merge_with_sets
from smartmerge.merging.tokens import (
    changed_only_layout,
    commented_only_within,
    formatter_quotes,
    merge_tokens,
    restyle,
    token_keys,
)
from smartmerge.merging.wrapping import find_wraps
from smartmerge.records import record, replace
from smartmerge.textlines import opens_with_blank_line, split_lines
from smartmerge.tree import ConflictPiece, Node, Piece, SetSpan

log = lazy_logging.getLogger(__name__)  # logging is imported only if a record can be seen

# Two insertions at one spot this alike (rapidfuzz ratio, 0-100) are one change made
# twice, a conflict; below it they are two changes and both are kept, left's first.
SAME_INTENT_SIMILARITY = 60.0


@record
class _Context:
    profile: LanguageProfile
    deadline: float
    # the quote a side's formatter switched the whole file to: the other side's new or
    # changed code adopts it, so its content lands in the reformatted layout
    left_quote: str | None = None
    right_quote: str | None = None
    # each revision's commutative lists (base, left, right), parsed when first needed
    lists: tuple[RevisionLists, ...] = ()

    def from_left(self, text: str) -> str:
        return restyle(text, self.right_quote)

    def from_right(self, text: str) -> str:
        return restyle(text, self.left_quote)


def merge_trees(base: Node, left: Node, right: Node, profile: LanguageProfile, deadline: float) -> tuple[Piece, ...]:
    """Merge three module trees into pieces of text and conflicts."""
    left_quote, right_quote = formatter_quotes(base.text, left.text, right.text)
    lists = tuple(RevisionLists(node.text, profile) for node in (base, left, right)) if profile.commutative_parents else ()
    ctx = _Context(profile, deadline, left_quote, right_quote, lists)
    return tuple(_merge_node(base, left, right, ctx, ""))


def _symbol(path: str, node: Node) -> str:
    if node.name is None:
        return path
    return f"{path}.{node.name}" if path else node.name


def _merge_node(base: Node, left: Node, right: Node, ctx: _Context, path: str) -> list[Piece]:
    if time.monotonic() > ctx.deadline:
        raise MergeTimeout("structured merge ran out of time")
    if left.text == base.text:
        return [ctx.from_right(right.text)]
    if right.text == base.text:
        return [ctx.from_left(left.text)]
    if left.text == right.text:
        return [left.text]
    symbol = _symbol(path, base)
    left, right = _emptied(base, left), _emptied(base, right)
    # a base with no members (an empty __init__.py) is still the container both sides filled
    base_holds = base.is_container or (not base.children and not base.head.strip() and not base.tail.strip())
    if base_holds and left.is_container and right.is_container and base.kind == left.kind == right.kind:
        at = (base.line, left.line, right.line)
        sets = (base.sets, left.sets, right.sets)
        pieces = _merge_with_sets(
            base.head, left.head, right.head, sets, symbol, PARAMETERS if base.kind == "def" else None, ctx, at
        )
        separator = base.separator if base.separator == left.separator == right.separator else ""
        pieces += _merge_body(base, left, right, ctx, symbol, separator)
        tail_at = (_tail_line(base), _tail_line(left), _tail_line(right))
        pieces += _merge_text(base.tail, left.tail, right.tail, symbol, None, ctx, tail_at)
        return pieces
    return _merge_leaf(base, left, right, ctx, symbol)


def _tail_line(node: Node) -> int:
    """The 1-based line where a container's tail starts in its revision."""
    return node.line + len(split_lines(node.text)) - len(split_lines(node.tail))


def _emptied(base: Node, side: Node) -> Node:
    """A side that emptied a body onto one line (``x = {};``) as the container it
    is: base's header and closing lines around no member, so the other side's new
    members still land (and the layout is base's)."""
    if not base.is_container or side.is_container or side.kind != base.kind:
        return side
    if token_keys(side.text) != token_keys(base.head + base.tail):
        return side
    placeholder = Node(kind="empty", name=None, head="", line=side.line)
    return replace(base, children=(placeholder,), line=side.line)


def _merge_leaf(base: Node, left: Node, right: Node, ctx: _Context, symbol: str) -> list[Piece]:
    mode = KEYWORDS
    if base.kind == left.kind == right.kind == "from_import":
        mode = IMPORTS
    elif _unordered_list(base, symbol, ctx.profile):
        mode = UNORDERED
    if base.tail or left.tail or right.tail:
        return _merge_text(base.text, left.text, right.text, symbol, mode, ctx, (base.line, left.line, right.line))
    sets = (base.sets, left.sets, right.sets)
    return _merge_with_sets(base.text, left.text, right.text, sets, symbol, mode, ctx, (base.line, left.line, right.line))


def _merge_with_sets(
    base: str,
    left: str,
    right: str,
    sets: tuple[tuple[SetSpan, ...], ...],
    symbol: str,
    item_mode: str | None,
    ctx: _Context,
    at: tuple[int, int, int],
) -> list[Piece]:
    """``_merge_text``, except that when the texts hold lists the profile declares
    sets (``unordered.sets``) and both sides changed the text, those lists merge as
    sets and the rest as usual (when that gives no conflict)."""
    if all(sets) and left not in (base, right) and right != base:

        def merge_rest(b: str, lft: str, rgt: str) -> str | None:
            rest = _merge_text(b, lft, rgt, symbol, item_mode, ctx)
            return "".join(p for p in rest if isinstance(p, str)) if all(isinstance(p, str) for p in rest) else None

        merged = merge_with_sets((base, left, right), sets, merge_rest)
        if merged is not None:
            return [merged]
    return _merge_text(base, left, right, symbol, item_mode, ctx, at)


def _unordered_list(base: Node, symbol: str, profile: LanguageProfile) -> bool:
    """Whether a leaf's bracketed list is a set: Python's ``__all__``, or a value
    at a path the profile lists (pyproject's dependency arrays)."""
    if base.kind == "assign" and base.name in profile.unordered_list_assignments:
        return True
    if base.kind in profile.unordered_item_list_kinds:
        return True
    return any(fnmatchcase(symbol, pattern) for pattern in profile.unordered_item_list_paths)


def _merge_text(
    base: str,
    left: str,
    right: str,
    symbol: str,
    item_mode: str | None,
    ctx: _Context | None = None,
    at: tuple[int, int, int] | None = None,
) -> list[Piece]:
    """Line diff3 of one node's text; clashing lines may still merge as item lists.

    ``at`` is where each text starts in its revision (1-based lines), so that lists
    the profile declares commutative can be found in the revision's parse."""
    if left == base:
        return [right]
    if right == base or left == right:
        return [left]
    base_lines = split_lines(base)
    chunks = diff3(base_lines, split_lines(left), split_lines(right))
    if not any(chunk.conflict for chunk in chunks):
        return ["".join(line for chunk in chunks for line in chunk.resolved())]
    if item_mode == IMPORTS:
        merged = merge_import_names(base, left, right)
        if merged is not None:
            return [merged]
    if item_mode is not None:
        merged = merge_item_lists(base, left, right, mode=item_mode)
        if merged is not None:
            return [merged]
    pieces: list[Piece] = []
    offsets = [0, 0, 0]
    for chunk in chunks:
        chunk_at = tuple(line + offset for line, offset in zip(at, offsets, strict=True)) if at else None
        before = "".join(base_lines[: offsets[0]])  # base's text before the chunk: its brackets
        offsets = [offsets[0] + len(chunk.base), offsets[1] + len(chunk.left), offsets[2] + len(chunk.right)]
        if not chunk.conflict:
            pieces.append("".join(chunk.resolved()))
            continue
        contained = _contained_lines(chunk.base, chunk.left, chunk.right)
        if contained is not None:
            pieces.append("".join(contained))
            continue
        texts = ("".join(chunk.base), "".join(chunk.left), "".join(chunk.right))
        merged_tokens = _merge_tokens(*texts, ctx.profile if ctx is not None else None, before)
        if merged_tokens is None:
            lists = ctx.profile.token_lists if ctx is not None else None
            merged_tokens = merge_inline_lists(*texts, unordered=item_mode == UNORDERED, lists=lists)
        if merged_tokens is None:
            merged_tokens = _merge_commutative(texts, ctx, chunk_at)
        if merged_tokens is not None:
            pieces.append(merged_tokens)
        else:
            pieces.append(ConflictPiece(chunk.base, chunk.left, chunk.right, symbol))
    if any(isinstance(piece, ConflictPiece) for piece in pieces):
        # a list can span lines the line diff cut apart (an annotation added above
        # a method's modifiers): the whole texts, lists and all
        whole = _merge_commutative((base, left, right), ctx, at)
        if whole is not None:
            return [whole]
    return pieces


def _contained_lines(base: Sequence[str], left: Sequence[str], right: Sequence[str]) -> Sequence[str] | None:
    """The side whose change holds the other's, line for line: both sides rewrote the
    same lines of a clashing stretch, and every line one side changed the other changed
    the same way (``:license: BSD.`` fixed on one side; that fix and a new
    ``:copyright:`` line above it on the other): the same change made twice, one side
    did more. None otherwise (stretches of different lengths included)."""
    if not len(base) == len(left) == len(right):
        return None
    if all(lft in (b, rgt) for b, lft, rgt in zip(base, left, right, strict=True)):
        return right
    if all(rgt in (b, lft) for b, lft, rgt in zip(base, left, right, strict=True)):
        return left
    return None


def _merge_commutative(texts: tuple[str, str, str], ctx: _Context | None, at: Sequence[int] | None) -> str | None:
    """The texts merged with the lists the profile declares commutative (found in each
    revision's parse, the texts starting at lines ``at``) as sets and the rest by
    tokens; None when any part clashes."""
    if ctx is None or not ctx.lists or at is None:
        return None
    lists = [revision.within(line, text) for revision, line, text in zip(ctx.lists, at, texts, strict=True)]
    if any(found is None for found in lists):
        return None
    profile = ctx.profile

    def merge_rest(b: str, lft: str, rgt: str) -> str | None:
        if lft == b:
            return rgt
        if rgt == b or lft == rgt:
            return lft
        return _merge_tokens(b, lft, rgt, profile)

    return merge_lists(texts, [found or () for found in lists], merge_rest)


def _merge_tokens(base: str, left: str, right: str, profile: LanguageProfile | None, before: str = "") -> str | None:
    """The token merge with what the profile says about tokens: its commutative
    operators, its comment prefix, whether a line break ends a statement."""
    if profile is None:
        return merge_tokens(base, left, right)
    return merge_tokens(
        base,
        left,
        right,
        commutative=profile.commutative_operators,
        comment=profile.comment_prefix,
        newline_ends_statement=profile.newline_ends_statement,
        lists=profile.token_lists,
        before=before,
    )


def _identities(children: Sequence[Node], pairs: dict[int, int], set_kinds: frozenset[str] = frozenset()) -> list[Hashable]:
    """One identity per child: its base index when matched, else a key of its own.

    Unmatched named children are keyed by signature and their rank among the
    unmatched of that signature, so one name added on both sides is one node (and
    a conflict if the texts differ); unmatched anonymous statements by text and
    the preceding identity, so the same statement added after the same neighbour
    on both sides is one addition. A member of a set kind (``set_kinds``: Java
    imports) that repeats a sibling is a ``duplicate``: already there, written once.
    """
    to_base = {j: i for i, j in pairs.items()}
    ids: list[Hashable] = []
    seen: dict[Hashable, int] = {}
    previous: Hashable = None
    members = {(c.kind, tuple(token_keys(c.text))) for j, c in enumerate(children) if j in to_base and c.kind in set_kinds}
    for j, child in enumerate(children):
        member = (child.kind, tuple(token_keys(child.text))) if child.kind in set_kinds else None
        if j in to_base:
            identity: Hashable = ("base", to_base[j])
        elif member is not None and member in members:
            identity = ("duplicate", j)
        else:
            if member is not None:
                members.add(member)
            if child.signature is not None and child.kind not in IMPORT_KINDS:
                raw: Hashable = ("named", child.signature)
            elif child.kind in IMPORT_KINDS:
                # one import added by both sides, wherever each put it, is one addition
                raw = ("new", child.text.strip())
            else:
                raw = ("new", child.text.strip(), previous)
            identity = (raw, seen.get(raw, 0))
            seen[raw] = seen.get(raw, 0) + 1
        ids.append(identity)
        previous = identity
    return ids


def _merge_body(base: Node, left: Node, right: Node, ctx: _Context, path: str, separator: str = "") -> list[Piece]:
    """The merged children of three containers (their separators put back)."""
    body = _Body(
        base.named_body,
        base.insertions_clash and left.insertions_clash and right.insertions_clash,
        base.kind in ctx.profile.placed_definition_bodies,
    )
    children = (base.children, left.children, right.children)
    if separator:
        prefix = ctx.profile.comment_prefix
        trailing = merged_trailing(*children, separator, prefix)
        b, lft, rgt = ([with_separator(n, separator, prefix) for n in nodes] for nodes in children)
        groups = _merge_members(b, lft, rgt, body, ctx, path, separator)
        if not trailing:
            strip_last(groups, separator, prefix)
        return [piece for group in groups for piece in group]
    return [piece for group in _merge_members(*children, body, ctx, path) for piece in group]


@record
class _Body:
    named: bool  # children identified by signature, else by content (a sequence)
    insertions_clash: bool  # both sides inserting different children at one spot conflict
    placed: bool = False  # a definition's place matters (the profile's placed_definition_bodies)


def _merge_members(
    base: Sequence[Node],
    left: Sequence[Node],
    right: Sequence[Node],
    body: _Body,
    ctx: _Context,
    path: str,
    separator: str = "",
) -> list[list[Piece]]:
    """The merged body, as the pieces of each member in order."""
    named = body.named
    renamable = ctx.profile.renamable_kinds
    # each step below walks the whole body: on a module of 25,000 statements, a tenth
    # of a second or more, so the time limit is asked between them (deadline.py)
    left_pairs = match_children(base, left, named=named, renamable=renamable)
    in_time()
    right_pairs = match_children(base, right, named=named, renamable=renamable)
    in_time()
    if _changed_where_ambiguous(base, (left, right), (left_pairs, right_pairs), named):
        log.debug("%s: a side changed a statement the other side's body repeats ambiguously", path or "module")
        return [_merge_text(_joined(base), _joined(left), _joined(right), path, None, ctx, _first_lines(base, left, right))]
    base_ids = [("base", i) for i in range(len(base))]
    left_ids = _identities(left, left_pairs, ctx.profile.set_kinds)
    right_ids = _identities(right, right_pairs, ctx.profile.set_kinds)
    left_of = dict(zip(left_ids, left, strict=True))
    right_of = dict(zip(right_ids, right, strict=True))
    sorted_runs = _sorted_imports(base, left, right, left_ids, right_ids, ctx)
    # runs of both sides that cannot both stand, with the base text they replace
    clashes: list[tuple[list[Hashable], list[Hashable], str]] = []
    clashes += _deleted_against_rewritten(
        base, (left, right), (left_pairs, right_pairs), (left_ids, right_ids), renamable if named else None
    )
    rewritten = {identity for left_run, right_run, _ in clashes for identity in (*left_run, *right_run)}

    def combine(left_run: list[Hashable], right_run: list[Hashable]) -> list[Hashable]:
        fresh = not any(_is_base(identity) for identity in (*left_run, *right_run))
        fresh = fresh and not rewritten & {*left_run, *right_run}
        # statements both sides inserted at one spot of a block whose order is its
        # meaning (the profile says which), or two versions of one change
        if fresh and (body.insertions_clash or _same_intent([left_of[i] for i in left_run], [right_of[i] for i in right_run])):
            clashes.append((left_run, right_run, ""))
            return left_run + right_run
        if sorted_runs is not None and (ordered := sorted_runs(left_run, right_run)) != left_run + right_run:
            return ordered  # a sorted import block stays sorted
        return _glued_first(left_run, right_run, (left_ids, right_ids), (left_of, right_of))

    in_time()
    order = merge_order(base_ids, left_ids, right_ids, combine, replacements=body.named)
    in_time()
    if order is None:
        log.debug("%s: both sides moved the same children differently", path or "module")
        return [_merge_text(_joined(base), _joined(left), _joined(right), path, None, ctx)]
    blank_moves: list[tuple[Hashable, Hashable]] = []
    if ctx.profile.keep_sorted_imports:
        def present(identity: Hashable) -> Node | None:
            lnode, rnode = left_of.get(identity), right_of.get(identity)
            was = base[identity[1]] if isinstance(identity, tuple) and identity[0] == "base" else None
            if lnode is not None and rnode is not None:
                # the merged text: the side that changed it, as far as layout goes
                return rnode if was is not None and lnode.text == was.text else lnode
            survivor = lnode or rnode
            if survivor is None or (was is not None and changed_only_layout(was.text, survivor.text)):
                return None  # deleted by both, or by one side and untouched by the other
            return survivor

        base_of: dict[Hashable, Node] = {("base", i): node for i, node in enumerate(base)}
        order = sort_import_blocks(
            order, present, (base_of, left_of, right_of), (list(base_of), left_ids, right_ids), blank_moves
        )
    if named:
        clashes += _imports_replaced_twice(order, base, left_of, right_of)
        if body.placed:
            clashes += _added_twice_apart(base, left_ids, right_ids)
    clash_at: dict[Hashable, ConflictPiece] = {}
    in_clash: set[Hashable] = set()
    for left_run, right_run, base_text in clashes:
        run = set(left_run) | set(right_run)
        left_text = "".join(ctx.from_left(left_of[i].text) for i in left_run)
        right_text = "".join(ctx.from_right(right_of[i].text) for i in right_ids if i in run)
        first = next(i for i in order if i in run)
        node = left_of.get(first) or right_of[first]
        clash_at[first] = _whole_conflict(base_text, left_text, right_text, _symbol(path, node))
        in_clash |= run
    in_time()
    wraps = find_wraps(
        base, (left, right), (left_pairs, right_pairs), (left_ids, right_ids), separator, ctx.profile.comment_prefix
    )
    groups: list[list[Piece]] = []
    group_of: dict[Hashable, int] = {}
    for identity in order:
        group_of[identity] = len(groups)
        if identity in in_clash:
            groups.append([clash_at[identity]] if identity in clash_at else [])
            continue
        if isinstance(identity, tuple) and identity[0] == "duplicate":
            continue
        if identity in wraps.dropped:
            continue  # wrapped into a new member by one side: its edit lands there
        if identity in wraps.replaced:
            groups.append([wraps.replaced[identity]])
            continue
        b = base[identity[1]] if isinstance(identity, tuple) and identity[0] == "base" else None
        lnode, rnode = left_of.get(identity), right_of.get(identity)
        groups.append(_merge_child(b, lnode, rnode, ctx, path))
    for old_first, new_first in blank_moves:
        _move_blank_lines(groups, group_of.get(old_first), group_of.get(new_first))
    if body.insertions_clash and any(isinstance(piece, ConflictPiece) for group in groups for piece in group):
        # a statement one side deleted may live on in what it wrote instead (a `try`
        # unwrapped around the edit the other side made): the block's lines and
        # tokens, when they merge cleanly, hold both sides' changes
        whole = _merge_text(_joined(base), _joined(left), _joined(right), path, None, ctx, _first_lines(base, left, right))
        if not any(isinstance(piece, ConflictPiece) for piece in whole):
            return [whole]
    return groups


def _changed_where_ambiguous(
    base: Sequence[Node],
    sides: tuple[Sequence[Node], Sequence[Node]],
    pairs: tuple[dict[int, int], dict[int, int]],
    named: bool,
) -> bool:
    """A base statement one side edited or deleted whose counterpart on the other side
    is one of several equal statements the alignment could take (``ambiguous_pairs``):
    the edit would land on whichever copy the matcher happened to pick. The body then
    merges by its lines, where the two changes overlap and conflict, rather than by a
    guess."""
    base_texts = [node.text for node in base]
    for s in (0, 1):
        other, other_pairs = sides[1 - s], pairs[1 - s]
        changed = frozenset(changed_by_deleting(base_texts, other_pairs, len(other))).union(
            i for i in range(len(base)) if i in other_pairs and other[other_pairs[i]].text != base[i].text
        )
        if changed and ambiguous_pairs(base, sides[s], named=named, suspects=changed):
            return True
    return False


def _first_lines(*bodies: Sequence[Node]) -> tuple[int, int, int] | None:
    if not all(bodies):
        return None
    base, left, right = (body[0].line for body in bodies)
    return base, left, right


def _added_twice_apart(
    base: Sequence[Node], left_ids: Sequence[Hashable], right_ids: Sequence[Hashable]
) -> list[tuple[list[Hashable], list[Hashable], str]]:
    """A definition (function, class, assignment: a named member) both sides added,
    each after a different base member. Written once it would stand where one side
    put it, which the other's code between the two spots may read before it is
    bound; written twice it is defined twice. A conflict over the stretch between
    the two spots, each side's version of it with the definition where that side
    put it: where it goes is the person's choice. (Statements that are not
    definitions, added twice at different spots, are two additions and both stand;
    git's line merge, which keeps both copies, is still used when it is sound, and
    it is not when a function or class is defined twice.)"""

    def anchors(ids: Sequence[Hashable]) -> dict[Hashable, int]:
        found: dict[Hashable, int] = {}
        anchor = -1
        for identity in ids:
            if _is_base(identity):
                anchor = _base_index(identity)
            elif isinstance(identity, tuple) and isinstance(identity[0], tuple) and identity[0][0] == "named":
                found[identity] = anchor
        return found

    left, right = anchors(left_ids), anchors(right_ids)
    found = []
    for identity, at_left in left.items():
        at_right = right.get(identity, at_left)
        if at_right == at_left:
            continue
        first, last = sorted((at_left, at_right))
        stretch = [("base", k) for k in range(first + 1, last + 1)]
        runs = []
        for ids, at in ((left_ids, at_left), (right_ids, at_right)):
            kept = [i for i in ids if i in stretch]
            run = [identity, *kept] if at == first else [*kept, identity]
            runs.append(run)
        found.append((runs[0], runs[1], _joined([base[k] for k in range(first + 1, last + 1)])))
    return found


def _imports_replaced_twice(
    order: Sequence[Hashable], base: Sequence[Node], left_of: dict[Hashable, Node], right_of: dict[Hashable, Node]
) -> list[tuple[list[Hashable], list[Hashable], str]]:
    """An import both sides deleted, each writing a different new import in its place
    (``import typing as t`` to ``import typing_extensions as t`` and to ``import typing
    as T``): imports are named by what they import, so both look new and would both
    stand, though each side changed the one import its own way."""
    found = []
    for at, identity in enumerate(order):
        if not isinstance(identity, tuple) or not _is_base(identity) or identity in left_of or identity in right_of:
            continue
        was = base[identity[1]]
        if was.kind not in IMPORT_KINDS:
            continue
        after = list(itertools.takewhile(lambda i: not _is_base(i), order[at + 1 :]))
        left_run = [i for i in after if i in left_of and i not in right_of]
        right_run = [i for i in after if i in right_of and i not in left_of]
        nodes = [left_of[i] for i in left_run] + [right_of[i] for i in right_run]
        if left_run and right_run and all(node.kind in IMPORT_KINDS for node in nodes):
            found.append((left_run, right_run, was.text))
    return found


def _deleted_against_rewritten(
    base: Sequence[Node],
    sides: tuple[Sequence[Node], Sequence[Node]],
    pairs: tuple[dict[int, int], dict[int, int]],
    ids: tuple[list[Hashable], list[Hashable]],
    definitions: frozenset[str] | None = None,
) -> list[tuple[list[Hashable], list[Hashable], str]]:
    """Stretches of a sequence, between two statements both sides kept, that one side
    rewrote where the other deleted or inserted:

    - both sides dropped base's statements there, one wrote new ones in their place and
      the other nothing (``self.check(config)`` deleted, and rewritten beyond matching
      into an ``if`` that raises): delete against change, a conflict as it is for a
      statement the matcher pairs;
    - both sides wrote new statements there and a base statement between them is kept
      by one side only (one side moved a block into a new ``with``, the other inserted
      a statement after one of the block's statements): where the insertion belongs in
      the rewritten stretch is unknown, so the stretch is a conflict rather than the
      insertion landing after, or outside, the rewrite;
    - a statement one side moved into its new statements (a block wrapped in a new
      ``if``) and the other side deleted: kept as moved, the deletion would be lost.

    In a named body (``definitions`` given: the kinds placed by name, never clashing
    by place), only the second applies, to stretches of other statements (imports
    one side inserted after an import the other side rewrote: `from crypto import *`
    after `from ntheory import *`, every line rewritten to `from .x import *`).

    Each is (left's ids, right's ids, base's text) of the stretch."""
    found = []
    of_id = [dict(zip(side_ids, side, strict=True)) for side, side_ids in zip(sides, ids, strict=True)]
    kept = [i for i in range(len(base)) if i in pairs[0] and i in pairs[1]]
    if any(side_pairs[a] > side_pairs[b] for side_pairs in pairs for a, b in itertools.pairwise(kept)):
        return []  # a side moved a child: stretches between neighbours are not defined
    for before, after in itertools.pairwise([-1, *kept, len(base)]):
        if after - before < 2:
            continue  # no base statement between these neighbours
        runs = []
        for side_pairs, side_ids in zip(pairs, ids, strict=True):
            start = side_pairs[before] + 1 if before >= 0 else 0
            end = side_pairs[after] if after < len(base) else len(side_ids)
            runs.append(side_ids[start:end])
        # (an emptied body's placeholder is no statement)
        fresh = [[of_id[k][i] for i in run if not _is_base(i) and of_id[k][i].text] for k, run in enumerate(runs)]
        stretch = range(before + 1, after)
        deleted_by_both = not any(i in pairs[0] or i in pairs[1] for i in stretch)
        # (both sides writing new statements in place of what both deleted is the
        # clash of two insertions at one spot: `insertion_conflict_bodies`)
        if definitions is not None:
            nodes = [*fresh[0], *fresh[1], *(base[i] for i in stretch)]
            if deleted_by_both or not all(fresh) or any(node.kind in definitions for node in nodes):
                continue
            # an insertion (its side deleted nothing there) right after a base
            # statement the other side rewrote, other than the last of the stretch
            # (after which the other side's rewrite stands, the insertion after it)
            anchored = [
                s
                for s, run in enumerate(runs)
                for previous, identity in itertools.pairwise(run)
                if _is_base(previous) and not _is_base(identity) and _base_index(previous) not in pairs[1 - s]
                and _base_index(previous) != after - 1 and all(i in pairs[s] for i in stretch)
            ]
            if not anchored:
                continue
        clash = bool(fresh[0]) != bool(fresh[1]) if deleted_by_both else all(fresh)
        if clash or _moved_against_deleted([base[i] for i in stretch if i not in pairs[0] and i not in pairs[1]], fresh):
            found.append((runs[0], runs[1], _joined(base[before + 1 : after])))
    return found


def _moved_against_deleted(deleted: Sequence[Node], fresh: Sequence[Sequence[Node]]) -> bool:
    """A base statement both sides removed from its place that one side's new
    statements hold (moved into a new block) and the other's do not (deleted)."""

    def spelled(nodes: Sequence[Node]) -> str:
        return "\x00" + "\x00".join(key for node in nodes for key in token_keys(node.code)) + "\x00"

    left, right = (spelled(nodes) for nodes in fresh)
    for node in deleted:
        keys = token_keys(node.code)
        if not keys:
            continue
        wanted = "\x00" + "\x00".join(keys) + "\x00"
        if (wanted in left) != (wanted in right):
            return True
    return False


def _base_index(identity: Hashable) -> int:
    """The base index of a base child's identity ``("base", i)``."""
    assert isinstance(identity, tuple)  # for mypy: callers test _is_base first
    index: int = identity[1]
    return index


def _is_base(identity: Hashable) -> bool:
    return isinstance(identity, tuple) and identity[0] == "base"


def _merge_child(base: Node | None, left: Node | None, right: Node | None, ctx: _Context, path: str) -> list[Piece]:
    if base is None:
        if left is not None and right is not None and not changed_only_layout(left.text, right.text, ctx.profile.comment_prefix):
            # the same name added twice with different texts: never two definitions
            return [_whole_conflict("", left.text, right.text, _symbol(path, left))]
        if left is not None:
            return [ctx.from_left(left.text)]
        return [ctx.from_right(right.text)] if right is not None else []
    if left is None and right is None:
        return []
    if left is None or right is None:
        survivor = right if left is None else left
        assert survivor is not None  # for mypy: one of the two is present
        if commented_only_within((base.above, base.code), (survivor.above, survivor.code), ctx.profile.comment_prefix):
            # deleted on one side, only reformatted or re-commented on the other: a
            # comment of code that is gone has nothing left to describe
            return []
        # deleted on one side, changed on the other
        left_text = "" if left is None else survivor.text
        right_text = "" if right is None else survivor.text
        return [_whole_conflict(base.text, left_text, right_text, _symbol(path, base))]
    return _merge_node(base, left, right, ctx, path)


def _move_blank_lines(groups: list[list[Piece]], source: int | None, target: int | None) -> None:
    """The blank lines that open group ``source`` open group ``target`` instead: a
    sorted import block's blank line above it stays above it when the sort puts
    another import first. Nothing moves unless both groups open with plain text."""
    if source is None or target is None or not groups[source] or not groups[target]:
        return
    head, first = groups[source][0], groups[target][0]
    if not isinstance(head, str) or not isinstance(first, str) or not first.strip() or opens_with_blank_line(first):
        return
    lines = head.splitlines(keepends=True)
    blank = list(itertools.takewhile(lambda line: not line.strip(), lines))
    if not blank or len(blank) == len(lines):
        return
    groups[source][0] = "".join(lines[len(blank) :])
    groups[target][0] = "".join(blank) + first


def _glued_first(
    left_run: list[Hashable],
    right_run: list[Hashable],
    ids: tuple[list[Hashable], list[Hashable]],
    nodes: tuple[dict[Hashable, Node], dict[Hashable, Node]],
) -> list[Hashable]:
    """Two runs both sides inserted after one anchor: left's first, except that what
    right wrote right under the anchor, with no blank line between (an import added
    to an import block), stays there, ahead of what left set off with a blank line
    (a new paragraph: a constant and its comment, a function). Left's run
    ``import b``, ``\\n\\nX = 1`` and right's ``import c`` after ``import a`` give
    ``import a``, ``import b``, ``import c``, then ``X = 1``: left's first, the
    block kept whole. Only under an anchor left kept: where left rewrote it, right's
    run is glued to a statement that is gone, and left's rewrite comes first."""

    def glued(run: list[Hashable], node_of: dict[Hashable, Node]) -> int:
        count = 0
        for identity in run:
            node = node_of.get(identity)
            if node is None or opens_with_blank_line(node.text):
                break
            count += 1
        return count

    right_ids = ids[1]
    at = right_ids.index(right_run[0]) if right_run else 0
    anchor = right_ids[at - 1] if at > 0 else None
    if anchor is not None and (not _is_base(anchor) or anchor not in nodes[0]):
        return left_run + right_run
    left_glued, right_glued = glued(left_run, nodes[0]), glued(right_run, nodes[1])
    return [*left_run[:left_glued], *right_run[:right_glued], *left_run[left_glued:], *right_run[right_glued:]]


def _same_intent(left: Sequence[Node], right: Sequence[Node]) -> bool:
    """Both sides inserted statements at one spot that are alike but not equal: the
    same change written twice (two versions of one fix), which kept together would
    run twice. Named definitions are exempt: two new functions are two additions."""
    if any(node.signature is not None or node.kind in IMPORT_KINDS for node in (*left, *right)):
        return False
    from rapidfuzz import fuzz  # imported on first use: the driver pays every import on each file

    left_text, right_text = _joined(left).strip(), _joined(right).strip()
    return fuzz.ratio(left_text, right_text) >= SAME_INTENT_SIMILARITY


def _whole_conflict(base: str, left: str, right: str, symbol: str) -> ConflictPiece:
    return ConflictPiece(tuple(split_lines(base)), tuple(split_lines(left)), tuple(split_lines(right)), symbol)


def _joined(nodes: Sequence[Node]) -> str:
    return "".join(node.text for node in nodes)


def _sorted_imports(
    base: Sequence[Node],
    left: Sequence[Node],
    right: Sequence[Node],
    left_ids: list[Hashable],
    right_ids: list[Hashable],
    ctx: _Context,
) -> CombineRuns | None:
    """Order two import runs inserted at one spot by module, if the block was sorted."""
    if not ctx.profile.keep_sorted_imports:
        return None
    text_of = {**dict(zip(left_ids, left, strict=True)), **dict(zip(right_ids, right, strict=True))}

    def module_key(node: Node) -> tuple[int, str]:
        name = (node.name or "").lower()
        return (0 if node.kind == "import" else 1, name)

    def blocks_sorted(nodes: Sequence[Node]) -> bool:
        run: list[Node] = []
        for node in [*nodes, None]:
            if node is not None and node.kind in IMPORT_KINDS:
                run.append(node)
                continue
            keys = [module_key(n) for n in run]
            if keys != sorted(keys):
                return False
            run = []
        return True

    # one import is sorted by accident: sorting needs a base run of two or more
    base_imports = [node for node in base if node.kind in IMPORT_KINDS]
    if len(base_imports) < 2 or not all(blocks_sorted(nodes) for nodes in (base, left, right)):
        return None

    def combine(left_run: list[Hashable], right_run: list[Hashable]) -> list[Hashable]:
        nodes = [text_of[i] for i in left_run + right_run]
        if not all(node.kind in IMPORT_KINDS for node in nodes):
            return left_run + right_run
        return sorted(left_run + right_run, key=lambda i: module_key(text_of[i]))

    return combine
