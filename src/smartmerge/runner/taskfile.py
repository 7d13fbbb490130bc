"""The task file (``smartmerge.toml``): load, validate, describe.

Everything is checked before anything runs: unknown keys, unknown dependencies
and cycles are reported with a message that names the offending place.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from smartmerge.errors import ConfigError

TASKFILE_NAME = "smartmerge.toml"

# Names become branch names and folder names: keep them to what both accept.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


@dataclass(frozen=True)
class TaskSpec:
    """One task: a shell command run in its own worktree."""

    name: str
    cmd: str
    needs: tuple[str, ...] = ()
    retries: int = 0
    # seconds; None means no limit
    timeout: float | None = None
    # names ("test-db") and path globs ("migrations/**") this task holds while it runs
    locks: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    # abstract resources one attempt holds on its worker ({gpu = 1}); only the dask executor uses them
    resources: tuple[tuple[str, float], ...] = ()
    # the commands of the task's variants (empty: no variants); the gate chooses which one lands
    variants: tuple[str, ...] = ()


VARIANT_MARK = "#"


def variant_name(task: str, number: int) -> str:
    """``api#2``: task names cannot hold '#', so a variant's name never clashes with a task's."""
    return f"{task}{VARIANT_MARK}{number}"


def parent_of(name: str) -> str | None:
    """The task a variant belongs to, or None for a plain task."""
    parent, mark, _ = name.partition(VARIANT_MARK)
    return parent if mark else None


@dataclass(frozen=True)
class RunConfig:
    """The ``[run]`` table."""

    target: str = "main"
    gate: str | None = None
    gate_timeout: float | None = None
    max_parallel: int = 4
    setup: str | None = None
    # retries wait base * 2**attempt seconds, capped, with jitter (see scheduling.backoff_delay)
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    # when the target moved during the run: integrate again on top of it ("reintegrate") or stop
    on_target_moved: str = "reintegrate"


@dataclass(frozen=True)
class TaskFile:
    run: RunConfig
    tasks: dict[str, TaskSpec] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A plain-data snapshot, stored in the event log so a resume runs what was started."""
        return {"run": asdict(self.run), "tasks": {name: asdict(t) for name, t in self.tasks.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskFile:
        tasks = {}
        for name, t in data["tasks"].items():
            tasks[name] = TaskSpec(
                name=t["name"],
                cmd=t["cmd"],
                needs=tuple(t["needs"]),
                retries=t["retries"],
                timeout=t["timeout"],
                locks=tuple(t["locks"]),
                env=tuple((k, v) for k, v in t["env"]),
                # .get: snapshots written before resources existed have none
                resources=tuple((k, float(v)) for k, v in t.get("resources", [])),
                variants=tuple(t.get("variants", [])),
            )
        return cls(run=RunConfig(**data["run"]), tasks=tasks)


_RUN_KEYS = {
    "target": str,
    "gate": str,
    "gate_timeout": (str, int, float),
    "max_parallel": int,
    "setup": str,
    "backoff_base": (int, float),
    "backoff_cap": (int, float),
    "on_target_moved": str,
}
_TASK_KEYS = {
    "cmd": str,
    "needs": list,
    "retries": int,
    "timeout": (str, int, float),
    "locks": list,
    "env": dict,
    "resources": dict,
    # checked by _variants: an int or a list of commands, so no single type fits here
    "variants": object,
}

# At most this many variants of one task: each is a whole run of the task's command.
MAX_VARIANTS = 16


def parse_duration(value: str | int | float, where: str) -> float:
    """``90`` / ``"90s"`` / ``"15m"`` / ``"1.5h"`` / ``"500ms"`` -> seconds."""
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a duration such as \"15m\", got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if match is None:
            raise ConfigError(f"{where}: expected a duration such as \"90s\", \"15m\" or \"1h\", got {value!r}")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ConfigError(f"{where}: a duration must be positive, got {value!r}")
    return seconds


def _check_keys(table: dict[str, Any], allowed: dict[str, Any], where: str) -> None:
    for key, value in table.items():
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
        expected = allowed[key]
        if isinstance(value, bool) or not isinstance(value, expected):
            raise ConfigError(f"{where}.{key}: wrong type {type(value).__name__}")


def _strings(value: list[Any], where: str) -> tuple[str, ...]:
    if not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(value)


def _run_config(table: dict[str, Any]) -> RunConfig:
    _check_keys(table, _RUN_KEYS, "[run]")
    defaults = RunConfig()
    max_parallel = table.get("max_parallel", defaults.max_parallel)
    if max_parallel < 1:
        raise ConfigError("[run].max_parallel: must be at least 1")
    on_moved = table.get("on_target_moved", defaults.on_target_moved)
    if on_moved not in ("reintegrate", "stop"):
        raise ConfigError("[run].on_target_moved: must be \"reintegrate\" or \"stop\"")
    gate_timeout = table.get("gate_timeout")
    return RunConfig(
        target=table.get("target", defaults.target),
        gate=table.get("gate"),
        gate_timeout=None if gate_timeout is None else parse_duration(gate_timeout, "[run].gate_timeout"),
        max_parallel=max_parallel,
        setup=table.get("setup"),
        backoff_base=float(table.get("backoff_base", defaults.backoff_base)),
        backoff_cap=float(table.get("backoff_cap", defaults.backoff_cap)),
        on_target_moved=on_moved,
    )


def _variants(value: Any, cmd: str, where: str) -> tuple[str, ...]:
    """The commands of a task's variants: ``variants = 3`` repeats ``cmd``, a list names each one."""
    if isinstance(value, int) and not isinstance(value, bool):
        if not cmd:
            raise ConfigError(f"{where}.variants: a count repeats the task's 'cmd', which is missing")
        if not 1 <= value <= MAX_VARIANTS:
            raise ConfigError(f"{where}.variants: a count must be from 1 to {MAX_VARIANTS}, got {value}")
        return (cmd,) * value
    if isinstance(value, list):
        if not value or len(value) > MAX_VARIANTS:
            raise ConfigError(f"{where}.variants: a list must hold 1 to {MAX_VARIANTS} commands, got {len(value)}")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f"{where}.variants: a list must hold non-empty command strings")
        return tuple(value)
    raise ConfigError(
        f"{where}.variants: expected a count (variants = 3) or a list of commands "
        f"(variants = [\"cmd a\", \"cmd b\"]), got {type(value).__name__}"
    )


def _task(name: str, table: Any) -> TaskSpec:
    where = f"[tasks.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    if not _NAME.match(name):
        raise ConfigError(f"{where}: a task name uses letters, digits, '_', '.', '-' and starts with a letter or digit")
    _check_keys(table, _TASK_KEYS, where)
    variants = _variants(table["variants"], table.get("cmd", ""), where) if "variants" in table else ()
    if "cmd" not in table and not variants:
        raise ConfigError(f"{where}: missing key 'cmd'")
    retries = table.get("retries", 0)
    if retries < 0:
        raise ConfigError(f"{where}.retries: must be 0 or more")
    env = table.get("env", {})
    if not all(isinstance(v, str) for v in env.values()):
        raise ConfigError(f"{where}.env: values must be strings")
    resources = table.get("resources", {})
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in resources.values()):
        raise ConfigError(f"{where}.resources: values must be positive numbers")
    timeout = table.get("timeout")
    return TaskSpec(
        name=name,
        cmd=table.get("cmd", ""),
        needs=_strings(table.get("needs", []), f"{where}.needs"),
        retries=retries,
        timeout=None if timeout is None else parse_duration(timeout, f"{where}.timeout"),
        locks=_strings(table.get("locks", []), f"{where}.locks"),
        env=tuple(sorted(env.items())),
        resources=tuple(sorted((k, float(v)) for k, v in resources.items())),
        variants=variants,
    )


def expand_variants(tasks: dict[str, TaskSpec]) -> dict[str, TaskSpec]:
    """The tasks as the scheduler sees them: a task with variants becomes one task per
    variant (``api#1``, ``api#2``: same needs, locks, retries, time limit) plus the task
    itself, which needs its variants and runs nothing: its turn is the gate's choice."""
    expanded: dict[str, TaskSpec] = {}
    for name, task in tasks.items():
        if not task.variants:
            expanded[name] = task
            continue
        names = [variant_name(name, i) for i in range(1, len(task.variants) + 1)]
        for vname, cmd in zip(names, task.variants, strict=True):
            expanded[vname] = replace(task, name=vname, cmd=cmd, variants=())
        expanded[name] = replace(task, cmd="", needs=(*task.needs, *names), locks=(), resources=())
    return expanded


def find_cycle(needs: dict[str, tuple[str, ...]]) -> list[str] | None:
    """A dependency cycle as a path that ends where it starts (``[a, b, a]``), or None."""
    # iterative depth-first search with three colours, so deep graphs cannot hit the recursion limit
    colour = dict.fromkeys(needs, 0)
    for root in sorted(needs):
        if colour[root]:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                colour[node] = 1
                path.append(node)
            deps = sorted(needs[node])
            if index < len(deps):
                stack.append((node, index + 1))
                dep = deps[index]
                if colour[dep] == 1:
                    return [*path[path.index(dep):], dep]
                if colour[dep] == 0:
                    stack.append((dep, 0))
            else:
                colour[node] = 2
                path.pop()
    return None


def parse_taskfile(text: str, source: str = TASKFILE_NAME) -> TaskFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    for key in data:
        if key not in ("run", "tasks"):
            raise ConfigError(f"{source}: unknown table [{key}] (known: [run], [tasks.NAME])")
    run_table = data.get("run", {})
    if not isinstance(run_table, dict):
        raise ConfigError(f"{source}: [run] must be a table")
    tasks_table = data.get("tasks", {})
    if not isinstance(tasks_table, dict) or not tasks_table:
        raise ConfigError(f"{source}: no tasks (add a table [tasks.NAME] with a 'cmd')")
    try:
        run = _run_config(run_table)
        tasks = {name: _task(name, table) for name, table in tasks_table.items()}
        for task in tasks.values():
            for dep in task.needs:
                if dep not in tasks:
                    raise ConfigError(f"[tasks.{task.name}].needs: unknown task {dep!r}")
                if dep == task.name:
                    raise ConfigError(f"[tasks.{task.name}].needs: a task cannot need itself ({dep} -> {dep})")
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    cycle = find_cycle({name: t.needs for name, t in tasks.items()})
    if cycle is not None:
        raise ConfigError(f"{source}: dependency cycle: {' -> '.join(cycle)}")
    return TaskFile(run=run, tasks=tasks)


def load_taskfile(path: Path) -> TaskFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no task file (create {TASKFILE_NAME} with [run] and [tasks.NAME])") from None
    return parse_taskfile(text, str(path))
