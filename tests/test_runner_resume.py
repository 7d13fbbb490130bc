"""kill -9 of the runner mid-run, then --resume: nothing lost, nothing finished run twice."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from conftest import SMARTMERGE
from runner_repo import git, latest_events, make_repo, proc_stat, show, smartmerge, wait_for

from smartmerge.runner.events import open_log
from smartmerge.runner.integrating import complete_interrupted_landing
from smartmerge.runner.worktrees import RunnerHome


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies waiting for a reaper do not count)."""
    stats = (proc_stat(int(entry.name)) for entry in Path("/proc").glob("[0-9]*"))
    return any(stat is not None and stat[2] == pgid and stat[0] != "Z" for stat in stats)


def test_kill_9_then_resume_loses_nothing_and_reruns_only_unfinished_work(tmp_path: Path) -> None:
    counts = tmp_path / "counts"
    counts.mkdir()
    # each task counts its runs outside the repository; "slow" hangs on its first run only
    count = "echo run >> {c}/$SMARTMERGE_TASK"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        max_parallel = 3
        [tasks.fast1]
        cmd = "{count.format(c=counts)}; echo 1 > fast1.txt"
        [tasks.fast2]
        cmd = "{count.format(c=counts)}; echo 2 > fast2.txt"
        [tasks.slow]
        cmd = "{count.format(c=counts)}; if [ $(wc -l < {counts}/slow) -eq 1 ]; then sleep 60; fi; echo s > slow.txt"
        [tasks.after]
        cmd = "{count.format(c=counts)}; cat fast1.txt slow.txt > after.txt"
        needs = ["fast1", "slow"]
        """)
    home = RunnerHome.of(repo)
    runner = subprocess.Popen([*SMARTMERGE, "run", "--plain"], cwd=repo, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)

    def fast_done_and_slow_running() -> bool:
        seen = latest_events(repo)
        return (("fast1", "task_integrated") in seen and ("fast2", "task_integrated") in seen
                and (counts / "slow").exists())

    wait_for(fast_done_and_slow_running, 30)
    with open_log(home.db) as log:
        run = log.latest_run()
    assert run is not None
    slow_group = int(home.pid_file(run, "slow").read_text())
    runner.send_signal(signal.SIGKILL)
    runner.wait()

    status = json.loads(smartmerge(repo, "status", "--json").stdout)
    assert status["status"] == "interrupted"
    assert status["tasks"]["fast1"]["state"] == "integrated"

    proc = smartmerge(repo, "run", "--resume", run)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "slow: reset: attempt 1 was cut short" in proc.stdout

    # finished work was kept, not run again; the cut-short task ran once more
    assert (counts / "fast1").read_text().count("run") == 1
    assert (counts / "fast2").read_text().count("run") == 1
    assert (counts / "slow").read_text().count("run") == 2
    assert (counts / "after").read_text().count("run") == 1
    for name, text in (("fast1.txt", "1"), ("fast2.txt", "2"), ("slow.txt", "s"), ("after.txt", "1\ns")):
        assert show(repo, "main", name) == text
    # the first run's hanging process group did not outlive the resume
    wait_for(lambda: not _group_alive(slow_group), 5)
    final = json.loads(smartmerge(repo, "status", run, "--json").stdout)
    assert final["status"] == "landed"
    assert {t["state"] for t in final["tasks"].values()} == {"integrated"}
    # a finished run is not resumed twice
    again = smartmerge(repo, "run", "--resume", run)
    assert again.returncode == 2 and "already finished" in again.stderr


def test_resume_refuses_a_run_whose_coordinator_is_alive(tmp_path: Path) -> None:
    from smartmerge.runner.locks import hold_run

    repo = make_repo(tmp_path, {"README": "x\n"}, '[tasks.a]\ncmd = "true"\n')
    home = RunnerHome.of(repo)
    with open_log(home.db) as log:
        log.append("r1", "run_started", None, target="main", base="0" * 40, pid=1,
                   taskfile={"run": {}, "tasks": {"a": {}}})
    lock = hold_run(home.run_lock("r1"), "r1")  # this test process plays the live coordinator
    try:
        proc = smartmerge(repo, "run", "--resume", "r1")
    finally:
        lock.release()
    assert proc.returncode == 2
    assert "live coordinator" in proc.stderr
    unknown = smartmerge(repo, "run", "--resume", "nope")
    assert unknown.returncode == 2 and "no run 'nope'" in unknown.stderr


def _interrupted_landing(tmp_path: Path) -> tuple[Path, str, str]:
    """The state a crash leaves between the compare-and-swap of the target and the
    fast-forward of its clean checkout: the branch points at the landed commit, the
    checkout's index and files are still the old commit's."""
    repo = make_repo(tmp_path, {"app.py": "x = 1\n"}, "[tasks.noop]\ncmd = 'true'\n")
    old = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app.py").write_text("x = 2\n")
    git(repo, "commit", "-qam", "landed work")
    new = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "reset", "-q", "--hard", old)
    git(repo, "update-ref", "refs/heads/main", new, old)
    return repo, old, new


def test_resume_finishes_a_landing_cut_short_before_the_checkout_was_updated(tmp_path: Path) -> None:
    repo, old, new = _interrupted_landing(tmp_path)
    assert (repo / "app.py").read_text() == "x = 1\n"  # the landed work shows reversed
    done = complete_interrupted_landing(repo, "refs/heads/main", new, old)
    assert done is not None and "fast-forwarded" in done
    assert (repo / "app.py").read_text() == "x = 2\n"
    assert git(repo, "status", "--porcelain") == ""


def test_an_interrupted_landing_never_touches_the_users_own_edits(tmp_path: Path) -> None:
    repo, old, new = _interrupted_landing(tmp_path)
    (repo / "app.py").write_text("x = 1  # my edit\n")
    assert complete_interrupted_landing(repo, "refs/heads/main", new, old) is None
    assert (repo / "app.py").read_text() == "x = 1  # my edit\n"
