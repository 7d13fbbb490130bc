"""Whole runs on real repositories with real subprocesses."""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from runner_repo import (
    FAST,
    FUNCS,
    git,
    make_repo,
    module_with_functions,
    proc_stat,
    run_events,
    sed,
    show,
    smartmerge,
)

from smartmerge.runner import gc, start_run
from smartmerge.runner.worktrees import Checkout, RunnerHome, add_worktree


def test_tasks_run_in_dependency_order_and_see_their_dependencies_work(tmp_path: Path) -> None:
    order = tmp_path / "order.txt"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        max_parallel = 4
        [tasks.c]
        cmd = "test -f b.txt && echo c >> {order} && echo c > c.txt"
        needs = ["b"]
        [tasks.b]
        cmd = "test -f a.txt && echo b >> {order} && echo b > b.txt"
        needs = ["a"]
        [tasks.a]
        cmd = "sleep 0.2; echo a >> {order} && echo a > a.txt"
        """)
    report = start_run(repo)
    assert report.ok, report.message
    assert order.read_text().split() == ["a", "b", "c"]
    for name in "abc":
        assert show(repo, "main", f"{name}.txt") == name


def test_a_cycle_is_rejected_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [tasks.a]
        cmd = "touch {marker}"
        needs = ["b"]
        [tasks.b]
        cmd = "touch {marker}"
        needs = ["a"]
        """)
    proc = smartmerge(repo, "run")
    assert proc.returncode == 2
    assert "a -> b -> a" in proc.stderr
    assert not marker.exists()


def test_a_failed_task_blocks_its_dependents_and_the_rest_goes_on(tmp_path: Path) -> None:
    ran = tmp_path / "ran.txt"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [tasks.schema]
        cmd = "echo schema >> {ran}; exit 3"
        [tasks.api]
        cmd = "echo api >> {ran}"
        needs = ["schema"]
        [tasks.docs]
        cmd = "echo docs >> {ran}; echo d > docs.txt"
        """)
    report = start_run(repo)
    tasks = report.state.tasks
    assert tasks["schema"].state == "failed" and "exit status 3" in tasks["schema"].reason
    assert tasks["api"].state == "blocked" and tasks["api"].reason == "upstream schema failed"
    assert tasks["docs"].state == "integrated"
    assert sorted(ran.read_text().split()) == ["docs", "schema"]
    assert report.status == "landed" and not report.ok
    assert show(repo, "main", "docs.txt") == "d"


def test_a_flaky_task_is_retried_then_succeeds(tmp_path: Path) -> None:
    count = tmp_path / "count"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        {FAST}
        [tasks.flaky]
        cmd = "echo x >> {count}; test $(wc -l < {count}) -ge 3 && echo ok > flaky.txt"
        retries = 2
        """)
    report = start_run(repo)
    assert report.ok, report.message
    assert report.state.tasks["flaky"].attempts == 3
    assert show(repo, "main", "flaky.txt") == "ok"
    log = RunnerHome.of(repo).log(report.run, "flaky").read_text()
    assert log.count("--- smartmerge: task flaky, attempt") == 3


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [tasks.hang]
        cmd = "sleep 300 & echo $! > {pid_file}; wait"
        timeout = "0.5s"
        """)
    started = time.monotonic()
    report = start_run(repo)
    assert time.monotonic() - started < 20
    assert report.state.tasks["hang"].state == "failed"
    assert "timed out" in report.state.tasks["hang"].reason
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.05)
    assert not _alive(child), "the background child of a timed-out task survived"


def _alive(pid: int) -> bool:
    # a zombie is dead for our purpose (its parent has not reaped it yet)
    stat = proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def test_two_tasks_editing_different_functions_of_one_file_land_cleanly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [run]
        gate = "python -c 'import mod; assert mod.alpha() == 100 and mod.delta() == 400'"
        [tasks.left]
        cmd = "{sed('return 0', 'return 100')}"
        [tasks.right]
        cmd = "{sed('return 3', 'return 400')}"
        """)
    report = start_run(repo)
    assert report.ok, report.message
    text = show(repo, "main", "mod.py")
    assert "return 100" in text and "return 400" in text and "<<<<<<<" not in text
    # the user's checkout (main is checked out, clean) was fast-forwarded, not left reversed
    assert (repo / "mod.py").read_text().rstrip("\n") == text
    assert git(repo, "status", "--porcelain") == ""


def test_two_tasks_appending_different_functions_to_one_file_land_cleanly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": "def base():\n    return 0\n"}, """
        [tasks.left]
        cmd = "printf '\\n\\ndef left():\\n    return 1\\n' >> mod.py"
        [tasks.right]
        cmd = "printf '\\n\\ndef right():\\n    return 2\\n' >> mod.py"
        """)
    report = start_run(repo)
    assert report.ok, report.message
    text = show(repo, "main", "mod.py")
    assert "def left" in text and "def right" in text


def test_a_real_conflict_stops_only_its_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [tasks.first]
        cmd = "{sed('return 1', 'return 11')}"
        [tasks.second]
        cmd = "{sed('return 1', 'return 22')}"
        [tasks.after_second]
        cmd = "echo x > after.txt"
        needs = ["second"]
        [tasks.other]
        cmd = "echo o > other.txt"
        """)
    report = start_run(repo)
    tasks = report.state.tasks
    assert tasks["first"].state == "integrated"
    assert tasks["second"].state == "conflicted"
    assert "mod.py" in tasks["second"].reason and "beta" in tasks["second"].reason
    assert tasks["after_second"].state == "blocked"
    assert tasks["after_second"].reason == "upstream second conflicts"
    assert tasks["other"].state == "integrated"
    assert report.status == "landed"
    assert "return 11" in show(repo, "main", "mod.py")
    assert show(repo, "main", "other.txt") == "o"


def test_a_failing_gate_prevents_landing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README": "x\n"}, """
        [run]
        gate = "test ! -f bad.txt"
        [tasks.bad]
        cmd = "echo oops > bad.txt"
        """)
    before = git(repo, "rev-parse", "main")
    report = start_run(repo)
    assert report.status == "gate_failed" and not report.ok
    assert git(repo, "rev-parse", "main") == before
    assert not (repo / "bad.txt").exists()
    proc = smartmerge(repo, "logs", "gate")
    assert proc.returncode == 0 and "--- gate: test ! -f bad.txt" in proc.stdout


def _moving_target_repo(tmp_path: Path, on_moved: str) -> Path:
    # the task itself moves main in the user's checkout: the run sees its target move
    return make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [run]
        on_target_moved = "{on_moved}"
        [tasks.edit]
        cmd = "{sed('return 0', 'return 100')}"
        [tasks.mover]
        cmd = "cd {tmp_path / 'repo'} && echo moved > moved.txt && git add moved.txt && git commit -qm 'someone else'"
        """)


def test_the_target_moving_during_the_run_is_integrated_again(tmp_path: Path) -> None:
    repo = _moving_target_repo(tmp_path, "reintegrate")
    report = start_run(repo)
    assert report.ok, report.message
    assert any(e for e in run_events(repo, report.run) if e.kind == "reintegrating")
    assert show(repo, "main", "moved.txt") == "moved"
    assert "return 100" in show(repo, "main", "mod.py")
    assert "someone else" in git(repo, "log", "--format=%s", "main")
    assert git(repo, "status", "--porcelain") == ""


def test_the_target_moving_can_stop_the_run_with_nothing_applied(tmp_path: Path) -> None:
    repo = _moving_target_repo(tmp_path, "stop")
    report = start_run(repo)
    assert report.status == "target_moved"
    assert "moved" in report.message
    assert git(repo, "log", "-1", "--format=%s", "main") == "someone else"
    assert "return 100" not in show(repo, "main", "mod.py")


def test_a_dirty_checkout_of_the_target_gets_the_work_on_a_side_ref(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS), "notes.txt": "n\n"}, """
        [tasks.t]
        cmd = "echo t > t.txt"
        """)
    (repo / "notes.txt").write_text("my unsaved edit\n")
    before = git(repo, "rev-parse", "main")
    proc = smartmerge(repo, "run")
    # not on the target: the user has to act, so not a success
    assert proc.returncode == 1, proc.stdout + proc.stderr
    run = json.loads(smartmerge(repo, "status", "--json").stdout)["run"]
    assert git(repo, "rev-parse", "main") == before
    assert show(repo, f"smartmerge/landed/{run}", "t.txt") == "t"
    assert f"merge smartmerge/landed/{run}" in proc.stdout
    assert (repo / "notes.txt").read_text() == "my unsaved edit\n"


def test_each_task_imports_its_own_worktree_and_gets_its_slot_and_port(tmp_path: Path) -> None:
    probe = (
        "python -c \\\"import os, pathlib, pkgx; "
        "pathlib.Path('where.txt').write_text(pkgx.__file__ + chr(10) + os.getcwd() + chr(10) "
        "+ os.environ['SMARTMERGE_TASK'] + chr(10) + os.environ['SMARTMERGE_SLOT'] + chr(10) + os.environ['PORT'])\\\""
    )
    repo = make_repo(tmp_path, {"src/pkgx/__init__.py": "X = 1\n"}, f"""
        [tasks.probe]
        cmd = "{probe}"
        """)
    report = start_run(repo)
    assert report.ok, report.message
    where, cwd, task, slot, port = show(repo, "main", "where.txt").splitlines()
    tree = RunnerHome.of(repo).worktree(report.run, 0)
    assert Path(cwd) == tree
    # the module came from the task's own worktree, not from the user's checkout
    assert Path(where) == tree / "src" / "pkgx" / "__init__.py", where
    assert (task, slot) == ("probe", "0")
    assert int(port) > 0


def test_tasks_sharing_a_lock_never_overlap(tmp_path: Path) -> None:
    spans = tmp_path / "spans"
    spans.mkdir()
    task = "date +%s.%N > {d}/$SMARTMERGE_TASK.start; sleep 0.3; date +%s.%N > {d}/$SMARTMERGE_TASK.end"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        max_parallel = 2
        [tasks.one]
        cmd = "{task.format(d=spans)}"
        locks = ["test-db"]
        [tasks.two]
        cmd = "{task.format(d=spans)}"
        locks = ["test-db"]
        """)
    report = start_run(repo)
    assert report.ok, report.message
    t = {p.name: float(p.read_text()) for p in spans.iterdir()}
    assert t["one.end"] <= t["two.start"] or t["two.end"] <= t["one.start"]


def test_a_process_pool_runs_the_same_tasks(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README": "x\n"}, """
        [tasks.a]
        cmd = "echo a > a.txt"
        [tasks.b]
        cmd = "echo b > b.txt"
        """)
    with ProcessPoolExecutor(max_workers=2) as pool:
        report = start_run(repo, executor=pool)
    assert report.ok, report.message
    assert show(repo, "main", "a.txt") == "a" and show(repo, "main", "b.txt") == "b"


def test_runs_status_and_logs_from_the_command_line(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README": "x\n"}, """
        [tasks.hello]
        cmd = "echo hello from the task"
        """)
    proc = smartmerge(repo, "run")
    assert proc.returncode == 0, proc.stderr
    assert "hello: succeeded" in proc.stdout
    status = json.loads(smartmerge(repo, "status", "--json").stdout)
    assert status["status"] == "landed"
    assert status["tasks"]["hello"]["state"] == "integrated"
    assert status["run"] in smartmerge(repo, "runs").stdout
    assert "hello from the task" in smartmerge(repo, "logs", "hello").stdout


def test_gc_removes_orphaned_worktrees_but_not_live_ones(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README": "x\n"}, '[tasks.a]\ncmd = "true"\n')
    home = RunnerHome.of(repo)
    head = git(repo, "rev-parse", "HEAD")
    add_worktree(repo, Checkout(home.worktree("old", 0), head, None, "old", "dead"))
    add_worktree(repo, Checkout(home.worktree("old", 1), head, None, "old", "live"))
    # the "dead" one belongs to a process that no longer exists
    dead = home.worktree("old", 0)
    admin = Path(git(dead, "rev-parse", "--absolute-git-dir"))
    owner = json.loads((admin / "smartmerge-owner.json").read_text())
    owner["pid"] = _dead_pid()
    (admin / "smartmerge-owner.json").write_text(json.dumps(owner))
    stale = home.run_lock("old")
    stale.write_text("")  # left by a coordinator that died: nobody holds it
    collected = gc(repo)
    assert str(stale) in collected.locks and not stale.exists()
    assert str(dead) in collected.worktrees and not dead.exists()
    assert home.worktree("old", 1).exists()
    assert str(home.worktree("old", 1)) in collected.kept


def _dead_pid() -> int:
    import subprocess

    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_task_whose_dependencies_conflict_is_blocked_and_says_why(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [tasks.a]
        cmd = "{sed('return 1', 'return 11')}"
        [tasks.b]
        cmd = "{sed('return 1', 'return 22')}"
        [tasks.both]
        cmd = "echo never > both.txt"
        needs = ["a", "b"]
        """)
    report = start_run(repo)
    both = report.state.tasks["both"]
    assert both.state == "blocked" and both.attempts == 0
    assert "merging its dependencies conflicts" in both.reason and "mod.py: beta" in both.reason


def _state(pid: int, wanted: str) -> str:
    """The process state letter from /proc, once it is one of ``wanted`` (a signal takes
    effect when the kernel next schedules the process) or after 30 s, whatever it is then."""
    deadline = time.monotonic() + 30
    while True:
        stat = proc_stat(pid)
        state = stat[0] if stat else "gone"
        if state in wanted or time.monotonic() > deadline:
            return state
        time.sleep(0.02)


def test_pause_unpause_and_kill_a_task_without_retries(tmp_path: Path) -> None:
    import subprocess

    from conftest import SMARTMERGE

    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        {FAST}
        [tasks.stuck]
        cmd = "sleep 60"
        retries = 3
        [tasks.fine]
        cmd = "echo f > f.txt"
        """)
    runner = subprocess.Popen([*SMARTMERGE, "run", "--plain"], cwd=repo, stdout=subprocess.PIPE, text=True)
    pids = RunnerHome.of(repo).root / "runs"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(pids.glob("*/pids/stuck")):
        time.sleep(0.05)
    pgid = int(next(pids.glob("*/pids/stuck")).read_text())
    live = json.loads(smartmerge(repo, "status", "--json").stdout)
    assert live["status"] == "running" and live["tasks"]["stuck"]["state"] == "running"
    assert smartmerge(repo, "pause", "stuck").returncode == 0
    assert _state(pgid, "T") == "T"  # stopped
    assert smartmerge(repo, "unpause", "stuck").returncode == 0
    assert _state(pgid, "SR") in ("S", "R")
    proc = smartmerge(repo, "kill", "stuck")
    assert proc.returncode == 0, proc.stderr
    out, _ = runner.communicate(timeout=30)
    assert runner.returncode == 1
    status = json.loads(smartmerge(repo, "status", "--json").stdout)
    assert status["tasks"]["stuck"] == {**status["tasks"]["stuck"], "state": "failed", "reason": "killed by user", "attempts": 1}
    assert status["tasks"]["fine"]["state"] == "integrated"
    assert "stuck: failed: killed by user" in out


def test_setup_runs_once_per_worktree_and_its_venv_comes_first_on_path(tmp_path: Path) -> None:
    setups = tmp_path / "setups"
    # a stand-in for "python -m venv .venv && .venv/bin/pip install -e .": a .venv/bin with one tool
    setup = (
        f"echo x >> {setups} && mkdir -p .venv/bin && printf '#!/bin/sh\\\\necho from-venv\\\\n' > .venv/bin/tool "
        "&& chmod +x .venv/bin/tool"
    )
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        max_parallel = 1
        setup = "{setup}"
        [tasks.a]
        cmd = "tool > a.txt"
        [tasks.b]
        cmd = "tool > b.txt"
        [tasks.c]
        cmd = "tool > c.txt"
        """)
    report = start_run(repo)
    assert report.ok, report.message
    assert setups.read_text().count("x") == 1  # one slot, one worktree, one set-up
    assert show(repo, "main", "c.txt") == "from-venv"
    assert ".venv" not in git(repo, "ls-tree", "-r", "--name-only", "main")


def test_the_live_display_shows_tasks_counts_and_eta() -> None:
    import io

    from rich.console import Console

    from smartmerge.runner.events import Event
    from smartmerge.runner.progress import LiveProgress

    out = io.StringIO()
    live = LiveProgress(Console(file=out, force_terminal=True, width=120))
    taskfile = {"run": {"max_parallel": 2}, "tasks": {"a": {}, "b": {}, "c": {}}}
    stream = [
        Event(1, "r1", 0.0, None, "run_started", {"target": "main", "taskfile": taskfile}),
        Event(1, "r1", 0.0, None, "phase", {"phase": "tasks"}),
        Event(2, "r1", 0.0, "a", "task_starting", {"attempt": 1, "slot": 0}),
        Event(3, "r1", 2.0, "a", "task_succeeded", {"commit": "f" * 40, "seconds": 2.0}),
        Event(4, "r1", 2.0, "b", "task_starting", {"attempt": 1, "slot": 0}),
        Event(5, "r1", 3.0, "c", "task_failed", {"reason": "exit status 1"}),
    ]
    for event in stream:
        live(event)
    live.close()
    text = out.getvalue()
    assert "done 1" in text and "running 1" in text and "failed 1" in text
    assert "[tasks" in text and "ETA" in text
    assert "c: failed: exit status 1" in text


def test_a_clean_linked_worktree_with_the_target_checked_out_is_fast_forwarded(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [tasks.edit]
        cmd = "{sed('return 2', 'return 200')}"
        """)
    # the user works on another branch here and keeps main checked out in a second worktree
    git(repo, "checkout", "-q", "-b", "dev")
    main_checkout = tmp_path / "main-checkout"
    git(repo, "worktree", "add", "-q", str(main_checkout), "main")
    report = start_run(repo)
    assert report.status == "landed", report.message
    assert "return 200" in (main_checkout / "mod.py").read_text()
    assert git(main_checkout, "status", "--porcelain") == ""
    assert "return 200" not in (repo / "mod.py").read_text()  # dev was not touched


def test_merges_go_through_the_smartmerge_driver(tmp_path: Path) -> None:
    import subprocess

    from smartmerge.runner import gitops

    repo = make_repo(tmp_path, {"m.py": "def a():\n    return 1\n"}, '[tasks.a]\ncmd = "true"\n')
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "m.py").write_text("def a():\n    return 2\n")
    git(repo, "commit", "-q", "-am", "other")
    git(repo, "checkout", "-q", "main")
    (repo / "m.py").write_text("def a():\n    return 3\n")
    git(repo, "commit", "-q", "-am", "main")
    home = RunnerHome.of(repo).root
    proc = subprocess.run(["git", *gitops.merge_driver_config(home), "merge", "other"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    # git's own merge would write "<<<<<<< HEAD" and no base section; smartmerge writes diff3 with its labels
    text = (repo / "m.py").read_text()
    assert "<<<<<<< left\n" in text and "||||||| base\n" in text and ">>>>>>> right\n" in text
    assert "HEAD" not in text


def test_time_paused_does_not_count_against_the_time_limit(tmp_path: Path) -> None:
    import subprocess

    from conftest import SMARTMERGE

    # How long the task runs is the test's choice, not the clock's: it stops its own
    # process group the moment it starts (what `smartmerge pause` does to it, without the
    # start-up of a fresh CLI spending the limit first), stays stopped for longer than its
    # 2 s limit, and cannot finish before the test releases it. It finishes only if the
    # time it spent stopped is not counted.
    started, release = tmp_path / "started", tmp_path / "release"
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [tasks.slow]
        cmd = ": > {started}; kill -STOP 0; while [ ! -f {release} ]; do sleep 0.05; done; echo done > slow.txt"
        timeout = "2s"
        """)
    runner = subprocess.Popen([*SMARTMERGE, "run", "--plain"], cwd=repo, stdout=subprocess.PIPE, text=True)
    try:
        pids = RunnerHome.of(repo).root / "runs"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (started.exists() and list(pids.glob("*/pids/slow"))):
            time.sleep(0.02)
        assert started.exists(), "the task never started"
        stopped_at = time.monotonic()
        assert smartmerge(repo, "pause", "slow").returncode == 0
        release.touch()
        # the quantity under test: stopped for longer than the limit (a minimum, not a race)
        time.sleep(max(0.0, stopped_at + 2.5 - time.monotonic()))
        assert smartmerge(repo, "unpause", "slow").returncode == 0
        out, _ = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate()
    assert runner.returncode == 0, out
    assert show(repo, "main", "slow.txt") == "done"


def test_landing_is_a_compare_and_swap(tmp_path: Path) -> None:
    from smartmerge.runner.integrating import land

    repo = make_repo(tmp_path, {"a.txt": "a\n"}, '[tasks.a]\ncmd = "true"\n')
    git(repo, "checkout", "-q", "-b", "elsewhere")  # main is not checked out anywhere
    old = git(repo, "rev-parse", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "candidate")
    new = git(repo, "rev-parse", "HEAD")
    git(repo, "commit", "-q", "--allow-empty", "-m", "someone else's")
    moved = git(repo, "rev-parse", "HEAD")
    git(repo, "update-ref", "refs/heads/main", moved)
    landing = land(repo, "main", new, old, "r1")
    assert not landing.landed and landing.moved and landing.current == moved
    assert git(repo, "rev-parse", "main") == moved  # untouched
    landing = land(repo, "main", moved, moved, "r1")
    assert landing.landed and git(repo, "rev-parse", "main") == moved


def test_a_dependent_that_already_ran_is_left_out_when_its_upstream_conflicts(tmp_path: Path) -> None:
    ran = tmp_path / "on_second_ran"
    # first finishes only after on_second has run, so second's merge (after first's) comes too late to stop it
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [run]
        max_parallel = 3
        [tasks.first]
        cmd = "while [ ! -f {ran} ]; do sleep 0.05; done; {sed('return 1', 'return 11')}"
        timeout = "120s"
        [tasks.second]
        cmd = "{sed('return 1', 'return 22')}"
        [tasks.on_second]
        cmd = "echo ran > on_second.txt; : > {ran}"
        needs = ["second"]
        """)
    report = start_run(repo)
    tasks = report.state.tasks
    # on_second ran while first was still running, before second's merge was tried
    assert tasks["on_second"].attempts == 1
    assert tasks["second"].state == "conflicted"
    assert tasks["on_second"].state == "blocked"
    assert tasks["on_second"].reason == "upstream second conflicts"
    assert "on_second.txt" not in git(repo, "ls-tree", "--name-only", "main")
    assert "return 11" in show(repo, "main", "mod.py")
