"""The merge's time limit reaches the stages that work through a big file."""

from __future__ import annotations

import time

import pytest

from smartmerge.deadline import in_time, time_limit
from smartmerge.errors import MergeTimeout
from smartmerge.parsing import parse_python


def test_building_the_tree_stops_once_the_time_is_up() -> None:
    text = "".join(f"x{i} = {i}\n" for i in range(100))
    assert len(parse_python(text).children) == 100  # no limit set: parses
    with time_limit(time.monotonic() + 3600):
        assert len(parse_python(text).children) == 100
    with time_limit(time.monotonic() - 1), pytest.raises(MergeTimeout):
        parse_python(text)


def test_an_inner_limit_holds_only_inside_and_none_keeps_the_outer_one() -> None:
    with time_limit(time.monotonic() - 1):
        with time_limit(time.monotonic() + 3600):
            in_time()
        with time_limit(None), pytest.raises(MergeTimeout):
            in_time()
    in_time()


def test_a_whole_text_pass_starts_only_if_the_measured_pace_lets_it_end_in_time() -> None:
    from smartmerge.deadline import PREDICTED_FROM, note_pace, pace_measured

    big = PREDICTED_FROM * 2
    with time_limit(time.monotonic() + 3600):
        in_time("parsing", big)  # nothing measured: nothing predicted
        with pace_measured():
            in_time("parsing", big)
            note_pace(PREDICTED_FROM - 1, 10.0**6)  # a short text's pace is mostly fixed costs: not kept
            in_time("parsing", big)
            note_pace(big, 3600.0 * 4)  # this machine parses a big text in four hours
            with pytest.raises(MergeTimeout, match="would run out of time"):
                in_time("parsing", big)
            in_time("parsing", PREDICTED_FROM - 1)  # a short pass is not predicted
            in_time("parsing")
    with pace_measured():
        note_pace(big, 3600.0 * 4)
        in_time("parsing", big)  # no time limit: nothing to predict against


def test_a_merge_turns_the_cyclic_collector_off_only_while_it_runs() -> None:
    import gc

    from smartmerge.gc_pause import collection_paused
    from smartmerge.pipeline import merge_texts

    was = gc.isenabled()
    try:
        gc.enable()
        with collection_paused():
            assert not gc.isenabled()
            with collection_paused():  # a second merge meanwhile (another thread, say)
                assert not gc.isenabled()
            assert not gc.isenabled()  # the first one still runs
        assert gc.isenabled()
        assert merge_texts("x = 1\n", "x = 2\n", "x = 1\ny = 1\n", path="a.py").clean
        assert gc.isenabled()
        gc.disable()  # a caller that runs without the collector keeps it off
        assert merge_texts("x = 1\n", "x = 2\n", "x = 1\ny = 1\n", path="a.py").clean
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_one_merge_parses_each_text_once() -> None:
    from smartmerge.languages import profile_named
    from smartmerge.parsing import parse, shared_parses
    from smartmerge.parsing.python_scopes import syntax_tree

    profile = profile_named("python")
    text = "def f(x):\n    return x\n"
    assert parse(text, profile) is not parse(text, profile)  # outside a merge: nothing kept
    assert syntax_tree(text) is not syntax_tree(text)
    with shared_parses():
        tree = parse(text, profile)
        assert parse(text, profile) is tree and parse(text, profile, strict=True) is tree
        assert syntax_tree(text) is syntax_tree(text) is not None
        assert parse(text + "\n", profile) is not tree
    assert parse(text, profile) is not tree
