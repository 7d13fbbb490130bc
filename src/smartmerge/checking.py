"""Check stage: a clean structured result must parse and keep both sides' changes.

The output is re-parsed (libcst and ``ast``), then diffed against base with the same
matcher the merge used; every change that left made to base, and every change that
right made, must be found in it: deletions stay deleted, additions are present,
and an edited node contains its side's edits (line containment, see diff3.py).
A named definition may not appear more often than in any input. Any failure
raises CheckFailed and the pipeline falls back to the line merge.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Callable, Sequence
from contextvars import ContextVar

from smartmerge.deadline import in_time, time_limit
from smartmerge.errors import CheckFailed, ParseFailed
from smartmerge.languages import LanguageProfile
from smartmerge.matching import DEFAULT_RENAMABLE, EDIT_SIMILARITY, match_children, signature_keys
from smartmerge.merging.diff3 import contains_changes
from smartmerge.parsing import parse, parse_python
from smartmerge.parsing.python_scopes import (
    call_mismatches,
    compile_error,
    shared_syntax_trees,
    syntax_tree,
    unbound_reads,
)
from smartmerge.parsing.python_statements import ACCESSOR_ROLES, OVERLOAD
from smartmerge.records import record
from smartmerge.textlines import split_lines
from smartmerge.tree import Node

# merging.tokens, merging.wrapping, merging.import_blocks, parsing.from_tree_sitter and
# textwrap are imported in the functions that use them (at the first line): the check
# of git's clean merge of a Python file (soundness_fault, check_counts), all that most
# driver calls run, needs none of them, and git starts the driver once per file


def check_merge(
    base: Node, left: Node, right: Node, merged: str, profile: LanguageProfile | None = None, *, deadline: float | None = None
) -> None:
    """Raise CheckFailed unless ``merged`` parses and keeps both sides' changes;
    MergeTimeout once ``time.monotonic()`` passes ``deadline``."""
    memo = _MATCHES.set({})
    try:
        with time_limit(deadline), shared_syntax_trees():
            _check_merge(base, left, right, merged, profile)
    finally:
        _MATCHES.reset(memo)


# The pairings of one check: each body's base is matched against left, right and the
# output by both the containment test of each side and the test of what both kept.
# Keyed by the nodes' identity; the entry holds the nodes, so no id is reused meanwhile.
_Matches = dict[tuple[int, int, bool, frozenset[str]], tuple[Node, Node, dict[int, int]]]
_MATCHES: ContextVar[_Matches] = ContextVar("smartmerge_check_matches")


def _matched(base: Node, side: Node, named: bool, renamable: frozenset[str]) -> dict[int, int]:
    """match_children of two bodies, once per check (read-only: callers share it)."""
    memo = _MATCHES.get(None)
    if memo is None:
        return match_children(base.children, side.children, named=named, renamable=renamable)
    key = (id(base), id(side), named, renamable)
    if key not in memo:
        memo[key] = (base, side, match_children(base.children, side.children, named=named, renamable=renamable))
    return memo[key][2]


def _check_merge(base: Node, left: Node, right: Node, merged: str, profile: LanguageProfile | None) -> None:
    if profile is not None and profile.parser != "python":
        # other parsers: the profile's own, strictly (a tree-sitter output with an
        # ERROR or MISSING node fails), then the same containment test on its tree
        try:
            out = parse(merged, profile, strict=True)
        except ParseFailed as exc:
            raise CheckFailed(f"output does not parse: {exc}") from None
        if profile.parser == "tree-sitter":
            _no_duplicate_keys(base, left, right, merged, profile)
        return _check_changes(base, left, right, out, profile.renamable_kinds, profile.comment_prefix)
    # the stdlib ast parser, on the whole output, once: its tree serves the questions
    # below and the semantic warnings (shared_syntax_trees)
    in_time("the check", len(merged))  # each whole-text pass: only if it can end in time
    tree = syntax_tree(merged)
    try:
        out = parse_python(merged, tree=tree)  # without a tree: parsed again, to say why it fails
    except ParseFailed as exc:
        raise CheckFailed(f"output does not parse with ast: {exc}") from None
    in_time("the check", len(merged))
    _compiles_and_binds(base, left, right, merged, tree)
    in_time("the check")
    # libcst takes ~30 ms per 500 lines, too slow for every merge: it re-parses each
    # top-level statement the merge wrote, i.e. every one not copied verbatim from left
    # or right. Top-level statements parse on their own, comments included.
    copied = {child.text for child in (*left.children, *right.children)}
    written = [child for child in out.children if child.text not in copied]
    if written:
        import libcst  # imported here: it costs ~120 ms of start-up, needed only now

        for child in written:
            in_time("the check")
            try:
                libcst.parse_module(child.text)
            except libcst.ParserSyntaxError as exc:
                raise CheckFailed(f"output does not parse with libcst at line {child.line}: {exc.message}") from None
    _check_changes(base, left, right, out)
    check_counts(base, left, right, out)
    _no_repeated_definitions(base, left, right, tree)


def _line_counts(tree: Node) -> Counter[str]:
    """How often each line with a word in it occurs, without its layout (indentation,
    inner white space, the quotes a formatter may switch)."""
    has_word = _HAS_WORD.search
    return Counter(" ".join(line.split()) for line in split_lines(tree.text.replace("'", '"')) if has_word(line))


_HAS_WORD = re.compile(r"\w")


def _rewrapped(line: str, sides: list[Node]) -> bool:
    """Whether every side that lost ``line`` still has its text in another layout (a
    formatter wrapped or joined it): a change of layout, not a deletion."""
    from smartmerge.merging.tokens import token_keys  # late: see the imports

    if not sides:
        return False
    statement = syntax_tree(line.strip())
    if statement is not None and len(statement.body) == 1 and not hasattr(statement.body[0], "body"):
        # a whole statement: the side must have it, in any layout; as text,
        # `import a` would hide in `import a_b` or `from m import a, b`
        wanted = ast.dump(statement.body[0])
        trees = [syntax_tree(side.text) for side in sides]
        return all(
            tree is not None and any(ast.dump(n) == wanted for n in ast.walk(tree) if isinstance(n, ast.stmt) and not hasattr(n, "body"))
            for tree in trees
        )

    # a piece of one: token by token, so that `x = conf.A` does not hide in `x_type = conf.A_TYPE`
    def flat(text: str) -> str:
        return "\x00" + "\x00".join(token_keys(text.replace("'", '"'))) + "\x00"

    return all(flat(line) in flat(side.text) for side in sides)


def check_counts(base: Node, left: Node, right: Node, out: Node) -> None:
    """Every line that each input has at most once (layout aside, with a word in it)
    occurs in the result at most as often as base's count with both sides' changes to
    it (a line a side moved counts once; one both sides deleted, once). A deletion lost under the other side's rewrap
    (a block wrapped in a new ``if`` still holding the statement the other side
    deleted), a statement one side rewrote that the other side moved into an
    ``if``/``else``, or a header comment one side moved and the other side's insertion
    carried along would otherwise pass: none is a child of the body the side changed
    any more. Lines the merge wrote new (token merges) are the containment test's
    business."""
    if base.text == left.text == right.text == out.text:
        return  # each line as often in all four: nothing to count (the bodies below are the same too)
    counts = [_line_counts(tree) for tree in (base, left, right)]
    for line, found in _line_counts(out).items():
        b, dl, dr = counts[0][line], counts[1][line] - counts[0][line], counts[2][line] - counts[0][line]
        if not (b or dl or dr) or max(count[line] for count in counts) > 1:
            # new, or a line an input has more than once (a `)` of one call a side
            # joined and of another it wrapped): counts no longer say which one moved
            continue
        if found > max(_most_after(b, dl, dr), 0) and not _rewrapped(line, [tree for tree, d in ((left, dl), (right, dr)) if d < 0]):
            raise CheckFailed(f"the result has {line[:80]!r} {found} times, more than both sides' changes give")
    # a line repeated across definitions (`exchange = conf.X` in two classes) says
    # nothing in the whole file, but may within each definition: the same rule there
    for children in _same_definitions(base, left, right, out):
        check_counts(*children)


def _most_after(b: int, dl: int, dr: int) -> int:
    """Base's count ``b`` with both sides' changes to it (``dl``, ``dr``): added up, but
    a cut both sides made counts once (the larger one)."""
    return b + min(dl, dr) if dl < 0 and dr < 0 else b + dl + dr


def _same_definitions(base: Node, left: Node, right: Node, out: Node) -> list[tuple[Node, Node, Node, Node]]:
    """The named containers that each of the four bodies has exactly once, by signature."""

    def once(node: Node) -> dict[tuple[str, str, str], Node]:
        found = Counter(child.signature for child in node.children if child.signature is not None and child.is_container)
        return {c.signature: c for c in node.children if c.signature is not None and c.is_container and found[c.signature] == 1}

    trees = [once(node) for node in (base, left, right, out)]
    return [(trees[0][k], trees[1][k], trees[2][k], trees[3][k]) for k in trees[0] if all(k in t for t in trees[1:])]


def _compiles_and_binds(base: Node, left: Node, right: Node, merged: str, tree: ast.Module | None = None) -> None:
    """What ``ast`` accepts but the compiler refuses, and names the merge left unbound
    (a side deleted a variable the other side's new code reads): refused, unless an
    input already had the same fault."""
    error = compile_error(merged, tree)
    if error is not None and all(compile_error(node.text) is None for node in (base, left, right)):
        raise CheckFailed(f"output does not compile: {error}")
    in_time("the check", len(merged))
    new = _new_unbound(base.text, left.text, right.text, merged)
    if new:
        raise CheckFailed(f"the result reads {', '.join(sorted(new))}, which nothing binds any more")
    if _signatures_changed(base, left, right):
        mismatched = _new_call_mismatches(base.text, left.text, right.text, merged)
        if mismatched:
            raise CheckFailed(f"a call of {min(mismatched)[0]} no longer fits its parameters")


def _no_repeated_definitions(base: Node, left: Node, right: Node, out: ast.Module | None) -> None:
    """A nested function or one in an ``if`` body that a side renamed onto the name the
    other side added there: the body-level checks see module and class bodies only.
    ``out`` is the result's syntax tree (None: it does not parse with ``ast``)."""
    if out is None:
        return

    def inputs() -> tuple[ast.Module, ast.Module, ast.Module] | None:
        base_tree, left_tree, right_tree = (syntax_tree(node.text) for node in (base, left, right))
        if base_tree is None or left_tree is None or right_tree is None:
            return None
        return base_tree, left_tree, right_tree

    if _repeated_definitions(out, inputs):
        raise CheckFailed("the result defines a name twice in one body")


def _new_unbound(base: str, left: str, right: str, merged: str) -> frozenset[str]:
    """Names the result reads unbound more often than base's count with both sides'
    changes to it (the additive rule of ``check_counts``): a side that deleted an
    import and left a read of it behind (a class base) does not license the reads the
    other side's new code adds."""
    out = unbound_reads(merged)
    if not out:
        return frozenset()
    counts = [unbound_reads(text) for text in (base, left, right)]

    def most(name: str) -> int:
        return _most_after(counts[0][name], counts[1][name] - counts[0][name], counts[2][name] - counts[0][name])

    return frozenset(name for name, count in out.items() if count > most(name))


def _signatures_changed(base: Node, left: Node, right: Node) -> bool:
    """Whether a side changed the header of a module-level function base has (only
    then can a call that fitted stop fitting its parameters)."""

    def heads(module: Node) -> dict[str | None, str]:
        return {child.name: child.head for child in module.children if child.kind == "def"}

    before = heads(base)
    return any(
        name in before and head != before[name] for side in (left, right) for name, head in heads(side).items()
    )


def _new_call_mismatches(base: str, left: str, right: str, merged: str) -> frozenset[tuple[str, str, int]]:
    """Calls whose arguments do not fit the function's parameters in the result and
    did in every input (one side removed a parameter and updated every call, the
    other added a call with the old arity)."""
    out = call_mismatches(merged)
    if not out:
        return out
    known = {(name, call) for text in (base, left, right) for name, call, _line in call_mismatches(text)}
    return frozenset(m for m in out if (m[0], m[1]) not in known)


def _no_duplicate_keys(base: Node, left: Node, right: Node, merged: str, profile: LanguageProfile) -> None:
    """Two members of one body with the same key (a JSON object, a TOML inline
    table) that no input had that often: a silent duplicate, never a clean merge."""
    from smartmerge.parsing.from_tree_sitter import duplicate_names  # late: see the imports

    out = duplicate_names(merged, profile)
    if out and out > max(duplicate_names(node.text, profile) for node in (base, left, right)):
        raise CheckFailed("the result repeats a key within one object")


def _check_changes(
    base: Node, left: Node, right: Node, out: Node, renamable: frozenset[str] = DEFAULT_RENAMABLE, comment: str = "#"
) -> None:
    _contains(base, left, right, out, "left", "", renamable, comment)
    _contains(base, right, left, out, "right", "", renamable, comment)
    _nothing_dropped_or_invented(base, left, right, out, "", renamable)


def _nothing_dropped_or_invented(base: Node, left: Node, right: Node, out: Node, path: str, renamable: frozenset[str]) -> None:
    """What both sides kept is still there; every new definition comes from a side."""
    if not (base.is_container and out.is_container and base.kind == out.kind):
        return
    if base.text == left.text == right.text == out.text:
        return  # the same text parses to the same tree: nothing inside can differ
    in_time("the check")
    if not (left.is_container and right.is_container):
        return
    named = base.named_body
    to_left = _matched(base, left, named, renamable)
    to_right = _matched(base, right, named, renamable)
    to_out = _matched(base, out, named, renamable)
    for i, child in enumerate(base.children):
        if i in to_left and i in to_right:
            name = f"{path}.{child.name}" if path and child.name else (child.name or path or "module")
            at = _out_index(i, to_out, out, left.children[to_left[i]], right.children[to_right[i]])
            if at is None and base.insertions_clash and not named:
                # a block the merge took by lines and tokens: a statement one side moved
                # and the other edited is in the result, elsewhere and changed
                at = _moved_counterpart(child, out.children, set(to_out.values()))
            if at is None:
                raise CheckFailed(f"both sides kept {name}, but the result lost it")
            _nothing_dropped_or_invented(
                child, left.children[to_left[i]], right.children[to_right[i]], out.children[at], name, renamable
            )
    if named:
        known = {c.signature for c in (*base.children, *left.children, *right.children)}
        for child in out.children:
            if child.signature is not None and child.signature not in known:
                raise CheckFailed(f"the result defines {child.name}, which no side wrote")


def _contains(
    base: Node, side: Node, other: Node, out: Node, label: str, path: str, renamable: frozenset[str], comment: str = "#"
) -> None:
    if side.text == base.text or out.text == side.text:
        return
    where = path or "module"
    if base.is_container and side.is_container and out.is_container and base.kind == side.kind == out.kind:
        _lines_contained(base.head, side.head, other.head, out.head, f"{label}'s change to the header of {where}", comment)
        _lines_contained(base.tail, side.tail, other.tail, out.tail, f"{label}'s change to the end of {where}", comment)
        _body_contains(base, side, other, out, label, path, renamable, comment)
        return
    if base.kind == side.kind == out.kind == "from_import":
        _names_contained(base.text, side.text, out.text, f"{label}'s change to the import of {where}")
        _lines_contained(_comments(base.text), _comments(side.text), _comments(other.text), _comments(out.text), f"{label}'s comments at the import of {where}")
        return
    _lines_contained(base.text, side.text, other.text, out.text, f"{label}'s change to {where}", comment)


def _comments(text: str) -> str:
    return "".join(line for line in split_lines(text) if line.lstrip().startswith("#"))


def _imported(text: str) -> set[str]:
    import textwrap  # late: see the imports

    names: set[str] = set()
    for stmt in ast.parse(textwrap.dedent(text)).body:
        if isinstance(stmt, ast.ImportFrom | ast.Import):
            names.update(f"{a.name} as {a.asname}" if a.asname else a.name for a in stmt.names)
    return names


def _names_contained(base: str, side: str, out: str, what: str) -> None:
    """Imports are sets of names: the side's added names present, removed ones gone."""
    b, s, o = _imported(base), _imported(side), _imported(out)
    if not (s - b) <= o:
        raise CheckFailed(f"{what} is missing from the result")
    if (b - s) & o:
        raise CheckFailed(f"{what} (a removal) was undone in the result")


def _lines_contained(base: str, side: str, other: str, out: str, what: str, comment: str = "#") -> None:
    from smartmerge.merging.tokens import token_keys, tokens_contained  # late: see the imports

    if side == base or out == side:
        return
    base_l, side_l, out_l = split_lines(base), split_lines(side), split_lines(out)
    if contains_changes(base_l, side_l, out_l) or tokens_contained(base, side, out, comment):
        return
    # item merges may reorder lines (sorted imports) or move a comma: compare the
    # lines each side added and removed as multisets, ignoring trailing commas
    def norm(lines: Sequence[str]) -> Counter[str]:
        return Counter(line.strip().rstrip(",").strip() for line in lines if line.strip())

    b, s, o, oth = norm(base_l), norm(side_l), norm(out_l), norm(split_lines(other))
    if _multiset_contained(b, s, o, oth):
        return
    # item merges inside one line (call arguments, set literals): the same test on tokens
    # (commas left out, like trailing commas above: they come and go with neighbours)
    tb, ts, to, tother = (Counter(k for k in token_keys(t, comment) if k != ",") for t in (base, side, out, other))
    if _multiset_contained(tb, ts, to, tother):
        return
    if any(o[line] < count for line, count in (s - b).items()):
        raise CheckFailed(f"{what} is missing from the result")
    raise CheckFailed(f"{what} (a removal) was undone in the result")


def _spelled(text: str, comment: str = "#") -> tuple[str, ...]:
    from smartmerge.merging.tokens import token_keys  # late: see the imports

    return tuple(token_keys(text, comment))


def _multiset_contained(b: Counter[str], s: Counter[str], o: Counter[str], other: Counter[str]) -> bool:
    """What the side added is in the output; what it removed is gone from it
    (unless the other side added it too)."""
    added, removed, other_added = s - b, b - s, other - b
    if any(o[item] < count for item, count in added.items()):
        return False
    return all(o[item] <= b[item] - count + other_added[item] for item, count in removed.items())


def _out_index(i: int, to_out: dict[int, int], out: Node, *sides: Node | None) -> int | None:
    """Where base child ``i`` is in the output: matched directly, or, when a side
    renamed it and the result's version differs too much from base to match, the one
    output child with the side's new signature (renames followed by identity)."""
    if i in to_out:
        return to_out[i]
    taken = set(to_out.values())
    for node in sides:
        if node is None or node.signature is None:
            continue
        hits = [j for j, c in enumerate(out.children) if c.signature == node.signature and j not in taken]
        if len(hits) == 1:
            return hits[0]
    if not out.named_body and any(node is not None and node.signature is None for node in sides):
        return _in_place(i, to_out, out.children, {node.kind for node in sides if node is not None})
    return None


def _in_place(i: int, to_out: dict[int, int], out: Sequence[Node], kinds: set[str]) -> int | None:
    """In a sequence (never reordered), the one unmatched output statement of the
    same kind between the outputs of base statement ``i``'s matched neighbours: a
    statement both sides changed so much that it matches base by neither similarity
    (``compile()`` to ``compile(toc=table_of_contents(), debug=True)``). The
    containment test that follows decides whether it holds both changes."""
    before = max((j for k, j in to_out.items() if k < i), default=-1)
    after = min((j for k, j in to_out.items() if k > i), default=len(out))
    taken = set(to_out.values())
    hits = [j for j in range(before + 1, after) if j not in taken and out[j].kind in kinds]
    return hits[0] if len(hits) == 1 else None


def _body_contains(
    base: Node, side: Node, other: Node, out: Node, label: str, path: str, renamable: frozenset[str], comment: str = "#"
) -> None:
    from smartmerge.merging.tokens import commented_only_within  # late: see the imports

    in_time("the check")
    named = base.named_body
    to_side = _matched(base, side, named, renamable)
    to_out = _matched(base, out, named, renamable)
    to_other = _matched(base, other, named, renamable)
    base_keys = signature_keys(base.children) if named else [None] * len(base.children)
    sep = base.separator

    def key(node: Node) -> str:
        # a member's separator comes and goes with its position (the last one of a
        # JSON object has none): compare members without it
        text = node.text.strip()
        return text[: -len(sep)].rstrip() if sep and text.endswith(sep) else text

    out_texts = Counter(key(child) for child in out.children)
    # an addition may arrive restyled (a formatter's quotes on the other side): compare tokens
    # tokenised only when an added child is not found by its text (a 12,500-function
    # module spent a tenth of its merge tokenising every output child up front)
    out_spellings: set[tuple[str, ...]] = set()

    def spelled_in_out(text: str) -> bool:
        if not out_spellings:
            out_spellings.update(_spelled(child.text, comment) for child in out.children)
        return _spelled(text, comment) in out_spellings

    base_texts = Counter(key(child) for child in base.children)
    other_texts = Counter(key(child) for child in other.children)
    side_texts = Counter(key(child) for child in side.children)
    for i, child in enumerate(base.children):
        name = f"{path}.{child.name}" if path and child.name else (child.name or path or "module")
        if i not in to_side:
            if base_keys[i] is not None and i in to_out and out.children[to_out[i]].signature == child.signature:
                raise CheckFailed(f"{label} deleted {name}, but the result still has it")
            text = key(child)
            # the side may have deleted it here and written it elsewhere (a move)
            if base_keys[i] is None and out_texts[text] > side_texts[text] + max(0, other_texts[text] - base_texts[text]):
                raise CheckFailed(f"{label} deleted a statement of {name}, but the result still has it")
            continue
        side_child = side.children[to_side[i]]
        if side_child.text == child.text or (sep and key(side_child) == key(child)):
            continue  # unchanged, or only its separator came or went
        at = _out_index(i, to_out, out, side_child, other.children[to_other[i]] if i in to_other else None)
        if at is None and commented_only_within(
            (child.above, child.code), (side_child.above, side_child.code), comment
        ):
            continue  # a reformat, or a comment edit, of what the other side deleted
        if at is None and base.insertions_clash and not named:
            # a block the merge took by lines and tokens (a `try` unwrapped on one side
            # around the edit the other made): the same containment test on the block
            _lines_contained(_joined(base), _joined(side), _joined(other), _joined(out), f"{label}'s change to {name}")
            continue
        other_child = other.children[to_other[i]] if i in to_other else child
        moved = _wrapped_into(child, out, set(to_out.values())) if at is None else None
        if moved is not None:
            # the other side wrapped it into a new member: the change must be there
            _contains(child, side_child, other_child, moved, label, name, renamable, comment)
            continue
        if at is None:
            raise CheckFailed(f"{label} changed {name}, but the result lost it")
        _contains(child, side_child, other_child, out.children[at], label, name, renamable, comment)
    matched_side = set(to_side.values())
    for j, child in enumerate(side.children):
        if j in matched_side:
            continue
        if (
            child.text.strip()  # an empty body's placeholder adds nothing
            and out_texts[key(child)] == 0
            and not spelled_in_out(child.text)
            and not _intact_but_wrapped(child, base.children, other.children, out.children, sep, comment)
        ):
            what = child.name or child.text.strip().splitlines()[0][:60]
            if base.insertions_clash and not named:
                # a block the merge took by lines and tokens: its new statement may hold
                # the other side's edit; the same containment test on the block
                _lines_contained(_joined(base), _joined(side), _joined(other), _joined(out), f"{label}'s change to {path}")
                continue
            raise CheckFailed(f"{label} added {what!r} in {path or 'module'}, but the result lost it")
    if named:
        _no_new_duplicates(base, side, other, out, path)


def _moved_counterpart(child: Node, out: Sequence[Node], taken: set[int]) -> int | None:
    """The most similar output statement of the same kind that matches no base one
    (``EDIT_SIMILARITY``, as the matcher pairs edits), wherever it is."""
    from rapidfuzz import fuzz  # imported on first use: the driver pays every import on each file

    best, best_score = None, EDIT_SIMILARITY
    for j, candidate in enumerate(out):
        if j in taken or candidate.kind != child.kind:
            continue
        score = fuzz.ratio(child.text, candidate.text, score_cutoff=best_score)
        if score >= best_score and score > 0:
            best, best_score = j, score
    return best


def _joined(node: Node) -> str:
    return "".join(child.text for child in node.children)


def _wrapped_into(node: Node, out: Node, matched: set[int]) -> Node | None:
    """The one descendant with the node's signature inside the output's new members
    (a member the other side wrapped into a new parent)."""
    from smartmerge.merging.wrapping import descendants  # late: see the imports

    if node.signature is None:
        return None
    hits = [
        d for k, c in enumerate(out.children) if k not in matched for d in descendants(c) if d.signature == node.signature
    ]
    return hits[0] if len(hits) == 1 else None


def _intact_but_wrapped(
    added: Node, base: Sequence[Node], other: Sequence[Node], out: Sequence[Node], sep: str, comment: str
) -> bool:
    """A member the side added is in the output except for descendants that are base
    members the side wrapped into it unchanged but for layout, and that the output
    holds as the other side wrote them (re-indented)."""
    from smartmerge.merging.tokens import token_keys  # late: see the imports
    from smartmerge.merging.wrapping import descendants  # late: see the imports

    if added.signature is None:
        return False
    twins = [c for c in out if c.signature == added.signature]
    if len(twins) != 1:
        return False

    def plain(text: str) -> list[str]:
        keys = token_keys(text, comment)
        return keys[:-1] if sep and keys and keys[-1] == sep else keys

    restored = twins[0].text
    for member in base:
        if member.signature is None:
            continue
        mine = [d for d in descendants(added) if d.signature == member.signature]
        theirs = [d for d in descendants(twins[0]) if d.signature == member.signature]
        edited = [c for c in other if c.signature == member.signature]
        if len(mine) != 1 or len(theirs) != 1 or len(edited) != 1 or plain(mine[0].text) != plain(member.text):
            continue
        if plain(theirs[0].text) != plain(edited[0].text):
            continue
        if restored.count(theirs[0].text) == 1:
            restored = restored.replace(theirs[0].text, mine[0].text)
    return restored == added.text


def _no_new_duplicates(base: Node, left: Node, right: Node, out: Node, path: str) -> None:
    """No definition appears more often than in any input. Imports of one module may
    legitimately add up (``from typing import A`` and ``from typing import B``), so an
    import counts by its text: the same import statement twice is the duplicate."""
    from smartmerge.merging.import_blocks import IMPORT_KINDS  # late: see the imports
    from smartmerge.merging.tokens import token_keys  # late: see the imports

    def key(child: Node) -> tuple[str, ...] | None:
        if child.signature is None:
            return None
        if child.kind in IMPORT_KINDS:
            return (*child.signature, " ".join(token_keys(child.text)))
        return child.signature

    def counts(node: Node) -> Counter[tuple[str, ...]]:
        return Counter(k for k in map(key, node.children) if k is not None)

    most = counts(base) | counts(left) | counts(right)
    for signature, count in counts(out).items():
        # a merged import's text is new, and that is fine: only its repetition is not
        allowed = max(most[signature], 1) if len(signature) > 3 else most[signature]
        if count > allowed:
            raise CheckFailed(f"{signature[1]} is defined {count} times in {path or 'module'}")
    # both sides pointing one import at two different modules leaves two imports of one
    # name (`from a import X` and `from b import X`), the second silently winning
    imported = _imported_names(base) | _imported_names(left) | _imported_names(right)
    for name, count in _imported_names(out).items():
        if count > max(imported[name], 1):
            raise CheckFailed(f"{name} is imported {count} times in {path or 'module'}")


def _imported_names(body: Node) -> Counter[str]:
    """How many import statements among a body's children bind each name."""
    import textwrap  # late: see the imports

    from smartmerge.merging.import_blocks import IMPORT_KINDS  # late: see the imports

    bound: Counter[str] = Counter()
    for child in body.children:
        if child.kind not in IMPORT_KINDS:
            continue
        try:
            tree = ast.parse(textwrap.dedent(child.code))
        except SyntaxError:
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                bound.update({alias.asname or alias.name.split(".")[0] for alias in stmt.names if alias.name != "*"})
    return bound


@record
class Fault:
    """Why a merged text that no structure vouches for (git's clean line merge) may
    not exit 0, and where: lines of the output and of base to put in a conflict."""

    reason: str
    out_lines: frozenset[int] = frozenset()  # 1-based lines of the merged text
    base_lines: frozenset[int] = frozenset()  # 1-based lines of base


def soundness_fault(base: str, left: str, right: str, merged: str, profile: LanguageProfile) -> Fault | None:
    """What makes ``merged`` unsound although all three inputs parse: it does not
    parse, for Python does not compile, reads a name no input left unbound, or
    defines a name in one body more often than any input; a repeated key in a
    tree-sitter profile. None when it is sound. The inputs must parse."""
    if profile.parser != "python":
        from smartmerge.parsing.from_tree_sitter import duplicate_names  # late: see the imports

        try:
            parse(merged, profile, strict=True)
        except ParseFailed as exc:
            return Fault(f"the result does not parse: {exc}")
        if profile.parser == "tree-sitter":
            out = duplicate_names(merged, profile)
            if out and out > max(duplicate_names(text, profile) for text in (base, left, right)):
                return Fault("the result repeats a key within one object")
        return None
    # parse, compile and symtable, each a pass over the whole text: begun only if all
    # three can end in time, then each only if it can (deadline.py)
    in_time("checking git's line merge", 3 * len(merged))
    try:
        tree = _syntax_tree(merged)
    except (SyntaxError, ValueError) as exc:
        line = exc.lineno if isinstance(exc, SyntaxError) and exc.lineno else 0
        return Fault(f"the result does not parse (line {line})", frozenset({line}))
    in_time("checking git's line merge", len(merged))
    error = compile_error(merged, tree)
    in_time("checking git's line merge")
    if error is not None and all(compile_error(text) is None for text in (base, left, right)):
        match = re.search(r"\(line (\d+)\)$", error)
        return Fault(f"the result does not compile: {error}", frozenset({int(match.group(1))} if match else ()))
    in_time("checking git's line merge", len(merged))
    unbound = _new_unbound(base, left, right, merged)
    in_time("checking git's line merge")
    if unbound:
        # the conflict belongs where a side deleted the name's binding; else at the reads
        bound_at = _lines_binding(ast.parse(base), unbound)
        read_at = frozenset() if bound_at else _lines_reading(tree, unbound)
        return Fault(f"the result reads {', '.join(sorted(unbound))}, which nothing binds any more", read_at, bound_at)
    mismatched = _new_call_mismatches(base, left, right, merged)
    in_time("checking git's line merge")
    if mismatched:
        what = min(mismatched)[0]
        return Fault(f"a call of {what} no longer fits its parameters", frozenset(line for _n, _c, line in mismatched))
    repeated = _repeated_definitions(tree, lambda: (_syntax_tree(base), _syntax_tree(left), _syntax_tree(right)))
    if repeated:
        return Fault("the result defines a name twice in one body", repeated)
    return None


def _syntax_tree(text: str) -> ast.Module:
    """``ast.parse(text)``, from the check's cache of the same texts when it parses
    (python_scopes.syntax_tree: the pipeline's fast path and call_mismatches ask for the
    same four); raises as ``ast.parse`` does when it does not. Only read, never changed."""
    tree = syntax_tree(text)
    return tree if tree is not None else ast.parse(text)


def _lines_binding(tree: ast.Module, names: frozenset[str]) -> frozenset[int]:
    """Lines of the statements that bind any of ``names`` (imports, assignments, definitions)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        bound: set[str] = set()
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound = {alias.asname or alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound = {node.name}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound = {node.id}
        if bound & names:
            start: int = getattr(node, "lineno", 0)
            lines.update(range(start, (getattr(node, "end_lineno", None) or start) + 1))
    return frozenset(lines)


def _lines_reading(tree: ast.Module, names: frozenset[str]) -> frozenset[int]:
    return frozenset(
        node.lineno for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load)
    )


def _repeated_definitions(
    tree: ast.Module, inputs: Callable[[], tuple[ast.Module, ast.Module, ast.Module] | None]
) -> frozenset[int]:
    """Lines of functions and classes defined in one body (module or class) more often
    than in any input: a definition written twice, the second silently winning. Also
    a name both sides brought into a body, defined there more often than one side
    does (``_new_on_both_sides``), whatever decorates it. ``inputs`` gives base's,
    left's and right's trees (None: one does not parse, nothing to compare with);
    asked only when the result defines a name twice in one body."""

    def bodies(module: ast.Module) -> dict[str, list[ast.stmt]]:
        # every statement list (a function's, an `if`'s, an `except`'s too), keyed by
        # the path of definitions and block kinds above it; blocks of one kind at one
        # level share a key, so that positions shifted by insertions do not matter
        found: dict[str, list[ast.stmt]] = {}

        def visit(body: list[ast.stmt], where: str) -> None:
            # only definitions count; a body without any adds nothing (linear in the
            # module: a Counter for each of 12,500 function bodies took a second)
            defined = [stmt for stmt in body if isinstance(stmt, _DEFINITION)]
            if defined:
                found.setdefault(where, []).extend(defined)
            for stmt in body:
                if not isinstance(stmt, _HAS_STATEMENTS):
                    continue
                inner = f"{where}.{stmt.name}" if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) else f"{where}:{type(stmt).__name__}"
                for field in ("body", "orelse", "finalbody"):
                    value = getattr(stmt, field, None)
                    if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                        visit(value, f"{inner}/{field}")
                for handler in getattr(stmt, "handlers", ()):
                    visit(handler.body, f"{inner}/except")
                for case in getattr(stmt, "cases", ()):
                    visit(case.body, f"{inner}/case")

        visit(list(module.body), "")
        return found

    def definitions(body: list[ast.stmt]) -> Counter[str]:
        return Counter(
            stmt.name
            for stmt in body
            if isinstance(stmt, _DEFINITION) and not _may_repeat(stmt)
        )

    # per body: its definitions, those not excused from repeating, and all of them
    found = {where: (body, definitions(body), _every_definition(body)) for where, body in bodies(tree).items()}
    if all(max((*counts.values(), *every.values()), default=0) < 2 for _body, counts, every in found.values()):
        return frozenset()  # once each, as any input may have them: the inputs need no parsing
    trees = inputs()
    if trees is None:
        return frozenset()
    base_bodies, left_bodies, right_bodies = (bodies(module) for module in trees)
    most: dict[str, Counter[str]] = {}
    for module_bodies in (base_bodies, left_bodies, right_bodies):
        for where, body in module_bodies.items():
            most[where] = most.get(where, Counter()) | definitions(body)
    lines: set[int] = set()
    new_on_both = _new_on_both_sides(base_bodies, left_bodies, right_bodies)
    for where, (body, counts, every) in found.items():
        twice = {name for name, count in counts.items() if count > max(most.get(where, Counter())[name], 1)}
        twice |= {name for name, count in every.items() if count > new_on_both.get((where, name), count)}
        lines.update(stmt.lineno for stmt in body if isinstance(stmt, _DEFINITION) and stmt.name in twice)
    return frozenset(lines)


def _every_definition(body: list[ast.stmt]) -> Counter[str]:
    """Functions and classes of one body by name, decorated or not (but ``_``)."""
    return Counter(stmt.name for stmt in body if isinstance(stmt, _DEFINITION) and stmt.name != "_")


def _new_on_both_sides(
    base: dict[str, list[ast.stmt]], left: dict[str, list[ast.stmt]], right: dict[str, list[ast.stmt]]
) -> dict[tuple[str, str], int]:
    """(body, name) -> how many definitions of it one side has at most, for a name
    base's body does not define that both sides define there: two sides bringing a
    name in, each their own way (one renames a registration ``@f.register(int)`` or an
    ``@overload`` onto it, the other adds a plain function), are two definitions the
    kinds ``_may_repeat`` excuses cannot make one; the result may hold no more of them
    than one side does."""
    found: dict[tuple[str, str], int] = {}
    for where in left.keys() & right.keys():
        before = _every_definition(base.get(where, []))
        on_left, on_right = _every_definition(left[where]), _every_definition(right[where])
        for name in on_left.keys() & on_right.keys():
            if not before[name]:
                found[(where, name)] = max(on_left[name], on_right[name])
    return found


_DEFINITION = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


# the kinds of statement that may hold statement lists (in the fields ``visit`` reads)
_HAS_STATEMENTS = tuple(
    kind for kind in vars(ast).values()
    if isinstance(kind, type) and issubclass(kind, ast.stmt)
    and any(field in kind._fields for field in ("body", "orelse", "finalbody", "handlers", "cases"))
)


def _may_repeat(stmt: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    """Definitions that legitimately share a name with siblings, so that both sides
    may add one: a property's accessors (``@x.setter``), overloads, registrations
    (``@f.register``) and the throwaway name ``_``. Any other decorated definition
    (``@patch(...) def test_x``) is shadowed by a second one like a plain one."""
    if stmt.name == "_":
        return True
    for decorator in stmt.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        last = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
        if last in ACCESSOR_ROLES or last in (OVERLOAD, "register"):
            return True
    return False
