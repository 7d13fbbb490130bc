"""The coordinator: one run from task file to landed branch, and its resume.

It alone writes task events, owns retries and talks to the executor. Every
state change is appended to the event log before its side effect (a worktree
created, a command started, a ref moved), so a crash at any point leaves a
log that ``resume`` can reconcile with git.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smartmerge.errors import ConfigError, SmartmergeError
from smartmerge.runner import events as ev
from smartmerge.runner import gitops, landing, orphans, worktrees
from smartmerge.runner.crashing import crash_point
from smartmerge.runner.events import Event, EventLog, RunState
from smartmerge.runner.executing import (
    TaskRequest,
    TaskResult,
    default_executor,
    execute_task,
)
from smartmerge.runner.gitops import GitError
from smartmerge.runner.integrating import (
    Added,
    Integration,
    Loss,
    StartCommit,
    complete_interrupted_landing,
    start_commit,
)
from smartmerge.runner.locks import (
    CLAIM_RECHECK_SECONDS,
    claimed_elsewhere,
    hold_repository,
    hold_run,
)
from smartmerge.runner.scheduling import (
    ReadyQueue,
    backoff_delay,
    dependencies_of,
    dependency_order,
    dependents_of,
)
from smartmerge.runner.taskfile import (
    TASKFILE_NAME,
    TaskFile,
    expand_variants,
    load_taskfile,
    parent_of,
)

log = logging.getLogger(__name__)

# In the runner's folder: held by the run that has the repository (one at a time).
REPO_LOCK = "repo.lock"

# How often the coordinator looks at retry timers and control events while tasks run.
POLL_SECONDS = 0.1

Observer = Callable[[Event], None]


@dataclass(frozen=True)
class RunReport:
    run: str
    status: str
    message: str
    state: RunState

    @property
    def ok(self) -> bool:
        # a variant is never integrated itself: its task is, with the chosen variant's work.
        # "landed_side" is not ok: the target did not move, the user has to bring the work in
        return self.status == "landed" and all(
            t.state == ev.INTEGRATED for name, t in self.state.tasks.items() if parent_of(name) is None
        )


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


@dataclass
class _Coordinator:
    repo: Path
    home: worktrees.RunnerHome
    log: EventLog
    run: str
    taskfile: TaskFile
    base: str
    executor: Executor
    observer: Observer | None
    # shut the executor down at the end only when the runner made it
    owns_executor: bool = True
    heads: dict[str, str] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    # tasks left out of the landing because an upstream failed or conflicted, with why
    excluded: dict[str, str] = field(default_factory=dict)
    # tasks whose final state is in the log (failed, blocked, integrated, conflicted)
    final: set[str] = field(default_factory=set)
    rng: random.Random = field(default_factory=random.Random)
    # tasks with variants whose variants have all finished: the gate's choice is their turn
    choosing: set[str] = field(default_factory=set)
    # tasks waiting for a claim someone outside the run holds, with the last reason logged
    waiting_for: dict[str, str] = field(default_factory=dict)
    # what the coordinator is doing (events.PHASES), as last written to the log
    phase: str | None = None
    # work that gate-resolved clashes discarded, by the task it belonged to (it is superseded)
    lost: dict[str, list[Loss]] = field(default_factory=dict)
    emit_lock: threading.RLock = field(default_factory=threading.RLock)
    # tasks the integration thread took out (a culprit, or a task that conflicts once merged
    # again without it): the scheduler blocks what needs them on its next turn
    taken_out: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        # the scheduler sees each variant as a task of its own (the event log keeps the file as written)
        self.taskfile = TaskFile(self.taskfile.run, expand_variants(self.taskfile.tasks))

    def emit(self, kind: str, task: str | None = None, **data: object) -> Event:
        # the integration thread records too (a culprit found before a gate decision)
        with self.emit_lock:
            event = self.log.append(self.run, kind, task, **data)
            if self.observer is not None:
                self.observer(event)
            return event

    def set_phase(self, phase: str) -> None:
        """Record what the run is doing now (one of ``events.PHASES``), for the live display
        and ``status --json``; written to the event log only when it changes. Call it from
        the coordinator's thread (as every ``emit``)."""
        assert phase in ev.PHASES, phase
        if phase != self.phase:
            self.phase = phase
            self.emit("phase", None, phase=phase)

    def _task_phase(self, queue: ReadyQueue, merging: dict[Future[Added], str], integration: Integration) -> str:
        if integration.ranking or any(self.taskfile.tasks[name].variants for name in merging.values()):
            return "ranking"
        if set(self.taskfile.tasks) - queue.settled - self.choosing:
            return "tasks"
        return "integrating"

    # --- the task phase

    def execute(self, done_before: dict[str, str], blocked_before: set[str]) -> Integration:
        """Run every task, integrating finished ones in dependency order as soon as they can be.

        Integration follows the dependency order (not the order tasks happen to
        finish), so the landed tree is the same whichever task is faster. It
        runs on its own thread, one merge at a time, so a slow merge never
        keeps the coordinator from starting the next task.
        """
        tasks = self.taskfile.tasks
        queue = ReadyQueue(tasks, self.taskfile.run.max_parallel)
        queue.skip |= set(done_before) | blocked_before
        self.heads.update(done_before)
        self.final |= blocked_before
        integration = Integration(
            self.repo, self.home, self.run, rank_by=self.taskfile.run.gate, rank_timeout=self.taskfile.run.gate_timeout,
            upstream={name: set(dependencies_of(tasks, name)) for name in tasks},
        )
        integration.on_no_pass = lambda: landing.clear_breakage(self, integration)
        integration.start(self.base)
        order = dependency_order(tasks)
        upstream = {name: set(dependencies_of(tasks, name)) for name in tasks}
        cursor = 0
        futures: dict[Future[TaskResult], tuple[str, int]] = {}
        merging: dict[Future[Added], str] = {}
        retry_at: dict[str, float] = {}
        free_slots = list(range(self.taskfile.run.max_parallel))
        merger = ThreadPoolExecutor(max_workers=1, thread_name_prefix="smartmerge-integration")
        try:
            while True:
                self._block_taken_out(queue)
                now = time.monotonic()
                for name, when in list(retry_at.items()):
                    if name in self.excluded:
                        # its upstream conflicted meanwhile: no point in another attempt
                        del retry_at[name]
                        queue.settle(name)
                    elif when <= now:
                        del retry_at[name]
                        queue.requeue(name)
                for name in queue.take():
                    if tasks[name].variants:
                        # runs nothing and holds no slot: it waits for its turn to integrate
                        queue.running.discard(name)
                        self.choosing.add(name)
                        continue
                    claimed = claimed_elsewhere(self.repo, tasks[name].locks)
                    if claimed is not None:
                        # someone outside the run claimed a symbol this task locks: look again later
                        if self.waiting_for.get(name) != claimed:
                            self.emit("task_waiting", name, reason=claimed)
                        self.waiting_for[name] = claimed
                        queue.release(name)
                        retry_at[name] = time.monotonic() + CLAIM_RECHECK_SECONDS
                        continue
                    submitted = self._submit(name, queue, free_slots)
                    if submitted is not None:
                        futures[submitted[0]] = (name, submitted[1])
                while cursor < len(order) and (order[cursor] in queue.settled or order[cursor] in self.choosing):
                    name = order[cursor]
                    if upstream[name] & set(merging.values()):
                        # wait: if an upstream conflicts, this task must be left out, not merged
                        break
                    cursor += 1
                    if name in self.excluded and name not in self.final:
                        self.final.add(name)
                        self.emit("task_blocked", name, reason=self.excluded[name])
                        queue.settle(name)
                    elif parent_of(name) is not None:
                        continue  # a variant lands only through its task's choice
                    elif tasks[name].variants and name not in self.heads and name not in self.final:
                        choice = self._choose(name, integration, merger, queue)
                        if choice is not None:
                            merging[choice] = name
                    elif name in self.heads and name not in self.final:
                        merging[merger.submit(integration.add, name, self.heads[name])] = name
                if len(queue.settled) == len(tasks) and cursor == len(order) and not merging:
                    return integration
                self.set_phase(self._task_phase(queue, merging, integration))
                # one wait for both kinds of future; each handler below knows its own kind
                waiting: list[Future[Any]] = [*futures, *merging]
                if not waiting:
                    if retry_at:
                        time.sleep(max(0.0, min(retry_at.values()) - time.monotonic()))
                    continue
                finished, _ = wait(waiting, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                for future in finished:
                    if future in merging:
                        del merging[future]
                        self._integrated(future.result(), queue, integration)
                    else:
                        name, slot = futures.pop(future)
                        free_slots.append(slot)
                        free_slots.sort()
                        self._handle(future, name, queue, retry_at)
        finally:
            merger.shutdown(wait=True)

    def _choose(
        self, name: str, integration: Integration, merger: ThreadPoolExecutor, queue: ReadyQueue
    ) -> Future[Added] | None:
        """Start the gate's choice among the variants of ``name`` that succeeded."""
        candidates = [(v, self.heads[v]) for v in self.taskfile.tasks[name].needs
                      if parent_of(v) == name and v in self.heads]
        if not candidates:
            self.emit("task_failed", name, reason="no variant succeeded", attempt=0)
            self.final.add(name)
            self._block_dependents(name, queue, f"upstream {name} failed")
            queue.settle(name)
            return None
        run_cfg = self.taskfile.run
        return merger.submit(integration.add_variants, name, candidates, run_cfg.gate, run_cfg.gate_timeout,
                             self.home.log(self.run, "gate"))

    def _submit(self, name: str, queue: ReadyQueue, free_slots: list[int]) -> tuple[Future[TaskResult], int] | None:
        spec = self.taskfile.tasks[name]
        heads = [self.heads[dep] for dep in spec.needs] or [self.base]
        try:
            start = start_commit(self.repo, self.home, self.run, name, heads)
        except GitError as exc:
            start = StartCommit(None, f"could not prepare its start commit: {exc}")
        if start.commit is None:
            self.emit("task_blocked", name, reason=start.reason)
            self.final.add(name)
            self._block_dependents(name, queue, f"upstream {name} could not start")
            queue.settle(name)
            return None
        attempt = self.attempts.get(name, 0) + 1
        self.attempts[name] = attempt
        slot = free_slots.pop(0)
        tree = self.home.worktree(self.run, slot)
        request = TaskRequest(
            run=self.run,
            task=name,
            cmd=spec.cmd,
            repo=str(self.repo),
            base_commit=start.commit,
            branch=worktrees.task_branch(self.run, name),
            worktree=str(tree),
            log=str(self.home.log(self.run, name)),
            pid_file=str(self.home.pid_file(self.run, name)),
            attempt=attempt,
            slot=slot,
            port=worktrees.free_port(),
            timeout=spec.timeout,
            setup=self.taskfile.run.setup,
            env=spec.env,
            resources=spec.resources,
        )
        log.debug("task %s: attempt %d from %s in slot %d", name, attempt, start.commit[:12], slot)
        # the intent goes into the log before the worktree and the process exist
        self.emit("task_starting", name, attempt=attempt, base=start.commit, slot=slot, port=request.port)
        crash_point("task_starting", name)
        return self.executor.submit(execute_task, request), slot

    def _handle(self, future: Future[TaskResult], name: str, queue: ReadyQueue, retry_at: dict[str, float]) -> None:
        spec = self.taskfile.tasks[name]
        try:
            result = future.result()
        except Exception as exc:  # an executor may fail (a lost worker); that is one failed attempt
            result = TaskResult(name, self.attempts[name], False, None, None, False, 0.0, 0.0, f"executor error: {exc}")
        if result.ok and result.commit:
            crash_point("task_done", name)
            if parent_of(name) is not None:
                self.final.add(name)
            self.emit("task_succeeded", name, commit=result.commit, seconds=result.seconds,
                      overhead=result.overhead_seconds, new_worktree=result.new_worktree)
            self.heads[name] = result.commit
            queue.settle(name)
            return
        killed = self._killed(name)
        # failures, not attempts: an attempt cut short by a crash (see resume) is no failure
        self.failures[name] = self.failures.get(name, 0) + 1
        if not killed and self.failures[name] <= spec.retries:
            delay = backoff_delay(result.attempt, self.taskfile.run.backoff_base, self.taskfile.run.backoff_cap, self.rng)
            self.emit("task_retrying", name, reason=result.message, delay=delay, attempt=result.attempt)
            queue.release(name)
            retry_at[name] = time.monotonic() + delay
            return
        reason = "killed by user" if killed else result.message
        self.emit("task_failed", name, reason=reason, attempt=result.attempt)
        self.final.add(name)
        if parent_of(name) is None:
            # a failed variant blocks nothing: its task goes on with the variants that succeed
            self._block_dependents(name, queue, f"upstream {name} failed")
        queue.settle(name)

    def _integrated(self, added: Added, queue: ReadyQueue, integration: Integration) -> None:
        crash_point("integrated", added.task)
        self.final.add(added.task)
        if added.task in integration.left_out and not added.upstream_gone:
            # a culprit search on the integration thread took it out after this merge, and said so
            queue.settle(added.task)
            return
        if added.clean and integration.head_of(added.task) not in (None, added.head):
            # merged again since (a culprit before it was taken out): record it as it is now
            landing.emit_merged_again(self, integration, added.task)
            queue.settle(added.task)
            return
        if added.upstream_gone:
            # a task it needs was taken out of the integration meanwhile: its branch holds that work
            self.emit("task_blocked", added.task, reason=f"upstream {added.upstream_gone} left the integration")
            self._block_dependents(added.task, queue, f"upstream {added.task} blocked")
            queue.settle(added.task)
        elif self.taskfile.tasks[added.task].variants:
            self._variant_integrated(added, queue)
        elif added.clean and added.ranked:
            # a clash the gate's ranking resolved: the event log keeps why this version won,
            # and whose work the choice discarded (superseded, docs/runner.md)
            self.emit("task_integrated", added.task, head=added.head, ranked=added.ranked)
            landing.emit_losses(self, added.losses, self.lost)
        elif added.clean:
            self.emit("task_integrated", added.task, head=added.head)
        else:
            self.emit("task_conflicted", added.task, reason=added.reason)
            self._block_dependents(added.task, queue, f"upstream {added.task} conflicts")

    def _variant_integrated(self, added: Added, queue: ReadyQueue) -> None:
        """The gate chose (or rejected every variant): record why, then free the dependents."""
        results = [{"variant": v, "passed": passed, "reason": why} for v, passed, why in added.results]
        if added.clean:
            # the chosen variant's branch is the task's branch for the tasks that need it
            self.heads[added.task] = added.commit
            self.emit("variant_chosen", added.task, variant=added.variant, commit=added.commit,
                      reason=added.choice, results=results)
            self.emit("task_integrated", added.task, head=added.head)
            landing.emit_losses(self, added.losses, self.lost)
        elif added.results and not added.variant:
            self.emit("task_failed", added.task, reason=added.reason, attempt=0, results=results)
            self._block_dependents(added.task, queue, f"upstream {added.task} failed")
        else:
            self.emit("task_conflicted", added.task, reason=added.reason)
            self._block_dependents(added.task, queue, f"upstream {added.task} conflicts")
        queue.settle(added.task)

    def _block_taken_out(self, queue: ReadyQueue) -> None:
        with self.emit_lock:
            taken, self.taken_out = self.taken_out, []
        for name, reason in taken:
            self.final.add(name)
            self._block_dependents(name, queue, reason)

    def _block_dependents(self, name: str, queue: ReadyQueue, reason: str) -> None:
        for dep in dependents_of(self.taskfile.tasks, name):
            if dep in self.final or dep in self.excluded:
                continue
            self.excluded[dep] = reason
            started = dep in queue.settled or dep in queue.running or dep in queue.waiting
            if not started:
                # never runs; one that already ran (or runs now) is left out when its turn to integrate comes
                queue.skip.add(dep)
                self.final.add(dep)
                self.emit("task_blocked", dep, reason=reason)

    def _killed(self, name: str) -> bool:
        return any(
            e.kind == "control" and e.task == name and e.data.get("action") == "kill"
            for e in self.log.events(self.run)
        )

    # --- the landing phase

    def finish(self, integration: Integration) -> tuple[str, str]:
        try:
            return self._gate_and_land(integration)
        finally:
            integration.close()

    def _gate_and_land(self, integration: Integration) -> tuple[str, str]:
        # the gate, the culprit's bisection and the compare-and-swap: landing.py
        return landing.gate_and_land(self, integration)


def start_run(
    repo: Path,
    taskfile: Path | None = None,
    *,
    executor: Executor | None = None,
    observer: Observer | None = None,
    run_id: str | None = None,
) -> RunReport:
    """Run every task of the task file and land the result; returns when the run is over."""
    repo = gitops.toplevel(repo)
    spec = load_taskfile(taskfile or repo / TASKFILE_NAME)
    home = worktrees.RunnerHome.of(repo)
    run = run_id or new_run_id()
    # runs in one repository take turns (docs/runner.md, "One run at a time")
    repo_lock = hold_repository(home.root / REPO_LOCK, run)
    try:
        # read under the lock: no other run moves the target between here and the landing
        base = gitops.rev_parse(repo, f"refs/heads/{spec.run.target}")
        if base is None:
            raise ConfigError(f"[run].target: no branch {spec.run.target!r} in {repo}")
        return _start_locked(repo, home, run, spec, base, executor, observer)
    finally:
        repo_lock.release()


def _start_locked(
    repo: Path, home: worktrees.RunnerHome, run: str, spec: TaskFile, base: str,
    executor: Executor | None, observer: Observer | None,
) -> RunReport:
    lock = hold_run(home.run_lock(run), run)
    try:
        with ev.open_log(home.db) as event_log:
            coord = _Coordinator(repo, home, event_log, run, spec, base,
                                 executor or default_executor(spec.run.max_parallel), observer,
                                 owns_executor=executor is None)
            coord.emit("run_started", None, target=spec.run.target, base=base, taskfile=spec.to_json(),
                       pid=os.getpid(), repo=str(repo))
            return _drive(coord, {}, set())
    finally:
        lock.release()


def resume_run(
    repo: Path, run: str, *, executor: Executor | None = None, observer: Observer | None = None
) -> RunReport:
    """Continue a run after a crash: finished tasks stay finished, unfinished ones run again."""
    repo = gitops.toplevel(repo)
    home = worktrees.RunnerHome.of(repo)
    lock = hold_run(home.run_lock(run), run)
    try:
        repo_lock = hold_repository(home.root / REPO_LOCK, run)
    except BaseException:
        lock.release()
        raise
    try:
        with ev.open_log(home.db) as event_log:
            events = event_log.events(run)
            if not events:
                raise SmartmergeError(f"no run {run!r} (see 'smartmerge runs')")
            state = ev.fold(run, events)
            if state.finished is not None:
                raise SmartmergeError(f"run {run} already finished ({state.status}); nothing to resume")
            spec = TaskFile.from_json(state.taskfile)
            base = next(e.data["base"] for e in events if e.kind == "run_started")
            coord = _Coordinator(repo, home, event_log, run, spec, base,
                                 executor or default_executor(spec.run.max_parallel), observer,
                                 owns_executor=executor is None)
            coord.emit("run_resumed", None, pid=os.getpid())
            # first of all: nothing the dead coordinator started may go on running, and
            # nothing may be removed from under it (we hold the run lock: it is ours now)
            stopped = orphans.stop_run_processes(home, run)
            if stopped:
                coord.emit("orphans_stopped", None, processes=stopped)
            landed = _finish_interrupted_landing(coord, events, state)
            if landed is not None:
                return _end(coord, *landed)
            done, blocked = _reconcile(coord, state)
            crash_point("reconciled")
            return _drive(coord, done, blocked)
    finally:
        repo_lock.release()
        lock.release()


def _finish_interrupted_landing(
    coord: _Coordinator, events: list[ev.Event], state: RunState
) -> tuple[str, str] | None:
    """A crash after the landing's compare-and-swap and before ``landed`` was written: the
    work is on the branch already, so record it (no task, integration or gate runs again).
    A clean checkout that the crash left showing the landed work reversed is fast-forwarded
    first. Returns (status, message), or None when the landing did not happen."""
    kinds = [e.kind for e in events]
    if "landing" not in kinds:
        return None
    last = max(i for i, kind in enumerate(kinds) if kind == "landing")
    if "landed" in kinds[last:]:
        return None
    data = events[last].data
    new, old = data["new"], data["old"]
    # the target, or the side ref a checkout with local changes sent the work to
    for ref in (data["ref"], worktrees.landed_ref(coord.run)):
        current = gitops.rev_parse(coord.repo, ref)
        if current is not None and (current == new or gitops.is_ancestor(coord.repo, new, current)):
            break
    else:
        return None  # the swap never happened: the resumed run integrates and lands normally
    note = ""
    if ref == data["ref"]:
        done = complete_interrupted_landing(coord.repo, ref, new, old)
        if done is not None:
            coord.emit("landing_completed", None, message=done)
        else:
            note = _checkout_left_behind(coord.repo, ref, new, old)
    else:
        note = f"; bring it in with: git merge {ref.removeprefix('refs/heads/')}"
    tasks = data.get("tasks") or [n for n, t in state.tasks.items() if t.state == ev.INTEGRATED]
    for task in tasks:
        coord.emit("task_landed", task)
    where = ref.removeprefix("refs/heads/")
    message = f"landed on {where} at {new[:12]} (recorded by --resume: the landing had happened){note}"
    coord.emit("landed", None, ref=ref, commit=new, message=message)
    return ("landed" if ref == data["ref"] else "landed_side"), message


def _checkout_left_behind(repo: Path, ref: str, new: str, old: str) -> str:
    """When the crash left the target's checkout with the index of ``old`` and it could not
    be fast-forwarded (the user's edits or untracked files in the way since), say how to
    finish it: the checkout shows the landed work reversed until then."""
    checkout = gitops.checkout_of_branch(repo, ref.removeprefix("refs/heads/"))
    if checkout is None or not gitops.git(checkout, "diff", "--cached", "--quiet", old, check=False).ok:
        return ""
    why = gitops.fast_forward_checkout(checkout, old, new, dry_run=True) or "local changes"
    return (f"; the checkout at {checkout} still has the files of {old[:12]} and was not updated ({why}): "
            f"move those away, then run: git -C {checkout} read-tree -m -u {old} {new}")


def _reconcile(coord: _Coordinator, state: RunState) -> tuple[dict[str, str], set[str]]:
    """Match the log against git: keep finished work, clear what a crash cut short.

    The dead coordinator's process groups are already stopped (``orphans``)."""
    done: dict[str, str] = {}
    blocked: set[str] = set()
    for name, task in state.tasks.items():
        coord.attempts[name] = task.attempts
        coord.failures[name] = task.failures
        if task.state in (ev.SUCCEEDED, ev.INTEGRATED, ev.CONFLICTED, ev.SUPERSEDED) and task.commit:
            if gitops.rev_parse(coord.repo, task.commit) is not None:
                done[name] = task.commit
                continue
            coord.emit("task_reset", name, reason="its recorded commit is gone")
        elif task.state in (ev.FAILED, ev.BLOCKED):
            blocked.add(name)
            continue
        elif task.state in (ev.STARTING, ev.RUNNING, ev.RETRYING):
            coord.emit("task_reset", name, reason=f"attempt {task.attempts} was cut short")
    # every worktree of the run (slots, integration, start merges) is scratch: the work is on branches
    orphans.remove_run_worktrees(coord.repo, coord.home, coord.run)
    return done, blocked


def _drive(coord: _Coordinator, done: dict[str, str], blocked: set[str]) -> RunReport:
    try:
        integration = coord.execute(done, blocked)
        status, message = coord.finish(integration)
    except KeyboardInterrupt:
        # tasks run in sessions of their own, so Ctrl-C reaches only the coordinator: stop
        # them too. The log keeps them as started; --resume runs them again.
        orphans.stop_run_processes(coord.home, coord.run)
        raise
    finally:
        if coord.owns_executor:
            coord.executor.shutdown(wait=True)
        orphans.remove_run_worktrees(coord.repo, coord.home, coord.run)
    return _end(coord, status, message)


def _end(coord: _Coordinator, status: str, message: str) -> RunReport:
    if coord.owns_executor:
        coord.executor.shutdown(wait=True)  # idempotent; a resume that only recorded a landing ran nothing
    orphans.remove_run_worktrees(coord.repo, coord.home, coord.run)
    coord.emit("run_finished", None, status=status, message=message)
    state = ev.fold(coord.run, coord.log.events(coord.run))
    return RunReport(coord.run, status, message, state)
