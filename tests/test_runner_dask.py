"""The dask executor on a real ``distributed.LocalCluster`` of process workers.

The runner runs as users run it (the command line, in a subprocess) against
the cluster's scheduler; the test process holds the cluster and uses Dask's
own client to find and kill the worker that runs a task.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import GIT_ENV, ROOT, SMARTMERGE
from runner_repo import (
    FUNCS,
    git,
    latest_events,
    make_repo,
    module_with_functions,
    show,
    smartmerge,
    wait_for,
)

from smartmerge.runner.dask_executor import CACHE_ENV
from smartmerge.runner.executing import kill_group
from smartmerge.runner.taskfile import parse_taskfile
from smartmerge.runner.worktrees import RunnerHome

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
dask = pytest.importorskip("dask", reason="the dask extra is not installed")



@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """Two process workers, one thread each, each with one 'gpu'; the scheduler's address and a client."""
    # Dask's scratch space (the scheduler's here, the workers' in their processes) under
    # pytest's temporary folder, not a dask-scratch-space left in the system's
    scratch = str(tmp_path_factory.mktemp("dask-scratch"))
    env = {**GIT_ENV, "PYTHONPATH": str(ROOT / "src"), CACHE_ENV: str(tmp_path_factory.mktemp("worker-cache")),
           "DASK_TEMPORARY_DIRECTORY": scratch}
    with pytest.MonkeyPatch.context() as patch, dask.config.set({"temporary-directory": scratch}):
        # the workers inherit this environment: this checkout's code and git without user config
        for key, value in env.items():
            patch.setenv(key, value)
        local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", resources={"gpu": 1})
        client = distributed.Client(local)
        try:
            yield local.scheduler_address, client
        finally:
            client.close()
            local.close()


def _dask_run(repo: Path, scheduler: str, *args: str) -> subprocess.CompletedProcess[str]:
    return smartmerge(repo, "run", "--plain", "--executor", "dask", "--scheduler", scheduler, *args)


def _status(repo: Path, *args: str) -> dict[str, Any]:
    proc = smartmerge(repo, "status", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _graph(root: Path) -> Path:
    # gamma is edited by a task that needs a 'gpu'; delta by one that starts from two others' work
    return make_repo(root, {"mod.py": module_with_functions(FUNCS)}, """
        [run]
        max_parallel = 3
        [tasks.a]
        cmd = "sed -i \\"s/return 0$/return 'A'/\\" mod.py"
        [tasks.b]
        cmd = "sed -i \\"s/return 1$/return 'B'/\\" mod.py"
        [tasks.g]
        cmd = "sed -i \\"s/return 2$/return 'G'/\\" mod.py"
        resources = { gpu = 1 }
        [tasks.d]
        cmd = "grep -q \\"'A'\\" mod.py && grep -q \\"'B'\\" mod.py && sed -i \\"s/return 3$/return 'D'/\\" mod.py"
        needs = ["a", "b"]
        """)


def test_a_graph_lands_the_same_tree_as_the_local_executor(cluster: tuple[str, Any], tmp_path: Path) -> None:
    scheduler, _ = cluster
    (tmp_path / "dask").mkdir()
    (tmp_path / "local").mkdir()
    on_dask, local = _graph(tmp_path / "dask"), _graph(tmp_path / "local")

    proc = _dask_run(on_dask, scheduler)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    reference = smartmerge(local, "run", "--plain")
    assert reference.returncode == 0, reference.stdout + reference.stderr

    assert git(on_dask, "rev-parse", "main^{tree}") == git(local, "rev-parse", "main^{tree}")
    text = show(on_dask, "main", "mod.py")
    for value in ("'A'", "'B'", "'G'", "'D'"):
        assert value in text
    status = _status(on_dask)
    assert status["status"] == "landed"
    assert {t["state"] for t in status["tasks"].values()} == {"integrated"}
    # the worker's log reaches the coordinator, with where it ran and what Dask reserved for it
    logs = smartmerge(on_dask, "logs", "g")
    assert logs.returncode == 0, logs.stderr
    log = logs.stdout
    assert "--- smartmerge: task g, attempt 1" in log and "--- exit 0" in log
    # written when the result comes back (the "started on worker" note is a progress report that may come later)
    assert re.search(r"^--- dask: ran on worker tcp://[\d.]+:\d+ \(host [^)]+\), resources gpu=1$", log, re.M), log
    # each task's commit came back as its branch, fetched from the ref its worker pushed
    run = status["run"]
    remote = RunnerHome.of(on_dask).root / "remote.git"
    for name in ("a", "b", "g", "d"):
        pushed = git(remote, "rev-parse", f"refs/smartmerge/tasks/{run}/{name}/1")
        assert git(on_dask, "rev-parse", f"smartmerge/{run}/{name}") == pushed == status["tasks"][name]["commit"]


def test_a_worker_killed_mid_task_runs_it_elsewhere_and_it_lands_once(
    cluster: tuple[str, Any], tmp_path: Path
) -> None:
    scheduler, client = cluster
    groups, marker, release = tmp_path / "groups", tmp_path / "started", tmp_path / "release"
    # the first execution hangs until the test ends (it is the one whose worker dies); the rerun goes straight through
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [tasks.slow]
        cmd = "echo $$ >> {groups}; if [ ! -f {marker} ]; then touch {marker}; while [ ! -f {release} ]; do sleep 0.05; done; fi; echo s > slow.txt"
        [tasks.quick]
        cmd = "echo q > quick.txt"
        """)
    runner = subprocess.Popen([*SMARTMERGE, "run", "--plain", "--executor", "dask", "--scheduler", scheduler],
                              cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(marker.exists, 30)
        busy = [w for w, keys in client.processing().items() if any("-slow-1" in str(k) for k in keys)]
        assert len(busy) == 1
        pid = client.run(os.getpid, workers=busy)[busy[0]]
        os.kill(pid, signal.SIGKILL)
        out, _ = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
        release.touch()
        # the dead worker's command was in a session of its own; it must not outlive the test
        for group in groups.read_text().split() if groups.exists() else []:
            kill_group(int(group))
    assert runner.returncode == 0, out
    assert show(repo, "main", "slow.txt") == "s"
    assert len(groups.read_text().split()) == 2  # it ran again, once
    status = _status(repo)
    # Dask reran the attempt on a live worker: no failure for the runner to count
    assert status["tasks"]["slow"]["state"] == "integrated"
    assert status["tasks"]["slow"]["attempts"] == 1
    subjects = git(repo, "log", "--format=%s", "main").splitlines()
    assert sum(s.endswith(": task slow") for s in subjects) == 1
    assert sum(s.endswith(": land task slow") for s in subjects) == 1


def test_the_coordinator_killed_and_resumed_while_tasks_run_on_the_cluster(
    cluster: tuple[str, Any], tmp_path: Path
) -> None:
    scheduler, _ = cluster
    counts, release = tmp_path / "counts", tmp_path / "release"
    counts.mkdir()
    count = f"echo run >> {counts}/$SMARTMERGE_TASK"
    # slow's first run waits until the test releases it, after the coordinator is dead
    repo = make_repo(tmp_path, {"README": "x\n"}, f"""
        [run]
        max_parallel = 2
        [tasks.fast1]
        cmd = "{count}; echo 1 > fast1.txt"
        [tasks.fast2]
        cmd = "{count}; echo 2 > fast2.txt"
        [tasks.slow]
        cmd = "{count}; if [ $(wc -l < {counts}/slow) -eq 1 ]; then while [ ! -f {release} ]; do sleep 0.05; done; fi; echo s > slow.txt"
        [tasks.after]
        cmd = "{count}; cat fast1.txt slow.txt > after.txt"
        needs = ["fast1", "slow"]
        """)
    runner = subprocess.Popen([*SMARTMERGE, "run", "--plain", "--executor", "dask", "--scheduler", scheduler],
                              cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: ("fast1", "task_integrated") in latest_events(repo) and ("fast2", "task_integrated") in latest_events(repo)
                  and (counts / "slow").exists(), 40)
    finally:
        runner.send_signal(signal.SIGKILL)
        runner.wait()
        # the orphaned attempt on the cluster may finish now; its result has nobody to go to
        release.touch()
    run = _status(repo)["run"]
    assert _status(repo)["status"] == "interrupted"

    proc = _dask_run(repo, scheduler, "--resume", run)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "slow: reset: attempt 1 was cut short" in proc.stdout
    assert (counts / "fast1").read_text().count("run") == 1
    assert (counts / "fast2").read_text().count("run") == 1
    assert (counts / "after").read_text().count("run") == 1
    for name, text in (("fast1.txt", "1"), ("fast2.txt", "2"), ("slow.txt", "s"), ("after.txt", "1\ns")):
        assert show(repo, "main", name) == text
    final = _status(repo, run)
    assert final["status"] == "landed"
    assert final["tasks"]["slow"]["attempts"] == 2


def test_dask_local_starts_its_own_cluster_and_lands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "worker-cache"))
    # the cluster the runner starts keeps its scratch space here, not in the system temp dir
    monkeypatch.setenv("DASK_TEMPORARY_DIRECTORY", str(tmp_path / "dask-scratch"))
    repo = make_repo(tmp_path, {"README": "x\n"}, '[tasks.a]\ncmd = "echo a > a.txt"\n')
    proc = smartmerge(repo, "run", "--plain", "--executor", "dask-local:2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert show(repo, "main", "a.txt") == "a"
    logs = smartmerge(repo, "logs", "a")
    assert logs.returncode == 0, logs.stderr
    assert re.search(r"^--- dask: ran on worker tcp://[\d.]+:\d+ \(host [^)]+\)$", logs.stdout, re.M), logs.stdout


def test_dask_options_are_checked_and_a_missing_extra_says_how_to_install_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"README": "x\n"}, '[tasks.a]\ncmd = "true"\n')
    no_scheduler = smartmerge(repo, "run", "--executor", "dask")
    assert no_scheduler.returncode == 2
    assert no_scheduler.stderr == "smartmerge: error: --executor dask needs --scheduler tcp://HOST:8786\n"
    bad_count = smartmerge(repo, "run", "--executor", "dask-local:0")
    assert bad_count.returncode == 2
    assert bad_count.stderr == "smartmerge: error: --executor: expected dask-local:N with N at least 1, got 'dask-local:0'\n"
    stray = smartmerge(repo, "run", "--scheduler", "tcp://127.0.0.1:1")
    assert stray.returncode == 2
    assert stray.stderr == "smartmerge: error: --scheduler and --remote go with --executor dask or dask-local\n"
    # Python without the extra: a None entry in sys.modules makes "import distributed" fail
    # exactly as when it is not installed
    without = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.modules['distributed'] = None; from smartmerge.cli import main; "
         "main(['run', '--executor', 'dask-local:1'])"],
        cwd=repo, capture_output=True, text=True, check=False,
    )
    assert without.returncode == 2
    assert without.stderr.strip() == "smartmerge: error: the dask executor needs: pip install 'smartmerge[dask]'"
    assert not RunnerHome.of(repo).db.exists()  # nothing started


def test_task_resources_are_read_and_checked() -> None:
    tf = parse_taskfile('[tasks.train]\ncmd = "true"\nresources = { gpu = 1, memory = 2.5e9 }\n')
    assert tf.tasks["train"].resources == (("gpu", 1.0), ("memory", 2.5e9))
    from smartmerge.runner.taskfile import TaskFile

    assert TaskFile.from_json(tf.to_json()) == tf
    with pytest.raises(Exception, match="resources: values must be positive numbers"):
        parse_taskfile('[tasks.t]\ncmd = "true"\nresources = { gpu = 0 }\n')


def test_a_dead_workers_slot_is_removed_and_its_command_stopped(tmp_path: Path) -> None:
    from smartmerge.runner import dask_executor, worktrees

    origin = make_repo(tmp_path, {"README": "x\n"}, '[tasks.a]\ncmd = "true"\n')
    base = git(origin, "rev-parse", "HEAD")
    git(origin, "update-ref", dask_executor.base_ref(base), base)
    task = dask_executor.RemoteTask(run="r1", task="a", cmd="true", remote=str(origin), base_commit=base,
                                    attempt=1, slot=0, cache=str(tmp_path / "cache"))
    cache_repo = dask_executor._cache_repository(task)
    # a worker process that has exited, leaving its worktree and its command's process group
    gone = subprocess.Popen(["true"])
    gone.wait()
    name = f"{socket.gethostname()}-{gone.pid}-1"
    slot = cache_repo.parent / "slots" / name
    worktrees.add_worktree(cache_repo, worktrees.Checkout(slot / "tree", base, dask_executor._slot_branch(name),
                                                          "r1", "a"))
    orphan = subprocess.Popen(["sleep", "30"], start_new_session=True, env={**os.environ, "SMARTMERGE_RUN": "r1"})
    (slot / "pgid").write_text(str(orphan.pid))
    (slot / "run").write_text("r1")
    try:
        result = dask_executor.run_remote_task(task)
        assert orphan.wait(timeout=5) == -signal.SIGKILL
    finally:
        orphan.kill()
    assert result.result.ok, result.result.message
    assert not slot.exists()
    assert str(slot / "tree") not in git(cache_repo, "worktree", "list")
    # the attempt itself ran in a slot of this process and pushed its ref back to the origin
    assert git(origin, "rev-parse", dask_executor.task_ref("r1", "a", 1)) == result.result.commit
