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
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from filelock import FileLock, Timeout

from smartmerge.errors import SmartmergeError


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
