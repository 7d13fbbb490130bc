"""Render stage: merged pieces -> text with diff3 conflict markers."""

from __future__ import annotations

from collections.abc import Sequence

from smartmerge.markers import conflict_block
from smartmerge.options import MergeOptions
from smartmerge.records import record
from smartmerge.result import Conflict
from smartmerge.tree import ConflictPiece, Piece


@record
class Rendered:
    text: str
    conflicts: tuple[Conflict, ...]


def _narrowed(piece: ConflictPiece) -> tuple[list[str], ConflictPiece, list[str]]:
    """Move lines that every non-empty section shares at the start or end out of the
    markers. With an empty base (both sides added) left and right alone decide."""
    base, left, right = list(piece.base), list(piece.left), list(piece.right)
    sections = [left, right] if not base else [base, left, right]
    prefix: list[str] = []
    while all(sections) and all(s[0] == sections[0][0] for s in sections):
        prefix.append(sections[0][0])
        for section in sections:
            section.pop(0)
    suffix: list[str] = []
    while all(sections) and all(s[-1] == sections[0][-1] for s in sections):
        suffix.insert(0, sections[0][-1])
        for section in sections:
            section.pop()
    return prefix, ConflictPiece(tuple(base), tuple(left), tuple(right), piece.symbol), suffix


def render(pieces: Sequence[Piece], options: MergeOptions, newline: str) -> Rendered:
    out: list[str] = []
    conflicts: list[Conflict] = []
    line = 1

    def emit(text: str) -> None:
        nonlocal line
        if not text:
            return
        # a piece that ended a file without a final newline may no longer end it
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += newline
            line += 1
        out.append(text)
        line += text.count("\n") + text.count("\r") - text.count("\r\n")

    for piece in pieces:
        if isinstance(piece, str):
            emit(piece)
            continue
        prefix, narrow, suffix = _narrowed(piece)
        emit("".join(prefix))
        start = line
        emit("".join(conflict_block(narrow.base, narrow.left, narrow.right, options, newline)))
        conflicts.append(Conflict(start, line - 1, piece.symbol))
        emit("".join(suffix))
    return Rendered("".join(out), tuple(conflicts))
