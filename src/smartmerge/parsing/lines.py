"""One record per line -> Node tree (``requirements.txt``: no grammar needed).

Each non-blank, non-comment line is a child named by the first group of the
profile's ``identity.line_name`` pattern (a requirement's project name), so both
sides can add, remove and change different lines wherever they sit; comment and
blank lines above a line belong to it, those after the last line to the tail.
"""

from __future__ import annotations

import re

from smartmerge.languages import LanguageProfile
from smartmerge.textlines import split_lines
from smartmerge.tree import Node


def parse_lines(text: str, profile: LanguageProfile) -> Node:
    pattern = re.compile(str(profile.identity.get("line_name", r"^\s*(\S+)")))
    lines = split_lines(text)
    children: list[Node] = []
    start = 0
    prefix = profile.comment_prefix
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or (prefix and stripped.startswith(prefix)):
            continue
        match = pattern.match(line)
        name = match.group(1).lower().replace("_", "-") if match and match.groups() else None
        children.append(Node(kind="line", name=name, head="".join(lines[start : index + 1]), line=start + 1))
        start = index + 1
    return Node(kind="file", name=None, head="", children=tuple(children), tail="".join(lines[start:]))
