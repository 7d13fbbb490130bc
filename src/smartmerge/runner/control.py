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
from smartmerge.runner import gitops, orphans, status, worktrees
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
    """The named run, or the latest one (``status.run_state``)."""
    return status.run_state(repo, run)


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
    # orphaned processes of dead coordinators that were stopped ("run task:pgid")
    stopped: tuple[str, ...] = ()
    # task branches of finished runs whose work is in the run's landed commit
    branches: tuple[str, ...] = ()


def gc(repo: Path) -> Collected:
    """Stop what dead coordinators left running, then remove their worktrees and stale locks,
    and prune the landed task branches of finished runs.

    Order matters: a dead coordinator's tasks and gate run on in its worktrees, so they are
    stopped first; a worktree in which any live process still works is never removed.
    """
    repo = gitops.toplevel(repo)
    home = worktrees.RunnerHome.of(repo)
    runs = home.root / "runs"
    finished: set[str] = set()
    if home.db.exists():
        with ev.open_log(home.db) as log:
            finished = {run for run in log.runs() if any(e.kind == "run_finished" for e in log.events(run))}
    # a finished run has nothing left running (its coordinator stopped everything at the end)
    run_names = sorted(p.name for p in runs.iterdir() if p.is_dir() and p.name not in finished) if runs.is_dir() else []
    stopped: list[str] = []
    for run in run_names:
        if not run_alive(home, run):
            stopped += [f"{run} {what}" for what in orphans.stop_run_processes(home, run)]
    removed: list[str] = []
    kept: list[str] = []
    candidates: list[Path] = []
    for path, admin in worktrees.runner_worktrees(repo, home):
        owner = worktrees.read_owner(admin)
        pid = owner.get("pid") if owner else None
        if isinstance(pid, int) and pid_alive_here(owner, pid):
            kept.append(str(path))
        else:
            candidates.append(path)
    busy = orphans.busy_worktrees(candidates)
    for path in candidates:
        if path in busy:
            kept.append(str(path))
            continue
        worktrees.remove_worktree(repo, path)
        removed.append(str(path))
    # folders git no longer knows (a crash between mkdir and registration)
    known = {str(p) for p, _ in worktrees.runner_worktrees(repo, home)}
    loose = [p for p in runs.glob("*/wt/*") if str(p) not in known and p.is_dir()] if runs.is_dir() else []
    busy = orphans.busy_worktrees(loose)
    for wt_dir in loose:
        if wt_dir in busy:
            kept.append(str(wt_dir))
            continue
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
    branches = _prune_landed_branches(repo, home)
    return Collected(tuple(removed), tuple(locks), tuple(kept), tuple(stopped), tuple(branches))


def run_alive(home: worktrees.RunnerHome, run: str) -> bool:
    """Whether a live coordinator holds the run (a soft lock of a dead holder does not count)."""
    lock = home.run_lock(run)
    return lock.exists() and is_held(lock) and _holder_alive(lock)


def _prune_landed_branches(repo: Path, home: worktrees.RunnerHome) -> list[str]:
    """Delete the task branches (``smartmerge/<run>/<task>``) of finished runs whose work landed.

    A branch whose head is not in the run's landed commit (a task that failed or conflicted,
    a variant not chosen, every branch of a run that landed nothing) still holds work that
    exists nowhere else, and stays.
    """
    if not home.db.exists():
        return []
    with ev.open_log(home.db) as log:
        finished = [ev.fold(run, log.events(run)) for run in log.runs()]
    checked_out = _checked_out_branches(repo)
    pruned: list[str] = []
    for state in finished:
        if state.finished is None or state.landed_commit is None:
            continue
        if gitops.rev_parse(repo, state.landed_commit) is None:
            continue
        refs = gitops.git(
            repo, "for-each-ref", "--format=%(refname) %(objectname)", f"--merged={state.landed_commit}",
            f"refs/heads/{worktrees.task_branch(state.run, '')}",
        ).stdout.split()
        for ref, head in zip(refs[::2], refs[1::2], strict=True):
            if ref in checked_out:
                continue
            # with the old value: deleted only if nobody moved it meanwhile
            if gitops.git(repo, "update-ref", "-d", ref, head, check=False).ok:
                pruned.append(ref.removeprefix("refs/heads/"))
    return pruned


def _checked_out_branches(repo: Path) -> set[str]:
    out = gitops.git(repo, "worktree", "list", "--porcelain").stdout
    return {line.removeprefix("branch ") for line in out.splitlines() if line.startswith("branch ")}


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
