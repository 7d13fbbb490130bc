"""Showing a run as it goes: a live rich table on a terminal, one plain line per event otherwise."""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from smartmerge.runner import events as ev
from smartmerge.runner.events import Event

_QUIET = {"task_landed"}


def describe(event: Event) -> str:
    """One line for an event, the same words the live display uses."""
    d = event.data
    who = f"{event.task}: " if event.task else ""
    kind = event.kind
    if kind == "run_started":
        return f"run {event.run}: {len(d['taskfile']['tasks'])} tasks, target {d['target']}"
    if kind == "run_resumed":
        return f"run {event.run}: resumed"
    if kind == "task_starting":
        return f"{who}started (attempt {d['attempt']}, slot {d['slot']})"
    if kind == "task_succeeded":
        return f"{who}succeeded in {d['seconds']:.1f} s ({d['commit'][:12]})"
    if kind in ("task_retrying",):
        return f"{who}attempt {d['attempt']} failed ({d['reason']}); retrying in {d['delay']:.1f} s"
    if kind == "task_waiting":
        return f"{who}{d['reason']}"
    if kind in ("task_failed", "task_blocked", "task_conflicted", "task_reset", "task_superseded"):
        return f"{who}{kind.removeprefix('task_')}: {d['reason']}"
    if kind == "variant_chosen":
        return f"{who}variant {d['variant']} chosen by the gate: {d['reason']}"
    if kind == "task_integrated":
        if d.get("ranked"):
            return f"{who}integrated; clash resolved by the gate: {d['ranked']}"
        return f"{who}integrated"
    # the purpose (combined, bisect, verify, check) says why this gate run happens (docs/runner.md)
    gate = f"gate ({d['purpose']})" if d.get("purpose") else "gate"
    if kind in ("gate_started",):
        return f"{gate}: {d['cmd']} on {d['commit'][:12]}"
    if kind in ("gate_passed", "gate_failed"):
        return f"{gate}: {d['reason']}"
    if kind == "phase":
        return f"phase: {d['phase']}"
    if kind == "orphans_stopped":
        return f"stopped what the dead coordinator left running: {', '.join(d['processes'])}"
    if kind == "landing":
        return f"landing {d['new'][:12]} on {d['ref']}"
    if kind == "reintegrating":
        return f"integrating again: {d['reason']}"
    if kind == "landed":
        return str(d["message"])
    if kind == "run_finished":
        return f"run {event.run}: {d['status']}: {d['message']}"
    return f"{who}{kind} {d}"


class PlainProgress:
    """One line per event, for logs and pipes."""

    def __init__(self, out: IO[str] | None = None) -> None:
        self.out = out or sys.stdout

    def __call__(self, event: Event) -> None:
        if event.kind in _QUIET:
            return
        self.out.write(f"[{time.strftime('%H:%M:%S')}] {describe(event)}\n")
        self.out.flush()

    def close(self) -> None:
        return None


class LiveProgress:
    """Per-task state and time, counts and an ETA, redrawn as events arrive."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.state: ev.RunState | None = None
        self.events: list[Event] = []
        self.live = Live(console=self.console, refresh_per_second=4, transient=False)
        self.live.start()

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        self.state = ev.fold(event.run, self.events)
        if event.kind in ("task_failed", "task_blocked", "task_conflicted", "variant_chosen", "landed", "gate_failed",
                          "run_finished", "task_superseded"):
            self.live.console.print(describe(event), highlight=False, markup=False)
        self.live.update(self._view())

    def _view(self) -> Group:
        state = self.state
        assert state is not None  # only drawn after the first event
        counts = state.counts()
        summary = f"run {state.run}  {self._phase()}  " + "  ".join(f"{k} {v}" for k, v in counts.items() if v)
        return Group(Text(summary + self._eta()), self._table())

    def _phase(self) -> str:
        state = self.state
        assert state is not None  # only drawn after the first event
        if state.phase is None:
            return state.status
        since = f" {time.time() - state.phase_since:.0f}s" if state.phase_since is not None else ""
        return f"[{state.phase}{since}]"

    def _table(self) -> Table:
        state = self.state
        assert state is not None  # only drawn after the first event
        table = Table()
        table.add_column("task")
        table.add_column("state")
        table.add_column("time", justify="right")
        table.add_column("note")
        now = time.time()
        for task in state.tasks.values():
            seconds = ""
            if task.started is not None:
                seconds = f"{(task.finished or now) - task.started:.1f}s"
            table.add_row(task.name, task.state, seconds, task.reason[:60])
        return table

    def _eta(self) -> str:
        state = self.state
        assert state is not None  # only drawn after the first event
        finished = [
            t for t in state.tasks.values()
            if t.finished is not None and t.started is not None and t.state in (ev.SUCCEEDED, ev.INTEGRATED)
        ]
        left = state.counts()["pending"] + state.counts()["running"]
        # an estimate of the tasks' time only: integration, the gate and landing have no
        # mean to go by, and the phase says what the run is doing then
        if state.phase != "tasks" or not finished or not left:
            return ""
        mean = sum((t.finished or 0) - (t.started or 0) for t in finished) / len(finished)
        parallel = max(1, int(state.taskfile["run"].get("max_parallel", 4)))
        return f"  tasks ETA ~{max(1.0, mean * left / parallel):.0f}s"

    def close(self) -> None:
        self.live.stop()


def progress_for(stream: Any = None) -> PlainProgress | LiveProgress:
    stream = stream or sys.stdout
    if hasattr(stream, "isatty") and stream.isatty():
        return LiveProgress()
    return PlainProgress(stream)
