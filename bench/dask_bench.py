"""Dask executor benchmark: the runner benchmark's tasks on a LocalCluster against the local executor.

    python bench/dask_bench.py [--tasks 25] [--files 200] [--task-seconds 0.5] [--workers 2]

Generates the repository of bench/runner_bench.py twice, runs its tasks once
with the local executor (threads) and once on a LocalCluster of ``--workers``
process workers (one thread each), both with ``max_parallel = --workers`` so
the two run as many attempts at once. Reports wall times, the whole-run
overhead per task, the per-attempt dispatch cost (from ``task_starting`` to
``task_succeeded`` in the event log, minus the attempt's own time on its
executor), and checks that both landed the same tree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from runner_bench import GIT_ENV, generate, git, print_rows

from smartmerge.runner import start_run
from smartmerge.runner.dask_executor import CACHE_ENV, DaskExecutor
from smartmerge.runner.events import open_log
from smartmerge.runner.running import RunReport
from smartmerge.runner.worktrees import RunnerHome

SRC = Path(__file__).resolve().parent.parent / "src"


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (f"median {1000 * statistics.median(ordered):.0f} ms, mean {1000 * statistics.mean(ordered):.0f} ms, "
            f"p95 {1000 * p95:.0f} ms, max {1000 * ordered[-1]:.0f} ms")


def measure(repo: Path, report: RunReport) -> tuple[list[float], list[float]]:
    """Per task: dispatch cost (log time minus the attempt's own time) and worktree overhead."""
    with open_log(RunnerHome.of(repo).db) as log:
        events = log.events(report.run)
    started = {e.task: e.ts for e in events if e.kind == "task_starting"}
    dispatch, worktree = [], []
    for e in events:
        if e.kind == "task_succeeded" and e.task in started:
            dispatch.append(e.ts - started[e.task] - e.data["seconds"])
            worktree.append(e.data["overhead"])
    return dispatch, worktree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=25)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--task-seconds", type=float, default=0.5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--table", action="store_true",
                        help="print the figures as one Markdown table (what bench/update_docs.py pastes into the docs)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    import distributed

    os.environ.update(GIT_ENV)
    # the workers import this checkout, like the coordinator
    os.environ["PYTHONPATH"] = str(SRC)
    with tempfile.TemporaryDirectory(prefix="smartmerge-dask-bench-") as tmp:
        root = Path(tmp)
        os.environ[CACHE_ENV] = str(root / "worker-cache")
        local_repo, dask_repo = root / "local", root / "dask"
        generate(local_repo, args.tasks, args.files, args.task_seconds, args.workers)
        generate(dask_repo, args.tasks, args.files, args.task_seconds, args.workers)

        t0 = time.perf_counter()
        local_report = start_run(local_repo)
        local_seconds = time.perf_counter() - t0

        t0 = time.perf_counter()
        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        executor = DaskExecutor(distributed.Client(cluster), cluster=cluster)
        cluster_seconds = time.perf_counter() - t0
        try:
            t0 = time.perf_counter()
            dask_report = start_run(dask_repo, executor=executor)
            dask_seconds = time.perf_counter() - t0
        finally:
            executor.shutdown()
        local_tree = git(local_repo, "rev-parse", "main^{tree}")
        dask_tree = git(dask_repo, "rev-parse", "main^{tree}")
        local_dispatch, local_worktree = measure(local_repo, local_report)
        dask_dispatch, dask_worktree = measure(dask_repo, dask_report)

    ideal = args.task_seconds * args.tasks / args.workers
    rows = [
        ("tasks, files, seconds per task, process workers (max_parallel of both), cpus",
         f"{args.tasks}, {args.files}, {args.task_seconds:g}, {args.workers}, {os.cpu_count()}"),
        ("load average (1 min) before the run", f"{load_before:.1f}"),
        ("run status", f"local {local_report.status}, dask {dask_report.status}"),
        (f"LocalCluster start-up ({args.workers} process workers; not in the wall times)", f"{cluster_seconds:.2f} s"),
    ]
    for label, seconds in (("local executor (threads)", local_seconds), ("dask executor", dask_seconds)):
        rows.append((f"{label}: wall time; overhead per task (wall - {ideal:.2f} s ideal) / {args.tasks}",
                     f"{seconds:.2f} s; {(seconds - ideal) / args.tasks * 1000:.0f} ms"))
    rows += [
        ("dask / local wall time", f"x{dask_seconds / local_seconds:.2f}"),
        ("per-attempt dispatch, local (starting -> succeeded, minus the attempt's own time)", _ms(local_dispatch)),
        ("per-attempt dispatch, dask", _ms(dask_dispatch)),
        ("worktree set-up + tear-down in the attempt, local", _ms(local_worktree)),
        ("the same, dask (on the worker)", _ms(dask_worktree)),
    ]
    same = local_tree == dask_tree
    rows.append(("landed trees equal", f"{same} ({dask_tree[:12]})"))
    print_rows(rows, args.table)
    return 0 if same and local_report.ok and dask_report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
