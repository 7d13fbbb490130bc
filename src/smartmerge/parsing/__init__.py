"""Parse stage: text -> Node tree covering every byte of the text."""

from smartmerge.parsing.python import parse_python

__all__ = ["parse_python"]
