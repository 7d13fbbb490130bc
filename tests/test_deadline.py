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
