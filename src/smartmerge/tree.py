"""Node and Revision: the tree the merge stages hand each other.

A Node covers whole lines of its revision's text. A leaf's ``head`` is all of
its text; a container's text is ``head`` + its children's texts + ``tail``, so
rendering a parsed tree gives the input back byte for byte.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property

from smartmerge.records import record


class Revision(StrEnum):
    BASE = "base"
    LEFT = "left"
    RIGHT = "right"


@record
class SetSpan:
    """A list whose items may come in any order, inside one node's head: character
    offsets into the head, the start and end of each item, and what separates them."""

    start: int
    end: int
    items: tuple[tuple[int, int], ...]
    separator: str  # the token between items ("," or "+")
    joiner: str  # how a new item is joined when no revision shows it (", ", " + ")
    keyed: bool = False  # an item is named by its first word (``a: b`` is ``a``)


@record
class Node:
    # "module", "class", "def", "import", "from_import", "assign", or an anonymous
    # statement kind ("expr", "if", "try", ...)
    kind: str
    # the identifying name of named kinds ("Cls", "method", "os.path"), else None
    name: str | None
    # text before the children: leading comments and blank lines, decorators, header
    head: str
    children: tuple[Node, ...] = ()
    # text after the children: comments closing a block, blank lines ending a file
    tail: str = ""
    # the decorator role that lets same-named siblings coexist ("setter", "overload")
    role: str = ""
    # how many characters at the start of the text are the blank lines and comments
    # above the statement (0 where the parser does not tell): the matcher pairs
    # statements by what follows, since a comment stays behind when its statement goes
    leading: int = 0
    # False for bodies that are sequences (function bodies): children matched by content
    named_body: bool = True
    # 1-based first line in its revision (for conflict reports)
    line: int = 0
    # the token the grammar puts between this container's children ("," in a JSON
    # object, from the profile's ``separators``), "" when there is none
    separator: str = ""
    # a sequence body (statements) where both sides inserting different children at one
    # spot is a conflict (the profile's ``insertion_conflict_bodies``)
    insertions_clash: bool = False
    # comma- or plus-separated lists on one line that the profile declares sets
    # (``unordered.sets``: a derive list, trait bounds), found in the head
    sets: tuple[SetSpan, ...] = ()

    @cached_property
    def text(self) -> str:
        if not self.children:
            return self.head + self.tail
        return self.head + "".join(child.text for child in self.children) + self.tail

    @property
    def above(self) -> str:
        """The blank lines and comments above the statement: the text before its code."""
        return self.text[: self.leading]

    @property
    def code(self) -> str:
        """The text without the blank lines and comments above the statement."""
        return self.text[self.leading :]

    @property
    def is_container(self) -> bool:
        return bool(self.children)

    @cached_property  # read over a million times when a module has thousands of functions
    def signature(self) -> tuple[str, str, str] | None:
        """What identifies a named child among its siblings (before position)."""
        if self.name is None:
            return None
        return (self.kind, self.name, self.role)


@record
class ConflictPiece:
    """Two edits that cannot both hold: whole lines of each revision."""

    base: tuple[str, ...]
    left: tuple[str, ...]
    right: tuple[str, ...]
    # the symbol path the conflict is in ("Cls.method"), "" at module level
    symbol: str = ""


# The merge stage's output: text, and conflicts between pieces of text.
Piece = str | ConflictPiece
