"""The parallel task runner: tasks in their own worktrees, merged back with smartmerge.

Python API::

    from smartmerge.runner import start_run, resume_run, load_taskfile
    report = start_run(Path("."))            # reads ./smartmerge.toml
    report.status, report.state.tasks["api"].state

``start_run(..., executor=...)`` takes any ``concurrent.futures.Executor``:
the runner submits ``execute_task(TaskRequest) -> TaskResult``, both picklable.

The names below are imported on first use: ``smartmerge status --json`` is polled by
machines and reads only the event log (``runner.status``), so importing a module of the
runner must not pull in the coordinator, the executors and the merge engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smartmerge.runner.control import gc, log_path, run_state, run_states, signal_task
    from smartmerge.runner.events import Event, RunState, TaskState
    from smartmerge.runner.executing import TaskRequest, TaskResult, execute_task
    from smartmerge.runner.running import RunReport, resume_run, start_run
    from smartmerge.runner.taskfile import (
        RunConfig,
        TaskFile,
        TaskSpec,
        load_taskfile,
        parse_taskfile,
    )

_HOME = {
    "gc": "control", "log_path": "control", "run_state": "control", "run_states": "control",
    "signal_task": "control",
    "Event": "events", "RunState": "events", "TaskState": "events",
    "TaskRequest": "executing", "TaskResult": "executing", "execute_task": "executing",
    "RunReport": "running", "resume_run": "running", "start_run": "running",
    "RunConfig": "taskfile", "TaskFile": "taskfile", "TaskSpec": "taskfile", "load_taskfile": "taskfile",
    "parse_taskfile": "taskfile",
}

__all__ = [
    "Event",
    "RunConfig",
    "RunReport",
    "RunState",
    "TaskFile",
    "TaskRequest",
    "TaskResult",
    "TaskSpec",
    "TaskState",
    "execute_task",
    "gc",
    "load_taskfile",
    "log_path",
    "parse_taskfile",
    "resume_run",
    "run_state",
    "run_states",
    "signal_task",
    "start_run",
]


def __getattr__(name: str) -> object:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'smartmerge.runner' has no attribute {name!r}")
    return getattr(importlib.import_module(f"smartmerge.runner.{module}"), name)
