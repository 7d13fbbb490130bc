"""The dependency graph, the ready queue, shared-resource locks and retry back-off.

One ``graphlib.TopologicalSorter`` is the shared ready queue: a task becomes
ready when every task it needs is done. A task whose upstream failed is marked
done in the sorter too (so the graph drains) but never runs.
"""

from __future__ import annotations

import fnmatch
import graphlib
import random
from collections.abc import Iterable

from smartmerge.runner.locks import claim_lock, claims_meet
from smartmerge.runner.taskfile import TaskSpec


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based).

    Capped exponential back-off with "full jitter": a uniform draw in
    [0, min(cap, base * 2**(attempt-1))], so retries of many tasks that failed
    together (a flaky shared service) spread out instead of coming back at once.
    """
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(0, ceiling)


def is_path_lock(entry: str) -> bool:
    """An entry with '/' or '*' is a path glob; any other is a plain name."""
    return "/" in entry or "*" in entry or "?" in entry or "[" in entry


def _segments_may_meet(a: str, b: str) -> bool:
    # Two single-segment patterns can match a common name when either matches the other
    # literally, or both hold wildcards (conservative: "a*" and "*b" share "ab").
    wild = any(c in a for c in "*?[") and any(c in b for c in "*?[")
    return wild or fnmatch.fnmatchcase(a, b) or fnmatch.fnmatchcase(b, a)


def globs_may_overlap(a: str, b: str) -> bool:
    """Whether two path globs can match a common path.

    Decided segment by segment; ``**`` matches any number of segments. When in
    doubt it answers yes: a false "overlap" only serialises two tasks, a false
    "no overlap" would let them fight over the same files.
    """
    sa, sb = a.strip("/").split("/"), b.strip("/").split("/")
    memo: dict[tuple[int, int], bool] = {}

    def meet(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(sa) and j == len(sb):
            result = True
        elif i < len(sa) and sa[i] == "**":
            result = meet(i + 1, j) or (j < len(sb) and meet(i, j + 1))
        elif j < len(sb) and sb[j] == "**":
            result = meet(i, j + 1) or (i < len(sa) and meet(i + 1, j))
        elif i == len(sa) or j == len(sb):
            # a glob naming a folder ("migrations/") also covers what lies below it
            result = False
        else:
            result = _segments_may_meet(sa[i], sb[j]) and meet(i + 1, j + 1)
        memo[key] = result
        return result

    return meet(0, 0) or _prefix(sa, sb) or _prefix(sb, sa)


def _prefix(short: list[str], long: list[str]) -> bool:
    # "migrations" and "migrations/001.sql": holding a folder holds its files
    return len(short) < len(long) and all(
        s == "**" or _segments_may_meet(s, t) for s, t in zip(short, long, strict=False)
    )


def locks_conflict(a: Iterable[str], b: Iterable[str]) -> bool:
    """Tasks that share a lock name, whose path globs can meet, or whose symbol claims
    (``FILE::SYMBOL``) overlap, never run together."""
    b = list(b)
    for x in a:
        for y in b:
            claim_x, claim_y = claim_lock(x), claim_lock(y)
            if claim_x is not None or claim_y is not None:
                if claim_x is not None and claim_y is not None:
                    if claims_meet(claim_x, claim_y, globs_may_overlap(claim_x[0], claim_y[0])):
                        return True
                else:
                    # a claim against a path glob: the glob holds every symbol of the files it covers
                    claim, other = (claim_x, y) if claim_x is not None else (claim_y, x)
                    if claim is not None and is_path_lock(other) and globs_may_overlap(claim[0], other):
                        return True
            elif is_path_lock(x) and is_path_lock(y):
                if globs_may_overlap(x, y):
                    return True
            elif not is_path_lock(x) and not is_path_lock(y) and x == y:
                return True
    return False


class ReadyQueue:
    """Hands out tasks whose needs are met, respecting ``max_parallel`` and locks."""

    def __init__(self, tasks: dict[str, TaskSpec], max_parallel: int) -> None:
        self.tasks = tasks
        self.max_parallel = max_parallel
        self._sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter(
            {name: t.needs for name, t in tasks.items()}
        )
        self._sorter.prepare()
        self._ready: list[str] = []
        self.running: set[str] = set()
        # names the caller has settled (done, failed, blocked): they leave the graph
        self.settled: set[str] = set()
        # tasks waiting for a retry: not ready yet, not finished either
        self.waiting: set[str] = set()
        # tasks that leave the graph without running when their turn comes:
        # blocked by an upstream failure, or already done before a resume
        self.skip: set[str] = set()
        # names that left through ``skip``, in the order they did (the caller reports them)
        self.skipped: list[str] = []

    def _refill(self) -> None:
        while True:
            ready = self._sorter.get_ready()
            if not ready:
                break
            for name in ready:
                if name in self.skip:
                    self.settled.add(name)
                    self.skipped.append(name)
                    self._sorter.done(name)
                else:
                    self._ready.append(name)
        # dependency order first, then the file's order for ties: deterministic start-up
        order = list(self.tasks)
        self._ready.sort(key=order.index)

    def take(self) -> list[str]:
        """Tasks that can start now (their needs done, a slot free, no lock held by a running task)."""
        self._refill()
        started: list[str] = []
        for name in list(self._ready):
            if len(self.running) >= self.max_parallel:
                break
            held = [lock for other in self.running for lock in self.tasks[other].locks]
            if self.tasks[name].locks and locks_conflict(self.tasks[name].locks, held):
                continue
            self._ready.remove(name)
            self.running.add(name)
            started.append(name)
        return started

    def pending_ready(self) -> list[str]:
        self._refill()
        return list(self._ready)

    def requeue(self, name: str) -> None:
        """Put a task back for another attempt (after its back-off)."""
        self.running.discard(name)
        self.waiting.discard(name)
        self._ready.append(name)

    def release(self, name: str) -> None:
        """Free a running task's slot and locks without settling it (it will be retried)."""
        self.running.discard(name)
        self.waiting.add(name)

    def settle(self, name: str) -> None:
        """The task is finished for good (success, final failure or blocked)."""
        self.running.discard(name)
        self.waiting.discard(name)
        if name in self._ready:
            self._ready.remove(name)
        if name not in self.settled:
            self.settled.add(name)
            self._sorter.done(name)
            self._refill()

    def is_active(self) -> bool:
        return self._sorter.is_active()


def dependents_of(tasks: dict[str, TaskSpec], name: str) -> list[str]:
    """Every task that needs ``name``, directly or through others, in file order."""
    found: set[str] = set()
    frontier = [name]
    while frontier:
        current = frontier.pop()
        for other in tasks.values():
            if current in other.needs and other.name not in found:
                found.add(other.name)
                frontier.append(other.name)
    return [n for n in tasks if n in found]


def dependencies_of(tasks: dict[str, TaskSpec], name: str) -> list[str]:
    """Every task ``name`` needs, directly or through others."""
    found: set[str] = set()
    frontier = list(tasks[name].needs)
    while frontier:
        current = frontier.pop()
        if current not in found:
            found.add(current)
            frontier.extend(tasks[current].needs)
    return [n for n in tasks if n in found]


def dependency_order(tasks: dict[str, TaskSpec]) -> list[str]:
    """A topological order that keeps the file's order among independent tasks."""
    order = list(tasks)
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter({n: t.needs for n, t in tasks.items()})
    sorter.prepare()
    result: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=order.index)
        result.extend(ready)
        sorter.done(*ready)
    return result
