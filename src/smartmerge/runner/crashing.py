"""A debugging hook for crash testing: ``SMARTMERGE_CRASH_AT=<point>`` kills the coordinator there.

The process sends itself SIGKILL, a real ``kill -9``: no ``finally`` runs, no
lock is released by Python, child process groups are left orphaned. This is
how the crash tests put a coordinator's death at an exact place without
racing a timer, and how a person can check what ``--resume`` does after a
crash at a given point. ``<point>:<who>`` fires only for that task (or
``gate``). The points (docs/runner.md, "Crash safety"):

- ``task_starting``: a task's intent is in the log, nothing of it exists yet
- ``task_running``: the task's process group runs (thread executor: the coordinator's own process)
- ``task_done``: the attempt finished and committed, ``task_succeeded`` not written yet
- ``start_merge``: a start commit was merged in its scratch worktree, before that is removed
- ``integrated``: a task was merged into the integration worktree, ``task_integrated`` not written yet
- ``gate_running``: the gate's process group runs
- ``landing``: the ``landing`` intent is in the log, the target has not moved
- ``swapped``: the target moved (compare-and-swap done), its checkout and ``landed`` not yet
- ``reconciled``: ``--resume`` has cleared what the crash left and is about to run tasks again
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "SMARTMERGE_CRASH_AT"
POINTS = frozenset({
    "task_starting", "task_running", "task_done", "start_merge", "integrated", "gate_running", "landing",
    "swapped", "reconciled",
})


def crash_point(point: str, who: str | None = None) -> None:
    """SIGKILL this process when ``SMARTMERGE_CRASH_AT`` names ``point`` (or ``point:who``)."""
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    if wanted == point or (who is not None and wanted == f"{point}:{who}"):
        os.kill(os.getpid(), signal.SIGKILL)
