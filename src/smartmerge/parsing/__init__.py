"""Parse stage: text -> Node tree covering every byte of the text."""

from smartmerge.deadline import in_time
from smartmerge.errors import ParseFailed
from smartmerge.languages import LanguageProfile
from smartmerge.parsing.from_tree_sitter import parse_tree_sitter
from smartmerge.parsing.lines import parse_lines
from smartmerge.parsing.python import parse_python
from smartmerge.tree import Node

__all__ = ["parse", "parse_python"]


def parse(text: str, profile: LanguageProfile, *, strict: bool = False) -> Node:
    """The profile's parser on ``text``; ``strict`` (the check stage) refuses any
    syntax error even where the profile tolerates them in inputs."""
    in_time("parsing")  # the merge's time limit, when one is set (deadline.py)
    if profile.parser == "python":
        return parse_python(text, profile.insertion_conflict_bodies)
    if profile.parser == "tree-sitter":
        return parse_tree_sitter(text, profile, strict=strict)
    if profile.parser == "lines":
        return parse_lines(text, profile)
    raise ParseFailed(f"unknown parser {profile.parser!r}")
