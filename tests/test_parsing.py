"""Lossless parsing: every byte of the input lands in the tree, in order."""

from __future__ import annotations

from pathlib import Path

import libcst
import pytest
from conftest import FIXTURES

from smartmerge.errors import ParseFailed
from smartmerge.parsing import parse_python

SOURCES = sorted((FIXTURES / "sources").glob("*.py"))
CASE_FILES = sorted((FIXTURES / "merges" / "python").glob("*/*.py"))


@pytest.mark.parametrize("path", SOURCES + CASE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_tree_renders_the_input_back_byte_for_byte(path: Path) -> None:
    data = path.read_bytes()
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    if "<<<<<<<" in text:
        pytest.skip("expected conflict output is not Python")
    assert parse_python(text).text == text


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_libcst_round_trips_bytes(path: Path) -> None:
    # parse bytes, not str: libcst drops a leading BOM from a str
    data = path.read_bytes()
    assert libcst.parse_module(data).bytes == data


def test_fixtures_cover_the_awkward_encodings() -> None:
    datas = [p.read_bytes() for p in SOURCES]
    assert any(b"\r\n" in d for d in datas)
    assert any(d.startswith(b"\xef\xbb\xbf") for d in datas)
    assert any(b"\n\t" in d for d in datas)
    assert any(not d.endswith(b"\n") for d in datas)


def test_definitions_are_named_and_bodies_split() -> None:
    text = (FIXTURES / "sources" / "inventory.py").read_text()
    tree = parse_python(text)
    names = [(c.kind, c.name) for c in tree.children if c.name]
    assert ("class", "Item") in names and ("def", "main") in names
    assert ("from_import", "__future__") in names and ("assign", "DEFAULT_PATH") in names
    item = next(c for c in tree.children if c.name == "Item")
    assert [m.name for m in item.children if m.kind == "def"] == ["restock", "take", "empty"]
    restock = next(m for m in item.children if m.name == "restock")
    # a function body is a sequence: its statements are not identified by name
    assert not restock.named_body and all(s.name is None for s in restock.children)


def test_property_setter_and_overloads_get_roles() -> None:
    text = "class A:\n    @property\n    def x(self): ...\n    @x.setter\n    def x(self, v): ...\n"
    members = parse_python(text).children[0].children
    assert [(m.name, m.role) for m in members] == [("x", ""), ("x", "setter")]


def test_comments_closing_a_block_stay_in_the_block() -> None:
    text = (FIXTURES / "sources" / "tabs_no_final_newline.py").read_text()
    cls = parse_python(text).children[0]
    assert cls.tail == "\n\t# closing comment\n"


def test_python_2_is_a_parse_failure() -> None:
    with pytest.raises(ParseFailed):
        parse_python("print 'hello'\n")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_node_tree_from_the_checks_syntax_tree_is_the_same(path: Path) -> None:
    # within a merge, parse() builds on the syntax tree the check already made of the
    # text (memory: one tree of a big module, not two); the Node tree must not change
    from smartmerge.languages import profile_named
    from smartmerge.parsing import parse, shared_parses
    from smartmerge.parsing.python_scopes import cached_syntax_tree, syntax_tree

    text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    profile = profile_named("python")
    alone = parse(text, profile)
    assert cached_syntax_tree(text) is None  # outside a merge nothing is kept
    with shared_parses():
        assert cached_syntax_tree(text) is None  # never parses by itself
        tree = syntax_tree(text)
        assert tree is not None and cached_syntax_tree(text) is tree
        assert parse(text, profile) == alone
