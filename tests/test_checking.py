"""The self-check rejects known-bad merges and accepts good ones."""

from __future__ import annotations

import pytest

from smartmerge.checking import check_merge
from smartmerge.errors import CheckFailed
from smartmerge.languages import profile_named
from smartmerge.parsing import parse, parse_python

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


def test_a_future_import_pushed_below_another_import_is_rejected() -> None:
    # ast accepts this; CPython's compiler refuses it, and so must the check
    base = "from __future__ import annotations\n\nimport os\n"
    left = "from __future__ import annotations\n\nimport os\nimport re\n"
    right = "from __future__ import annotations\n\nimport os\nimport sys\n"
    check("from __future__ import annotations\n\nimport os\nimport re\nimport sys\n", base, left, right)
    with pytest.raises(CheckFailed, match="does not compile"):
        check("import re\nfrom __future__ import annotations\n\nimport os\nimport sys\n", base, left, right)


def test_a_name_read_after_the_other_side_removed_its_binding_is_rejected() -> None:
    base = "def f(name):\n    ctx = lookup(name)\n    return show(ctx)\n"
    left = "def f(name):\n    return show(current())\n"
    right = "def f(name):\n    ctx = lookup(name)\n    assert ctx\n    return show(ctx)\n"
    with pytest.raises(CheckFailed, match="reads ctx"):
        check("def f(name):\n    assert ctx\n    return show(current())\n", base, left, right)


def test_a_name_an_input_already_left_unbound_is_not_the_merge_s_fault() -> None:
    base = "def f():\n    return g(undefined_helper)\n"
    left = "def f():\n    return g(undefined_helper, 1)\n"
    right = "def f():\n    x = 2\n    return g(undefined_helper)\n"
    check("def f():\n    x = 2\n    return g(undefined_helper, 1)\n", base, left, right)


JAVA_BASE = """class Job {
    void run() {
        try {
            work(1);
        } catch (Exception e) {
            fail();
        }
        done();
    }
}
"""
JAVA_LEFT = JAVA_BASE.replace("work(1)", "work(2)")
JAVA_RIGHT = """class Job {
    void run() {
        work(1);
        done();
    }
}
"""


def check_java(merged: str) -> None:
    from smartmerge.languages import profile_named
    from smartmerge.parsing import parse

    java = profile_named("java")
    trees = [parse(text, java) for text in (JAVA_BASE, JAVA_LEFT, JAVA_RIGHT)]
    check_merge(*trees, merged, java)


def test_a_block_merged_by_tokens_passes_when_it_holds_both_changes() -> None:
    check_java(JAVA_RIGHT.replace("work(1)", "work(2)"))


def test_a_block_merged_by_tokens_that_lost_an_edit_is_rejected() -> None:
    with pytest.raises(CheckFailed, match="left's change"):
        check_java(JAVA_RIGHT)


MOVE_BASE = """class Report {
    void build(Table table) {
        table.clear();
        Header header = new Header("name", "size", 1);
        rows = load();
        for (Row row : rows) {
            table.add(row);
        }
        table.close();
    }
}
"""
MOVE_LEFT = MOVE_BASE.replace('"size", 1', '1, "size"')
MOVE_RIGHT = """class Report {
    void build(Table table) {
        table.clear();
        rows = load(table);
        for (Row row : rows) {
            table.add(row);
        }
        Header header = new Header("name", "size", 1);
        table.close();
    }
}
"""


def check_moved(merged: str) -> None:
    from smartmerge.languages import profile_named
    from smartmerge.parsing import parse

    java = profile_named("java")
    trees = [parse(text, java) for text in (MOVE_BASE, MOVE_LEFT, MOVE_RIGHT)]
    check_merge(*trees, merged, java)


def test_a_statement_moved_on_one_side_and_edited_on_the_other_passes() -> None:
    check_moved(MOVE_RIGHT.replace('"size", 1', '1, "size"'))


def test_a_statement_moved_and_edited_that_the_result_lost_is_rejected() -> None:
    with pytest.raises(CheckFailed):
        check_moved(MOVE_RIGHT.replace('        Header header = new Header("name", "size", 1);\n', ""))


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


def test_a_deletion_lost_inside_the_other_side_s_new_block_is_rejected() -> None:
    base = "def setup(app):\n    app.load()\n    app.register()\n    return app\n"
    left = "def setup(app):\n    if app.enabled:\n        app.load()\n        app.register()\n    return app\n"
    right = "def setup(app):\n    app.load()\n    return app\n"
    profile = profile_named("python")
    trees = [parse(text, profile) for text in (base, left, right)]
    check_merge(*trees, "def setup(app):\n    if app.enabled:\n        app.load()\n    return app\n", profile)
    with pytest.raises(CheckFailed, match="more than both sides"):
        check_merge(*trees, left, profile)


def test_the_check_stops_once_the_merges_time_is_up() -> None:
    import time

    from smartmerge.errors import MergeTimeout

    base = parse_python("def a():\n    return 1\n")
    left = parse_python("def a():\n    return 1\n\n\ndef b():\n    return 2\n")
    right = parse_python("def a():\n    return 10\n")
    merged = "def a():\n    return 10\n\n\ndef b():\n    return 2\n"
    check_merge(base, left, right, merged, deadline=time.monotonic() + 3600)  # in time: passes
    with pytest.raises(MergeTimeout):
        check_merge(base, left, right, merged, deadline=time.monotonic() - 1)
