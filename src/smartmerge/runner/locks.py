"""The run lock: one live coordinator per run.

``filelock`` takes an OS lock (``flock``) on ``runs/<run>/run.lock``; the
kernel drops it when the holder dies, even by ``kill -9``, so a crashed
coordinator never leaves a run locked. The file itself stays behind; ``gc``
removes lock files that nobody holds. On file systems without ``flock``
filelock falls back to a soft lock (a marker file) that a dead holder would
leave behind: ``gc`` then checks the holder's pid, written next to the lock.
(filelock's ``lifetime`` applies to soft locks only and warns when given for a
native one, so age is not used.) The worktree lock is removed by ``gc`` when
no run is alive, since only a live run can hold it.

A task's ``locks`` also accept symbol claims, ``FILE::SYMBOL`` (see
``smartmerge claim``): two tasks whose claims overlap (one symbol holds the other)
never run together, nor a claim and a path glob that covers its file; and a task
does not start while someone outside the run (an agent, a person) holds a claim in
the repository's claim store that overlaps one of its claim locks: it waits until
that claim is released or expires.
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock, Timeout

from smartmerge.errors import SmartmergeError
from smartmerge.git.claims import ClaimStore, symbols_overlap

# how often a task waiting for someone else's claim looks at the claim store again
CLAIM_RECHECK_SECONDS = 1.0


class RunLocked(SmartmergeError):
    """Another live coordinator holds the run."""


def hold_run(path: Path, run: str) -> FileLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        owner = path.with_suffix(".pid")
        who = owner.read_text().strip() if owner.exists() else "another process"
        raise RunLocked(f"run {run} is being run by a live coordinator (pid {who})") from None
    path.with_suffix(".pid").write_text(str(os.getpid()))
    return lock


def is_held(path: Path) -> bool:
    """Whether a live process holds the lock file (tried without waiting)."""
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return True
    lock.release()
    return False


def claim_lock(entry: str) -> tuple[str, str] | None:
    """A lock entry ``FILE::SYMBOL`` as (file glob, symbol); None for any other entry."""
    if "::" not in entry:
        return None
    file, _, symbol = entry.partition("::")
    return file, symbol


def claims_meet(a: tuple[str, str], b: tuple[str, str], files_meet: bool) -> bool:
    """Two claim locks clash when their files can be one file and their symbols overlap."""
    return files_meet and symbols_overlap(a[1], b[1])


def claimed_elsewhere(repo: Path, locks: Iterable[str]) -> str | None:
    """Why a task with these locks must wait: the first claim in the repository's claim
    store that overlaps one of its ``FILE::SYMBOL`` locks; None when all are free."""
    wanted = [found for found in map(claim_lock, locks) if found is not None]
    if not wanted:
        return None
    try:
        claims = ClaimStore.for_repo(repo).active()
    except SmartmergeError:
        return None  # no work tree (a bare repository): nobody can have claimed anything
    for claim in claims:
        for file_glob, symbol in wanted:
            # fnmatch's '*' also crosses '/', so 'src/**' holds every file below src/
            if fnmatch.fnmatchcase(claim.file, file_glob) and symbols_overlap(symbol, claim.symbol):
                return f"waiting for {claim.target}, claimed by {claim.owner}"
    return None


def hold_repository(path: Path, run: str) -> FileLock:
    """One run at a time per repository: a second run would integrate on a target the
    first is about to move, and could land a tree without the first one's work.

    Refuses at once (no waiting) and names the run that holds the lock. The holder is
    written next to the lock for that message only; the OS lock decides.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), timeout=0)
    holder = path.with_suffix(".holder")
    try:
        lock.acquire()
    except Timeout:
        try:
            who = json.loads(holder.read_text())
            other, pid = who["run"], who["pid"]
        except (OSError, ValueError, KeyError, TypeError):
            other, pid = "?", "?"
        raise RunLocked(
            f"another run ({other}, pid {pid}) holds the lock of this repository ({path}); "
            f"runs in one repository take turns: wait for it to end (smartmerge status {other})"
        ) from None
    holder.write_text(json.dumps({"run": run, "pid": os.getpid()}))
    return lock
