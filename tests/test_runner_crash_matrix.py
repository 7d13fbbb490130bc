"""kill -9 of the coordinator at each named point of a run, then ``run --resume``.

The coordinator kills itself with a real SIGKILL where ``SMARTMERGE_CRASH_AT`` says
(``runner/crashing.py``), so the crash lands at an exact place without racing a timer.
Each case then resumes in a real subprocess and checks what a user would: the landed
tree (on the branch and in the checkout), that no process of the run outlives the
resume (by process group and by environment), and that no worktree is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SMARTMERGE
from runner_repo import git, make_repo, show

from smartmerge.runner.worktrees import RunnerHome

RUN_SECONDS = 120


@dataclass(frozen=True)
class Case:
    # where the first run dies
    point: str
    # where the first resume dies too (None: it finishes)
    resume_point: str | None = None
    # tasks (or "gate") whose first run hangs, so that a live orphan is there at the crash
    hang: tuple[str, ...] = ()
    # how often each task and the gate ran in the end
    runs: tuple[tuple[str, int], ...] = (("a", 1), ("b", 1), ("c", 1), ("gate", 1))


CASES = [
    Case("task_starting:c", runs=(("a", 1), ("b", 1), ("c", 1), ("gate", 1))),
    Case("task_running:b", hang=("b",), runs=(("a", 1), ("b", 2), ("c", 1), ("gate", 1))),
    Case("task_done:a", runs=(("a", 2), ("b", 1), ("c", 1), ("gate", 1))),
    Case("start_merge:c"),
    Case("integrated:c"),
    Case("gate_running", hang=("gate",), runs=(("a", 1), ("b", 1), ("c", 1), ("gate", 2))),
    Case("landing", runs=(("a", 1), ("b", 1), ("c", 1), ("gate", 2))),
    # the target moved, the checkout and the log not yet: resume records it, gates nothing
    Case("swapped"),
    # the resume itself dies: once right after clearing what the first crash left ...
    Case("task_running:b", resume_point="reconciled", hang=("b",),
         runs=(("a", 1), ("b", 2), ("c", 1), ("gate", 1))),
    # ... and once with a task of its own running (its orphan hangs too)
    Case("task_running:b", resume_point="task_running:c", hang=("b", "c"),
         runs=(("a", 1), ("b", 2), ("c", 2), ("gate", 1))),
]


def _counting(counts: Path, name: str, hang: bool, then: str) -> str:
    """A command that counts its runs outside the repository; when ``hang``, the first run hangs."""
    stall = f"if [ $(wc -l < {counts}/{name}) -eq 1 ]; then sleep 600; fi; " if hang else ""
    return f"echo run >> {counts}/{name}; {stall}{then}"


def _repo(tmp_path: Path, case: Case) -> tuple[Path, Path]:
    """Tasks a and b, then c from the merge of both (a start merge), and a gate.

    One task at a time, so what has finished at each point is fixed (a, then b, then c).
    """
    counts = tmp_path / "counts"
    counts.mkdir()

    def cmd(name: str, then: str) -> str:
        return _counting(counts, name, name in case.hang, then)

    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        max_parallel = 1
        gate = "{cmd('gate', 'test -f c.txt')}"
        [tasks.a]
        cmd = "{cmd('a', 'echo a > a.txt')}"
        [tasks.b]
        cmd = "{cmd('b', 'echo b > b.txt')}"
        [tasks.c]
        cmd = "{cmd('c', 'cat a.txt b.txt > c.txt')}"
        needs = ["a", "b"]
        """)
    return repo, counts


def _smartmerge(repo: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("SMARTMERGE_CRASH_AT", None)
    if crash_at is not None:
        env["SMARTMERGE_CRASH_AT"] = crash_at
    return subprocess.run([*SMARTMERGE, *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=RUN_SECONDS, check=False)


def _groups_of(home: RunnerHome, run: str) -> list[int]:
    pids = home.run_dir(run) / "pids"
    return [int(p.read_text()) for p in pids.iterdir()] if pids.is_dir() else []


def _live(pgid_or_run: int | str) -> list[int]:
    """Live processes (not zombies) in a process group, or carrying ``SMARTMERGE_RUN=<run>``."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            state, _, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            environ = (entry / "environ").read_bytes() if isinstance(pgid_or_run, str) else b""
        except OSError:
            continue
        if state == "Z":
            continue
        if (group == str(pgid_or_run)) or f"SMARTMERGE_RUN={pgid_or_run}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _crash(repo: Path, home: RunnerHome, args: list[str], point: str) -> list[int]:
    """Run until the coordinator kills itself at ``point``; returns the process groups it left."""
    proc = _smartmerge(repo, *args, crash_at=point)
    assert proc.returncode == -signal.SIGKILL, f"did not die at {point}: {proc.stdout}{proc.stderr}"
    status = json.loads(_smartmerge(repo, "status", "--json").stdout)
    assert status["status"] == "interrupted"
    return _groups_of(home, status["run"])


@pytest.mark.parametrize("case", CASES, ids=[f"{c.point}+{c.resume_point}" if c.resume_point else c.point
                                             for c in CASES])
def test_kill_9_at_each_point_then_resume_lands_everything_and_leaves_nothing_behind(
    tmp_path: Path, case: Case
) -> None:
    repo, counts = _repo(tmp_path, case)
    home = RunnerHome.of(repo)
    left = _crash(repo, home, ["run", "--plain"], case.point)
    run = json.loads(_smartmerge(repo, "status", "--json").stdout)["run"]
    for name in case.hang:
        if name in ("b", "gate") and (counts / name).exists():
            # the hanging first attempt is a live orphan now, in its own process group
            assert _live(run), f"expected {name}'s orphan to be running"
    if case.resume_point is not None:
        left += _crash(repo, home, ["run", "--resume", run], case.resume_point)
    resumed = _smartmerge(repo, "run", "--resume", run)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr

    # the landed tree, on the branch and in the (clean) checkout
    for name, text in (("a.txt", "a"), ("b.txt", "b"), ("c.txt", "a\nb")):
        assert show(repo, "main", name) == text
        assert (repo / name).read_text().strip() == text
    assert git(repo, "status", "--porcelain") == ""
    assert json.loads(_smartmerge(repo, "status", run, "--json").stdout)["status"] == "landed"
    # finished work did not run again; what the crash cut short ran once more
    assert {name: (counts / name).read_text().count("run") for name, _ in case.runs} == dict(case.runs)
    # no orphan: every group the crashes left is gone, and no process of the run lives on
    assert all(not _live(pgid) for pgid in left), left
    assert _live(run) == []
    # no stray worktree, registered or not
    assert [line for line in git(repo, "worktree", "list", "--porcelain").splitlines()
            if line.startswith("worktree ")] == [f"worktree {repo}"]
    wt = home.run_dir(run) / "wt"
    assert not wt.exists() or list(wt.iterdir()) == []
