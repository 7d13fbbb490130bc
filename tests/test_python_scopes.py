"""Which names a module reads without binding, and what the compiler refuses."""

from __future__ import annotations

from smartmerge.parsing.python_scopes import call_mismatches, compile_error, unbound_names

MODULE = '''\
import os
from typing import Any

LIMIT = 3


def outer(a: Any) -> Any:
    global COUNTER
    COUNTER = 1
    b = a + LIMIT + len(a) + missing_one
    def inner():
        return b + missing_two
    return [c for c in b if c > os.sep]


class Shop:
    size = LIMIT
    other = size

    def open(self):
        return Shop, COUNTER, __class__, __file__, missing_three
'''


def test_only_names_no_scope_binds_are_reported() -> None:
    assert unbound_names(MODULE) == {"missing_one", "missing_two", "missing_three"}


def test_a_star_import_may_bind_anything() -> None:
    assert unbound_names("from os.path import *\nprint(join)\n") == frozenset()


def test_the_compiler_s_own_rules_are_reported() -> None:
    assert compile_error("x = 1\n") is None
    assert compile_error("import os\nfrom __future__ import annotations\n") is not None
    assert compile_error("return 1\n") is not None


def test_calls_that_do_not_fit_a_function_s_parameters_are_found() -> None:
    module = (
        "def f(a, b, *, c, d=1):\n    return a\n\n"
        "f(1, 2, c=3)\nf(1, c=3)\nf(1, 2, 3, c=3)\nf(1, 2)\nf(1, 2, c=3, e=4)\nf(*args)\n"
    )
    found = {call for _name, call, _line in call_mismatches(module)}
    assert found == {"f(1, c=3)", "f(1, 2, 3, c=3)", "f(1, 2)", "f(1, 2, c=3, e=4)"}


def test_a_function_bound_twice_or_decorated_is_not_judged() -> None:
    assert call_mismatches("def f(a):\n    pass\n\nf = wrap(f)\nf(1, 2)\n") == frozenset()
    assert call_mismatches("@wrap\ndef f(a):\n    pass\n\nf(1, 2)\n") == frozenset()
