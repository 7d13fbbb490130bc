"""Runner benchmark: 25 tasks editing different functions of shared files in a 200-file repository.

    python bench/runner_bench.py [--tasks 25] [--files 200] [--task-seconds 0.5] [--parallel 8]
                                 [--timeout-trials 5] [--status-calls 20] [--driver-too] [--table]

Reports the runner's wall time against running the same commands one after
another in one checkout, the runner's own overhead per task (creating and
removing the worktree), and checks that the landed tree equals the tree of the
sequential run. Then the same tasks again with a gate and one task that breaks it
(``--breaking``, the middle one by default; ``--breaking -1`` skips this part): the
bisection's extra gate runs, counted from the event log, against the budget
ceil(log2 n) + 1, and whether the culprit was named and the other tasks landed.
The integration is timed on its own after the run, with nothing else running: the
landed tasks' commits merged again, in the run's order, into a fresh integration
worktree on the run's base (``Integration.add``, what the run's integration thread
does): wall time, and CPU time of the bench's process plus the processes it started
(git, and the merge driver when merges go through it); with ``--driver-too`` also
through ``git merge`` with the smartmerge driver, how the runner merged before.
Last, two precision checks (issue 14): how far past its limit a
timed-out command's process group is dead (a shell that exits on SIGTERM, and one
that ignores it and needs the SIGKILL), and how long ``smartmerge status --json``
takes on the benchmark's repository (wall and CPU time of the whole command).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge.runner import start_run
from smartmerge.runner.events import open_log
from smartmerge.runner.executing import Command, run_process
from smartmerge.runner.integrating import Integration
from smartmerge.runner.orphans import group_alive
from smartmerge.runner.worktrees import RunnerHome

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@smartmerge.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@smartmerge.invalid",
}
# Functions per shared file; 25 tasks then touch 5 shared files, 5 functions each.
FUNCS_PER_FILE = 5
# Blank lines between functions: far enough apart that git's line merge also keeps edits apart.
GAP = 12


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


# The gate of the bisection part: every function of the shared files must not return 'broken'.
CHECK = """\
import importlib, pathlib, sys
for path in sorted(pathlib.Path('.').glob('shared_*.py')):
    module = importlib.import_module(path.stem)
    for name in dir(module):
        if name.startswith('f_') and getattr(module, name)() == 'broken':
            sys.exit(f'{path}: {name} is broken')
"""


def generate(
    repo: Path, tasks: int, files: int, task_seconds: float, parallel: int, breaking: int | None = None
) -> list[str]:
    """Write the repository and its task file; returns the task commands in order.

    With ``breaking``, the run has a gate (check.py) and that task breaks it."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    shared = (tasks + FUNCS_PER_FILE - 1) // FUNCS_PER_FILE
    for k in range(shared):
        funcs = [f"def f_{k}_{i}():\n    return 'v_{k}_{i}'\n" for i in range(FUNCS_PER_FILE)]
        (repo / f"shared_{k}.py").write_text(("\n" * GAP).join(funcs))
    for n in range(files - shared):
        folder = repo / "pkg" / f"m{n % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod_{n}.py").write_text(f"VALUE = {n}\n\n\ndef get():\n    return VALUE\n")
    commands = []
    for t in range(tasks):
        k, i = divmod(t, FUNCS_PER_FILE)
        value = "broken" if t == breaking else f"edited_{k}_{i}"
        commands.append(f"sleep {task_seconds}; sed -i \"s/'v_{k}_{i}'/'{value}'/\" shared_{k}.py")
    lines = ["[run]", 'target = "main"', f"max_parallel = {parallel}"]
    if breaking is not None:
        (repo / "check.py").write_text(CHECK)
        lines.append(f"gate = {json.dumps(f'{sys.executable} check.py')}")
    lines.append("")
    for t, cmd in enumerate(commands):
        # a JSON string of ASCII text is a valid TOML basic string
        lines += [f"[tasks.t{t:02d}]", f"cmd = {json.dumps(cmd)}", ""]
    (repo / "smartmerge.toml").write_text("\n".join(lines))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "generated")
    return commands


def integration_alone(repo: Path, run: str, base: str, driver: bool = False) -> tuple[int, float, float, str]:
    """Merge the run's integrated tasks again, in the run's order, onto ``base`` in a fresh
    integration worktree: (merges, wall seconds, CPU seconds, the resulting tree).
    ``driver``: every merge through ``git merge`` with the smartmerge driver (one process
    per file, how the runner merged before it merged file contents in-process)."""
    import resource

    from smartmerge.runner import gitops

    with open_log(RunnerHome.of(repo).db) as log:
        events = log.events(run)
    commits = {e.task: str(e.data["commit"]) for e in events if e.kind == "task_succeeded" and e.task}
    order = list(dict.fromkeys(e.task for e in events if e.kind == "task_integrated" and e.task))
    integration = Integration(repo, RunnerHome.of(repo), f"{run}-{'driver' if driver else 'again'}")
    integration.start(base)
    in_process = gitops.merge_with_smartmerge
    if driver:
        gitops.merge_with_smartmerge = gitops.merge_with_driver  # the bench's own switch, undone below
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu0, t0 = time.process_time(), time.perf_counter()
        for task in order:
            assert integration.add(task, commits[task]).clean, task
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = time.process_time() - cpu0 + after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        tree = git(integration.path, "rev-parse", "HEAD^{tree}")
    finally:
        gitops.merge_with_smartmerge = in_process
        integration.close()
    return len(order), wall, cpu, tree


def sequential(repo: Path, commands: list[str]) -> tuple[float, str]:
    """The same commands one after another in one checkout, one commit each."""
    t0 = time.perf_counter()
    for n, cmd in enumerate(commands):
        subprocess.run(["/bin/sh", "-c", cmd], cwd=repo, check=True)
        git(repo, "commit", "-q", "-am", f"task {n}")
    return time.perf_counter() - t0, git(repo, "rev-parse", "HEAD^{tree}")


def timeout_precision(trials: int, limit: float) -> list[tuple[str, float, bool]]:
    """(command kind, seconds past the limit until the group is dead, group dead) per trial."""
    out: list[tuple[str, float, bool]] = []
    with tempfile.TemporaryDirectory(prefix="smartmerge-timeout-bench-") as tmp:
        folder = Path(tmp)
        for kind, cmd in (("exits on TERM", "sleep 30 & wait"), ("ignores TERM", "trap '' TERM; sleep 30 & wait")):
            for n in range(trials):
                pid_file = folder / f"pid-{kind[0]}-{n}"
                with (folder / "log").open("ab") as log:
                    t0 = time.perf_counter()
                    outcome = run_process(Command(cmd, folder, dict(os.environ), limit, pid_file), log)
                    elapsed = time.perf_counter() - t0
                assert outcome.timed_out
                pgid = int(pid_file.read_text()) if pid_file.exists() else None
                out.append((kind, elapsed - limit, pgid is None or not group_alive(pgid)))
    return out


def status_timing(repo: Path, calls: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + sys) seconds of ``python -m smartmerge status --json``, per call."""
    import resource

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent / "src"))
    # as installed: bytecode cached (pip compiles it at install; this environment may forbid
    # writing it, which makes every call compile the modules it imports again)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(calls):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "smartmerge", "status", "--json"], cwd=repo, env=env, check=True,
                       capture_output=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def bisection(root: Path, args: argparse.Namespace, rows: list[tuple[str, str]]) -> bool:
    """One breaking task among ``args.tasks``: count the gate runs the culprit cost."""
    breaking = args.breaking if args.breaking is not None else args.tasks // 2
    repo = root / "bisect"
    generate(repo, args.tasks, args.files, args.task_seconds, args.parallel, breaking)
    t0 = time.perf_counter()
    report = start_run(repo)
    seconds = time.perf_counter() - t0
    with open_log(RunnerHome.of(repo).db) as log:
        events = log.events(report.run)
    purposes = [e.data["purpose"] for e in events if e.kind == "gate_started"]
    gate_seconds = [b.ts - a.ts for a, b in zip(
        [e for e in events if e.kind == "gate_started"],
        [e for e in events if e.kind in ("gate_passed", "gate_failed")], strict=True)]
    culprit = f"t{breaking:02d}"
    states = report.state.tasks
    named = states[culprit].state == "failed" and states[culprit].reason.startswith("breaks the gate")
    others = sum(1 for name, t in states.items() if name != culprit and t.state == "integrated")
    extra = len(purposes) - purposes.count("combined")
    budget = math.ceil(math.log2(args.tasks)) + 1
    gates = ", ".join(f"{p} {purposes.count(p)}" for p in dict.fromkeys(purposes))
    rows.append((f"bisection: task {culprit} of {args.tasks} breaks the gate; run status", report.status))
    rows.append(("bisection: gate runs (by purpose); extra for the culprit (budget ceil(log2 n) + 1)",
                 f"{len(purposes)} ({gates}); {extra} ({budget})"))
    rows.append(("bisection: culprit named; other tasks landed", f"{named}; {others} of {args.tasks - 1}"))
    rows.append(("bisection: run wall time (of it the gate runs, mean per gate run)",
                 f"{seconds:.2f} s ({sum(gate_seconds):.2f} s, {statistics.mean(gate_seconds):.2f} s)"))
    return named and others == args.tasks - 1 and extra <= budget


def print_rows(rows: list[tuple[str, str]], table: bool) -> None:
    """The figures as ``measure: value`` lines, or as a Markdown table with ``--table``."""
    if table:
        print("| measure | value |\n| --- | --- |")
    for measure, value in rows:
        print(f"| {measure} | {value} |" if table else f"{measure}: {value}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=25)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--task-seconds", type=float, default=0.5)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--timeout-trials", type=int, default=5, help="timed-out commands per kind (0: skip)")
    parser.add_argument("--status-calls", type=int, default=20, help="status --json calls to time (0: skip)")
    parser.add_argument("--breaking", type=int, default=None,
                        help="the task that breaks the gate in the bisection part (default: the middle one; -1: skip it)")
    parser.add_argument("--driver-too", action="store_true",
                        help="time the integration alone also through git's merge driver (as before in-process merging)")
    parser.add_argument("--table", action="store_true",
                        help="print the figures as one Markdown table (what bench/update_docs.py pastes into the docs)")
    args = parser.parse_args()
    os.environ.update(GIT_ENV)
    # as installed: bytecode cached (this environment may forbid writing it, which would make
    # every merge driver process compile the modules it imports again)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="smartmerge-runner-bench-") as tmp:
        root = Path(tmp)
        commands = generate(root / "runner", args.tasks, args.files, args.task_seconds, args.parallel)
        generate(root / "seq", args.tasks, args.files, args.task_seconds, args.parallel)
        seq_seconds, seq_tree = sequential(root / "seq", commands)

        repo = root / "runner"
        base = git(repo, "rev-parse", "main")
        t0 = time.perf_counter()
        report = start_run(repo)
        run_seconds = time.perf_counter() - t0
        landed_tree = git(repo, "rev-parse", "main^{tree}")
        with open_log(RunnerHome.of(repo).db) as log:
            succeeded = [e.data for e in log.events(report.run) if e.kind == "task_succeeded"]
        merges, merge_wall, merge_cpu, merged_tree = integration_alone(repo, report.run, base)
        if args.driver_too:
            _, driver_wall, driver_cpu, driver_tree = integration_alone(repo, report.run, base, driver=True)
        walls, cpus = status_timing(repo, args.status_calls) if args.status_calls else ([], [])
    overheads_ms = sorted(1000 * d["overhead"] for d in succeeded)
    reused_ms = sorted(1000 * d["overhead"] for d in succeeded if not d["new_worktree"])
    created_ms = sorted(1000 * d["overhead"] for d in succeeded if d["new_worktree"])
    p95 = overheads_ms[max(0, round(0.95 * len(overheads_ms)) - 1)]
    ideal = args.task_seconds * args.tasks / args.parallel
    rows: list[tuple[str, str]] = [
        ("tasks, files, seconds per task, max_parallel, cpus",
         f"{args.tasks}, {args.files}, {args.task_seconds:g}, {args.parallel}, {os.cpu_count()}"),
        ("load average (1 min) before the run", f"{load_before:.1f}"),
        ("run status", f"{report.status} ({report.message})"),
        ("one after another (plain shell, no runner)", f"{seq_seconds:.2f} s"),
        ("`smartmerge run` wall time (speed-up)", f"{run_seconds:.2f} s (x{seq_seconds / run_seconds:.2f})"),
        ("worktree set-up + tear-down per task: median / mean / p95 / max",
         f"{statistics.median(overheads_ms):.0f} / {statistics.mean(overheads_ms):.0f} / {p95:.0f} / {overheads_ms[-1]:.0f} ms"),
    ]
    if reused_ms and created_ms:
        rows.append((f"tasks reusing their slot's worktree ({len(reused_ms)}): median / max",
                     f"{statistics.median(reused_ms):.0f} / {reused_ms[-1]:.0f} ms"))
        rows.append((f"tasks creating their slot's worktree ({len(created_ms)}): median / max",
                     f"{statistics.median(created_ms):.0f} / {created_ms[-1]:.0f} ms"))
    rows.append((f"whole-run overhead per task: (wall - {ideal:.2f} s ideal) / {args.tasks}",
                 f"{(run_seconds - ideal) / args.tasks * 1000:.0f} ms"))
    rows.append((f"integration alone: {merges} task merges, wall (per merge); CPU",
                 f"{merge_wall:.2f} s ({1000 * merge_wall / max(merges, 1):.0f} ms); {merge_cpu:.2f} s"))
    same = landed_tree == seq_tree == merged_tree
    if args.driver_too:
        rows.append(("the same through the merge driver (one process per file): wall (per merge); CPU",
                     f"{driver_wall:.2f} s ({1000 * driver_wall / max(merges, 1):.0f} ms); {driver_cpu:.2f} s"))
        same = same and driver_tree == merged_tree
    rows.append(("landed tree (and the integration alone) equals the sequential tree", f"{same} ({landed_tree[:12]})"))
    precise = True
    if args.timeout_trials:
        limit = 1.0
        trials = timeout_precision(args.timeout_trials, limit)
        for kind in dict.fromkeys(k for k, _, _ in trials):
            late = sorted(1000 * s for k, s, _ in trials if k == kind)
            dead = all(d for k, _, d in trials if k == kind)
            rows.append((f"timeout {limit:g} s, command {kind}: group dead past the limit, median / max of {len(late)}; all dead",
                         f"{late[len(late) // 2]:.0f} / {late[-1]:.0f} ms; {dead}"))
            precise = precise and dead and late[-1] <= 200
    if walls:
        rows.append((f"`status --json` ({len(walls)} calls): wall median / max; CPU median",
                     f"{1000 * statistics.median(walls):.0f} / {1000 * max(walls):.0f} ms; {1000 * statistics.median(cpus):.0f} ms"))
    with tempfile.TemporaryDirectory(prefix="smartmerge-runner-bench-") as tmp:
        bisected = args.breaking == -1 or bisection(Path(tmp), args, rows)
    print_rows(rows, args.table)
    return 0 if same and report.ok and bisected and precise else 1


if __name__ == "__main__":
    sys.exit(main())
