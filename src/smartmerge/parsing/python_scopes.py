"""Facts about a Python module beyond its syntax: does it compile, which names are unbound.

A structured merge can produce text that ``ast`` accepts but the compiler refuses
(a ``from __future__`` import that is no longer first, a ``return`` moved out of its
function) or that uses a name nothing binds any more (one side deleted a local
variable, the other added a statement that reads it). Neither is a clean merge; the
check stage asks these questions of the output and of the inputs, and refuses only
what the merge introduced.
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

from smartmerge.deadline import in_time, note_pace
from smartmerge.parsing.python_grammar import is_modern_python

TYPE_CHECKING = False  # typing costs a driver call start-up; mypy reads the name as true
if TYPE_CHECKING:
    from typing import Any

# names every module has without binding them
_MODULE_NAMES = frozenset(
    {"__file__", "__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__package__", "__path__",
     "__annotations__", "__cached__", "__dict__", "__debug__", "__module__", "__qualname__", "__class__",
     "WindowsError", "unicode", "basestring", "long", "xrange", "unichr", "raw_input", "reload", "file",
     "execfile", "cmp", "buffer", "intern", "apply", "coerce"}
)
_BUILTINS = frozenset(dir(builtins)) | _MODULE_NAMES
# a star import binds names nobody can list without importing the module
_STAR_IMPORT = re.compile(r"\bimport\s*\*|\bimport\s*\(\s*\*")


def compile_error(text: str, tree: ast.Module | None = None) -> str | None:
    """Why CPython's compiler refuses ``text`` (beyond what ``ast.parse`` checks), or None.
    ``tree``: ``ast.parse(text)``, when the caller has it (the compiler then skips
    parsing the text again; what it refuses beyond ``ast`` it finds in the tree)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings (escape sequences) are the input's business
            compile(text if tree is None else tree, "<merge>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"{exc.msg} (line {exc.lineno})"
    except (ValueError, MemoryError, RecursionError) as exc:
        return exc.__class__.__name__
    return None


def compiler_refuses(text: str) -> bool:
    """Whether this interpreter's compiler refuses ``text`` for a reason that holds on
    every Python: not when the text is syntax newer than the interpreter (``ast``
    refuses it, a grammar that knows every current Python accepts it), which no
    compiler here can judge."""
    if compile_error(text) is None:
        return False
    try:
        ast.parse(text)
    except SyntaxError:
        return not is_modern_python(text)
    except (ValueError, MemoryError, RecursionError):
        return True
    return True


def unbound_names(text: str) -> frozenset[str]:
    """Names read somewhere in the module that no scope binds and that are not builtins.

    Empty when the module has a star import (anything may be bound) or does not
    compile. Names assigned only through ``globals()`` or ``exec`` show up too, which
    is why callers compare against the inputs instead of requiring an empty set.
    """
    if _STAR_IMPORT.search(text) and _has_star_import(text):
        return frozenset()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            top = symtable.symtable(text, "<merge>", "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return frozenset()
    bound: set[str] = set()
    read: set[str] = set()
    tables = [top]
    while tables:
        in_time("reading the scopes")  # a pure-Python pass over every scope: 0.7 s on 100,000 lines
        table = tables.pop()
        children = table.get_children()
        tables.extend(children)
        is_module = table.get_type() == "module"
        for symbol in _symbols(table, children):
            name = symbol.get_name()
            binds = symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace()
            if binds and (is_module or symbol.is_declared_global()):
                bound.add(name)
            if symbol.is_referenced() and symbol.is_global() and not (symbol.is_local() and not is_module):
                read.add(name)
    return frozenset(read - bound - _BUILTINS)


def _has_star_import(text: str) -> bool:
    """A ``from x import *`` statement, not the words in a string or a comment
    (``run_cell("from sympy import *")``, which binds nothing here); unparsable
    text counts as having one (nothing is then judged unbound)."""
    tree = syntax_tree(text)
    return tree is None or any(
        isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names) for node in ast.walk(tree)
    )


def unbound_reads(text: str) -> Counter[str]:
    """How often the module reads each of its ``unbound_names`` (every load of the
    name counts, wherever it is): a merge may not add reads of a name nothing binds
    beyond what the sides added, even when a side already reads it unbound."""
    names = unbound_names(text)
    tree = syntax_tree(text) if names else None
    if tree is None:
        return Counter()
    return Counter(node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in names)


def _accepts(func: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> bool:
    """Whether a call's positional and keyword arguments fit the function's parameters."""
    params = func.args
    positional = [a.arg for a in (*params.posonlyargs, *params.args)]
    required = len(positional) - len(params.defaults)
    count = len(call.args)
    names = [k.arg for k in call.keywords if k.arg is not None]
    if count > len(positional) and params.vararg is None:
        return False
    by_keyword = {a.arg for a in params.args} | {a.arg for a in params.kwonlyargs}
    if any(name not in by_keyword for name in names) and params.kwarg is None:
        return False
    if any(name not in names for name in positional[count:required]):
        return False
    kw_required = [a.arg for a, d in zip(params.kwonlyargs, params.kw_defaults, strict=True) if d is None]
    return all(name in names for name in kw_required)


# The syntax trees of one merge by text (``shared_syntax_trees``): the check, the
# soundness check and the semantic warnings ask several questions of the same texts.
_TREES: ContextVar[dict[str, ast.Module | None] | None] = ContextVar("smartmerge_syntax_trees", default=None)


@contextmanager
def scoped_cache(cache: ContextVar[Any]) -> Iterator[None]:
    """An empty dict in ``cache`` for the block, unless an enclosing block set one
    (then that one is shared); None again after it. Scoped, not a global cache: the
    trees of a 50,000-line module take 40 MB each, and must go when the merge ends."""
    if cache.get() is not None:
        yield
        return
    token = cache.set({})
    try:
        yield
    finally:
        cache.reset(token)


def shared_syntax_trees() -> AbstractContextManager[None]:
    """Within the block, ``syntax_tree`` parses each text once (an enclosing block's
    trees are shared)."""
    return scoped_cache(_TREES)


def syntax_tree(text: str) -> ast.Module | None:
    """``ast.parse(text)``, None when it fails; once per text within
    ``shared_syntax_trees``. Callers must not change the tree."""
    trees = _TREES.get()
    if trees is not None and text in trees:
        return trees[text]
    started = time.monotonic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree: ast.Module | None = ast.parse(text)
        note_pace(len(text), time.monotonic() - started)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        tree = None
    if trees is not None:
        trees[text] = tree
    return tree


def cached_syntax_tree(text: str) -> ast.Module | None:
    """The tree ``syntax_tree`` already made of ``text`` in this block, else None;
    never parses (a text nothing asked about keeps no tree alive for the merge)."""
    trees = _TREES.get()
    return trees.get(text) if trees is not None else None


def call_mismatches(text: str) -> frozenset[tuple[str, str, int]]:
    """Calls of a module-level function, by name, whose arguments do not fit its
    parameters: (name, the call's source, line). Only functions bound once in the
    module (not decorated, no other binding of the name anywhere), and only calls
    without ``*``/``**`` arguments, so what is reported is certain."""
    tree = syntax_tree(text)
    if tree is None:
        return frozenset()
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    bindings: dict[str, int] = {}
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = node.name
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            name = node.id
        elif isinstance(node, ast.arg):
            name = node.arg
        elif isinstance(node, ast.alias):
            name = node.asname or node.name.split(".")[0]
        if name is not None:
            bindings[name] = bindings.get(name, 0) + 1
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and not stmt.decorator_list:
            functions[stmt.name] = stmt
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        func = functions.get(node.func.id)
        if func is None or bindings.get(func.name, 0) != 1:
            continue
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            continue
        if not _accepts(func, node):
            found.add((func.name, ast.unparse(node), node.lineno))
    return frozenset(found)


def _symbols(table: symtable.SymbolTable, children: list[symtable.SymbolTable]) -> list[symtable.Symbol]:
    """``table.get_symbols()`` in linear time. The standard library looks each name up
    among all child tables (one per function or class), which is quadratic: 40 of 90
    seconds of a 50,000-line module with 12,500 functions. The symbols are built as
    ``SymbolTable.lookup`` builds them, with the child tables grouped by name once."""
    namespaces: dict[str, list[symtable.SymbolTable]] = {}
    for child in children:
        namespaces.setdefault(child.get_name(), []).append(child)
    # the flags lookup() reads; _table is private, but has been there since Python 2.
    flags: dict[str, int] = table._table.symbols  # type: ignore[attr-defined]  # the raw table of the C module
    module_scope = table._table.name == "top"  # type: ignore[attr-defined]  # as lookup() decides it
    return [
        symtable.Symbol(name, flags[name], namespaces.get(name, []), module_scope=module_scope)
        for name in table.get_identifiers()
    ]
