"""The pipeline's last guard: a clean structured result that lost a line change which
git's own clean line merge keeps gives way to git's merge."""

from __future__ import annotations

from smartmerge import merge_texts
from smartmerge.languages import detect_language
from smartmerge.pipeline import _is_sound, _lost_a_line_change, _passes_check

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


def test_git_s_clean_merge_that_does_not_parse_is_a_conflict_when_the_inputs_parse() -> None:
    base = b"def start(app):\n    app.load()\n    # then\n    app.run()\n"
    left = b"def start(app):\n    # then\n    app.run()\n"
    right = b"def start(app):\n    app.load()\n    # then\n"
    result = merge_texts(base, left, right, path="app.py")
    assert not result.clean
    assert b"<<<<<<< left" in result.text
    assert "refused" in result.reason


def test_git_s_clean_merge_of_inputs_that_do_not_parse_stands_unchecked() -> None:
    # Python 2 inputs: nothing parses, so git's clean line merge is the answer, exit 0
    base = b"print 'a'\nx = 1\n\ny = 2\n"
    left = b"print 'b'\nx = 1\n\ny = 2\n"
    right = b"print 'a'\nx = 1\n\ny = 3\n"
    result = merge_texts(base, left, right, path="old.py")
    assert result.clean
    assert result.text == b"print 'b'\nx = 1\n\ny = 3\n"


def test_a_conflicted_structured_result_gives_way_to_git_s_sound_clean_merge_only() -> None:
    profile = detect_language("app.py")
    assert profile is not None
    base = b"import os\n\n\ndef f():\n    return os.sep\n"
    left = b"\n\ndef f():\n    return '/'\n"
    right = b"import os\n\n\ndef f():\n    return os.sep\n\n\ndef g():\n    return os.getcwd()\n"
    assert not _is_sound((base, left, right), b"\n\ndef f():\n    return '/'\n\n\ndef g():\n    return os.getcwd()\n", profile)
    # a deletion the other side's insertion undoes repeats a statement: not sound either
    assert not _is_sound((base, left, right), right.replace(b"os.sep", b"'/'"), profile)
    kept = b"import os\n\n\ndef f():\n    return '/'\n"
    assert _is_sound((base, kept, right), kept + b"\n\ndef g():\n    return os.getcwd()\n", profile)


def test_a_merge_out_of_time_is_gits_line_merge_whatever_stage_it_reached() -> None:
    from smartmerge import MergeOptions, Method, merge_texts

    base = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(50))
    left = base.replace("return 1\n", "return -1\n", 1)
    right = base.replace("return 48\n", "return -48\n", 1)
    # a limit no stage can meet: parsing, merging and checking all give up
    result = merge_texts(base, left, right, path="m.py", options=MergeOptions(timeout=1e-9))
    assert result.method is Method.LINE and "ran past" in result.reason
    assert result.text == right.replace("return 1\n", "return -1\n", 1).encode()


def test_git_s_merge_stands_unchecked_when_no_time_is_left_to_check_it() -> None:
    # the structured merge spent the limit: checking git's clean merge must not break it
    import time

    from smartmerge import MergeOptions, Method
    from smartmerge.deadline import time_limit
    from smartmerge.pipeline import _line_result

    profile = detect_language("app.py")
    assert profile is not None
    base = b"def a():\n    return 1\n\n\ndef b():\n    return 2\n"
    left = base.replace(b"return 1", b"return 10")
    right = base.replace(b"return 2", b"return 20")
    with time_limit(time.monotonic() - 1):
        late = _line_result(base, left, right, MergeOptions(), "structured merge ran past 10 s", profile)
    assert late.clean and late.method is Method.LINE
    assert late.text == b"def a():\n    return 10\n\n\ndef b():\n    return 20\n"
    assert late.reason.endswith("no time was left to check git's clean line merge, which stands unchecked")
    in_time = _line_result(base, left, right, MergeOptions(), "structured merge ran past 10 s", profile)
    assert in_time.clean and in_time.reason == "structured merge ran past 10 s"
