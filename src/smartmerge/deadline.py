"""The time limit of one merge, seen by every stage without passing it through each call.

``pipeline.merge_texts`` sets it around the structured merge; stages whose work grows
with the file (building the tree of a big module, walking it in the check) call
``in_time()`` as they go and stop with MergeTimeout once it has passed, instead of
finishing work the pipeline would throw away. A context variable: merges running in
other threads (the runner, a bench worker) keep their own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from smartmerge.errors import MergeTimeout

_DEADLINE: ContextVar[float | None] = ContextVar("smartmerge_deadline", default=None)


@contextmanager
def time_limit(deadline: float | None) -> Iterator[None]:
    """Within the block, ``in_time()`` raises once ``time.monotonic()`` passes
    ``deadline`` (None: the limit already set, if any, holds)."""
    if deadline is None:
        yield
        return
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def in_time(what: str = "the structured merge", size: int = 0) -> None:
    """Raise MergeTimeout when the merge's time is up; with ``size`` (the characters
    of a text about to be parsed, compiled or walked in one C call that cannot stop
    halfway), also when that pass would end past the limit at the pace measured in
    this merge (``pace_measured``)."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return
    now = time.monotonic()
    if now > deadline:
        raise MergeTimeout(f"{what} ran out of time")
    pace = _PACE.get()
    if pace is not None and size >= PREDICTED_FROM and now + pace[0] * size > deadline:
        raise MergeTimeout(f"{what} would run out of time")


# Passes over texts shorter than this are quick (about 20 ms per 100,000 characters), and
# their pace is mostly fixed costs: they are neither measured nor predicted.
PREDICTED_FROM = 100_000

# the slowest pace (seconds per character) of parsing a big text in this merge, in a cell
_PACE: ContextVar[list[float] | None] = ContextVar("smartmerge_pace", default=None)


@contextmanager
def pace_measured() -> Iterator[None]:
    """Within the block, ``note_pace`` measures how fast this machine, loaded as it is,
    parses a big text, and ``in_time(what, size)`` predicts from it: a 100,000-line
    module takes a quarter of a second to ``ast.parse``, ``compile`` or ``symtable``,
    which would otherwise overrun the limit by as much (issue 15: ``--timeout T`` ends
    within 1.1 T + 0.2 s). An enclosing block's measurements are kept."""
    if _PACE.get() is not None:
        yield
        return
    token = _PACE.set([0.0])
    try:
        yield
    finally:
        _PACE.reset(token)


def note_pace(size: int, seconds: float) -> None:
    """One pass over ``size`` characters took ``seconds`` (kept: the slowest pace)."""
    pace = _PACE.get()
    if pace is not None and size >= PREDICTED_FROM:
        pace[0] = max(pace[0], seconds / size)
