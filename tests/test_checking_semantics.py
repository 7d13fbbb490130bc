"""The semantic cross-check: calls that stop fitting their function, changes nothing reads.

Each test states base, left, right and the clean output a merge gives for them, and
asserts the warnings (or that there are none, for the near misses a careless check
would flag). End to end: the merge keeps its clean outcome and exit status, and the
command line and the git driver print each warning on stderr.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import FIXTURES, SMARTMERGE
from git_helpers import Repo

from smartmerge import merge_texts
from smartmerge.checking_semantics import semantic_warnings
from smartmerge.git.driver import DriverRequest, run_driver
from smartmerge.options import MergeOptions
from smartmerge.result import GIT_CLEAN_AND_SOUND, Method

ARITY_CASE = FIXTURES / "merges" / "python" / "one_side_drops_a_parameter_the_other_adds_a_call_with_the_old_arity_warns"
DEAD_CASE = FIXTURES / "merges" / "python" / "one_side_changes_a_value_the_other_stops_reading_it_warns"


def _case(folder: Path) -> tuple[str, str, str, str]:
    base, left, right, expected = ((folder / f"{n}.py").read_text() for n in ("Base", "Left", "Right", "Expected"))
    return base, left, right, expected


# --- arity


def test_a_call_with_the_old_arity_warns() -> None:
    warnings = semantic_warnings(*_case(ARITY_CASE))
    assert warnings == (
        "line 17: self.scaled(self.height, 3) does not fit Shape.scaled(): takes 1 positional argument but 2 were given; "
        "one side changed the function, the other wrote this call for the old one",
    )


SHOP_BASE = '''\
class Shop:
    def charge(self, amount, currency):
        return amount, currency

    def sell(self, item):
        return self.charge(item.price, "EUR")
'''
# left: the currency is the shop's own now; every call updated
SHOP_LEFT = SHOP_BASE.replace("amount, currency):", "amount):").replace(
    "return amount, currency", "return amount, self.currency").replace('item.price, "EUR"', "item.price")
SHOP_RIGHT = SHOP_BASE + '''
    def refund(self, item):
        return self.charge(-item.price, "EUR")
'''
SHOP_MERGED = SHOP_LEFT + '''
    def refund(self, item):
        return self.charge(-item.price, "EUR")
'''


def test_a_method_called_through_self_with_the_old_arity_warns() -> None:
    [warning] = semantic_warnings(SHOP_BASE, SHOP_LEFT, SHOP_RIGHT, SHOP_MERGED)
    assert warning.startswith('line 9: self.charge(-item.price, \'EUR\') does not fit Shop.charge(): takes 1 positional')


def test_a_keyword_the_function_no_longer_takes_warns() -> None:
    base = "def fetch(url, timeout=10):\n    return url, timeout\n\n\nfetch('a', timeout=3)\n"
    left = "def fetch(url, deadline=10):\n    return url, deadline\n\n\nfetch('a', deadline=3)\n"
    right = base + "fetch('b', timeout=5)\n"
    merged = left + "fetch('b', timeout=5)\n"
    [warning] = semantic_warnings(base, left, right, merged)
    assert "fetch('b', timeout=5) does not fit fetch(): got an unexpected keyword argument 'timeout'" in warning


def test_a_new_required_parameter_the_other_side_s_call_lacks_warns() -> None:
    base = "def greet(name):\n    return name\n\n\ngreet('ann')\n"
    left = "def greet(name, greeting):\n    return greeting + name\n\n\ngreet('ann', 'hi ')\n"
    right = base + "greet('bob')\n"
    merged = left + "greet('bob')\n"
    [warning] = semantic_warnings(base, left, right, merged)
    assert "greet('bob') does not fit greet(): missing 1 required argument: greeting" in warning


def test_a_constructor_call_with_the_old_arity_warns_unless_a_decorator_may_write_init() -> None:
    base = "class Point:\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n\n\nORIGIN = Point(0, 0)\n"
    left = base.replace("x, y):", "x):").replace("x, y = x, y", "x, self.y = x, 0").replace("(0, 0)", "(0)")
    right = base + "UNIT = Point(1, 1)\n"
    merged = left + "UNIT = Point(1, 1)\n"
    [warning] = semantic_warnings(base, left, right, merged)
    assert warning.startswith("line 7: Point(1, 1) does not fit Point.__init__(): takes 1 positional argument but 2")
    decorated = [text.replace("class Point", "@register\nclass Point") for text in (base, left, right, merged)]
    assert semantic_warnings(*decorated) == ()


def test_no_warning_when_base_already_had_the_mismatch() -> None:
    # the odd call was there before either side touched the file: not the merge's doing
    base = "def f(a):\n    return a\n\n\ndef g():\n    return f(1, 2)\n"
    left = base.replace("return a", "return a + 1")
    right = base + "\n\ndef h():\n    return f(3)\n"
    merged = left + "\n\ndef h():\n    return f(3)\n"
    assert semantic_warnings(base, left, right, merged) == ()


def test_no_warning_for_calls_whose_arguments_arrive_at_run_time() -> None:
    base = "def f(a, b):\n    return a\n\n\nf(1, 2)\n"
    left = "def f(a, b, c):\n    return a\n\n\nf(1, 2, 3)\n"
    right = base + "f(*pair)\nf(**options)\n"
    merged = left + "f(*pair)\nf(**options)\n"
    assert semantic_warnings(base, left, right, merged) == ()


def test_no_warning_when_the_new_parameter_has_a_default() -> None:
    base = "def f(a):\n    return a\n\n\nf(1)\n"
    left = "def f(a, b=None, *, c=2):\n    return a, b, c\n\n\nf(1, c=3)\n"
    right = base + "f(2)\n"
    merged = left + "f(2)\n"
    assert semantic_warnings(base, left, right, merged) == ()


def test_no_warning_for_a_decorated_function_a_shadowed_name_or_another_object() -> None:
    base = "def f(a, b):\n    return a\n"
    left = "import functools\n\n\n@functools.cache\ndef f(a):\n    return a\n"
    right = base + "\n\ndef g(f):\n    return f(1, 2)\n\n\ndef h(shop):\n    return shop.f(1, 2)\n\n\nprint(f(1, 2))\n"
    merged = left + "\n\ndef g(f):\n    return f(1, 2)\n\n\ndef h(shop):\n    return shop.f(1, 2)\n\n\nprint(f(1, 2))\n"
    # f(1, 2) at the end does not fit, but a decorator may change what f accepts
    assert semantic_warnings(base, left, right, merged) == ()


def test_no_warning_when_an_instance_attribute_may_shadow_the_method() -> None:
    base = SHOP_BASE.replace("    def sell", "    def __init__(self):\n        self.charge = print\n\n    def sell")
    left = SHOP_LEFT.replace("    def sell", "    def __init__(self):\n        self.charge = print\n\n    def sell")
    merged = SHOP_MERGED.replace("    def sell", "    def __init__(self):\n        self.charge = print\n\n    def sell")
    right = SHOP_RIGHT.replace("    def sell", "    def __init__(self):\n        self.charge = print\n\n    def sell")
    assert semantic_warnings(base, left, right, merged) == ()


# --- a changed value that nothing reads any more


def test_a_changed_value_whose_last_read_the_other_side_removed_warns() -> None:
    warnings = semantic_warnings(*_case(DEAD_CASE))
    assert warnings == (
        "line 8: left changed the value of 'tax' in invoice_total() and right removed its last read; "
        "the new value is never used",
    )


PRICE_BASE = '''\
def price(item):
    cost = item.cost * 2
    if item.sale:
        item.show()
    return cost
'''


def _dead(left_value: str, right_tail: str, merged_tail: str | None = None) -> tuple[str, ...]:
    """Left changes the value of cost; right replaces the lines after the if block."""
    left = PRICE_BASE.replace("item.cost * 2", left_value)
    right = PRICE_BASE.replace("    return cost\n", right_tail)
    merged = left.replace("    return cost\n", merged_tail if merged_tail is not None else right_tail)
    return semantic_warnings(PRICE_BASE, left, right, merged)


def test_the_same_change_in_a_method_warns_with_its_qualified_name() -> None:
    warnings = _dead("item.cost * 3", "    return item.fixed\n")
    assert warnings == (
        "line 2: left changed the value of 'cost' in price() and right removed its last read; the new value is never used",
    )


def test_no_warning_when_a_nested_block_reads_the_value_later() -> None:
    assert _dead("item.cost * 3", "    if item.fixed:\n        return cost\n    return item.fixed\n") == ()


def test_no_warning_when_a_loop_may_read_the_value_on_its_next_round() -> None:
    base = "def f(items):\n    last = None\n    for i in items:\n        print(last)\n        last = i\n    return last\n"
    left = base.replace("last = i", "last = i * 2")
    right = base.replace("    return last\n", "    return None\n")
    merged = left.replace("    return last\n", "    return None\n")
    assert semantic_warnings(base, left, right, merged) == ()


def test_no_warning_when_a_closure_or_locals_reads_the_value() -> None:
    assert _dead("item.cost * 3", "    show = lambda: cost\n    return show\n") == ()
    assert _dead("item.cost * 3", "    return locals()\n") == ()
    assert _dead("item.cost * 3", "    return vars()\n") == ()
    # vars(obj) reads obj, not the function's variables
    assert len(_dead("item.cost * 3", "    return vars(item)\n")) == 1


def test_a_function_defined_under_a_module_level_if_is_judged_too() -> None:
    def guarded(text: str) -> str:
        return "if True:\n" + "".join(f"    {line}" if line.strip() else line for line in text.splitlines(True))

    left = PRICE_BASE.replace("item.cost * 2", "item.cost * 3")
    right = PRICE_BASE.replace("    return cost\n", "    return item.fixed\n")
    merged = left.replace("    return cost\n", "    return item.fixed\n")
    [warning] = semantic_warnings(*(guarded(t) for t in (PRICE_BASE, left, right, merged)))
    assert warning.startswith("line 3: left changed the value of 'cost' in price()")


def test_no_warning_when_the_value_was_unread_in_base_already() -> None:
    base = "def f(item):\n    cost = item.cost\n    return item\n"
    left = base.replace("item.cost", "item.cost * 2")
    right = base.replace("return item", "return item.name")
    merged = left.replace("return item", "return item.name")
    assert semantic_warnings(base, left, right, merged) == ()


def test_no_warning_when_the_side_that_changed_the_value_does_not_read_it_either() -> None:
    # both sides agree the value is unused: left changed a statement it no longer reads
    base = PRICE_BASE
    left = PRICE_BASE.replace("item.cost * 2", "item.cost * 3").replace("return cost", "return 0")
    right = PRICE_BASE.replace("    if item.sale:\n        item.show()\n", "    item.log()\n")
    merged = left.replace("    if item.sale:\n        item.show()\n", "    item.log()\n")
    assert semantic_warnings(base, left, right, merged) == ()


def test_input_that_does_not_parse_has_no_warnings() -> None:
    assert semantic_warnings("x = 1\n", "x = 2\n", "print 'x'\n", "print 'x'\n") == ()


# --- end to end


def test_the_merge_stays_clean_and_carries_the_warning() -> None:
    base, left, right, expected = _case(ARITY_CASE)
    result = merge_texts(base, left, right, path="shapes.py")
    # git merges it cleanly and soundly (the fast path): the warning comes all the same
    assert result.clean and (result.method, result.reason) == (Method.LINE, GIT_CLEAN_AND_SOUND)
    assert result.text.decode() == expected
    assert len(result.warnings) == 1 and "self.scaled(self.height, 3)" in result.warnings[0]
    assert merge_texts(base, left, base, path="shapes.py").warnings == ()


def test_the_command_line_prints_each_warning_on_stderr_and_exits_0(tmp_path: Path) -> None:
    files = [str(DEAD_CASE / f"{n}.py") for n in ("Base", "Left", "Right")]
    proc = subprocess.run(
        [*SMARTMERGE, "merge", "-v", "-p", "shop/invoice.py", *files], capture_output=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (DEAD_CASE / "Expected.py").read_bytes()
    lines = proc.stderr.decode().splitlines()
    assert "smartmerge: shop/invoice.py: merged by git's line merge, clean and checked: it parses, compiles, reads no " \
        "name that nothing binds, defines none twice and repeats no line" in lines
    assert "smartmerge: warning: shop/invoice.py: line 8: left changed the value of 'tax' in invoice_total() and " \
        "right removed its last read; the new value is never used" in lines


def test_a_real_git_merge_commits_the_clean_result_and_shows_the_warning(tmp_path: Path) -> None:
    base, left, right, expected = _case(ARITY_CASE)
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {"shapes.py": base})
    repo.install()
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("right", {"shapes.py": right})
    repo.git("checkout", "-q", "main")
    repo.commit("left", {"shapes.py": left})
    proc = repo.git("merge", "--no-edit", "topic")
    assert proc.returncode == 0
    assert repo.read("shapes.py") == expected
    assert "smartmerge: warning: shapes.py: line 17: self.scaled(self.height, 3) does not fit Shape.scaled()" in proc.stderr


def test_the_git_driver_passes_the_warning_on(tmp_path: Path) -> None:
    for name in ("Base", "Left", "Right"):
        (tmp_path / f"{name}.py").write_bytes((ARITY_CASE / f"{name}.py").read_bytes())
    outcome = run_driver(DriverRequest(
        base=tmp_path / "Base.py", ours=tmp_path / "Left.py", theirs=tmp_path / "Right.py", path="shapes.py",
        options=MergeOptions(),
    ))
    assert outcome.clean
    assert any(m.startswith("smartmerge: warning: shapes.py: line 17: self.scaled(self.height, 3)") for m in outcome.messages)


# --- no false alarms on the other cases


def _python_cases() -> list[Path]:
    return sorted(p.parent for p in (FIXTURES / "merges" / "python").glob("*/Base.py"))


def test_an_output_equal_to_one_side_never_warns() -> None:
    # whatever a side has, it had already: nothing is new in the output
    for folder in _python_cases():
        base, left, right, _ = _case(folder)
        assert semantic_warnings(base, left, right, left) == (), folder.name
        assert semantic_warnings(base, left, right, right) == (), folder.name


def test_only_the_two_warning_cases_warn() -> None:
    warned = {folder.name for folder in _python_cases() if semantic_warnings(*_case(folder))}
    assert warned == {ARITY_CASE.name, DEAD_CASE.name}
