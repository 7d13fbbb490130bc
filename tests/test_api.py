"""merge_texts: outcomes, methods and the fallbacks, through the public API."""

from __future__ import annotations

from smartmerge import MergeOptions, Method, Outcome, merge_texts

BASE = "def a():\n    return 1\n"
LEFT = BASE + "\n\ndef b():\n    return 2\n"
RIGHT = BASE + "\n\ndef c():\n    return 3\n"


def test_structured_merge_of_two_additions_is_clean() -> None:
    result = merge_texts(BASE, LEFT, RIGHT, path="pkg/mod.py")
    assert result.outcome is Outcome.CLEAN and result.method is Method.STRUCTURED
    assert result.text == (LEFT + "\n\ndef c():\n    return 3\n").encode()
    assert result.conflicts == ()


def test_conflicts_carry_lines_and_symbols() -> None:
    left = BASE.replace("return 1", "return 10")
    right = BASE.replace("return 1", "return 20")
    result = merge_texts(BASE, left, right, path="m.py")
    assert result.outcome is Outcome.CONFLICTED
    (conflict,) = result.conflicts
    assert conflict.symbol == "a"
    lines = result.text.decode().splitlines()
    assert lines[conflict.start_line - 1].startswith("<<<<<<< left")
    assert lines[conflict.end_line - 1].startswith(">>>>>>> right")


def test_labels_and_marker_size_are_used() -> None:
    options = MergeOptions(left_label="ours", base_label="anc", right_label="theirs", marker_size=9)
    result = merge_texts("x = 1\n", "x = 2\n", "x = 3\n", path="m.py", options=options)
    text = result.text.decode()
    assert "<<<<<<<<< ours\n" in text and "||||||||| anc\n" in text and ">>>>>>>>> theirs\n" in text


def test_python_2_input_gets_the_line_merge() -> None:
    base = "print 'a'\n\n\n\nx = 1\n"
    result = merge_texts(base, base.replace("'a'", "'b'"), base.replace("x = 1", "x = 2"), path="old.py")
    assert result.method is Method.LINE and "parse failed" in result.reason
    assert result.outcome is Outcome.CLEAN
    assert result.text == b"print 'b'\n\n\n\nx = 2\n"


def test_inputs_with_conflict_markers_get_the_line_merge() -> None:
    base = "x = 1\n"
    left = "<<<<<<< a\nx = 1\n=======\nx = 2\n>>>>>>> b\n"
    result = merge_texts(base, left, "x = 1\ny = 2\n", path="m.py")
    assert result.method is Method.LINE and "conflict markers" in result.reason


def test_non_utf8_input_gets_the_line_merge() -> None:
    base = b"x = 1\n\n\n\ny = '\xe9'\n"
    result = merge_texts(base, base.replace(b"x = 1", b"x = 2"), base.replace(b"y =", b"z ="), path="m.py")
    assert result.method is Method.LINE and "UTF-8" in result.reason
    assert result.text == b"x = 2\n\n\n\nz = '\xe9'\n"


def test_unknown_language_gets_the_line_merge() -> None:
    result = merge_texts("a\nb\n", "a\nb\nc\n", "z\na\nb\n", path="notes.txt")
    assert result.method is Method.LINE and result.text == b"z\na\nb\nc\n"


def test_time_limit_falls_back_to_the_line_merge() -> None:
    result = merge_texts(BASE, LEFT, RIGHT, path="m.py", options=MergeOptions(timeout=1e-9))
    assert result.method is Method.LINE and "ran past" in result.reason
    assert result.outcome is Outcome.CONFLICTED  # git conflicts on the two additions


def test_forced_line_merge() -> None:
    result = merge_texts(BASE, LEFT, RIGHT, path="m.py", options=MergeOptions(line_merge=True))
    assert result.method is Method.LINE and result.outcome is Outcome.CONFLICTED


def test_one_side_unchanged_is_trivial() -> None:
    result = merge_texts(BASE, BASE, RIGHT, path="m.py")
    assert result.method is Method.TRIVIAL and result.text == RIGHT.encode()


def test_language_can_be_forced_without_a_path() -> None:
    result = merge_texts(BASE, LEFT, RIGHT, options=MergeOptions(language="python"))
    assert result.method is Method.STRUCTURED and result.clean


def test_a_bom_added_by_one_side_is_kept() -> None:
    bom = b"\xef\xbb\xbf"
    result = merge_texts(BASE, LEFT, bom + RIGHT.encode(), path="m.py")
    assert result.clean and result.text.startswith(bom)
    result = merge_texts(bom + BASE.encode(), bom + LEFT.encode(), RIGHT, path="m.py")
    assert result.clean and not result.text.startswith(bom)
