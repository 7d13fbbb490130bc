"""What a run says about itself while it goes: its phase, its counts, the live display."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

from conftest import SMARTMERGE
from rich.console import Console
from runner_repo import FAST, make_repo, smartmerge, wait_for

from smartmerge.runner import start_run
from smartmerge.runner.events import Event, fold, open_log
from smartmerge.runner.progress import LiveProgress
from smartmerge.runner.worktrees import RunnerHome


def test_status_json_reports_the_gating_phase_while_the_gate_runs(tmp_path: Path) -> None:
    started, release = tmp_path / "gate-started", tmp_path / "release"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        gate = "touch {started}; while [ ! -f {release} ]; do sleep 0.02; done"
        [tasks.a]
        cmd = "echo a > a.txt"
        [tasks.b]
        cmd = "echo b > b.txt"
        """)
    runner = subprocess.Popen([*SMARTMERGE, "run", "--plain"], cwd=repo, stdout=subprocess.PIPE, text=True)
    try:
        wait_for(started.exists)
        during = json.loads(smartmerge(repo, "status", "--json").stdout)
        assert during["status"] == "running"
        assert during["phase"] == "gating"
        assert during["counts"]["done"] == 2 and during["counts"]["running"] == 0
        # the plain lines said so too
    finally:
        release.touch()
        out, _ = runner.communicate(timeout=120)
    assert runner.returncode == 0, out
    assert "phase: gating" in out
    after = json.loads(smartmerge(repo, "status", "--json").stdout)
    assert after["status"] == "landed" and after["phase"] is None
    with open_log(RunnerHome.of(repo).db) as log:
        phases = [e.data["phase"] for e in log.events(after["run"]) if e.kind == "phase"]
    assert phases[0] == "tasks" and phases[-2:] == ["gating", "landing"]


def test_a_conflicted_task_is_counted_apart_from_blocked_ones(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": "def f():\n    return 1\n"}, """
        [tasks.left]
        cmd = "sed -i 's/return 1/return 2/' mod.py"
        [tasks.right]
        cmd = "sed -i 's/return 1/return 3/' mod.py"
        [tasks.after]
        cmd = "echo x > after.txt"
        needs = ["right"]
        """)
    report = start_run(repo)
    counts = report.state.counts()
    assert report.state.tasks["right"].state == "conflicted"
    assert counts["conflicted"] == 1 and counts["blocked"] == 1 and counts["done"] == 1


def test_running_never_counts_more_than_max_parallel(tmp_path: Path) -> None:
    """A task waiting out its retry back-off holds no slot and is not running."""
    counts_dir = tmp_path / "counts"
    counts_dir.mkdir()
    flaky = f"echo run >> {counts_dir}/$SMARTMERGE_TASK; [ $(wc -l < {counts_dir}/$SMARTMERGE_TASK) -ge 3 ]"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        max_parallel = 2
        {FAST}
        [tasks.a]
        cmd = "{flaky}"
        retries = 3
        [tasks.b]
        cmd = "{flaky}"
        retries = 3
        [tasks.c]
        cmd = "true"
        [tasks.d]
        cmd = "true"
        """)
    report = start_run(repo)
    assert report.ok, report.message
    with open_log(RunnerHome.of(repo).db) as log:
        events = log.events(report.run)
    assert any(e.kind == "task_retrying" for e in events)
    for n in range(1, len(events) + 1):
        assert fold(report.run, events[:n]).counts()["running"] <= 2, events[n - 1]


def test_the_live_display_shows_the_phase_instead_of_an_empty_eta() -> None:
    out = io.StringIO()
    live = LiveProgress(Console(file=out, force_terminal=True, width=120))
    taskfile = {"run": {"max_parallel": 2}, "tasks": {"a": {}, "b": {}}}
    for event in [
        Event(1, "r1", 0.0, None, "run_started", {"target": "main", "taskfile": taskfile}),
        Event(2, "r1", 0.0, None, "phase", {"phase": "tasks"}),
        Event(3, "r1", 0.0, "a", "task_starting", {"attempt": 1, "slot": 0}),
        Event(4, "r1", 1.0, "a", "task_succeeded", {"commit": "f" * 40, "seconds": 1.0}),
        Event(5, "r1", 1.0, "b", "task_starting", {"attempt": 1, "slot": 0}),
        Event(6, "r1", 2.0, "b", "task_succeeded", {"commit": "e" * 40, "seconds": 1.0}),
        Event(7, "r1", 2.0, None, "phase", {"phase": "gating"}),
    ]:
        live(event)
    view = live._view()
    live.close()
    console = Console(file=io.StringIO(), width=120)
    console.print(view)
    shown = console.file.getvalue()  # type: ignore[attr-defined]  # a StringIO, given just above
    assert "[gating" in shown and "ETA" not in shown
    assert "done 2" in shown
