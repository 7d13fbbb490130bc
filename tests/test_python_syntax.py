"""Python syntax newer than the running interpreter merges by structure.

The stdlib ``ast`` knows only its own Python; tree-sitter-python (with libcst's
agreement) reads what it refuses: ``type`` aliases and generics (3.12), ``except A, B:``
and t-strings (3.14). Statements read that way must describe the text exactly as
``ast`` would, or a revision read by one parser would not pair with one read by the other.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from smartmerge import merge_texts
from smartmerge.checking import check_merge
from smartmerge.errors import CheckFailed, ParseFailed
from smartmerge.parsing import parse_python
from smartmerge.parsing.python_grammar import is_modern_python, statements_from_grammar
from smartmerge.parsing.python_scopes import compiler_refuses
from smartmerge.parsing.python_statements import statements_from_ast
from smartmerge.result import Method, Outcome

NEWER = {
    "type alias": "type Pair[T] = tuple[T, T]\n",
    "generic function": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "generic class": "class Box[T]:\n    item: T\n",
    "except without parentheses": "try:\n    pass\nexcept OSError, ValueError:\n    pass\n",
    "template string": 'greeting = t"Hello {name}"\n',
}
CASES = [
    "pep695_type_aliases_and_generics_each_side_edits_other_functions",
    "python_3_14_except_without_parentheses_both_sides_add_functions",
    "python_3_14_template_strings_both_sides_edit_adjacent_functions",
    "one_side_moves_to_pep695_syntax_both_add_functions",
]
SOURCES = sorted((FIXTURES / "sources").glob("*.py")) + sorted((FIXTURES / "merges" / "python").glob("*/*.py"))


def _interpreter_parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="this interpreter parses all of it itself")
@pytest.mark.parametrize("name", [n for n in NEWER if not _interpreter_parses(NEWER[n])])
def test_syntax_this_interpreter_refuses_parses_all_the_same(name: str) -> None:
    text = NEWER[name]
    tree = parse_python(text)
    assert tree.text == text
    assert len(tree.children) == 1
    assert not compiler_refuses(text)  # nothing to judge here: the interpreter cannot compile it


def test_definitions_in_newer_syntax_are_named_like_any_other() -> None:
    text = NEWER["type alias"] + "\n\n" + NEWER["generic function"] + "\n\n" + NEWER["generic class"]
    tree = parse_python(text)
    assert [(c.kind, c.name) for c in tree.children] == [("assign", "Pair"), ("def", "first"), ("class", "Box")]
    first = tree.children[1]
    assert [s.kind for s in first.children] == ["return"]
    assert first.line == 4


@pytest.mark.parametrize("case", CASES)
def test_newer_syntax_cases_merge_by_structure(case: str) -> None:
    folder = FIXTURES / "merges" / "python" / case
    base, left, right, expected = (folder.joinpath(f"{n}.py").read_bytes() for n in ("Base", "Left", "Right", "Expected"))
    result = merge_texts(base, left, right, path="module.py")
    assert (result.method, result.outcome, result.reason) == (Method.STRUCTURED, Outcome.CLEAN, "structured merge, checked")
    assert result.text == expected


@pytest.mark.parametrize(
    "text",
    [
        'print "python 2"\n',  # tree-sitter knows Python 2's print statement; libcst does not
        "def f():\nreturn 1\n",  # tree-sitter accepts a body that is not indented
        "type Pair[T] = tuple[T, T\n",  # an unclosed bracket
    ],
    ids=["python 2", "unindented body", "unclosed bracket"],
)
def test_text_no_python_accepts_is_refused(text: str) -> None:
    assert not is_modern_python(text)
    assert statements_from_grammar(text) is None
    with pytest.raises(ParseFailed, match=r"^not valid Python 3 at line \d+: (SyntaxError|IndentationError)$"):
        parse_python(text)


MODERN = "type Pair[T] = tuple[T, T]\n\n\ndef swap[T](pair: Pair[T]) -> Pair[T]:\n    return pair[1], pair[0]\n"


def _check(merged: str, base: str = MODERN, left: str | None = None, right: str | None = None) -> None:
    left = left if left is not None else MODERN + "\n\ndef a():\n    return 1\n"
    right = right if right is not None else MODERN + "\n\ndef b():\n    return 2\n"
    check_merge(parse_python(base), parse_python(left), parse_python(right), merged)


def test_the_check_accepts_a_good_merge_in_newer_syntax() -> None:
    _check(MODERN + "\n\ndef a():\n    return 1\n\n\ndef b():\n    return 2\n")


def test_the_check_refuses_newer_syntax_output_with_a_syntax_error() -> None:
    broken = MODERN + "\n\ndef a():\n    return 1\n\n\ndef b(:\n    return 2\n"
    with pytest.raises(CheckFailed, match="does not parse"):
        _check(broken)


def test_the_check_refuses_newer_syntax_that_no_input_had() -> None:
    # every input compiles here: output this interpreter cannot compile is the merge's doing
    base = "def swap(pair):\n    return pair[1], pair[0]\n"
    left = base + "\n\ndef a():\n    return 1\n"
    right = base + "\n\ndef b():\n    return 2\n"
    merged = "type Pair = tuple\n\n\n" + base + "\n\ndef a():\n    return 1\n\n\ndef b():\n    return 2\n"
    if _interpreter_parses(merged):
        pytest.skip("this interpreter parses Python 3.12")
    with pytest.raises(CheckFailed, match="does not compile"):
        _check(merged, base, left, right)


def test_the_compiler_still_refuses_what_it_can_judge() -> None:
    assert compiler_refuses("def f():\n    pass\nreturn 1\n")  # a return outside a function
    assert compiler_refuses("x = (\n")
    assert not compiler_refuses("x = 1\n")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_grammar_reads_statements_exactly_as_ast_does(path: Path) -> None:
    text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    if "<<<<<<<" in text or not _interpreter_parses(text):
        pytest.skip("not a module this interpreter parses")
    assert statements_from_grammar(text) == statements_from_ast(ast.parse(text).body)


TRICKY = {
    "call of type, then an attribute": "type(mock).name = PropertyMock(return_value=1)\n",
    "a name called type": "type = 3\nprint(type)\n",
    "Python 2 print, valid Python 3": "print >> sys.stderr, 'x'\n",
    "chained and tuple targets": "a = b = 1\nx, y = p\n(c, d) = q\n[e, f] = r\ng, *h = s\n",
    "annotated targets": "x: int = 1\nself.y: int\n",
    "decorated accessor and overload": (
        "class A:\n    @typing.overload\n    def f(self): ...\n    @f.setter\n    def f(self, v): ...\n"
    ),
    "imports": "import os . path as p, sys\nfrom ... import a\nfrom .b.c import (d as e, f)\n",
    "blocks with and without clauses": (
        "def f():\n    for x in y:\n        pass\n    else:\n        pass\n"
        "    async with a:\n        pass\n    try:\n        pass\n    except* E:\n        pass\n"
    ),
    "a block's trailing comment": "def f():\n    x = 1\n    # closing\n\n# next\ny = 2\n",
}


@pytest.mark.parametrize("name", TRICKY)
def test_the_grammar_reads_tricky_statements_as_ast_does(name: str) -> None:
    text = TRICKY[name]
    assert statements_from_grammar(text) == statements_from_ast(ast.parse(text).body)
