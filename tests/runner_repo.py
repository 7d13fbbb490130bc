"""Tiny real repositories for the runner tests."""

from __future__ import annotations

import subprocess
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from conftest import SMARTMERGE

from smartmerge.runner.events import Event, open_log
from smartmerge.runner.worktrees import RunnerHome

# Fast retries in tests: the back-off is real, just short.
FAST = "backoff_base = 0.05\nbackoff_cap = 0.2\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def make_repo(root: Path, files: dict[str, str], taskfile: str) -> Path:
    """A repository on branch main with ``files`` and ``smartmerge.toml`` committed."""
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (repo / "smartmerge.toml").write_text(textwrap.dedent(taskfile))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    return repo


def show(repo: Path, rev: str, path: str) -> str:
    return git(repo, "show", f"{rev}:{path}")


def smartmerge(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SMARTMERGE, *args], cwd=repo, capture_output=True, text=True, check=False)


def module_with_functions(names: list[str], gap: int = 12) -> str:
    """A module whose functions sit far apart, so even a line merge keeps edits to two of them apart."""
    blocks = [f"def {n}():\n    return {i!r}\n" for i, n in enumerate(names)]
    return ("\n" * gap).join(blocks)


# The functions of the module most runner tests edit (``module_with_functions(FUNCS)``):
# alpha returns 0, beta 1, gamma 2, delta 3.
FUNCS = ["alpha", "beta", "gamma", "delta"]


def sed(old: str, new: str, path: str = "mod.py") -> str:
    """A task command replacing ``old`` with ``new`` in ``path``."""
    return f"sed -i 's/{old}/{new}/' {path}"


def wait_for(predicate: Callable[[], bool], seconds: float = 60, what: str = "the run to get there") -> None:
    """Poll ``predicate`` (a file, an event, a process state the test waits on) until it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def run_events(repo: Path, run: str) -> list[Event]:
    """The event log of one run."""
    with open_log(RunnerHome.of(repo).db) as log:
        return log.events(run)


def latest_events(repo: Path) -> list[tuple[str | None, str]]:
    """(task, kind) of each event of the latest run so far (none before the log exists)."""
    home = RunnerHome.of(repo)
    if not home.db.exists():
        return []
    with open_log(home.db) as log:
        run = log.latest_run()
        return [(e.task, e.kind) for e in log.events(run)] if run else []


def proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state letter, parent pid, process group) from /proc, None when the process is gone."""
    try:
        state, ppid, pgrp = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:3]
    except (OSError, ValueError):
        return None
    return state, int(ppid), int(pgrp)
