"""Parse stage: text -> Node tree covering every byte of the text."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from smartmerge.deadline import in_time, pace_measured
from smartmerge.errors import ParseFailed
from smartmerge.languages import LanguageProfile
from smartmerge.parsing.lines import parse_lines
from smartmerge.parsing.python import parse_python
from smartmerge.parsing.python_scopes import cached_syntax_tree, scoped_cache, shared_syntax_trees
from smartmerge.tree import Node

__all__ = ["parse", "parse_python", "shared_parses"]

# The trees of one merge (``shared_parses``), by profile, strictness and text. Each
# entry holds its profile, so that the id in its key is not reused meanwhile.
_Trees = dict[tuple[int, bool, str], tuple[LanguageProfile, Node]]
_TREES: ContextVar[_Trees | None] = ContextVar("smartmerge_trees", default=None)


@contextmanager
def shared_parses() -> Iterator[None]:
    """Within the block (one merge), each text is parsed once: the structured merge's
    trees of base, left and right serve the checks of git's line merge after it, and
    the check's ``ast`` tree of the output serves the semantic warnings. Node trees
    are immutable; ``ast`` trees are only read. The pace of parsing is measured for
    the time limit (``deadline.pace_measured``)."""
    with pace_measured(), shared_syntax_trees(), scoped_cache(_TREES):
        yield


def parse(text: str, profile: LanguageProfile, *, strict: bool = False) -> Node:
    """The profile's parser on ``text``; ``strict`` (the check stage) refuses any
    syntax error even where the profile tolerates them in inputs."""
    in_time("parsing")  # the merge's time limit, when one is set (deadline.py)
    trees = _TREES.get()
    # only tree-sitter tells strict from tolerant parsing
    key = (id(profile), strict and profile.parser == "tree-sitter", text)
    if trees is not None and key in trees:
        return trees[key][1]
    in_time("parsing", len(text))  # ast.parse cannot stop halfway
    tree = _parse(text, profile, strict)
    if trees is not None:
        trees[key] = (profile, tree)
    return tree


def _parse(text: str, profile: LanguageProfile, strict: bool) -> Node:
    if profile.parser == "python":
        # the check's syntax tree of the same text, when it made one: a second tree of a
        # 50,000-line module next to the check's four is the merge's peak of memory
        return parse_python(text, profile.insertion_conflict_bodies, cached_syntax_tree(text))
    if profile.parser == "tree-sitter":
        # imported here: a Python file's merge (most driver calls) needs no tree-sitter module
        from smartmerge.parsing.from_tree_sitter import parse_tree_sitter

        return parse_tree_sitter(text, profile, strict=strict)
    if profile.parser == "lines":
        return parse_lines(text, profile)
    raise ParseFailed(f"unknown parser {profile.parser!r}")
