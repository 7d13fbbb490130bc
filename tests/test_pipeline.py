"""The pipeline's last guard: a clean structured result that lost a line change which
git's own clean line merge keeps gives way to git's merge."""

from __future__ import annotations

from smartmerge.languages import detect_language
from smartmerge.pipeline import _lost_a_line_change, _passes_check

BASE = b"a = 1\nb = 2\nc = 3\nd = 4\n"
LEFT = b"a = 1\nc = 3\nd = 4\n"  # deletes b
RIGHT = b"a = 1\nb = 2\nc = 3\n"  # deletes d
GIT = b"a = 1\nc = 3\n"


def test_a_result_that_kept_a_deleted_line_lost_that_change() -> None:
    ours = b"a = 1\nb = 2\nc = 3\n"  # left's deletion undone
    assert _lost_a_line_change((BASE, LEFT, RIGHT), ours, GIT, "#")


def test_a_result_that_holds_both_changes_in_another_layout_lost_nothing() -> None:
    ours = b"a = 1\n\nc = 3\n"
    assert not _lost_a_line_change((BASE, LEFT, RIGHT), ours, GIT, "#")


def test_a_line_git_repeats_and_we_write_once_is_not_a_loss() -> None:
    base = b"import os\nx = 1\n"
    left = b"import os\nimport re\nx = 1\n"
    right = b"import os\nx = 1\nimport re\n"
    git = b"import os\nimport re\nx = 1\nimport re\n"
    ours = b"import os\nimport re\nx = 1\n"
    assert not _lost_a_line_change((base, left, right), ours, git, "#")


def test_gits_merge_is_only_preferred_when_it_passes_the_check() -> None:
    profile = detect_language("data.json")
    assert profile is not None
    base = b'{\n    "a": 1,\n    "z": -1\n}\n'
    left = b'{\n    "a": 1,\n    "b": 2,\n    "z": -1\n}\n'
    right = b'{\n    "a": 1,\n    "z": -1,\n    "b": 2\n}\n'
    twice = b'{\n    "a": 1,\n    "b": 2,\n    "z": -1,\n    "b": 2\n}\n'  # git's clean line merge
    assert not _passes_check((base, left, right), twice, profile)
    assert _passes_check((base, left, right), left, profile)


def test_a_merge_out_of_time_is_gits_line_merge_whatever_stage_it_reached() -> None:
    from smartmerge import MergeOptions, Method, merge_texts

    base = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(50))
    left = base.replace("return 1\n", "return -1\n", 1)
    right = base.replace("return 48\n", "return -48\n", 1)
    # a limit no stage can meet: parsing, merging and checking all give up
    result = merge_texts(base, left, right, path="m.py", options=MergeOptions(timeout=1e-9))
    assert result.method is Method.LINE and "ran past" in result.reason
    assert result.text == right.replace("return 1\n", "return -1\n", 1).encode()
