"""Looking at runs and steering their tasks from another process: status, logs, pause, kill, gc."""

from __future__ import annotations

import os
import shutil
import signal
import socket
from dataclasses import dataclass
from pathlib import Path

from smartmerge.errors import SmartmergeError
from smartmerge.runner import events as ev
from smartmerge.runner import gitops, worktrees
from smartmerge.runner.executing import group_of_run
from smartmerge.runner.locks import is_held


def _home(repo: Path) -> worktrees.RunnerHome:
    return worktrees.RunnerHome.of(gitops.toplevel(repo))


def run_states(repo: Path) -> list[ev.RunState]:
    home = _home(repo)
    if not home.db.exists():
        return []
    with ev.open_log(home.db) as log:
        return [ev.fold(run, log.events(run)) for run in log.runs()]


def run_state(repo: Path, run: str | None = None) -> ev.RunState:
    """The named run, or the latest one."""
    home = _home(repo)
    if not home.db.exists():
        raise SmartmergeError("no runs yet in this repository")
    with ev.open_log(home.db) as log:
        run = run or log.latest_run()
        events = log.events(run) if run else []
        if not run or not events:
            raise SmartmergeError(f"no run {run!r} (see 'smartmerge runs')")
        state = ev.fold(run, events)
    # a run whose coordinator died without finishing says so
    if state.finished is None and not is_held(home.run_lock(run)):
        state.status = "interrupted"
        state.message = f"the coordinator is gone; continue with: smartmerge run --resume {run}"
    return state


def log_path(repo: Path, task: str, run: str | None = None) -> Path:
    state = run_state(repo, run)
    if task not in state.tasks and task != "gate":
        raise SmartmergeError(f"run {state.run} has no task {task!r}")
    return _home(repo).log(state.run, task)


_SIGNALS = {"pause": signal.SIGSTOP, "unpause": signal.SIGCONT, "kill": signal.SIGKILL}


def signal_task(repo: Path, task: str, action: str, run: str | None = None) -> str:
    """Pause (SIGSTOP), unpause (SIGCONT) or kill (SIGKILL, no retry) a running task's process group."""
    home = _home(repo)
    state = run_state(repo, run)
    if task not in state.tasks:
        raise SmartmergeError(f"run {state.run} has no task {task!r}")
    pid_file = home.pid_file(state.run, task)
    try:
        pgid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        raise SmartmergeError(f"task {task} of run {state.run} is not running") from None
    if not group_of_run(pgid, state.run):
        raise SmartmergeError(f"task {task} of run {state.run} is not running")
    with ev.open_log(home.db) as log:
        # recorded first: the coordinator must read "killed by user", not a failure to retry
        log.append(state.run, "control", task, action=action, pgid=pgid)
    try:
        os.killpg(pgid, _SIGNALS[action])
    except ProcessLookupError:
        raise SmartmergeError(f"task {task} of run {state.run} is not running") from None
    return f"{action}: task {task} of run {state.run} (process group {pgid})"


@dataclass(frozen=True)
class Collected:
    worktrees: tuple[str, ...]
    locks: tuple[str, ...]
    kept: tuple[str, ...]


def gc(repo: Path) -> Collected:
    """Remove runner worktrees whose owner is dead and lock files nobody holds."""
    repo = gitops.toplevel(repo)
    home = worktrees.RunnerHome.of(repo)
    removed: list[str] = []
    kept: list[str] = []
    for path, admin in worktrees.runner_worktrees(repo, home):
        owner = worktrees.read_owner(admin)
        pid = owner.get("pid") if owner else None
        if isinstance(pid, int) and pid_alive_here(owner, pid):
            kept.append(str(path))
            continue
        worktrees.remove_worktree(repo, path)
        removed.append(str(path))
    # folders git no longer knows (a crash between mkdir and registration)
    runs = home.root / "runs"
    known = {str(p) for p, _ in worktrees.runner_worktrees(repo, home)}
    for wt_dir in runs.glob("*/wt/*") if runs.is_dir() else []:
        if str(wt_dir) not in known and wt_dir.is_dir():
            shutil.rmtree(wt_dir, ignore_errors=True)
            removed.append(str(wt_dir))
    locks: list[str] = []
    for lock in runs.glob("*/run.lock") if runs.is_dir() else []:
        # a run lock has no lifetime (a run may take hours): a soft lock left by a dead
        # holder is recognised by the holder's pid instead
        if not is_held(lock) or not _holder_alive(lock):
            lock.unlink(missing_ok=True)
            lock.with_suffix(".pid").unlink(missing_ok=True)
            locks.append(str(lock))
    # the run locks still there belong to live coordinators; with none, nobody may hold the
    # worktree lock, and a soft one left by a dead holder would otherwise block forever
    live_runs = list(runs.glob("*/run.lock")) if runs.is_dir() else []
    worktree_lock = home.root / "worktrees.lock"
    if worktree_lock.exists() and not live_runs:
        worktree_lock.unlink(missing_ok=True)
        locks.append(str(worktree_lock))
    gitops.git(repo, "worktree", "prune", check=False)
    return Collected(tuple(removed), tuple(locks), tuple(kept))


def _holder_alive(lock: Path) -> bool:
    try:
        pid = int(lock.with_suffix(".pid").read_text().strip())
    except (OSError, ValueError):
        return True  # unknown holder: keep the lock
    return worktrees.pid_alive(pid)


def pid_alive_here(owner: dict[str, object] | None, pid: int) -> bool:
    if owner is not None and owner.get("host") not in (None, socket.gethostname()):
        # another machine's process: we cannot tell, so it counts as alive
        return True
    return worktrees.pid_alive(pid)
