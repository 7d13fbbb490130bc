"""Finding the task that broke the gate: a binary search over the integration order.

The integration is a chain: the target, then one merge per task, in dependency
order. When the gate fails on the whole chain, the culprit is the first task
whose prefix fails while the prefix before it passes, the search Zuul's and
bors's merge queues do. The chain's prefixes are real commits (each merge's
head), so a probe is one gate run on a commit that already exists.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def first_failing(good: int, bad: int, passes: Callable[[int], bool]) -> int:
    """The smallest ``k`` in ``good + 1 .. bad`` whose prefix fails, given that prefix
    ``good`` passes (or is presumed to) and prefix ``bad`` fails.

    At most ``ceil(log2(bad - good))`` calls of ``passes``. When passing is not
    monotone along the chain (two tasks that break the gate only together), the
    answer is still a prefix that fails right after one that passes.
    """
    if bad <= good:
        raise ValueError(f"no failing prefix to find between {good} and {bad}")
    while bad - good > 1:
        mid = (good + bad) // 2
        if passes(mid):
            good = mid
        else:
            bad = mid
    return bad


def gate_budget(tasks: int) -> int:
    """Extra gate runs that finding one culprit among ``tasks`` may take: the search,
    then one run on the tree without it."""
    return math.ceil(math.log2(tasks)) + 1 if tasks > 1 else 1
