"""The append-only event log: SQLite in WAL mode, the source of truth of every run.

Each state change is written (and committed) before its side effect, so after
a crash the log says what may have been started and the worktrees and branches
say what actually happened; ``resume`` reconciles the two.

Only the coordinator writes task events; control commands (pause, kill) append
``control`` events that the coordinator reads.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    run   TEXT NOT NULL,
    ts    REAL NOT NULL,
    task  TEXT,
    kind  TEXT NOT NULL,
    data  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_run ON events (run, id);
"""

# Task states, as the log folds them.
PENDING, STARTING, RUNNING, RETRYING, SUCCEEDED, FAILED, BLOCKED = (
    "pending", "starting", "running", "retrying", "succeeded", "failed", "blocked",
)
INTEGRATED, CONFLICTED = "integrated", "conflicted"
# integrated, but a clash the gate resolved discarded some of its work (docs/runner.md)
SUPERSEDED = "superseded"
FINAL_STATES = frozenset({SUCCEEDED, FAILED, BLOCKED, INTEGRATED, CONFLICTED, SUPERSEDED})

# What the coordinator is doing, in the order a run goes through them (a ``phase`` event
# each time it changes; ``running.set_phase``). "tasks": tasks run (finished ones are merged
# meanwhile); "integrating": every task is over, merges remain (or the target moved and the
# run merges again); "ranking": the gate chooses among clash resolutions or variants;
# "gating": the gate runs on the combined tree; "bisecting": the gate failed and the run
# looks for the task that broke it; "landing": the compare-and-swap and the checkout.
PHASES = ("tasks", "integrating", "ranking", "gating", "bisecting", "landing")


@dataclass(frozen=True)
class Event:
    id: int
    run: str
    ts: float
    task: str | None
    kind: str
    data: dict[str, Any]


class EventLog:
    """One connection to ``runner.db``; safe to open from several processes at once."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit, each append is its own durable transaction
        self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: an append that returned is on disk before the side effect it announces
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def append(self, run: str, kind: str, task: str | None = None, **data: Any) -> Event:
        ts = time.time()
        cur = self._db.execute(
            "INSERT INTO events (run, ts, task, kind, data) VALUES (?, ?, ?, ?, ?)",
            (run, ts, task, kind, json.dumps(data)),
        )
        return Event(int(cur.lastrowid or 0), run, ts, task, kind, data)

    def events(self, run: str, after: int = 0) -> list[Event]:
        rows = self._db.execute(
            "SELECT id, run, ts, task, kind, data FROM events WHERE run = ? AND id > ? ORDER BY id", (run, after)
        ).fetchall()
        return [Event(r[0], r[1], r[2], r[3], r[4], json.loads(r[5])) for r in rows]

    def runs(self) -> list[str]:
        rows = self._db.execute("SELECT run, MIN(id) AS first FROM events GROUP BY run ORDER BY first").fetchall()
        return [r[0] for r in rows]

    def latest_run(self) -> str | None:
        runs = self.runs()
        return runs[-1] if runs else None


@contextmanager
def open_log(path: Path) -> Iterator[EventLog]:
    log = EventLog(path)
    try:
        yield log
    finally:
        log.close()


@dataclass
class TaskState:
    name: str
    state: str = PENDING
    attempts: int = 0
    # failed attempts (retried or final); an attempt cut short by a crash is none
    failures: int = 0
    commit: str | None = None
    reason: str = ""
    started: float | None = None
    finished: float | None = None
    pgid: int | None = None
    killed: bool = False
    paused: bool = False
    # a task with variants: the one the gate chose ("api#2"), once chosen
    variant: str | None = None


@dataclass
class RunState:
    """A run as its events tell it."""

    run: str
    started: float = 0.0
    finished: float | None = None
    status: str = "running"
    message: str = ""
    target: str = ""
    taskfile: dict[str, Any] = field(default_factory=dict)
    tasks: dict[str, TaskState] = field(default_factory=dict)
    landed_ref: str | None = None
    landed_commit: str | None = None
    coordinator_pid: int | None = None
    # one of PHASES while the run goes on (None before the first and once finished), and since when
    phase: str | None = None
    phase_since: float | None = None

    def counts(self) -> dict[str, int]:
        """Tasks by state. "running" counts attempts under way only (never more than
        max_parallel): a task waiting out its retry back-off is pending."""
        counts = {k: 0 for k in ("done", "running", "pending", "failed", "blocked", "conflicted")}
        for t in self.tasks.values():
            if t.state in (SUCCEEDED, INTEGRATED):
                counts["done"] += 1
            elif t.state in (RUNNING, STARTING):
                counts["running"] += 1
            elif t.state == FAILED:
                counts["failed"] += 1
            elif t.state in (BLOCKED, SUPERSEDED):
                counts["blocked"] += 1
            elif t.state == CONFLICTED:
                counts["conflicted"] += 1
            else:
                counts["pending"] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "status": self.status,
            "message": self.message,
            "target": self.target,
            "started": self.started,
            "finished": self.finished,
            "landed_ref": self.landed_ref,
            "landed_commit": self.landed_commit,
            "phase": self.phase,
            "phase_since": self.phase_since,
            "counts": self.counts(),
            "tasks": {
                n: {
                    "state": t.state,
                    "attempts": t.attempts,
                    "commit": t.commit,
                    "reason": t.reason,
                    "variant": t.variant,
                    "started": t.started,
                    "finished": t.finished,
                }
                for n, t in self.tasks.items()
            },
        }


def fold(run: str, events: list[Event]) -> RunState:
    """Replay a run's events into its current state."""
    state = RunState(run=run)
    for ev in events:
        task = state.tasks.get(ev.task) if ev.task else None
        if ev.kind == "run_started":
            state.started = ev.ts
            state.target = ev.data["target"]
            state.taskfile = ev.data["taskfile"]
            state.coordinator_pid = ev.data.get("pid")
            for name, spec in ev.data["taskfile"]["tasks"].items():
                # variants first, as the scheduler expands them: "api#1", "api#2", then "api"
                for number in range(1, len(spec.get("variants", [])) + 1):
                    state.tasks.setdefault(f"{name}#{number}", TaskState(f"{name}#{number}"))
                state.tasks.setdefault(name, TaskState(name))
        elif ev.kind == "run_resumed":
            state.status = "running"
            state.finished = None
            state.coordinator_pid = ev.data.get("pid")
            state.phase = state.phase_since = None
        elif ev.kind == "phase":
            state.phase = ev.data["phase"]
            state.phase_since = ev.ts
        elif ev.kind == "run_finished":
            state.phase = state.phase_since = None
            state.status = ev.data["status"]
            state.message = ev.data.get("message", "")
            state.finished = ev.ts
        elif ev.kind == "landed":
            state.landed_ref = ev.data["ref"]
            state.landed_commit = ev.data["commit"]
        elif task is not None:
            _fold_task(task, ev)
    return state


def _fold_task(task: TaskState, ev: Event) -> None:
    kind, data = ev.kind, ev.data
    if kind == "task_starting":
        # the attempt is under way from the user's view; the log wrote it before the worktree
        # and the process existed, which is what resume reconciles
        task.state = RUNNING
        task.attempts = data["attempt"]
        task.started = ev.ts if task.started is None else task.started
        task.reason = ""
    elif kind == "task_waiting":
        # still pending: a symbol it locks is claimed outside the run (runner/locks.py)
        task.reason = data["reason"]
    elif kind == "task_running":
        task.state = RUNNING
        task.pgid = data.get("pgid")
    elif kind == "task_retrying":
        task.state = RETRYING
        task.reason = data["reason"]
        task.failures += 1
    elif kind == "task_succeeded":
        task.state = SUCCEEDED
        task.commit = data["commit"]
        task.finished = ev.ts
    elif kind == "task_failed":
        task.failures += 1
        task.state = FAILED
        task.reason = data["reason"]
        task.finished = ev.ts
    elif kind == "task_blocked":
        task.state = BLOCKED
        task.reason = data["reason"]
        task.finished = ev.ts
    elif kind == "task_integrated":
        if data.get("restored") or data.get("merged_again"):
            # merged again after a culprit was taken out: what it said before no longer holds
            task.reason = ""
        task.state = INTEGRATED
        if data.get("ranked"):
            task.reason = f"clash resolved by the gate: {data['ranked']}"
    elif kind == "variant_chosen":
        task.variant = data["variant"]
        task.commit = data["commit"]
        task.reason = f"variant {data['variant']} chosen by the gate: {data['reason']}"
    elif kind == "task_conflicted":
        task.state = CONFLICTED
        task.reason = data["reason"]
    elif kind == "task_superseded":
        # the event carries the whole story of the task's lost work, not just the latest part
        task.state = SUPERSEDED
        task.reason = data["reason"]
    elif kind == "task_reset":
        # resume found an attempt that never finished: it runs again
        task.state = PENDING
        task.pgid = None
    elif kind == "control":
        action = data["action"]
        if action == "kill":
            task.killed = True
        elif action == "pause":
            task.paused = True
        elif action == "unpause":
            task.paused = False
