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


def in_time(what: str = "the structured merge") -> None:
    """Raise MergeTimeout when the merge's time is up."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise MergeTimeout(f"{what} ran out of time")
