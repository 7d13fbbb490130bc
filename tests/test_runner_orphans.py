"""What a dead coordinator leaves behind: orphaned process groups, worktrees, branches, and a
checkout that the landing cannot fast-forward."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
from pathlib import Path

from conftest import SMARTMERGE
from runner_repo import git, make_repo, proc_stat, show, smartmerge, wait_for

from smartmerge.runner import gc, start_run
from smartmerge.runner.executing import group_of_run
from smartmerge.runner.orphans import group_alive, stop_run_processes
from smartmerge.runner.worktrees import RunnerHome


def _state(pid: int) -> str | None:
    stat = proc_stat(pid)
    return stat[0] if stat else None


def test_an_unreaped_group_leader_does_not_stop_the_cleanup_of_its_live_children(tmp_path: Path) -> None:
    """The leader exited and nobody reaps it (its parent here never waits, like a dead
    coordinator under an init that does not reap): /proc/<pid>/environ then fails with
    ESRCH, and its children still run in the group."""
    repo = make_repo(tmp_path, {"README": "x\n"}, '[tasks.a]\ncmd = "true"\n')
    home = RunnerHome.of(repo)
    child_file = tmp_path / "child"
    leader = subprocess.Popen(
        ["/bin/sh", "-c", f"sleep 600 & echo $! > {child_file}; exit 0"],
        env={**os.environ, "SMARTMERGE_RUN": "r1"}, start_new_session=True,
    )
    try:
        wait_for(lambda: child_file.exists() and child_file.read_text().strip() != "" and _state(leader.pid) == "Z")
        child = int(child_file.read_text())
        pid_file = home.pid_file("r1", "a")
        pid_file.parent.mkdir(parents=True)
        pid_file.write_text(str(leader.pid))
        assert group_of_run(leader.pid, "r1")
        assert group_alive(leader.pid)
        stopped = stop_run_processes(home, "r1")
        assert f"a:{leader.pid}" in stopped
        assert _state(child) in (None, "Z")
        assert not group_alive(leader.pid)
        assert not pid_file.exists()
    finally:
        leader.wait()
    # a group that is gone altogether is no error either
    assert stop_run_processes(home, "r1") == []


def _crash_with_an_orphan(tmp_path: Path) -> tuple[Path, str, int]:
    """A coordinator killed (kill -9, by the debugging hook) while task b hangs in its worktree."""
    repo = make_repo(tmp_path, {"README": "x\n"}, """
        [run]
        max_parallel = 2
        [tasks.a]
        cmd = "echo a > a.txt"
        [tasks.b]
        cmd = "sleep 600"
        """)
    env = {**os.environ, "SMARTMERGE_CRASH_AT": "task_running:b"}
    proc = subprocess.run([*SMARTMERGE, "run", "--plain"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    run = json.loads(smartmerge(repo, "status", "--json").stdout)["run"]
    pgid = int(RunnerHome.of(repo).pid_file(run, "b").read_text())
    assert group_alive(pgid)
    return repo, run, pgid


def test_gc_stops_a_dead_runs_orphans_first_and_keeps_a_worktree_someone_works_in(tmp_path: Path) -> None:
    repo, run, orphan = _crash_with_an_orphan(tmp_path)
    home = RunnerHome.of(repo)
    slots = sorted(p for p in (home.run_dir(run) / "wt").iterdir())
    assert slots
    # somebody (not the run) works in one of the dead run's worktrees
    visitor = subprocess.Popen(["sleep", "600"], cwd=slots[0])
    try:
        proc = smartmerge(repo, "gc")
        assert proc.returncode == 0, proc.stderr
        assert f"stopped orphan of run {run} b:{orphan}" in proc.stdout
        assert not group_alive(orphan)
        assert slots[0].exists() and f"kept {slots[0]}" in proc.stdout
        for other in slots[1:]:
            assert not other.exists()
    finally:
        visitor.kill()
        visitor.wait()
    collected = gc(repo)
    assert str(slots[0]) in collected.worktrees and not slots[0].exists()
    listed = [line for line in git(repo, "worktree", "list", "--porcelain").splitlines() if line.startswith("worktree ")]
    assert listed == [f"worktree {repo}"]


def test_gc_prunes_the_task_branches_whose_work_landed_and_keeps_the_rest(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README": "x\n"}, """
        [tasks.a]
        cmd = "echo a > a.txt"
        [tasks.b]
        cmd = "echo b > b.txt"
        """)
    landed = start_run(repo)
    assert landed.status == "landed", landed.message
    failing = tmp_path / "failing.toml"
    failing.write_text('[run]\ngate = "false"\n[tasks.c]\ncmd = "echo c > c.txt"\n')
    not_landed = start_run(repo, failing)
    assert not_landed.status == "gate_failed"

    def branches() -> set[str]:
        return set(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/smartmerge/").split())

    assert branches() == {f"smartmerge/{landed.run}/a", f"smartmerge/{landed.run}/b", f"smartmerge/{not_landed.run}/c"}
    collected = gc(repo)
    assert sorted(collected.branches) == [f"smartmerge/{landed.run}/a", f"smartmerge/{landed.run}/b"]
    # the work of the run that did not land exists nowhere else: kept
    assert branches() == {f"smartmerge/{not_landed.run}/c"}
    assert show(repo, "main", "a.txt") == "a"


def test_an_untracked_file_in_the_way_lands_the_work_aside_and_the_printed_command_works(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README": "x\n"}, """
        [tasks.t]
        cmd = "echo landed > new.txt && echo more > README"
        """)
    before = git(repo, "rev-parse", "main")
    (repo / "new.txt").write_text("mine\n")  # untracked, where the run adds a file
    proc = smartmerge(repo, "run", "--plain")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    run = json.loads(smartmerge(repo, "status", "--json").stdout)["run"]
    # neither the target nor the checkout moved; nothing shows reversed
    assert git(repo, "rev-parse", "main") == before
    assert git(repo, "status", "--porcelain") == "?? new.txt"
    assert (repo / "new.txt").read_text() == "mine\n"
    assert show(repo, f"smartmerge/landed/{run}", "new.txt") == "landed"
    assert "untracked files in the way: new.txt" in proc.stdout
    # do what the message says: move the file away, then run the command it prints
    command = proc.stdout.split("bring it in with: ", 1)[1].splitlines()[0]
    assert command.startswith("git -C ")
    (repo / "new.txt").rename(tmp_path / "new.txt.mine")
    subprocess.run(shlex.split(command), check=True, capture_output=True)
    assert (repo / "new.txt").read_text() == "landed\n"
    assert (repo / "README").read_text() == "more\n"
    assert git(repo, "status", "--porcelain") == ""


def test_a_timed_out_command_that_ignores_sigterm_is_killed_with_its_whole_group(tmp_path: Path) -> None:
    from smartmerge.runner.executing import Command, run_process

    child_file, pid_file = tmp_path / "child", tmp_path / "pgid"
    # the shell and its background child both ignore SIGTERM: only the SIGKILL after the grace ends them
    cmd = f"trap '' TERM; sleep 300 & echo $! > {child_file}; wait"
    with (tmp_path / "log").open("ab") as log:
        outcome = run_process(Command(cmd, tmp_path, dict(os.environ), 0.3, pid_file), log)
    assert outcome.timed_out and outcome.returncode is None
    child = int(child_file.read_text())
    assert _state(child) in (None, "Z")
    assert not pid_file.exists()  # the attempt is over: nothing for a resume to stop


def test_a_landing_cut_short_whose_checkout_got_in_the_way_says_how_to_finish_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README": "x\n"}, """
        [tasks.t]
        cmd = "echo landed > new.txt"
        """)
    env = {**os.environ, "SMARTMERGE_CRASH_AT": "swapped"}
    crashed = subprocess.run([*SMARTMERGE, "run", "--plain"], cwd=repo, env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    assert crashed.returncode == -signal.SIGKILL, crashed.stdout + crashed.stderr
    run = json.loads(smartmerge(repo, "status", "--json").stdout)["run"]
    assert show(repo, "main", "new.txt") == "landed"  # the swap happened, the checkout was not updated
    (repo / "new.txt").write_text("mine\n")  # and now the user's file is in the way
    resumed = smartmerge(repo, "run", "--resume", run)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "untracked files in the way: new.txt" in resumed.stdout
    assert (repo / "new.txt").read_text() == "mine\n"
    command = resumed.stdout.split("then run: ", 1)[1].splitlines()[0]
    (repo / "new.txt").rename(tmp_path / "new.txt.mine")
    subprocess.run(shlex.split(command), check=True, capture_output=True)
    assert (repo / "new.txt").read_text() == "landed\n"
    assert git(repo, "status", "--porcelain") == ""
