"""A token-level merge for the lines where a line merge conflicts.

Tokens are compared without the white space before them and with string quotes
normalised, so a side that only reformatted (black-style quotes, wrapping, trailing
commas, indentation) changes white space and raw spellings, not tokens. The diff3
runs on tokens; each token keeps the spelling and the white space of the side that
changed them. Like any diff3, two edits with no unchanged token between them
conflict, and then the caller keeps its line-level conflict, with one exception: a
side whose only change there is a trailing comma before a closing bracket gets its
comma after the other side's change. Two edits with only a ``.`` between them
conflict too: they change one attribute chain two ways.
"""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from functools import cache

from smartmerge.languages import TokenLists
from smartmerge.merging.diff3 import contains_changes, diff3
from smartmerge.records import record

_TOKEN_PATTERN = r"""
    (?P<ws>(?:[ \t\f]|\\\r?\n|\r\n|\n|\r)+)
  | (?P<comment>{comment}[^\r\n]*)
  | (?P<string>[rRbBuUfF]{{0,2}}(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\\r\n])*'|"(?:\\.|[^"\\\r\n])*"))
  | (?P<number>\d+(?:\.\d+)+)  # one token: two edits of "2.0" must not merge into "3.1"
  | (?P<word>\w+)
  | (?P<op>\*\*=?|//=?|->|:=|[<>=!]=|<<=?|>>=?|[-+*/%&|^@]=|\.\.\.|\S)
    """


@cache
def _token_re(comment: str) -> re.Pattern[str]:
    """The token pattern for a language whose line comments start with ``comment``
    (the profile's ``comment_prefix``: ``#`` in Python, ``//`` in Rust, where
    ``#[derive(...)]`` is code)."""
    return re.compile(_TOKEN_PATTERN.format(comment=re.escape(comment)), re.VERBOSE)


QUOTES = ("'", '"')
_WORD = re.compile(r"\w+")


@record
class Token:
    space: str  # the white space before the token
    raw: str  # the token as written
    key: str  # what is compared: the token with quotes normalised


def _key(kind: str, raw: str) -> str:
    if kind != "string":
        return raw
    prefix_len = len(raw) - len(raw.lstrip("rRbBuUfF"))
    prefix, body = raw[:prefix_len].lower(), raw[prefix_len:]
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            inner = body[len(quote) : -len(quote)]
            if "'" not in inner and '"' not in inner:
                return f"{prefix}{quote[0] * len(quote)}{inner}".replace("'", '"')
    return raw


def tokenize(text: str, comment: str = "#") -> tuple[list[Token], str]:
    """Tokens of a text, and the white space after the last one."""
    tokens: list[Token] = []
    space = ""
    for match in _token_re(comment).finditer(text):
        kind = match.lastgroup or "op"
        if kind == "ws":
            space += match.group()
            continue
        tokens.append(Token(space, match.group(), _key(kind, match.group())))
        space = ""
    return tokens, space


def token_keys(text: str, comment: str = "#") -> list[str]:
    return [token.key for token in tokenize(text, comment)[0]]


def _pick(base: str, left: str, right: str) -> str:
    return right if left == base else left


def _requoted_to(base: list[Token], side: list[Token]) -> str | None:
    """The quote a side switched strings to, when it only ever switched one way
    (a formatter's doing): new strings from the other side get it too."""
    switched = set()
    matcher = SequenceMatcher(None, [t.key for t in base], [t.key for t in side], autojunk=False)
    pairs = [(base[m.a + k], side[m.b + k]) for m in matcher.get_matching_blocks() for k in range(m.size)]
    for b, s in pairs:
        if b.raw[-1:] in QUOTES and s.raw[-1:] in QUOTES and b.raw[-1] != s.raw[-1]:
            switched.add((b.raw[-1], s.raw[-1]))
    if len(switched) == 1:
        return next(iter(switched))[1]
    return None


def _requote(token: Token, quote: str | None) -> str:
    """The token with the quote a formatter chose, when that is a plain swap."""
    if quote is None or token.raw[-1:] not in QUOTES or token.raw.endswith(quote):
        return token.raw
    prefix_len = len(token.raw) - len(token.raw.lstrip("rRbBuUfF"))
    body = token.raw[prefix_len:]
    inner = body[1:-1]
    if len(body) < 2 or body[:3] == body[0] * 3 or any(q in inner for q in QUOTES) or "\\" in inner:
        return token.raw
    return f"{token.raw[:prefix_len]}{quote}{inner}{quote}"


# A side counts as a formatter that switched the file's quotes when base had at least
# this many plain single-quoted strings and the side kept at most this share of them
# (black leaves a few: strings that contain the other quote).
FORMATTER_MIN_STRINGS = 5
FORMATTER_MAX_LEFT_OVER = 0.1


# plain one-line strings in each quote (an estimate: a quote inside a comment counts
# too, which is harmless for telling a whole-file quote switch from an edit)
_PLAIN_SINGLE = re.compile(r"(?<![\w'\"])[rRbBuUfF]{0,2}'[^'\"\\\r\n]*'(?!')")


def _plain_singles(text: str) -> int:
    """How many plain single-quoted one-line strings the text has."""
    return len(_PLAIN_SINGLE.findall(text))


def formatter_quotes(base: str, left: str, right: str) -> tuple[str | None, str | None]:
    """The quote a side's formatter switched the whole file to, per side (or None)."""
    base_single = _plain_singles(base)
    if base_single < FORMATTER_MIN_STRINGS:
        return None, None
    left_single, right_single = _plain_singles(left), _plain_singles(right)
    left_switched = left_single <= FORMATTER_MAX_LEFT_OVER * base_single
    right_switched = right_single <= FORMATTER_MAX_LEFT_OVER * base_single
    if left_switched == right_switched:
        return None, None
    return ('"', None) if left_switched else (None, '"')


def restyle(text: str, quote: str | None) -> str:
    """The text with its plain strings in the formatter's quotes; nothing else moves."""
    if quote is None:
        return text
    tokens, end = tokenize(text)
    return "".join(token.space + _requote(token, quote) for token in tokens) + end


def _joins(keys: tuple[str, ...], commutative: tuple[str, ...]) -> bool:
    """An insertion that is one more operand of a commutative operator (``| 'warn'``)."""
    if len(keys) < 2 or any(k in commutative for k in keys[1:-1]):
        return False
    return (keys[0] in commutative) != (keys[-1] in commutative)


_OPENERS = ("(", "[", "{")
_CLOSERS = (")", "]", "}")


def _trailing_comma_side(base: tuple[str, ...], left: tuple[str, ...], right: tuple[str, ...], after: str) -> str | None:
    """The side whose only change in a clashing chunk is a trailing comma before a
    closing bracket (a formatter's doing, often with wrapping), when the other side
    changed the chunk's end another way: the comma then goes after that change."""
    if after not in _CLOSERS:
        return None
    for side, mine, other in (("left", left, right), ("right", right, left)):
        if mine == (*base, ",") and other and other[-1] != ",":
            return side
    return None


def _binds(gap: tuple[str, ...]) -> bool:
    """Two edits, one per side, with only a ``.`` between them are one expression
    changed two ways: left's new receiver and right's new attribute chain
    (``cmd.parse_options`` and ``celerybeat.BeatCommand().parse_options`` must not
    become ``cmd.BeatCommand().parse_options``)."""
    return gap == (".",)


def _nesting(key: str) -> int:
    """How a token changes the bracket depth."""
    return (key in _OPENERS) - (key in _CLOSERS)


def _depths(tokens: list[Token]) -> list[int]:
    """The bracket depth before each token, counted from the start of the text."""
    depths, depth = [], 0
    for token in tokens:
        depths.append(depth)
        depth += _nesting(token.key)
    return depths


def _follows_value(before: str, lists: TokenLists) -> bool:
    """Whether a bracket after the token ``before`` applies to a value (a call, a
    subscript): after a name that is no keyword of ``not_callers``, or a closing bracket."""
    caller = bool(_WORD.fullmatch(before)) and not before[:1].isdigit() and before not in lists.not_callers
    return caller or before in _CLOSERS


def opens_list(before: str, opener: str, lists: TokenLists) -> bool:
    """Whether bracket ``opener`` after the token ``before`` holds a list of items
    (``[``, ``{``; ``(`` of a call, a signature or bases) rather than one value (a
    tuple, a grouping)."""
    if opener in lists.list_brackets:
        return True
    return opener in lists.call_brackets and _follows_value(before, lists)


def _holds_items(tokens: list[Token], opener: int, lists: TokenLists) -> bool:
    """Whether the bracket at ``opener`` holds a list of items: a list bracket but a
    subscript's index that is one scalar tuple (``m[i, j]``), or a call bracket
    (``opens_list``) or a tuple of more than names and literals."""
    before, key = tokens[opener - 1].key if opener else "", tokens[opener].key
    if key in lists.index_brackets and _follows_value(before, lists):
        return not _scalar_tuple(tokens, opener)
    return opens_list(before, key, lists) or (key in lists.call_brackets and not _scalar_tuple(tokens, opener))


def holds_items(before: str, text: str, lists: TokenLists, comment: str = "#") -> bool:
    """``_holds_items`` of the bracket that starts ``text``, after the token ``before``;
    False when that bracket is no token of its own (it sits in a comment or a string
    that ``before`` opens: ``# see (a, b)``)."""
    tokens = tokenize(f"{before} {text}" if before else text, comment)[0]
    at = 1 if before else 0
    if len(tokens) <= at or tokens[at].key != text[:1]:
        return False
    return _holds_items(tokens, at, lists)


def _scalar_tuple(tokens: list[Token], opener: int) -> bool:
    """Whether the bracket at ``opener`` holds one value: a flat tuple of literals and
    names (``(7, 1, 0, 'dev', 0)``, a version), or text that is no tuple at all; a
    tuple that holds brackets of its own (a row of test data) is a list of items."""
    depth = 0
    for token in tokens[opener + 1 :]:
        if token.key in _CLOSERS and depth == 0:
            return True
        depth += _nesting(token.key)
        if depth or not (token.key in (",", "-") or _WORD.fullmatch(token.key) or token.key[:1] in ('"', "'")
                         or token.key.lstrip("rRbBuUfF")[:1] in QUOTES or token.key[:1].isdigit()):
            return False
    return True


def _separators(tokens: list[Token], lists: TokenLists, newline_ends_statement: bool) -> set[int]:
    """Indices of the tokens that separate two items of a list (a comma directly inside
    a list bracket or a tuple of more than literals, or outside brackets in a
    ``list_statements`` statement), two clauses (``clause_separators``) or two
    statements (the first token of a line outside brackets, a ``;``): edits on either
    side of one touch different things."""
    found: set[int] = set()
    stack: list[bool] = []  # per open bracket: does it hold a list
    statement_is_list = False
    for k, token in enumerate(tokens):
        starts = k == 0 or (not stack and (token.key == ";" or (newline_ends_statement and ("\n" in token.space or "\r" in token.space))))
        if starts:
            if k:
                found.add(k)
            statement_is_list = token.key in lists.list_statements
        if (token.key == "," and (stack[-1] if stack else statement_is_list)) or token.key in lists.clause_separators:
            found.add(k)
        if token.key in _OPENERS:
            stack.append(_holds_items(tokens, k, lists))
        elif token.key in _CLOSERS and stack:
            stack.pop()
    return found


def _separators_after(before: str, base: str, lists: TokenLists, newline_ends_statement: bool, comment: str) -> set[int]:
    """``_separators`` of ``base``'s tokens, read after ``before`` (the brackets it
    opened are still open), as indices into ``base``'s own tokens."""
    prefix = tokenize(before, comment)[0] if before else []
    tokens = tokenize(before + base, comment)[0]
    if [t.key for t in tokens[: len(prefix)]] != [t.key for t in prefix]:
        prefix, tokens = [], tokenize(base, comment)[0]  # a token spans the seam: no context
    return {k - len(prefix) for k in _separators(tokens, lists, newline_ends_statement) if k >= len(prefix)}


def merge_tokens(
    base: str,
    left: str,
    right: str,
    *,
    commutative: tuple[str, ...] = (),
    comment: str = "#",
    newline_ends_statement: bool = False,
    lists: TokenLists | None = None,
    before: str = "",
) -> str | None:
    """The token-level merge of three texts, or None when edits clash.

    ``commutative`` (from the profile: ``|`` of TypeScript's union types) lets two
    insertions at one spot that each add an operand of such an operator both land,
    left's first: ``'a' | 'b'`` plus ``| 'c'`` and ``| 'd'``. With
    ``newline_ends_statement`` (Python), a line break a side wrote inside brackets
    that the other side removed (a parenthesised import joined onto one line) becomes
    a space: outside brackets it would end the statement. With ``lists`` (the
    profile's ``[tokens]``), two edits, one per side, merge only when a separator
    (``_separators``) or a comment-only edit lies between them: one scalar tuple or
    one arithmetic expression edited twice is a conflict. ``before`` is base's text
    before ``base`` in its statement (whole lines), whose open brackets hold it."""
    (base_t, base_end), (left_t, left_end), (right_t, right_end) = (tokenize(t, comment) for t in (base, left, right))
    side_depths = {"left": _depths(left_t), "right": _depths(right_t)}
    depth = 0  # of the output so far

    def emit(token: Token, raw: str, side: str, index: int) -> str:
        nonlocal depth
        space = token.space
        if newline_ends_statement and depth <= 0 < side_depths[side][index] and ("\n" in space or "\r" in space):
            space = " "
        depth += _nesting(token.key)
        return space + raw
    # a side that switched quotes like a formatter sets the quotes of the other side's new strings
    left_quote, right_quote = _requoted_to(base_t, left_t), _requoted_to(base_t, right_t)
    out: list[str] = []
    positions = [0, 0, 0]
    added: dict[str, Counter[str]] = {"left": Counter(), "right": Counter()}
    # the side of the last one-sided change, and the stable keys since then
    last_side: str = ""
    gap: tuple[str, ...] = ()
    separators = _separators_after(before, base, lists, newline_ends_statement, comment) if lists is not None else set()
    separated = lists is None  # a separator since the last one-sided change
    last_comment = False  # the last one-sided change touched comments only
    for chunk in diff3([t.key for t in base_t], [t.key for t in left_t], [t.key for t in right_t]):
        start = positions[0]
        if chunk.stable:
            gap = (*gap, *chunk.base)
            separated = separated or any(k in separators for k in range(start, start + len(chunk.base) + 1))
        elif chunk.conflict:
            last_side, gap = "", ()
        else:
            side = "left" if chunk.left != chunk.base else "right"
            # comments, and a trailing comma a formatter added or removed, touch no value
            only_comments = all(k.startswith(comment) or k == "," for k in (*chunk.left, *chunk.right, *chunk.base))
            # a change that starts a line of its own outside brackets starts a statement
            side_tokens, at = (left_t, positions[1]) if side == "left" else (right_t, positions[2])
            if newline_ends_statement and at < len(side_tokens) and side_depths[side][at] == 0:
                separated = separated or "\n" in side_tokens[at].space or "\r" in side_tokens[at].space
            if chunk.left == chunk.right:
                last_side, gap = "", ()  # the same change on both sides
            elif last_side and last_side != side and _binds(gap):
                return None
            elif last_side and last_side != side and not (separated or only_comments or last_comment):
                return None  # one item, expression or tuple edited by both sides
            else:
                last_side, gap = side, ()
            separated, last_comment = lists is None, only_comments
            changed = chunk.left if side == "left" else chunk.right
            added[side].update(Counter(k for k in changed if _WORD.fullmatch(k) or k.lstrip("rRbBuUfF")[:1] in QUOTES) - Counter(chunk.base))
        b, lft, rgt = positions
        nb, nl, nr = b + len(chunk.base), lft + len(chunk.left), rgt + len(chunk.right)
        positions = [nb, nl, nr]
        if newline_ends_statement and not chunk.stable and not chunk.conflict and chunk.left != chunk.right:
            # a change that ends where the side starts a new line outside brackets ends a statement
            side_tokens, at = (left_t, nl) if chunk.left != chunk.base else (right_t, nr)
            if at < len(side_tokens) and side_depths["left" if side_tokens is left_t else "right"][at] == 0:
                separated = separated or "\n" in side_tokens[at].space or "\r" in side_tokens[at].space
        if chunk.conflict:
            trailing = _trailing_comma_side(chunk.base, chunk.left, chunk.right, base_t[nb].key if nb < len(base_t) else "")
            if trailing == "left":
                # a trailing comma goes after what the other side wrote at the list's end
                out.extend(emit(t, t.raw, "right", k) for k, t in enumerate(right_t[rgt:nr], rgt))
                out.extend(emit(t, t.raw, "left", k) for k, t in enumerate(left_t[nl - 1 : nl], nl - 1))
                continue
            if trailing == "right":
                out.extend(emit(t, t.raw, "left", k) for k, t in enumerate(left_t[lft:nl], lft))
                out.extend(emit(t, t.raw, "right", k) for k, t in enumerate(right_t[nr - 1 : nr], nr - 1))
                continue
            if not (
                commutative
                and not chunk.base
                and _joins(chunk.left, commutative)
                and _joins(chunk.right, commutative)
                and (chunk.left[0] in commutative) == (chunk.right[0] in commutative)
            ):
                return None
            out.extend(emit(t, t.raw, "left", k) for k, t in enumerate(left_t[lft:nl], lft))
            out.extend(emit(t, t.raw, "right", k) for k, t in enumerate(right_t[rgt:nr], rgt))
            continue
        if chunk.stable:
            for bt, lt, rt in zip(base_t[b:nb], left_t[lft:nl], right_t[rgt:nr], strict=True):
                depth += _nesting(bt.key)
                out.append(_pick(bt.space, lt.space, rt.space) + _pick(bt.raw, lt.raw, rt.raw))
        elif chunk.left != chunk.base:
            out.extend(emit(t, _requote(t, right_quote), "left", k) for k, t in enumerate(left_t[lft:nl], lft))
        else:
            out.extend(emit(t, _requote(t, left_quote), "right", k) for k, t in enumerate(right_t[rgt:nr], rgt))
    if added["left"] & added["right"]:
        # both sides added the same word or string at different places (`public static`
        # and `static public`, `"--no-deps"` before and after `"-q"`): merging both
        # would write it twice
        return None
    out.append(_pick(base_end, left_end, right_end))
    return "".join(out)


def tokens_contained(base: str, side: str, merged: str, comment: str = "#") -> bool:
    """True when every token-level change from base to side is in merged."""
    return contains_changes(token_keys(base, comment), token_keys(side, comment), token_keys(merged, comment))


def changed_only_layout(base: str, side: str, comment: str = "#") -> bool:
    """True when the side changed white space, quotes or nothing at all."""
    return token_keys(base, comment) == token_keys(side, comment)



def changed_only_comments(base: str, side: str, comment: str = "#") -> bool:
    """True when the side changed comments (a ``# type:`` comment added or dropped),
    white space or quotes, and no code: the tokens other than comments are base's."""
    return [k for k in token_keys(base, comment) if not k.startswith(comment)] == [
        k for k in token_keys(side, comment) if not k.startswith(comment)
    ]


def commented_only_within(base: tuple[str, str], side: tuple[str, str], comment: str = "#") -> bool:
    """Whether a statement (its lines above the code, its code) changed only in layout
    above it and only in comments, layout or quotes within its code: a ``# type:``
    comment added to a method, not a neighbour's comment left on it by a deletion."""
    return token_keys(base[0], comment) == token_keys(side[0], comment) and changed_only_comments(base[1], side[1], comment)
