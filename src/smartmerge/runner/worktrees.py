"""The runner-owned folder, task worktrees and the environment that isolates them.

Layout, inside the repository's shared git folder so the user's checkout never
shows it as untracked files::

    .git/smartmerge/
      runner.db                 the event log (SQLite, WAL)
      merge.gitattributes       routes merges through smartmerge (see gitops)
      runs/<run>/run.lock       held by the live coordinator of the run
      runs/<run>/logs/<task>.log
      runs/<run>/pids/<task>    process group of the running attempt
      runs/<run>/wt/slot-<n>/   the worktree of executor slot n, reused by the tasks that run in it
      runs/<run>/wt/.integration/   the detached integration worktree

Isolation: a task imports the code of its own worktree because its
``PYTHONPATH`` names only that worktree (``src/`` first when present) and a
``.venv`` made there by ``setup`` comes first on ``PATH``. Nothing relies on a
shared editable install, which would point every worktree at whichever was
installed last.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from smartmerge.runner import gitops
from smartmerge.runner.crashing import CRASH_ENV

OWNER_FILE = "smartmerge-owner.json"
# The folder ``[run] setup`` is expected to make its virtual environment in; never committed.
VENV = ".venv"


@dataclass(frozen=True)
class RunnerHome:
    """Paths of the runner-owned folder of one repository."""

    root: Path

    @classmethod
    def of(cls, repo: Path) -> RunnerHome:
        return cls(gitops.common_dir(repo) / "smartmerge")

    @property
    def db(self) -> Path:
        return self.root / "runner.db"

    def run_dir(self, run: str) -> Path:
        return self.root / "runs" / run

    def log(self, run: str, task: str) -> Path:
        return self.run_dir(run) / "logs" / f"{task}.log"

    def pid_file(self, run: str, task: str) -> Path:
        return self.run_dir(run) / "pids" / task

    def worktree(self, run: str, slot: int) -> Path:
        return self.run_dir(run) / "wt" / f"slot-{slot}"

    def integration(self, run: str) -> Path:
        return self.run_dir(run) / "wt" / ".integration"

    def scratch(self, run: str, task: str) -> Path:
        return self.run_dir(run) / "wt" / f".start-{task}"

    def run_lock(self, run: str) -> Path:
        return self.run_dir(run) / "run.lock"


def task_branch(run: str, task: str) -> str:
    return f"smartmerge/{run}/{task}"


def landed_ref(run: str) -> str:
    return f"refs/heads/smartmerge/landed/{run}"


def python_path_for(tree: Path) -> str:
    """PYTHONPATH that makes a process import the code of ``tree`` (src layout or flat)."""
    parts = [str(tree / "src")] if (tree / "src").is_dir() else []
    parts.append(str(tree))
    return os.pathsep.join(parts)


def isolated_env(tree: Path, extra: dict[str, str]) -> dict[str, str]:
    """The environment of a task, the gate or a candidate running in ``tree``."""
    env = dict(os.environ)
    # the coordinator's crash-testing hook is not the task's business (a nested smartmerge
    # would kill itself)
    env.pop(CRASH_ENV, None)
    env.update(extra)
    env["PYTHONPATH"] = python_path_for(tree)
    venv = tree / VENV
    if (venv / "bin").is_dir():
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    else:
        # a venv of the runner's own shell must not leak another tree's install into the task
        env.pop("VIRTUAL_ENV", None)
    return env


def free_port() -> int:
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def admin_dir(worktree: Path) -> Path:
    """The worktree's folder inside the shared git folder, read from its ``.git`` file (no git call)."""
    text = (worktree / ".git").read_text().strip()
    return Path(text.removeprefix("gitdir: "))


def write_owner(worktree: Path, run: str, task: str) -> None:
    """Record who uses a worktree, so ``gc`` never removes one whose owner is alive."""
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "run": run, "task": task}
    (admin_dir(worktree) / OWNER_FILE).write_text(json.dumps(owner))


def read_owner(admin: Path) -> dict[str, object] | None:
    try:
        data = json.loads((admin / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@functools.lru_cache(maxsize=16)
def _worktree_lock_path(repo: Path) -> Path:
    return gitops.common_dir(repo) / "smartmerge" / "worktrees.lock"


_THREAD_LOCKS: dict[Path, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


@contextmanager
def worktree_lock(repo: Path) -> Iterator[None]:
    """Serialises ``git worktree add/remove`` of one repository, across threads and processes.

    git's worktree commands are not safe to run concurrently: an ``add`` reads
    every worktree's admin folder while a ``remove`` deletes one, and fails
    with "failed to read .git/worktrees/X/commondir" (seen in the benchmark).
    Threads of one process queue on a ``threading.Lock`` (woken at once);
    the file lock then only has other processes to wait for, which it polls.
    """
    path = _worktree_lock_path(repo)
    with _THREAD_LOCKS_GUARD:
        thread_lock = _THREAD_LOCKS.setdefault(path, threading.Lock())
    with thread_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a new instance per call: filelock's per-thread instances would not exclude other threads
        with FileLock(str(path), thread_local=False, poll_interval=0.005):
            yield


@dataclass(frozen=True)
class Checkout:
    """A worktree to make: where, at which commit, on which branch (None: detached), for whom."""

    path: Path
    commit: str
    branch: str | None
    run: str
    task: str


def add_worktree(repo: Path, checkout: Checkout) -> None:
    """Create a worktree at ``commit`` (on a new ``branch``, or detached), locked while in use.

    A leftover from a crashed attempt at the same place is removed first. Used
    for a slot's first task, the integration and start merges; later tasks of a
    slot reuse its worktree (``prepare_worktree``).
    """
    path = checkout.path
    if path.exists():
        remove_worktree(repo, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # -f: a registration whose folder a crash removed is taken over instead of refused.
    # --no-checkout: only the registration needs the lock; writing the files (most of the
    # time, ~0.17 s for 200 files here) happens outside it, in parallel with other slots.
    args = [
        "worktree", "add", "-q", "-f", "--no-checkout", "--lock",
        "--reason", f"smartmerge run {checkout.run} task {checkout.task} pid {os.getpid()}",
    ]
    if checkout.branch is None:
        args += ["--detach", str(path), checkout.commit]
    else:
        args += ["-B", checkout.branch, str(path), checkout.commit]
    with worktree_lock(repo):
        gitops.git(repo, *args)
    gitops.git(path, "reset", "-q", "--hard", "HEAD")
    write_owner(path, checkout.run, checkout.task)


def remove_worktree(repo: Path, path: Path) -> None:
    """Remove a worktree and its admin entry; quiet when it does not exist."""
    # --force twice: also when it has changes and when it is locked (we locked it)
    with worktree_lock(repo):
        result = gitops.git(repo, "worktree", "remove", "--force", "--force", str(path), check=False)
    if not result.ok and path.exists():
        # not a registered worktree (a crash between mkdir and registration): just files
        shutil.rmtree(path, ignore_errors=True)


def prepare_worktree(repo: Path, checkout: Checkout) -> bool:
    """Put the slot's worktree on a fresh ``branch`` at ``commit``; True when it had to be created.

    Reusing a slot's worktree means checking out only the files that differ
    from the previous task's tree, instead of writing every file of the
    repository again (the benchmark measured 0.17 s for 200 files on this
    machine's disk, more than the whole budget for a task's overhead).
    The previous task left no untracked files: a task that succeeded had them
    committed, one that failed had them cleaned (``release_worktree``); ignored
    files (caches) and the ``.venv`` that ``setup`` made stay, so ``setup`` runs
    once per worktree.
    """
    path = checkout.path
    assert checkout.branch is not None  # a task always works on its own branch
    if (path / ".git").is_file():
        with worktree_lock(repo):
            switched = gitops.git(path, "checkout", "-q", "-f", "-B", checkout.branch, checkout.commit, check=False)
        if switched.ok:
            write_owner(path, checkout.run, checkout.task)
            return False
        remove_worktree(repo, path)
    add_worktree(repo, checkout)
    return True


def release_worktree(path: Path, clean: bool) -> None:
    """Let go of the task's branch (detach), keeping the files for the slot's next task.

    ``clean``: the attempt failed and may have left untracked files (a successful one had
    everything committed): they go now, so the next task starts from its commit alone.
    """
    if path.is_dir():
        if clean:
            gitops.git(path, "clean", "-ffdq", "-e", VENV, check=False)
        # HEAD becomes the branch's commit itself: the same as ``checkout --detach`` (index and
        # files already match it), without the index refresh (5 ms instead of 20 ms here)
        gitops.git(path, "update-ref", "--no-deref", "HEAD", "HEAD", check=False)


def runner_worktrees(repo: Path, home: RunnerHome) -> list[tuple[Path, Path]]:
    """(worktree, admin folder) of every worktree under the runner-owned folder."""
    out = gitops.git(repo, "worktree", "list", "--porcelain").stdout
    found: list[tuple[Path, Path]] = []
    runs = home.root / "runs"
    for line in out.splitlines():
        if not line.startswith("worktree "):
            continue
        path = Path(line[len("worktree "):])
        if runs in path.parents:
            git_file = path / ".git"
            admin = None
            if git_file.is_file():
                text = git_file.read_text().strip()
                if text.startswith("gitdir: "):
                    admin = Path(text[len("gitdir: "):])
            if admin is None:
                # the checkout folder is gone; git keeps the admin entry by name
                admin = home.root.parent / "worktrees" / path.name
            found.append((path, admin))
    return found
