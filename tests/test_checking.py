"""The self-check rejects known-bad merges and accepts good ones."""

from __future__ import annotations

import pytest

from smartmerge.checking import check_merge
from smartmerge.errors import CheckFailed
from smartmerge.parsing import parse_python

BASE = '''\
import os


class Shop:
    def open(self):
        return True

    def close(self):
        return False


def helper():
    return 1
'''
LEFT = BASE.replace("        return True", "        return os.getcwd()")
RIGHT = BASE.replace("def helper():\n    return 1\n", "def helper():\n    return 1\n\n\ndef extra():\n    return 2\n")
GOOD = LEFT.replace("def helper():\n    return 1\n", "def helper():\n    return 1\n\n\ndef extra():\n    return 2\n")


def check(merged: str, base: str = BASE, left: str = LEFT, right: str = RIGHT) -> None:
    check_merge(parse_python(base), parse_python(left), parse_python(right), merged)


def test_the_right_merge_passes() -> None:
    check(GOOD)


def test_a_dropped_method_is_rejected() -> None:
    dropped = GOOD.replace("    def close(self):\n        return False\n", "")
    with pytest.raises(CheckFailed):
        check(dropped)


def test_a_duplicated_definition_is_rejected() -> None:
    duplicated = GOOD + "\n\ndef extra():\n    return 3\n"
    with pytest.raises(CheckFailed, match="defined 2 times"):
        check(duplicated)


def test_a_reverted_edit_is_rejected() -> None:
    reverted = GOOD.replace("        return os.getcwd()", "        return True")
    with pytest.raises(CheckFailed, match="left's change"):
        check(reverted)


def test_a_lost_addition_is_rejected() -> None:
    with pytest.raises(CheckFailed, match="right added"):
        check(LEFT)


def test_an_undone_deletion_is_rejected() -> None:
    left = BASE.replace("def helper():\n    return 1\n", "")
    merged = BASE  # helper came back
    with pytest.raises(CheckFailed, match="deleted helper"):
        check(merged, left=left, right=BASE)


def test_output_that_does_not_parse_is_rejected() -> None:
    with pytest.raises(CheckFailed, match="parse"):
        check(GOOD.replace("def extra():", "def extra(:"))


def test_a_lost_comment_edit_at_an_import_is_rejected() -> None:
    base = "# one\nfrom x import a\n"
    left = "# one\nfrom x import a, b\n"
    right = "# two\nfrom x import a\n"
    check("# two\nfrom x import a, b\n", base, left, right)
    with pytest.raises(CheckFailed):
        check("# one\nfrom x import a, b\n", base, left, right)


YAML_BASE = "server:\n  host: localhost\n  port: 8080\nlogging: info\n"
YAML_LEFT = "services:\n  server:\n    host: localhost\n    port: 8080\nlogging: info\n"
YAML_RIGHT = "server:\n  host: example.org\n  port: 8080\nlogging: info\n"


def _check_yaml(merged: str) -> None:
    from smartmerge.languages import profile_named
    from smartmerge.parsing import parse

    profile = profile_named("yaml")
    trees = [parse(text, profile) for text in (YAML_BASE, YAML_LEFT, YAML_RIGHT)]
    check_merge(*trees, merged, profile)


def test_a_wrapped_member_with_the_other_sides_edit_passes() -> None:
    _check_yaml("services:\n  server:\n    host: example.org\n    port: 8080\nlogging: info\n")


def test_a_wrapped_member_that_lost_the_other_sides_edit_is_rejected() -> None:
    with pytest.raises(CheckFailed):
        _check_yaml(YAML_LEFT)


def test_a_wrapped_member_changed_by_nobody_is_rejected() -> None:
    with pytest.raises(CheckFailed):
        _check_yaml("services:\n  server:\n    host: example.org\n    port: 9999\nlogging: info\n")
