"""The parallel task runner: tasks in their own worktrees, merged back with smartmerge.

Python API::

    from smartmerge.runner import start_run, resume_run, load_taskfile
    report = start_run(Path("."))            # reads ./smartmerge.toml
    report.status, report.state.tasks["api"].state

``start_run(..., executor=...)`` takes any ``concurrent.futures.Executor``:
the runner submits ``execute_task(TaskRequest) -> TaskResult``, both picklable.
"""

from smartmerge.runner.control import gc, log_path, run_state, run_states, signal_task
from smartmerge.runner.events import Event, RunState, TaskState
from smartmerge.runner.executing import TaskRequest, TaskResult, execute_task
from smartmerge.runner.running import RunReport, resume_run, start_run
from smartmerge.runner.taskfile import RunConfig, TaskFile, TaskSpec, load_taskfile, parse_taskfile

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
