"""Property tests on a real-looking file: edits to different functions on the two
sides merge clean, parse, and keep both edits. Not a timing test: deadline=None."""

from __future__ import annotations

import ast

from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartmerge import merge_texts
from smartmerge.parsing import parse_python

SOURCE = (FIXTURES / "sources" / "inventory.py").read_text()
TREE = parse_python(SOURCE)
# (kind, name) of every function: module-level ones and methods
FUNCTIONS = [("module", c.name) for c in TREE.children if c.kind == "def"] + [
    (cls.name, m.name) for cls in TREE.children if cls.kind == "class" for m in cls.children if m.kind == "def"
]
EDITS = st.sampled_from(["insert_first", "append", "rename_local", "add_function_after"])


def _function_text(owner: str | None, name: str | None) -> str:
    for child in TREE.children:
        if owner == "module" and child.name == name:
            return child.text
        if child.name == owner:
            return next(m.text for m in child.children if m.name == name)
    raise AssertionError(name)


def _edit(text: str, target: tuple[str | None, str | None], edit: str, tag: str) -> tuple[str, str]:
    """Apply one edit inside the target function; return the new file and a marker
    string that must appear in any merge that keeps the edit."""
    old = _function_text(*target)
    lines = old.splitlines(keepends=True)
    header_end = next(i for i, line in enumerate(lines) if line.rstrip().endswith(":") and "def " in line)
    indent = " " * (len(lines[header_end + 1]) - len(lines[header_end + 1].lstrip()))
    marker = f"trace_{tag}"
    if edit == "insert_first":
        new_lines = [*lines[: header_end + 1], f"{indent}{marker} = 1\n", *lines[header_end + 1 :]]
    elif edit == "append":
        new_lines = [*lines, f"{indent}{marker} = 2\n"]
    elif edit == "rename_local":
        new_lines = [*lines[: header_end + 1], f"{indent}{marker} = None  # noqa\n", *lines[header_end + 1 :]]
    else:
        outer = indent[:-4]
        new_lines = [*lines, "\n", f"{outer}def {marker}(*args):\n", f"{outer}    return args\n"]
    return text.replace(old, "".join(new_lines), 1), marker


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    targets=st.lists(st.sampled_from(FUNCTIONS), min_size=2, max_size=2, unique=True),
    left_edit=EDITS,
    right_edit=EDITS,
)
def test_edits_to_different_functions_merge_clean(
    targets: list[tuple[str, str]], left_edit: str, right_edit: str
) -> None:
    left, left_marker = _edit(SOURCE, targets[0], left_edit, "left")
    right, right_marker = _edit(SOURCE, targets[1], right_edit, "right")
    result = merge_texts(SOURCE, left, right, path="inventory.py")
    assert result.clean, result.reason
    text = result.text.decode()
    ast.parse(text)
    assert left_marker in text and right_marker in text
    # nothing else was lost: every function of the base is still defined
    assert all(f"def {name}(" in text for _, name in FUNCTIONS)
