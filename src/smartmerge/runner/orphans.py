"""Processes a dead coordinator left behind: find them, stop them, and keep worktrees they use.

Tasks and the gate run in process groups of their own (sessions, so a Ctrl-C
reaches only the coordinator), so when the coordinator dies by ``kill -9``
they run on. ``--resume`` and ``gc`` stop them first, before any worktree
goes: every group named by a pid file of the run (``runs/<run>/pids/<task>``,
``pids/gate``), then any process still carrying ``SMARTMERGE_RUN=<run>`` in
its environment (one that left its group). A worktree in which some live
process still has its current folder is never removed.

Linux ``/proc`` is read directly; without it (another OS) the pid files are
the only source and no process is found in a worktree.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

from smartmerge.runner import worktrees
from smartmerge.runner.executing import group_alive, group_of_run, kill_group

# How long killed processes get to disappear (SIGKILL is not instant on a loaded machine).
GONE_WAIT_SECONDS = 5.0


def _processes() -> Iterator[tuple[int, Path]]:
    proc = Path("/proc")
    if not proc.is_dir():
        return
    for entry in proc.iterdir():
        if entry.name.isdigit():
            yield int(entry.name), entry


def run_processes(run: str) -> list[int]:
    """Live processes whose environment carries ``SMARTMERGE_RUN=<run>`` (tasks and gates of the run)."""
    marker = f"SMARTMERGE_RUN={run}".encode()
    found: list[int] = []
    for pid, entry in _processes():
        if pid == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue  # gone, a zombie, or another user's
        if marker in environ.split(b"\0"):
            found.append(pid)
    return found


def stop_run_processes(home: worktrees.RunnerHome, run: str) -> list[str]:
    """Kill what the run's dead coordinator left running; returns what was stopped ("task:pgid").

    Call only when no live coordinator holds the run (the run lock is ours, or free).
    Never raises for a process in any state: a resume must get past every orphan.
    """
    stopped: list[str] = []
    groups: list[int] = []
    pids = home.run_dir(run) / "pids"
    for pid_file in sorted(pids.iterdir()) if pids.is_dir() else []:
        try:
            pgid = int(pid_file.read_text().strip())
        except (OSError, ValueError):
            pgid = 0
        if pgid > 0 and group_of_run(pgid, run) and group_alive(pgid):
            kill_group(pgid)
            groups.append(pgid)
            stopped.append(f"{pid_file.name}:{pgid}")
        pid_file.unlink(missing_ok=True)
    for pid in run_processes(run):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        stopped.append(f"process:{pid}")
    deadline = time.monotonic() + GONE_WAIT_SECONDS
    while time.monotonic() < deadline and (any(group_alive(g) for g in groups) or run_processes(run)):
        time.sleep(0.02)
    return stopped


def busy_worktrees(paths: list[Path]) -> set[Path]:
    """The worktrees among ``paths`` in which a live process has its current folder."""
    roots = [p.resolve() for p in paths]
    busy: set[Path] = set()
    for _, entry in _processes():
        try:
            cwd = Path(os.readlink(entry / "cwd"))
        except OSError:
            continue  # gone, a zombie, or another user's
        for original, root in zip(paths, roots, strict=True):
            if cwd == root or root in cwd.parents:
                busy.add(original)
    return busy


def remove_run_worktrees(repo: Path, home: worktrees.RunnerHome, run: str) -> list[Path]:
    """Remove the run's worktrees except those a live process works in; returns the ones kept."""
    folder = home.run_dir(run) / "wt"
    paths = sorted(folder.iterdir()) if folder.is_dir() else []
    busy = busy_worktrees(paths)
    for path in paths:
        if path not in busy:
            worktrees.remove_worktree(repo, path)
    return sorted(busy)
