"""One attempt of one task, as a picklable function, and the executors that run it.

The executor boundary: ``execute_task(TaskRequest) -> TaskResult``. Both are
frozen dataclasses of plain data, and the function does the whole attempt in
the task's own worktree: put the slot's worktree on the task's branch at the
base commit (creating it and running ``setup`` the first time), run the
command under its time limit, commit what it left, detach. Worktree
preparation is included so that a remote executor (a Dask
``Client.get_executor()``) on a machine that shares the repository folder can
run it unchanged. The start commit (the merge of several dependencies) is made
by the coordinator before submission, so ``base_commit`` is always one commit.

Retries, the event log and scheduling stay with the coordinator.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from smartmerge.runner import gitops, worktrees
from smartmerge.runner.crashing import crash_point

# After SIGTERM, how long a timed-out process group gets to exit before SIGKILL. Short on
# purpose: a time limit is a limit, and the grace is part of the 0.2 s the runner allows
# itself past it (bench/runner_bench.py --precision measures it).
KILL_GRACE_SECONDS = 0.1
# How often a group is checked for having exited during that grace.
KILL_POLL_SECONDS = 0.01
# How long, at most, a timed-out group is waited for after its SIGKILL.
KILL_WAIT_SECONDS = 2.0
# How often a command with a time limit is checked for being paused (its paused time does not count).
PAUSE_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class TaskRequest:
    """Everything one attempt needs; picklable."""

    run: str
    task: str
    cmd: str
    repo: str
    base_commit: str
    branch: str
    worktree: str
    log: str
    pid_file: str
    attempt: int
    slot: int
    port: int
    timeout: float | None = None
    setup: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    # the task's [tasks.X] resources; local executors ignore them, the dask executor passes them on
    resources: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class TaskResult:
    """What one attempt produced; picklable."""

    task: str
    attempt: int
    ok: bool
    # the branch head after the attempt (the runner's commit of what the command left)
    commit: str | None
    returncode: int | None
    timed_out: bool
    seconds: float
    # seconds spent preparing and releasing the worktree (the runner's own overhead)
    overhead_seconds: float
    message: str
    # whether this attempt had to create its slot's worktree (the slot's first task)
    new_worktree: bool = False


@dataclass(frozen=True)
class ProcessOutcome:
    returncode: int | None
    timed_out: bool


@dataclass(frozen=True)
class Command:
    """A shell command to run: where, with what environment, for how long at most."""

    cmd: str
    cwd: Path
    env: dict[str, str]
    timeout: float | None = None
    # where the process group id goes while it runs (for pause, kill, gc and resume)
    pid_file: Path | None = None
    # the crashing.py debugging point reached once the process group runs
    crash_at: str | None = None


def run_process(command: Command, out: IO[bytes]) -> ProcessOutcome:
    """Run a shell command in its own process group; on timeout kill the whole group.

    The group is the unit: a command's children (a test server, a background
    job) die with it, so a timeout never leaves an orphan behind.
    """
    proc = subprocess.Popen(
        ["/bin/sh", "-c", command.cmd], cwd=command.cwd, env=command.env, stdout=out, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    pid_file = command.pid_file
    if pid_file is not None:
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(str(proc.pid))
    if command.crash_at is not None:
        crash_point(command.crash_at, pid_file.name if pid_file is not None else None)
    try:
        returncode = _wait_unless_timed_out(proc, command.timeout)
        if returncode is None:
            kill_group(proc.pid, grace=KILL_GRACE_SECONDS)
            proc.wait()
            return ProcessOutcome(None, timed_out=True)
        # the shell is gone; children it left in the background are not ours to keep
        kill_group(proc.pid)
        return ProcessOutcome(returncode, timed_out=False)
    finally:
        if pid_file is not None:
            pid_file.unlink(missing_ok=True)


def _wait_unless_timed_out(proc: subprocess.Popen[bytes], timeout: float | None) -> int | None:
    """The exit status, or None once the command has *run* for ``timeout`` seconds.

    Time the process spends stopped (``smartmerge pause``) does not count, so
    pausing a task does not spend its time limit.
    """
    if timeout is None:
        return proc.wait()
    ran = 0.0
    last = time.monotonic()
    while True:
        try:
            return proc.wait(timeout=min(PAUSE_POLL_SECONDS, max(0.01, timeout - ran)))
        except subprocess.TimeoutExpired:
            now = time.monotonic()
            if not _stopped(proc.pid):
                ran += now - last
            last = now
            if ran >= timeout:
                return None


def _stopped(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (or the process just ended): count the time
    return stat.rsplit(")", 1)[1].split()[0] == "T"


def kill_group(pgid: int, grace: float = 0.0) -> None:
    """SIGTERM the process group, wait up to ``grace`` seconds, then SIGKILL whatever is left."""
    try:
        os.killpg(pgid, signal.SIGTERM if grace else signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while grace and time.monotonic() < deadline:
        if not group_alive(pgid):
            return
        time.sleep(KILL_POLL_SECONDS)
    try:
        # a stopped (paused) group ignores SIGTERM until continued; SIGKILL does not care
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    # SIGKILL takes effect when the kernel next schedules each process (a while on a busy
    # machine): a timed-out attempt is over only once its group is gone
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while grace and group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(KILL_POLL_SECONDS)


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs. Zombies do not count: a leader that
    obeyed SIGTERM stays one until ``wait``, and a member reparented to an init that does
    not reap stays one for ever, yet neither runs any more."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def group_of_run(pgid: int, run: str) -> bool:
    """Whether process group ``pgid`` (from a pid file) still belongs to a task of ``run``.

    Guards against a recycled pid: when the group's leader is alive, its
    environment must carry ``SMARTMERGE_RUN=<run>``. When the leader is gone or
    a zombie (its parent died and nobody reaps it, or it is exiting right now),
    the number cannot have been reused: Linux keeps a pid allocated while a
    process or a group member still uses it, so whatever is left in the group
    is the task's own. Never raises: a resume or ``gc`` must get past every
    orphan, whatever state it is in.
    """
    if not Path("/proc/self").is_dir():
        return True
    proc = Path(f"/proc/{pgid}")
    try:
        if _state(proc) == "Z":
            return True
        environ = (proc / "environ").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return True  # gone, or exiting as we look
    except OSError:
        return False  # another user's process: not ours
    if not environ and _state(proc) in ("Z", None):
        return True  # it became a zombie between the two reads
    return f"SMARTMERGE_RUN={run}".encode() in environ.split(b"\0")


def _state(proc: Path) -> str | None:
    """The state letter of ``/proc/<pid>`` ("Z" for a zombie), None when it is gone."""
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _task_env(request: TaskRequest, tree: Path) -> dict[str, str]:
    extra = dict(request.env)
    extra.update(
        SMARTMERGE_RUN=request.run,
        SMARTMERGE_TASK=request.task,
        SMARTMERGE_SLOT=str(request.slot),
        SMARTMERGE_WORKTREE=str(tree),
        PORT=str(request.port),
    )
    return worktrees.isolated_env(tree, extra)


def execute_task(request: TaskRequest) -> TaskResult:
    """One attempt of one task in its own worktree. Never raises for task failures."""
    t0 = time.perf_counter()
    repo, tree, log_path = Path(request.repo), Path(request.worktree), Path(request.log)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        log.write(f"--- smartmerge: task {request.task}, attempt {request.attempt}\n".encode())
        log.flush()
        try:
            new = worktrees.prepare_worktree(
                repo, worktrees.Checkout(tree, request.base_commit, request.branch, request.run, request.task)
            )
        except gitops.GitError as exc:
            return _result(request, t0, 0.0, ok=False, message=f"cannot create worktree: {exc}")
        prepared = time.perf_counter()
        env = _task_env(request, tree)
        if request.setup and new:
            log.write(f"--- setup: {request.setup}\n".encode())
            log.flush()
            setup = run_process(Command(request.setup, tree, env, None, Path(request.pid_file)), log)
            if setup.returncode != 0:
                # a half set-up worktree must not serve the slot's next task: it is made afresh
                worktrees.remove_worktree(repo, tree)
                return _finish(request, t0, prepared, ok=False, message=f"setup failed (exit {setup.returncode})")
            # again: the venv that setup just made now goes first on PATH
            env = _task_env(request, tree)
        log.write(f"--- cmd: {request.cmd}\n".encode())
        log.flush()
        outcome = run_process(
            Command(request.cmd, tree, env, request.timeout, Path(request.pid_file), crash_at="task_running"), log
        )
        log.write(f"--- exit {outcome.returncode}{' (timed out)' if outcome.timed_out else ''}\n".encode())
        if outcome.timed_out:
            return _finish(request, t0, prepared, ok=False, timed_out=True,
                           message=f"timed out after {request.timeout:g} s")
        if outcome.returncode != 0:
            return _finish(request, t0, prepared, ok=False, returncode=outcome.returncode,
                           message=f"exit status {outcome.returncode}")
        try:
            gitops.commit_all(tree, f"smartmerge run {request.run}: task {request.task}", (worktrees.VENV,))
        except gitops.GitError as exc:
            return _finish(request, t0, prepared, ok=False, returncode=0,
                           message=f"cannot commit the task's changes: {exc}")
        commit = gitops.rev_parse(tree, "HEAD")
        return _finish(request, t0, prepared, ok=True, returncode=0, commit=commit, new_worktree=new,
                       message="done")


def _finish(
    request: TaskRequest,
    t0: float,
    prepared: float,
    *,
    ok: bool,
    message: str,
    returncode: int | None = None,
    timed_out: bool = False,
    commit: str | None = None,
    new_worktree: bool = False,
) -> TaskResult:
    # A finished task's work lives on its branch; the worktree stays with its slot for the
    # next task (detached, so the branch is free for a retry elsewhere). The coordinator
    # removes the slots' worktrees when the run ends.
    t_remove = time.perf_counter()
    worktrees.release_worktree(Path(request.worktree), clean=not ok)
    # setup and the command are the task's own time, not the runner's overhead
    overhead = (prepared - t0) + (time.perf_counter() - t_remove)
    return TaskResult(
        task=request.task, attempt=request.attempt, ok=ok, commit=commit, returncode=returncode,
        timed_out=timed_out, seconds=time.perf_counter() - t0, overhead_seconds=overhead, message=message,
        new_worktree=new_worktree,
    )


def _result(request: TaskRequest, t0: float, overhead: float, *, ok: bool, message: str) -> TaskResult:
    return TaskResult(
        task=request.task, attempt=request.attempt, ok=ok, commit=None, returncode=None, timed_out=False,
        seconds=time.perf_counter() - t0, overhead_seconds=overhead, message=message,
    )


def default_executor(max_parallel: int) -> Executor:
    """Threads are enough: each attempt spends its time waiting on subprocesses."""
    return ThreadPoolExecutor(max_workers=max_parallel, thread_name_prefix="smartmerge-task")
