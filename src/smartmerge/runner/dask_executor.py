"""Run the runner's attempts on the workers of a Dask distributed cluster.

Two halves, one per side of the network:

- On a worker, ``run_remote_task(RemoteTask) -> RemoteResult``: the worker gets
  only the task, the location of a bare repository it can reach and the base
  commit. It fetches the base into a worker-local cache repository, runs the
  attempt with the runner's own ``execute_task`` in a worktree of that cache,
  and pushes the commit to a task-unique ref
  ``refs/smartmerge/tasks/<run>/<task>/<attempt>``. It never touches the
  user's repository, the event log or the target branch.
- On the coordinator, ``DaskExecutor``, a ``concurrent.futures.Executor`` that
  the coordinator uses like any other: ``submit(execute_task, request)``
  pushes the base commit to the bare repository, hands the attempt to Dask
  (``Client.submit`` with the task's resources and ``retries=0``: the runner
  owns retries, so the two never multiply), and when the result comes back
  fetches the pushed ref into the user's repository as the task's branch and
  appends the worker's log to the task's log file. The coordinator alone
  writes the event log and moves the target (compare-and-swap), so no lock
  crosses machines.

A worker that dies mid-attempt makes Dask run the attempt again on another
worker; since each execution starts from the same base and pushes to the
attempt's own ref, and only the coordinator integrates (once, from the result
it receives), nothing is lost or landed twice.

``distributed`` is an optional extra: it is imported only when a Dask executor
is made, so the runner works without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

from filelock import FileLock

from smartmerge.errors import SmartmergeError
from smartmerge.runner import gitops, worktrees
from smartmerge.runner.executing import (
    TaskRequest,
    TaskResult,
    execute_task,
    group_of_run,
    kill_group,
)

log = logging.getLogger(__name__)

MISSING = "the dask executor needs: pip install 'smartmerge[dask]'"
# Where the workers keep their cache repository and worktrees, unless set per worker.
CACHE_ENV = "SMARTMERGE_WORKER_CACHE"
# The Dask event topic on which workers say where an attempt started (shown in the task's log).
PROGRESS_TOPIC = "smartmerge-progress"
# How much of an attempt's log travels back with its result; a command that prints more keeps
# its last part (the end of a log is where failures are).
LOG_TAIL_BYTES = 1_000_000
# How long connecting to a scheduler may take before the run gives up with a clear message.
CONNECT_TIMEOUT = "20s"
# Threads that wait on Dask futures; each in-flight attempt holds one, and [run] max_parallel
# bounds how many attempts the coordinator submits at once, so this only needs to be generous.
WAITING_THREADS = 64

_P = ParamSpec("_P")
_T = TypeVar("_T")


class DaskUnavailable(SmartmergeError):
    """``distributed`` is not installed, or the scheduler cannot be reached."""


def task_ref(run: str, task: str, attempt: int) -> str:
    """The ref a worker pushes an attempt's commit to; unique per attempt, so a rerun cannot clash."""
    return f"refs/smartmerge/tasks/{run}/{task}/{attempt}"


def base_ref(commit: str) -> str:
    """The ref under which the coordinator publishes a base commit for the workers to fetch."""
    return f"refs/smartmerge/bases/{commit}"


def dask_key(run: str, task: str, attempt: int) -> str:
    return f"smartmerge-{run}-{task}-{attempt}"


@dataclass(frozen=True)
class RemoteTask:
    """What a worker gets: the task, where the repository is, and the commit to start from."""

    run: str
    task: str
    cmd: str
    # a bare repository the worker can fetch from and push to (a path or any git URL)
    remote: str
    base_commit: str
    attempt: int
    slot: int
    timeout: float | None = None
    setup: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    # the worker's cache folder; None: $SMARTMERGE_WORKER_CACHE or the temporary folder
    cache: str | None = None


@dataclass(frozen=True)
class RemoteResult:
    """What comes back: the attempt's result (its commit pushed to ``ref``) and its log."""

    result: TaskResult
    ref: str
    log: bytes
    worker: str
    host: str
    resources: tuple[tuple[str, float], ...] = ()


# --- the worker side


def _cache_root(task: RemoteTask) -> Path:
    folder = task.cache or os.environ.get(CACHE_ENV)
    if folder:
        return Path(folder)
    return Path(tempfile.gettempdir()) / f"smartmerge-worker-{os.getuid()}"


def _repo_lock(cache_repo: Path) -> FileLock:
    # worker processes of one host share the cache; a new instance per call also excludes threads
    return FileLock(str(cache_repo) + ".lock", thread_local=False)


def _cache_repository(task: RemoteTask) -> Path:
    """A bare repository in the worker's cache, per remote, holding the base commit."""
    key = hashlib.sha256(task.remote.encode()).hexdigest()[:16]
    cache_repo = _cache_root(task) / key / "repo.git"
    cache_repo.parent.mkdir(parents=True, exist_ok=True)
    with _repo_lock(cache_repo):
        if not (cache_repo / "HEAD").exists():
            gitops.git(cache_repo.parent, "init", "-q", "--bare", str(cache_repo))
        if gitops.rev_parse(cache_repo, task.base_commit) is None:
            ref = base_ref(task.base_commit)
            gitops.git(cache_repo, "fetch", "-q", "--no-write-fetch-head", task.remote, f"+{ref}:{ref}")
    return cache_repo


def _slot_name() -> str:
    # one worker thread runs one attempt at a time, so a folder per host, process and thread
    # is never shared by two attempts at once
    return f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"


def _slot_branch(slot: str) -> str:
    # per slot, not per task: a dead worker's worktree may still hold its branch checked out,
    # and the task's identity travels in the pushed ref anyway
    return f"smartmerge/worker/{slot}"


def _collect_dead_slots(cache_repo: Path) -> None:
    """Remove the slots of dead worker processes of this host, killing what they left running.

    A worker killed mid-attempt leaves its command's process group behind (it runs in a
    session of its own); the next worker on the host stops it, after checking through
    ``/proc`` that the group still belongs to a runner task of the recorded run.
    """
    slots = cache_repo.parent / "slots"
    host = socket.gethostname()
    for folder in sorted(slots.iterdir()) if slots.is_dir() else []:
        parts = folder.name.rsplit("-", 2)
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if worktrees.pid_alive(int(parts[1])):
            continue
        with contextlib.suppress(OSError, ValueError):
            pgid = int((folder / "pgid").read_text().strip())
            run = (folder / "run").read_text().strip()
            if group_of_run(pgid, run):
                kill_group(pgid)
        worktrees.remove_worktree(cache_repo, folder / "tree")
        gitops.git(cache_repo, "branch", "-q", "-D", _slot_branch(folder.name), check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _log_tail(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError:
        return b""
    if len(data) <= LOG_TAIL_BYTES:
        return data
    cut = len(data) - LOG_TAIL_BYTES
    return f"--- smartmerge: the first {cut} bytes of this attempt's log were left on the worker\n".encode() + data[cut:]


def _worker_identity(key: str) -> tuple[str, tuple[tuple[str, float], ...], Any]:
    """This worker's address, the resources Dask reserved for task ``key``, and the worker."""
    try:
        from distributed import get_worker

        worker = get_worker()
        state = worker.state.tasks.get(key)
        reserved = dict(getattr(state, "resource_restrictions", None) or {})
        return str(worker.address), tuple(sorted((k, float(v)) for k, v in reserved.items())), worker
    except (ImportError, ValueError, AttributeError):
        # called outside a Dask worker (a plain process pool, a direct call): nothing to report
        return "", (), None


def run_remote_task(task: RemoteTask) -> RemoteResult:
    """One attempt on a worker: fetch the base, run in a worker-local worktree, push the commit."""
    address, reserved, worker = _worker_identity(dask_key(task.run, task.task, task.attempt))
    host = socket.gethostname()
    ref = task_ref(task.run, task.task, task.attempt)
    if worker is not None:
        worker.log_event(PROGRESS_TOPIC, {"run": task.run, "task": task.task, "attempt": task.attempt,
                                          "worker": address, "host": host})
    try:
        cache_repo = _cache_repository(task)
    except gitops.GitError as exc:
        failed = TaskResult(task.task, task.attempt, False, None, None, False, 0.0, 0.0,
                            f"worker {address or host} cannot fetch the base commit: {exc}")
        return RemoteResult(failed, ref, b"", address, host, reserved)
    name = _slot_name()
    slot = cache_repo.parent / "slots" / name
    if not slot.is_dir():
        with _repo_lock(cache_repo):
            _collect_dead_slots(cache_repo)
        slot.mkdir(parents=True)
    (slot / "run").write_text(task.run)
    log_file = slot / "task.log"
    log_file.unlink(missing_ok=True)
    request = TaskRequest(
        run=task.run, task=task.task, cmd=task.cmd, repo=str(cache_repo), base_commit=task.base_commit,
        branch=_slot_branch(name), worktree=str(slot / "tree"), log=str(log_file),
        pid_file=str(slot / "pgid"), attempt=task.attempt, slot=task.slot,
        # the coordinator's free port says nothing about this machine: pick one here
        port=worktrees.free_port(), timeout=task.timeout, setup=task.setup, env=task.env,
    )
    result = execute_task(request)
    if result.ok and result.commit:
        pushed = gitops.git(cache_repo, "push", "-q", "--force", task.remote, f"{result.commit}:{ref}", check=False)
        if not pushed.ok:
            result = replace(result, ok=False, commit=None,
                             message=f"cannot push the task's commit to {ref}: {pushed.stderr.strip()}")
    return RemoteResult(result, ref, _log_tail(log_file), address, host, reserved)


# --- the coordinator side


class DaskExecutor(Executor):
    """A ``concurrent.futures.Executor`` that runs ``execute_task`` requests on a Dask cluster.

    The coordinator submits exactly what it submits to a local pool; this
    executor translates the request into a ``RemoteTask`` (the worker gets no
    path of the coordinator's machine) and translates the result back, so the
    coordinator goes on as for a local task.
    """

    def __init__(self, client: Any, *, remote: str | None = None, cluster: Any = None,
                 cache: str | None = None) -> None:
        self.client = client
        # a LocalCluster this executor started (dask-local), closed with it
        self._cluster = cluster
        self._remote = remote
        self._cache = cache
        self._lock = threading.Lock()
        # git does not support concurrent fetches into one repository (two finishing at
        # once can fail with "did not send all necessary objects"): one at a time
        self._fetch_lock = threading.Lock()
        self._published: set[str] = set()
        self._running: dict[str, Any] = {}
        self._logs: dict[tuple[str, str, int], Path] = {}
        self._pool = ThreadPoolExecutor(max_workers=WAITING_THREADS, thread_name_prefix="smartmerge-dask")
        client.subscribe_topic(PROGRESS_TOPIC, self._progress)

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        if fn is not execute_task or len(args) != 1 or kwargs or not isinstance(args[0], TaskRequest):
            raise TypeError("DaskExecutor runs execute_task(TaskRequest) only")
        request = args[0]
        # the runner's Future[TaskResult] is this method's Future[_T]: fn is execute_task
        return cast(Future[_T], self._pool.submit(self._attempt, request))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pending = list(self._running.values())
        if pending:
            # attempts still out there (the coordinator is stopping): let Dask forget them
            self.client.cancel(pending)
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
        with contextlib.suppress(Exception):  # closing is best effort: the scheduler may be gone already
            self.client.unsubscribe_topic(PROGRESS_TOPIC)
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    # --- one attempt, on a waiting thread

    def _attempt(self, request: TaskRequest) -> TaskResult:
        t0 = time.perf_counter()
        repo = Path(request.repo)
        remote = self._remote_for(repo)
        self._publish(repo, remote, request.base_commit)
        missing = self._missing_resources(dict(request.resources))
        if missing:
            self._note(Path(request.log), f"--- smartmerge: task {request.task}, attempt {request.attempt}: {missing}\n")
            return _failed(request, t0, missing)
        task = RemoteTask(
            run=request.run, task=request.task, cmd=request.cmd, remote=remote, base_commit=request.base_commit,
            attempt=request.attempt, slot=request.slot, timeout=request.timeout, setup=request.setup,
            env=request.env, cache=self._cache,
        )
        key = dask_key(request.run, request.task, request.attempt)
        log_path = Path(request.log)
        self._logs[(request.run, request.task, request.attempt)] = log_path
        future = self.client.submit(
            run_remote_task, task, key=key, pure=False,
            # the runner owns retries; a lost worker is still rescheduled by Dask itself
            retries=0,
            resources=dict(request.resources) or None,
        )
        with self._lock:
            self._running[key] = future
        try:
            remote_result: RemoteResult = future.result()
        except CancelledError as exc:
            # a BaseException since Python 3.8: as such it would stop the coordinator, not fail one attempt
            raise RuntimeError(f"dask cancelled {key}: {exc}") from None
        finally:
            with self._lock:
                self._running.pop(key, None)
        self._append_log(log_path, remote_result)
        result = remote_result.result
        if result.ok and result.commit:
            fetched = self._fetch(repo, remote, remote_result.ref, request.branch, result.commit)
            if fetched is not None:
                return replace(result, ok=False, commit=None, message=fetched)
        return result

    def _remote_for(self, repo: Path) -> str:
        """The bare repository the workers reach: ``--remote``, or one in the runner's folder."""
        if self._remote is not None:
            return self._remote
        with self._lock:
            path = worktrees.RunnerHome.of(repo).root / "remote.git"
            if not (path / "HEAD").exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                gitops.git(path.parent, "init", "-q", "--bare", str(path))
            self._remote = str(path)
            return self._remote

    def _publish(self, repo: Path, remote: str, commit: str) -> None:
        """Push a base commit to the bare repository (once per commit), for the workers to fetch."""
        with self._lock:
            if commit in self._published:
                return
            gitops.git(repo, "push", "-q", remote, f"{commit}:{base_ref(commit)}")
            self._published.add(commit)

    def _missing_resources(self, needed: dict[str, float]) -> str:
        """Why no worker can run a task needing ``needed`` (empty: some worker can)."""
        if not needed:
            return ""
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        for info in workers.values():
            have = info.get("resources") or {}
            if all(have.get(name, 0) >= amount for name, amount in needed.items()):
                return ""
        wanted = ", ".join(f"{k}={v:g}" for k, v in sorted(needed.items()))
        # failing the attempt (instead of waiting forever) leaves the choice to the task's retries
        return f"no dask worker has the resources {wanted} (start workers with --resources)"

    def _fetch(self, repo: Path, remote: str, ref: str, branch: str, commit: str) -> str | None:
        """Bring the pushed commit in as the task's branch; an error message, or None."""
        with self._fetch_lock:
            fetched = gitops.git(repo, "fetch", "-q", "--no-write-fetch-head", remote, f"+{ref}:refs/heads/{branch}",
                                 check=False)
        if not fetched.ok:
            return f"cannot fetch {ref} from {remote}: {fetched.stderr.strip()}"
        head = gitops.rev_parse(repo, f"refs/heads/{branch}")
        if head != commit:
            # another execution of the same attempt pushed later (a worker thought dead): the
            # result the coordinator holds and the ref disagree, so this attempt counts as failed
            return f"{ref} holds {head} instead of the reported {commit[:12]}"
        return None

    def _append_log(self, log_path: Path, remote: RemoteResult) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        resources = ", ".join(f"{k}={v:g}" for k, v in remote.resources)
        with log_path.open("ab") as out:
            out.write(remote.log)
            out.write(f"--- dask: ran on worker {remote.worker or '?'} (host {remote.host})"
                      f"{f', resources {resources}' if resources else ''}\n".encode())

    def _note(self, log_path: Path, line: str) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as out:
            out.write(line.encode())

    def _progress(self, event: tuple[float, dict[str, Any]]) -> None:
        """A worker said an attempt started: note it in the task's log, so ``logs`` shows where it runs."""
        _, data = event
        path = self._logs.get((data.get("run", ""), data.get("task", ""), data.get("attempt", 0)))
        if path is None:
            return
        with contextlib.suppress(OSError):  # a progress note is worth no crash of the client's loop
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as out:
                out.write(f"--- dask: attempt {data.get('attempt')} started on worker {data.get('worker')}"
                          f" (host {data.get('host')})\n".encode())


def _failed(request: TaskRequest, t0: float, message: str) -> TaskResult:
    return TaskResult(request.task, request.attempt, False, None, None, False, time.perf_counter() - t0, 0.0, message)


# --- making one


@dataclass(frozen=True)
class DaskOptions:
    """``--executor dask|dask-local[:N]``, ``--scheduler`` and ``--remote`` as given."""

    kind: str
    scheduler: str | None = None
    remote: str | None = None


def parse_local_workers(kind: str) -> int:
    """``dask-local`` -> one worker per CPU; ``dask-local:N`` -> N workers."""
    if kind == "dask-local":
        return os.cpu_count() or 1
    count = kind.removeprefix("dask-local:")
    if not count.isdigit() or int(count) < 1:
        raise SmartmergeError(f"--executor: expected dask-local:N with N at least 1, got {kind!r}")
    return int(count)


def make_dask_executor(options: DaskOptions) -> DaskExecutor:
    """Connect to a scheduler (``dask``) or start a LocalCluster of process workers (``dask-local``)."""
    try:
        import distributed
    except ModuleNotFoundError:
        raise DaskUnavailable(MISSING) from None
    if options.kind == "dask":
        if not options.scheduler:
            raise SmartmergeError("--executor dask needs --scheduler tcp://HOST:8786")
        try:
            client = distributed.Client(options.scheduler, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]  # distributed leaves Client.__init__ unannotated
        except OSError as exc:  # includes the TimeoutError of an unreachable scheduler
            raise DaskUnavailable(f"cannot reach the dask scheduler at {options.scheduler}: {exc}") from None
        return DaskExecutor(client, remote=options.remote)
    if options.scheduler:
        raise SmartmergeError("--scheduler goes with --executor dask, not with dask-local")
    workers = parse_local_workers(options.kind)
    # processes: attempts run git and shell commands, and a process per worker is what a
    # remote worker is; one thread each, so N workers run N attempts at once
    cluster = distributed.LocalCluster(  # type: ignore[no-untyped-call]  # distributed leaves LocalCluster.__init__ unannotated
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)  # type: ignore[no-untyped-call]  # as above
    return DaskExecutor(client, remote=options.remote, cluster=cluster)
