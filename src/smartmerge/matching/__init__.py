"""Match stage: pair the children of one body across two revisions.

Named children (definitions, assignments, imports in module and class bodies) pair
by signature and position among same-named siblings. Anonymous statements, and
all statements of function bodies, pair by an alignment of their texts; within a
stretch that changed, statements of the same kind pair when similar enough.
Definitions that lost their name on one side pair with a new name there when
their bodies are similar enough: a rename.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from difflib import SequenceMatcher

from smartmerge.matching.ambiguity import equal_pairs, uncertain
from smartmerge.tree import Node

# A renamed or moved definition must keep at least this much of its text (rapidfuzz
# ratio, 0..100). 75 keeps a rename plus a few edited lines of a short function and
# rejects two different functions that share only boilerplate; GumTree's bottom-up
# matcher uses a similar similarity floor for its containers.
RENAME_SIMILARITY = 75.0
# An edited anonymous statement pairs with its base version above this similarity;
# lower, it is a deletion plus an insertion. Statements in one changed stretch are
# usually edits of each other, so the floor is lower than for renames.
EDIT_SIMILARITY = 50.0

Key = tuple[Hashable, ...]


def signature_keys(children: Sequence[Node]) -> list[Key | None]:
    """The identity key of each named child: signature plus occurrence index."""
    seen: dict[tuple[str, str, str], int] = {}
    keys: list[Key | None] = []
    for child in children:
        signature = child.signature
        if signature is None:
            keys.append(None)
            continue
        occurrence = seen.get(signature, 0)
        seen[signature] = occurrence + 1
        keys.append((*signature, occurrence))
    return keys


# Kinds whose renames are followed when a profile names none (Python's).
DEFAULT_RENAMABLE = frozenset({"def", "class"})


def match_children(
    base: Sequence[Node], side: Sequence[Node], *, named: bool, renamable: frozenset[str] = DEFAULT_RENAMABLE
) -> dict[int, int]:
    """Base child index -> side child index, for children that are the same node."""
    pairs: dict[int, int] = {}
    if named:
        _match_signatures(base, side, pairs)
        base_anon = [i for i, node in enumerate(base) if node.signature is None]
        side_anon = [j for j, node in enumerate(side) if node.signature is None]
        _align(base, side, base_anon, side_anon, pairs)
        _match_renames(base, side, pairs, renamable)
    else:
        _align(base, side, list(range(len(base))), list(range(len(side))), pairs)
    return pairs


def ambiguous_pairs(base: Sequence[Node], side: Sequence[Node], *, named: bool, suspects: frozenset[int]) -> frozenset[int]:
    """Of ``suspects`` (base children, those the other side changed), the ones whose
    partner in ``side`` is one of several equal statements the alignment could take
    (``ambiguity.uncertain``): ``x`` of ``[a, x, c, x]`` when a side wrapped
    ``x, c`` in a new ``if``, or one of ``[x, x]`` a side cut to ``[x]``. Only
    children aligned by text are judged: anonymous ones, and named ones repeated
    under one signature."""
    groups: list[tuple[list[int], list[int]]] = []
    if named:
        groups.append(([i for i, n in enumerate(base) if n.signature is None], [j for j, n in enumerate(side) if n.signature is None]))
        groups += [group for group in _signature_groups(base, side).values() if len(group[0]) > 1 or len(group[1]) > 1]
    else:
        groups.append((list(range(len(base))), list(range(len(side)))))
    found: set[int] = set()
    for base_ix, side_ix in groups:
        wanted = [k for k, i in enumerate(base_ix) if i in suspects]
        if not wanted:
            continue
        base_texts, side_texts = [base[i].text for i in base_ix], [side[j].text for j in side_ix]
        found |= {base_ix[k] for k in uncertain(base_texts, side_texts, equal_pairs(base_texts, side_texts), wanted)}
    return frozenset(found)


def _match_signatures(base: Sequence[Node], side: Sequence[Node], pairs: dict[int, int]) -> None:
    """Pair named children by signature; a name used several times in one body
    (repeated imports of one module, reassignments) pairs by alignment of the
    group's texts, so an insertion before the others shifts nothing."""
    for base_ix, side_ix in _signature_groups(base, side).values():
        if len(base_ix) == 1 and len(side_ix) == 1:
            pairs[base_ix[0]] = side_ix[0]
        elif base_ix and side_ix:
            _align(base, side, base_ix, side_ix, pairs)
            _pair_moved(base, side, base_ix, side_ix, pairs)


def _signature_groups(base: Sequence[Node], side: Sequence[Node]) -> dict[tuple[str, str, str], tuple[list[int], list[int]]]:
    """The named children of base by signature, in order of first appearance: the
    positions in base and in ``side`` of each (a side child whose signature base lacks
    is in none)."""
    groups: dict[tuple[str, str, str], tuple[list[int], list[int]]] = {}
    for i, node in enumerate(base):
        if node.signature is not None:
            groups.setdefault(node.signature, ([], []))[0].append(i)
    for j, node in enumerate(side):
        if node.signature is not None and node.signature in groups:
            groups[node.signature][1].append(j)
    return groups


def _pair_moved(
    base: Sequence[Node], side: Sequence[Node], base_ix: list[int], side_ix: list[int], pairs: dict[int, int]
) -> None:
    """Pair what the alignment of one signature's group left over by equal text: a
    member the side moved past a sibling of the same name (``from m import b`` moved
    below ``from m import a``) is that member moved, not deleted and written anew, so
    that the other side's deletion or edit of it still applies."""
    # The side positions already taken among this group's are the partners of its
    # own base members: every pair _match_signatures makes (a lone member, or
    # _align's) joins two members of one group, and a side position is in one group
    # only. So the group's pairs serve, not every pair made so far (which cost
    # O(groups x pairs) over a body).
    taken = {pairs[i] for i in base_ix if i in pairs}
    for i in base_ix:
        if i in pairs:
            continue
        j = next((j for j in side_ix if j not in taken and side[j].text == base[i].text), None)
        if j is not None:
            pairs[i] = j
            taken.add(j)


def _align(
    base: Sequence[Node], side: Sequence[Node], base_ix: list[int], side_ix: list[int], pairs: dict[int, int]
) -> None:
    """Pair the given children in order: equal texts first, then similar ones."""
    texts = ([base[i].text for i in base_ix], [side[j].text for j in side_ix])
    for i1, i2, j1, j2 in _pair_equal(*texts, base_ix, side_ix, pairs):
        if i2 - i1 == j2 - j1 == 1 and base[base_ix[i1]].kind == side[side_ix[j1]].kind and base[base_ix[i1]].is_container:
            # one container replaced by one of its kind (an object that grew a lot):
            # an edit, whatever the similarity, so its members still merge one by one
            pairs[base_ix[i1]] = side_ix[j1]
        else:
            _pair_same_code(base, side, base_ix[i1:i2], side_ix[j1:j2], pairs)


def _pair_same_code(
    base: Sequence[Node], side: Sequence[Node], base_ix: list[int], side_ix: list[int], pairs: dict[int, int]
) -> None:
    """In a changed stretch, pair statements whose code is equal (only the comments and
    blank lines above them changed: a deleted neighbour left its comment behind), then
    the rest by similarity of their code, in order between those pairs."""
    codes = ([base[i].code for i in base_ix], [side[j].code for j in side_ix])
    for i1, i2, j1, j2 in _pair_equal(*codes, base_ix, side_ix, pairs):
        _pair_same_tokens(base, side, base_ix[i1:i2], side_ix[j1:j2], pairs)


def _pair_same_tokens(
    base: Sequence[Node], side: Sequence[Node], base_ix: list[int], side_ix: list[int], pairs: dict[int, int]
) -> None:
    """In a changed stretch, pair statements whose code differs only in spacing (a
    comment realigned, ``x  # c`` for ``x # c``) before pairing by similarity: the
    greedy similarity pass would otherwise give such a statement's partner to a
    deleted neighbour that happens to score above the floor."""
    squeezed = ([_squeezed(base[i].code) for i in base_ix], [_squeezed(side[j].code) for j in side_ix])
    for i1, i2, j1, j2 in _pair_equal(*squeezed, base_ix, side_ix, pairs):
        _pair_similar(base, side, base_ix[i1:i2], side_ix[j1:j2], pairs)


def _squeezed(code: str) -> str:
    return "".join(code.split())


def _pair_equal(
    base_keys: list[str], side_keys: list[str], base_ix: list[int], side_ix: list[int], pairs: dict[int, int]
) -> list[tuple[int, int, int, int]]:
    """Pair the children whose keys an alignment finds equal; the stretches replaced
    on both sides (positions into ``base_ix`` and ``side_ix``) are left to the caller."""
    replaced = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, base_keys, side_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                pairs[base_ix[i1 + offset]] = side_ix[j1 + offset]
        elif tag == "replace":
            replaced.append((i1, i2, j1, j2))
    return replaced


def _pair_similar(
    base: Sequence[Node], side: Sequence[Node], base_ix: list[int], side_ix: list[int], pairs: dict[int, int]
) -> None:
    """Pair statements of one changed stretch, keeping their order."""
    from rapidfuzz import fuzz  # imported on first use: most merges pair statements by name or text

    next_side = 0
    for i in base_ix:
        best, best_score = -1, EDIT_SIMILARITY
        for position in range(next_side, len(side_ix)):
            candidate = side[side_ix[position]]
            if candidate.kind != base[i].kind:
                continue
            score = fuzz.ratio(base[i].code, candidate.code, score_cutoff=best_score)
            if score >= best_score and score > 0:
                best, best_score = position, score
        if best >= 0:
            pairs[i] = side_ix[best]
            next_side = best + 1


def _match_renames(base: Sequence[Node], side: Sequence[Node], pairs: dict[int, int], renamable: frozenset[str]) -> None:
    """Pair definitions that disappeared under one name and appeared under another."""
    taken = set(pairs.values())
    lost = [i for i, node in enumerate(base) if i not in pairs and node.kind in renamable]
    new = [j for j, node in enumerate(side) if j not in taken and node.kind in renamable]
    if not lost or not new:
        return
    from rapidfuzz import fuzz  # imported on first use, as in _pair_similar

    candidates = []
    for i in lost:
        for j in new:
            if base[i].kind == side[j].kind:
                score = fuzz.ratio(_body_text(base[i]), _body_text(side[j]), score_cutoff=RENAME_SIMILARITY)
                if score:
                    candidates.append((score, i, j))
    for _score, i, j in sorted(candidates, reverse=True):
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)


def _body_text(node: Node) -> str:
    """The text of a definition without its name, so a rename alone scores 100."""
    if node.name is None:
        return node.text
    return node.text.replace(node.name, "", 1)
