"""A run's state as its event log tells it, for ``smartmerge status``: quick and light.

Machines poll ``smartmerge status --json``, so it reads the log and the run lock with
the fewest imports (no coordinator, no executors, no merge engine, no typer) and
answers in about 60 ms of CPU (bench/runner_bench.py measures it). ``python -m
smartmerge status [RUN] [-C REPO] --json`` is answered here before the command line
is loaded (``__main__``); anything else, errors included, goes the usual way.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from smartmerge.errors import SmartmergeError
from smartmerge.runner import events as ev


def runner_root(repo: Path) -> Path:
    """The runner-owned folder of the repository around ``repo`` (``<git common dir>/smartmerge``)."""
    proc = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=repo, capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise SmartmergeError(f"not a git repository: {repo} ({proc.stderr.strip()})")
    return Path(proc.stdout.strip()) / "smartmerge"


def lock_held(path: Path) -> bool:
    """Whether a live process holds the run lock (an OS ``flock``, as ``filelock`` takes it)."""
    try:
        import fcntl
    except ImportError:  # no flock here: ask filelock, which knows the fallback
        from smartmerge.runner.locks import is_held

        return is_held(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return True
        from smartmerge.runner.locks import is_held  # a file system without flock

        return is_held(path)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    return False


def run_state(repo: Path, run: str | None = None) -> ev.RunState:
    """The named run, or the latest one; a run whose coordinator died says ``interrupted``."""
    root = runner_root(repo)
    db = root / "runner.db"
    if not db.exists():
        raise SmartmergeError("no runs yet in this repository")
    with ev.open_log(db) as log:
        run = run or log.latest_run()
        events = log.events(run) if run else []
        if not run or not events:
            raise SmartmergeError(f"no run {run!r} (see 'smartmerge runs')")
        state = ev.fold(run, events)
    if state.finished is None and not lock_held(root / "runs" / run / "run.lock"):
        state.status = "interrupted"
        state.message = f"the coordinator is gone; continue with: smartmerge run --resume {run}"
    return state


def fast_status(argv: Sequence[str]) -> int | None:
    """Answer ``status [RUN] [-C REPO] --json``; None for anything else (or an error),
    which the full command line then handles (and reports)."""
    args = list(argv)
    if not args or args[0] != "status" or "--json" not in args:
        return None
    rest = [a for a in args[1:] if a != "--json"]
    repo, run = Path("."), None
    while rest:
        arg = rest.pop(0)
        if arg in ("-C", "--repo") and rest:
            repo = Path(rest.pop(0))
        elif arg.startswith("--repo="):
            repo = Path(arg.removeprefix("--repo="))
        elif not arg.startswith("-") and run is None:
            run = arg
        else:
            return None
    try:
        state = run_state(repo, run)
    except (SmartmergeError, OSError):
        return None
    sys.stdout.write(json.dumps(state.to_json(), indent=2, sort_keys=True) + "\n")
    return 0
