"""Candidate resolutions of a conflicted merge, built from the structured merge's pieces.

The structured merge hands back pieces: text, and ``ConflictPiece``s that each name the
symbol they are in (``"price"``, ``"Cart.total"``, ``""`` at module level). The conflicts
of one symbol are its *hunks*. For each conflicting symbol the variants are:

- ``left``: left's whole definition of the symbol (what left wrote, none of right's
  edits to it; nothing when left deleted it);
- ``right``: right's whole definition;
- the finer merges: the structured merge of the symbol with each hunk taken from left
  or from right (``left hunks``, ``right hunks``, ``left+right``, ...), which keep the
  edits of both sides that did not clash.

Variants that write the same file are one (a one-hunk conflict's ``left hunks`` is
usually ``left``); a symbol keeps at most ``MAX_VARIANTS_PER_SYMBOL``. At module level
(symbol ``""``) there is no definition to take whole: only the hunks vary.

A candidate picks one variant per symbol and is the whole file with those choices.
When the product of all symbols' variants fits ``max_candidates`` every combination is a
candidate (the *joint* plan). When it does not, the plan is *per symbol*: each symbol's
variants are tried with every other symbol held at left's version, and the winners are
combined into one final candidate that must pass on its own (see choosing.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from smartmerge.errors import ParseFailed
from smartmerge.languages import detect_language, profile_named
from smartmerge.merging.diff3 import diff3
from smartmerge.merging.structured import merge_trees
from smartmerge.options import MergeOptions
from smartmerge.parsing import parse_python
from smartmerge.ranking import MAX_CANDIDATES
from smartmerge.rendering import render
from smartmerge.textlines import newline_of, split_lines
from smartmerge.tree import ConflictPiece, Node, Piece, Revision

# Mixes of hunks grow as 2**hunks; past this many variants a symbol keeps only the
# first ones (left, right, then mixes in order of the first differing hunk).
MAX_VARIANTS_PER_SYMBOL = 6

_BOM = "\ufeff"


@dataclass(frozen=True)
class Variant:
    """One way to resolve one symbol: a side's whole definition, or a choice per hunk."""

    symbol: str
    # one choice per hunk of the symbol, in file order: Revision.LEFT or Revision.RIGHT
    choices: tuple[Revision, ...]
    # a side whose whole definition of the symbol replaces the merged one (None: hunks only)
    whole: Revision | None = None

    @property
    def label(self) -> str:
        if self.whole is not None:
            return self.whole.value
        if len(set(self.choices)) == 1:
            return f"{self.choices[0].value} hunk{'s' if len(self.choices) > 1 else ''}"
        return "+".join(choice.value for choice in self.choices)


@dataclass(frozen=True)
class Candidate:
    """A whole file: one variant per conflicting symbol."""

    variants: tuple[Variant, ...]
    text: bytes

    @property
    def name(self) -> str:
        return ", ".join(f"{symbol_label(v.symbol)}={v.label}" for v in self.variants)


def _locate(tree: Node, symbol: str) -> tuple[int, int] | None:
    """Character span, in ``tree.text``, of the definition at ``symbol`` ("Cls.method")."""
    if not symbol:
        return None
    node, start = tree, 0
    for name in symbol.split("."):
        offset = start + len(node.head)
        for child in node.children:
            if child.name == name:
                node, start = child, offset
                break
            offset += len(child.text)
        else:
            return None
    return start, start + len(node.text)


class Unbuildable(Exception):
    """A variant cannot be written into this candidate (the merged text does not parse)."""


@dataclass(frozen=True)
class Conflicted:
    """A merge's pieces with the conflicting symbols found in them."""

    pieces: tuple[Piece, ...]
    # symbol -> its hunks' count, in the order the symbols first appear
    symbols: Mapping[str, int]
    newline: str
    bom: bool
    left: Node
    right: Node

    def variants(self, symbol: str) -> list[Variant]:
        """left's and right's whole definitions, then every mix of the hunks, each
        distinct file once (held: every other symbol at left's hunks)."""
        hunks = self.symbols[symbol]
        options = []
        if _locate(self.left, symbol) or _locate(self.right, symbol):
            options += [
                Variant(symbol, (Revision.LEFT,) * hunks, Revision.LEFT),
                Variant(symbol, (Revision.RIGHT,) * hunks, Revision.RIGHT),
            ]
        options += [Variant(symbol, mix) for mix in itertools.product((Revision.LEFT, Revision.RIGHT), repeat=hunks)]
        held = {s: Variant(s, (Revision.LEFT,) * n) for s, n in self.symbols.items()}
        out: list[Variant] = []
        seen: set[bytes] = set()
        for variant in options:
            try:
                text = self.text_for({**held, symbol: variant})
            except Unbuildable:
                continue
            if text not in seen:
                seen.add(text)
                out.append(variant)
            if len(out) >= MAX_VARIANTS_PER_SYMBOL:
                break
        return out

    def text_for(self, chosen: Mapping[str, Variant]) -> bytes:
        """The file with each conflict replaced by its symbol's chosen hunk, then each
        whole-definition variant written over the symbol's merged definition."""
        hunk_index: dict[str, int] = {}
        pieces: list[Piece] = []
        for piece in self.pieces:
            if isinstance(piece, str):
                pieces.append(piece)
                continue
            i = hunk_index.get(piece.symbol, 0)
            hunk_index[piece.symbol] = i + 1
            choice = chosen[piece.symbol].choices[i]
            pieces.append("".join(piece.left if choice is Revision.LEFT else piece.right))
        text = render(pieces, MergeOptions(), self.newline).text
        for variant in chosen.values():
            if variant.whole is not None:
                text = self._splice(text, variant.symbol, self.left if variant.whole is Revision.LEFT else self.right)
        return ((_BOM if self.bom else "") + text).encode("utf-8")

    @staticmethod
    def _splice(text: str, symbol: str, side: Node) -> str:
        try:
            span = _locate(parse_python(text), symbol)
        except ParseFailed:
            raise Unbuildable(symbol) from None
        if span is None:
            return text  # the hunks already removed it: the side deleted the symbol
        found = _locate(side, symbol)
        replacement = side.text[found[0] : found[1]] if found else ""  # "" when the side deleted it
        return text[: span[0]] + replacement + text[span[1] :]


def symbol_label(symbol: str) -> str:
    return symbol or "<module>"


def _symbol_at(tree: Node, first: int, last: int) -> str:
    """The innermost named definition of ``tree`` whose lines hold lines ``first``..``last``
    (0-based, inclusive), as a symbol path; "" at module level."""
    path: list[str] = []
    node, start = tree, 0
    while True:
        offset = start + len(split_lines(node.head))
        for child in node.children:
            end = offset + len(split_lines(child.text))
            if offset <= first and last < end and child.name is not None:
                path.append(child.name)
                node, start = child, offset
                break
            offset = end
        else:
            return ".".join(path)


def _line_pieces(base: str, left: str, right: str, base_tree: Node) -> tuple[Piece, ...]:
    """The line diff3 of the whole file as pieces, each conflict named by the definition
    of base that holds it: for merges the structured merge hands to the line merge."""
    pieces: list[Piece] = []
    line = 0
    for chunk in diff3(split_lines(base), split_lines(left), split_lines(right)):
        if chunk.conflict:
            first = line if chunk.base else max(0, line - 1)
            symbol = _symbol_at(base_tree, first, max(first, line + len(chunk.base) - 1))
            pieces.append(ConflictPiece(chunk.base, chunk.left, chunk.right, symbol))
        else:
            pieces.append("".join(chunk.resolved()))
        line += len(chunk.base)
    return tuple(pieces)


def conflicted(base: bytes, left: bytes, right: bytes, path: str | None, options: MergeOptions) -> Conflicted | None:
    """The merge's pieces when they hold conflicts; None when there is nothing to rank (no
    conflicts, or an input that is not Python or does not parse).

    The structured merge's pieces come first. When they hold no conflict although the
    merge conflicts (its result failed the check and the line merge was used), the line
    merge's conflicts are the hunks, each under the definition of base that holds it.
    """
    profile = profile_named(options.language) if options.language else detect_language(path)
    if profile is None:
        return None
    try:
        texts = [data.decode("utf-8").removeprefix(_BOM) for data in (base, left, right)]
        trees = [parse_python(text) for text in texts]
    except (UnicodeDecodeError, ParseFailed):
        return None
    # no deadline here: merge_texts already merged these inputs within its own limit
    pieces = merge_trees(trees[0], trees[1], trees[2], profile, math.inf)
    if not any(isinstance(piece, ConflictPiece) for piece in pieces):
        pieces = _line_pieces(texts[0], texts[1], texts[2], trees[0])
    symbols: dict[str, int] = {}
    for piece in pieces:
        if isinstance(piece, ConflictPiece):
            symbols[piece.symbol] = symbols.get(piece.symbol, 0) + 1
    if not symbols:
        return None
    return Conflicted(pieces, symbols, newline_of(texts[1]), left.startswith(_BOM.encode("utf-8")), trees[1], trees[2])


@dataclass(frozen=True)
class Plan:
    """The candidates to run, and how their results are read."""

    # "joint": every combination; "per symbol": one symbol varies at a time
    mode: str
    candidates: tuple[Candidate, ...]
    # candidates that do not parse, by name: never run
    unparsable: tuple[str, ...]
    # why nothing can be ranked ("" when there are candidates)
    refusal: str = ""
    # per-symbol plan: the variant each symbol is held at while another one varies
    held: Mapping[str, Variant] = field(default_factory=dict)


def _parses(text: bytes) -> bool:
    """Python by this interpreter or, for syntax newer than it, by the grammar."""
    try:
        parse_python(text.decode("utf-8").removeprefix(_BOM))
    except (ParseFailed, ValueError):
        return False
    return True


def _build(conflict: Conflicted, combos: Sequence[tuple[Variant, ...]]) -> tuple[list[Candidate], list[str]]:
    candidates: list[Candidate] = []
    unparsable: list[str] = []
    seen: set[bytes] = set()
    for combo in combos:
        try:
            candidate = Candidate(combo, conflict.text_for({v.symbol: v for v in combo}))
        except Unbuildable:
            unparsable.append(", ".join(f"{symbol_label(v.symbol)}={v.label}" for v in combo))
            continue
        if candidate.text in seen:
            continue  # two choices that write the same file are one candidate
        seen.add(candidate.text)
        if _parses(candidate.text):
            candidates.append(candidate)
        else:
            unparsable.append(candidate.name)
    return candidates, unparsable


def plan(conflict: Conflicted, max_candidates: int = MAX_CANDIDATES) -> Plan:
    """All combinations when they fit ``max_candidates``, else one symbol at a time."""
    per_symbol = {symbol: conflict.variants(symbol) for symbol in conflict.symbols}
    joint_size = math.prod(len(v) for v in per_symbol.values())
    if joint_size <= max_candidates:
        candidates, unparsable = _build(conflict, list(itertools.product(*per_symbol.values())))
        return Plan("joint", tuple(candidates), tuple(unparsable))
    # the all-left file, each other variant of each symbol, and the final combination
    needed = sum(len(v) - 1 for v in per_symbol.values()) + 2
    if needed > max_candidates:
        return Plan(
            "per symbol", (), (),
            refusal=(
                f"{len(per_symbol)} conflicting symbols need {needed} candidate runs even one symbol at a time, "
                f"more than the limit of {max_candidates} (--max-candidates)"
            ),
        )
    held = {symbol: variants[0] for symbol, variants in per_symbol.items()}  # left's version
    # every symbol's left variant is the same file (all held at left): run it once
    combos: dict[tuple[Variant, ...], None] = {}
    for symbol, variants in per_symbol.items():
        for variant in variants:
            combos[tuple(variant if s == symbol else held[s] for s in per_symbol)] = None
    candidates, unparsable = _build(conflict, list(combos))
    return Plan("per symbol", tuple(candidates), tuple(unparsable), held=held)


def combine(conflict: Conflicted, winners: Mapping[str, Variant]) -> Candidate:
    """The file with each symbol's winning variant (the per-symbol plan's final candidate)."""
    ordered = tuple(winners[symbol] for symbol in conflict.symbols)
    return Candidate(ordered, conflict.text_for(winners))
