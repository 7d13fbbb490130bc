"""The landing phase: the gate on the combined tree, the culprit's bisection, the compare-and-swap.

Never loses work: a task whose work does not land is named, with why, in the
event log (``task_conflicted``, ``task_failed``, ``task_superseded``,
``task_blocked``), and the run then does not count as ok. Every gate run is an
event (``gate_started`` with its ``purpose``: ``combined``, ``bisect`` or
``verify``), so the bisection's cost can be counted.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from smartmerge.runner import events as ev
from smartmerge.runner.bisecting import first_failing
from smartmerge.runner.crashing import crash_point
from smartmerge.runner.integrating import Added, GateRun, Integration, Link, Loss, land
from smartmerge.runner.taskfile import parent_of

if TYPE_CHECKING:
    from smartmerge.runner.running import _Coordinator

# Integrate again on top of a target that moved at most this often before giving up.
MAX_LANDING_ATTEMPTS = 3


def gate_and_land(coord: _Coordinator, integration: Integration) -> tuple[str, str]:
    """Gate the combined tree, take out what breaks it, land with a compare-and-swap."""
    run_cfg = coord.taskfile.run
    target = run_cfg.target
    for _ in range(MAX_LANDING_ATTEMPTS):
        new = landing_commit(coord, integration)
        if new is None:
            return "nothing_to_land", "no task produced work to land"
        if run_cfg.gate:
            coord.set_phase("gating")
            combined = gate(coord, integration, new, "combined")
            if not combined.passed:
                coord.set_phase("bisecting")
                new, why = without_culprits(coord, integration, combined)
                if new is None:
                    return "gate_failed", f"not landed: {why}"
        old = integration.onto
        coord.set_phase("landing")
        coord.emit("landing", None, ref=f"refs/heads/{target}", new=new, old=old,
                   tasks=[link.task for link in integration.links])
        crash_point("landing")
        landing = land(coord.repo, target, new, old, coord.run)
        if landing.landed:
            for link in integration.links:
                coord.emit("task_landed", link.task)
            coord.emit("landed", None, ref=landing.ref, commit=new, message=landing.message)
            status = "landed" if landing.ref == f"refs/heads/{target}" else "landed_side"
            return status, landing.message + not_landed(coord)
        if not landing.moved or landing.current is None:
            return "land_failed", landing.message
        if run_cfg.on_target_moved == "stop":
            return "target_moved", f"not landed: {landing.message}; nothing was changed (rerun to try again)"
        coord.set_phase("integrating")
        coord.emit("reintegrating", None, onto=landing.current, reason=landing.message)
        # the tasks' chain stays as it is; its head is merged onto the new target (landing_commit)
        integration.onto = landing.current
    return "target_moved", f"not landed: {target} kept moving ({MAX_LANDING_ATTEMPTS} attempts)"


def not_landed(coord: _Coordinator) -> str:
    """For the final summary: the tasks of the file whose work did not all land, and why."""
    state = ev.fold(coord.run, coord.log.events(coord.run))
    missing = [
        f"{name} ({task.state}: {task.reason})" if task.reason else f"{name} ({task.state})"
        for name, task in state.tasks.items()
        if parent_of(name) is None and task.state != ev.INTEGRATED
    ]
    return f"; not landed: {'; '.join(missing)}" if missing else ""


def landing_commit(coord: _Coordinator, integration: Integration) -> str | None:
    """The chain's head on the target as it is now; a task whose work clashes with
    work that landed on the target during the run is taken out (``task_conflicted``):
    what is on the target is never ranked against, so never overwritten."""
    target = coord.taskfile.run.target
    while integration.links:
        commit, _ = integration.landing_commit()
        if commit is not None:
            return commit
        index, reason = integration.first_clash_with_target()
        task = integration.links[index].task
        coord.emit(
            "task_conflicted", task,
            reason=f"clashes with work that landed on {target} during the run ({integration.onto[:12]}): {reason}",
        )
        report_replay(coord, integration, take_out(integration, task), task)
    return None


def without_culprits(
    coord: _Coordinator, integration: Integration, failed: GateRun, *, target_passes: bool = False
) -> tuple[str | None, str]:
    """Find the task that breaks the gate by bisecting the integration order, take it
    out (with the tasks that need it), and gate the rest; again while the gate fails.

    The prefix before the first task (the target) is presumed to pass: one culprit
    costs at most ``ceil(log2 n)`` bisection runs plus one run on the tree without it.
    Only when that run fails too is the target itself gated, so a target that fails
    on its own is reported as such instead of its tasks being blamed one by one.
    """
    target = coord.taskfile.run.target
    good = 0
    target_checked = target_passes
    while True:
        if len(integration.links) <= good:
            return None, f"the gate fails on a tree it passed before (a flaky gate?): {failed.reason}"
        runs: dict[int, GateRun] = {len(integration.links): failed}
        k = first_failing(good, len(integration.links), functools.partial(_prefix_passes, coord, integration, runs))
        culprit = integration.links[k - 1].task
        breaking = runs.get(k) or GateRun("", False, "its work conflicts with the target's new work")
        replayed = take_out(integration, culprit)
        # the tree without it, as it is (a task now clashing with the moved target stays in:
        # landing_commit below takes it out); with no task left, that is the target alone
        new, _ = integration.landing_commit()
        verify = gate(coord, integration, new, "verify") if new is not None else None
        if verify is not None and not verify.passed and good == 0 and not target_checked:
            target_checked = True
            alone = verify if not integration.links else gate(coord, integration, integration.onto, "bisect")
            if not alone.passed:
                return None, f"the gate fails on {target} itself ({integration.onto[:12]}), before any task: {alone.reason}"
        coord.emit("task_failed", culprit, reason=f"breaks the gate: {breaking.reason}", attempt=0,
                   tests=list(breaking.failing), commit=breaking.commit, culprit=True)
        report_replay(coord, integration, replayed, culprit)
        new = landing_commit(coord, integration)
        if new is None:
            return None, "no task is left to land"
        if verify is None or verify.commit != new:
            verify = gate(coord, integration, new, "verify")
        if verify.passed:
            return new, ""
        good, failed = k - 1, verify


def _prefix_passes(coord: _Coordinator, integration: Integration, runs: dict[int, GateRun], k: int) -> bool:
    """One bisection probe: the gate on the chain's first ``k`` tasks (kept in ``runs``)."""
    commit = integration.prefix(k)
    if commit is None:
        return False
    runs[k] = gate(coord, integration, commit, "bisect")
    return runs[k].passed


def take_out(integration: Integration, task: str) -> list[Added]:
    return integration.replay_without({task})


def report_replay(coord: _Coordinator, integration: Integration, outcomes: list[Added], gone: str) -> None:
    """Record what merging the later tasks again (after ``gone`` was taken out) did,
    and who is superseded now."""
    state = ev.fold(coord.run, coord.log.events(coord.run))
    for added in outcomes:
        if added.upstream_gone:
            why = state.tasks[added.upstream_gone].state if added.upstream_gone in state.tasks else "left"
            coord.emit("task_blocked", added.task, reason=f"upstream {added.upstream_gone} {why}")
        elif not added.clean:
            coord.emit("task_conflicted", added.task, reason=added.reason)
    sync_superseded(coord, integration)


def superseded_reason(losses: list[Loss]) -> str:
    parts = [f"the gate kept {loss.kept}'s version of {', '.join(loss.symbols)}" for loss in losses]
    return "; ".join(parts) + " (this task's change there is not landed)"


def emit_losses(coord: _Coordinator, losses: tuple[Loss, ...] | list[Loss], known: dict[str, list[Loss]]) -> None:
    """A task whose work a gate-resolved clash discarded becomes ``superseded``; its event
    carries every symbol it lost so far and whose version was kept instead."""
    by_task: dict[str, list[Loss]] = {}
    for loss in losses:
        by_task.setdefault(loss.task, []).append(loss)
    with coord.emit_lock:
        for task, new in by_task.items():
            mine = known.setdefault(task, [])
            mine.extend(new)
            coord.emit("task_superseded", task, reason=superseded_reason(mine),
                       symbols=[s for x in mine for s in x.symbols], kept=[x.kept for x in mine])


def emit_merged_again(coord: _Coordinator, integration: Integration, task: str) -> None:
    """A merge whose outcome arrives after the chain was rebuilt: the task is in the
    chain, merged again; record that, then the losses of the chain as it is now."""
    with coord.emit_lock:
        coord.emit("task_integrated", task, head=integration.head_of(task), merged_again=True)
        sync_superseded(coord, integration)


def sync_superseded(coord: _Coordinator, integration: Integration) -> None:
    """After merging tasks again, the losses are those of the chain as it is now: record
    new ones, and give a task whose clash partner left back its ``integrated``."""
    with coord.emit_lock:
        _sync_superseded(coord, list(integration.links))


def _sync_superseded(coord: _Coordinator, links: list[Link]) -> None:
    state = ev.fold(coord.run, coord.log.events(coord.run))
    lost: dict[str, list[Loss]] = {}
    for link in links:
        for loss in link.losses:
            lost.setdefault(loss.task, []).append(loss)
    coord.lost = {}
    for link in links:
        now = state.tasks[link.task]
        if link.task in lost:
            if now.state != ev.SUPERSEDED or now.reason != superseded_reason(lost[link.task]):
                emit_losses(coord, lost[link.task], coord.lost)
            else:
                coord.lost[link.task] = lost[link.task]
        elif now.state == ev.SUPERSEDED:
            coord.emit("task_integrated", link.task, head=link.head, restored=True)


def gate(coord: _Coordinator, integration: Integration, commit: str, purpose: str) -> GateRun:
    """One gate run, written to the event log before it starts and after it ends."""
    run_cfg = coord.taskfile.run
    assert run_cfg.gate is not None  # only called for runs with a gate
    coord.emit("gate_started", None, commit=commit, cmd=run_cfg.gate, purpose=purpose)
    run = integration.gate_run(commit, run_cfg.gate, run_cfg.gate_timeout, coord.home.log(coord.run, "gate"))
    coord.emit("gate_passed" if run.passed else "gate_failed", None, commit=commit, reason=run.reason,
               purpose=purpose, tests=list(run.failing))
    return run


def clear_breakage(coord: _Coordinator, integration: Integration) -> bool:
    """Before a gate decision is taken as "nothing passes": gate the integration so far,
    and when that fails too, take out the task that breaks it (the same bisection as
    at landing). True when a task was taken out, so the decision is taken again on a
    tree without it. Runs on the integration thread."""
    if coord.taskfile.run.gate is None or not integration.links:
        return False
    head = integration.chain_head()
    check = gate(coord, integration, head, "check")
    if check.passed:
        return False
    if not gate(coord, integration, integration.onto, "check").passed:
        return False  # the target fails the gate on its own: no task to blame, the decision stands
    before = {link.task for link in integration.links}
    without_culprits(coord, integration, check, target_passes=True)
    state = ev.fold(coord.run, coord.log.events(coord.run))
    gone = sorted(before - {link.task for link in integration.links})
    with coord.emit_lock:
        coord.taken_out += [(t, f"upstream {t} {state.tasks[t].state}") for t in gone]
    integration.checkout(integration.chain_head())
    # with every task out the decision is simply taken again on the target
    return bool(gone)
