"""The merge driver at git's pace: what smartmerge adds to a ``git merge``, per file.

Builds a git repository in a temporary folder with two merges of many Python files:
files git's line merge handles by itself (each side edits another function) and files
where both sides append a function (git conflicts, smartmerge merges them). Each merge
is timed with plain git, with the smartmerge driver installed, and with the driver and
``SMARTMERGE=0``; the difference to plain git, divided by the number of files, is what
the driver adds per file. The driver line is the one ``smartmerge install`` writes
(each ``src``'s own ``driver_command``); a driver line that only runs one ``git
merge-file`` is timed too, as the least any driver costs git. It also times whole ``smartmerge BASE LEFT RIGHT`` processes
and in-process ``merge_texts`` calls on a corpus sample (optional), a 50,000-line file
whose sides both edit it (time and peak memory), and how well ``--timeout T`` holds.

Every number comes with plain git measured in the same run, because the machine may
be shared: compare ratios, not milliseconds across runs. ``--baseline REV`` measures the
``src/`` of another revision (exported with ``git archive``) in the same run as this
checkout, for a before/after table. Child processes run with bytecode caching on (as
an installed package has it), whatever ``PYTHONDONTWRITEBYTECODE`` says.

    python bench/driver_bench.py [CORPUS] [--baseline main] [--markdown OUT] [--quick] [--only big,timeout]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@smartmerge.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@smartmerge.invalid",
    "LC_ALL": "C",
}
FUNCTIONS_PER_FILE = 12
# the big file's own row measures the work, not the time limit (a loaded machine would hit it)
BIG_TIMEOUT = 600.0
TARGETS = {
    "clean": "<= 50 ms",
    "structured": "<= 80 ms",
    "process": "<= 100 ms",
    "in_process": "<= 30 ms",
    "big": "<= 2 s, <= 200 MB",
    "timeout": "<= 1.1 T + 0.2 s",
    "off": "about one `git merge-file`",
}


def child_env(src: Path | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "SMARTMERGE")}
    env.update(GIT_ENV)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    env.update(extra)
    return env


@dataclass(frozen=True)
class Run:
    """One child process: wall and CPU seconds (its own and its children's), exit
    status, peak RSS in MB (the largest of it and its children)."""

    wall: float
    cpu: float
    status: int
    peak_mb: float


def timed(args: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait4: this child's usage (with the children it waited for), not the whole bench's
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(elapsed, usage.ru_utime + usage.ru_stime, proc.returncode, usage.ru_maxrss / 1024)


@dataclass(frozen=True)
class Timing:
    """Medians of several runs, wall and CPU."""

    wall: float
    cpu: float

    @staticmethod
    def of(runs: Sequence[Run]) -> Timing:
        return Timing(statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs))

    def minus(self, other: Timing, per: int = 1) -> Timing:
        return Timing((self.wall - other.wall) / per, (self.cpu - other.cpu) / per)

    def ms(self) -> str:
        return f"{self.wall * 1e3:.0f} ms (CPU {self.cpu * 1e3:.0f} ms)"


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env=child_env(None), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


# --- the generated merges


def module(i: int, edits: dict[int, str] | None = None, appended: str = "") -> str:
    edits = edits or {}
    parts = [f'"""Module {i} of the benchmark."""\n\nimport os\n']
    for f in range(FUNCTIONS_PER_FILE):
        value = edits.get(f, str(f))
        parts.append(f"\n\ndef function_{f}(x):\n    y = x + {f}\n    return os.path.join(str(y), '{value}')\n")
    return "".join(parts) + appended


def appended_function(name: str) -> str:
    return f"\n\ndef {name}(items):\n    return [item for item in items if item]\n"


@dataclass
class MergeRepo:
    """A repository with branches ``main`` and ``topic`` to merge, and ``start`` to reset to."""

    root: Path
    files: int


def build_repo(root: Path, clean: int, appends: int) -> MergeRepo:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    names = [f"pkg/clean_{i:03}.py" for i in range(clean)] + [f"pkg/append_{i:03}.py" for i in range(appends)]
    for i, name in enumerate(names):
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(module(i))
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    git(root, "branch", "topic")
    for i, name in enumerate(names):
        text = module(i, {1: "left"}) if name.startswith("pkg/clean") else module(i, appended=appended_function("left_added"))
        (root / name).write_text(text)
    git(root, "commit", "-qam", "left")
    git(root, "branch", "start")
    git(root, "checkout", "-q", "topic")
    for i, name in enumerate(names):
        text = module(i, {FUNCTIONS_PER_FILE - 2: "right"}) if name.startswith("pkg/clean") else module(i, appended=appended_function("right_added"))
        (root / name).write_text(text)
    git(root, "commit", "-qam", "right")
    git(root, "checkout", "-q", "main")
    return MergeRepo(root, len(names))


@functools.cache
def driver_line(src: Path) -> str:
    """The line `smartmerge install` writes, from ``src``'s own driver_command (a
    baseline is measured with its own line), with ``src`` first on the path."""
    ask = "from smartmerge.git.install import driver_command; print(driver_command())"
    proc = subprocess.run([sys.executable, "-c", ask], env=child_env(src), capture_output=True, text=True, check=True)
    return f"export PYTHONPATH={shlex.quote(str(src))}; {proc.stdout.strip()}"


# the least any driver line costs git: its shell and one `git merge-file` that writes %A
ONE_MERGE_FILE_LINE = "exec git merge-file -q --diff3 %A %O %B"


def time_merge(repo: MergeRepo, driver: str | None, repeats: int, off: bool = False) -> Timing:
    """Median wall seconds of ``git merge topic`` into ``start`` (with the driver line ``driver``, or plain git)."""
    attributes = repo.root / ".git" / "info" / "attributes"
    attributes.parent.mkdir(exist_ok=True)
    attributes.write_text("*.py merge=smartmerge\n" if driver is not None else "")
    config = ["-c", f"merge.smartmerge.driver={driver}"] if driver is not None else []
    env = child_env(None, **({"SMARTMERGE": "0"} if off else {}))
    runs = []
    for attempt in range(repeats + 1):
        git(repo.root, "reset", "-q", "--hard", "start")
        run = timed(["git", *config, "merge", "-q", "--no-edit", "topic"], cwd=repo.root, env=env)
        if attempt:  # the first run writes the bytecode caches
            runs.append(run)
    git(repo.root, "reset", "-q", "--hard", "start")
    return Timing.of(runs)


def time_merge_file(folder: Path, repeats: int) -> Timing:
    """Median wall seconds of one ``git merge-file -p`` process on one generated file."""
    for name, text in (("B.py", module(0)), ("L.py", module(0, {1: "left"})), ("R.py", module(0, {10: "right"}))):
        (folder / name).write_text(text)
    env = child_env(None)
    return Timing.of([timed(["git", "merge-file", "-p", "L.py", "B.py", "R.py"], cwd=folder, env=env) for _ in range(max(5, repeats * 3))])


# --- corpus sample


def corpus_sample(corpus: Path, limit: int) -> list[tuple[Path, str]]:
    folders = sorted(p.parent for p in corpus.glob("*/Base.py"))
    if len(folders) > limit:
        step = len(folders) / limit
        folders = [folders[int(i * step)] for i in range(limit)]
    sample = []
    for folder in folders:
        meta = folder / "meta.json"
        path = json.loads(meta.read_text()).get("path") if meta.exists() else None
        sample.append((folder, path or "Left.py"))
    return sample


def time_processes(sample: list[tuple[Path, str]], src: Path) -> tuple[Timing, Timing]:
    """Medians of ``smartmerge BASE LEFT RIGHT`` and of ``git merge-file -p`` processes."""
    ours, gits = [], []
    env = child_env(src)
    timed([sys.executable, "-m", "smartmerge", "--version"], env=env)  # bytecode caches
    for folder, path in sample:
        files = [str(folder / n) for n in ("Base.py", "Left.py", "Right.py")]
        ours.append(timed([sys.executable, "-m", "smartmerge", *files, "-p", path], env=env))
        gits.append(timed(["git", "merge-file", "-p", files[1], files[0], files[2]], env=env))
    return Timing.of(ours), Timing.of(gits)


IN_PROCESS = """
import json, sys, time
from smartmerge import merge_texts
from smartmerge.options import MergeOptions
times = []
for i, (folder, path) in enumerate(json.loads(sys.argv[1])):
    texts = [open(f"{folder}/{n}", "rb").read() for n in ("Base.py", "Left.py", "Right.py")]
    t, c = time.perf_counter(), time.process_time()
    merge_texts(*texts, path=path, options=MergeOptions())
    if i:  # the first merge (a repeat of the second) pays the lazy imports
        times.append((time.perf_counter() - t, time.process_time() - c))
print(json.dumps(times))
"""


def time_in_process(sample: list[tuple[Path, str]], src: Path) -> Timing:
    """Medians of ``merge_texts`` calls in one process (CPU: the process's own, not git's)."""
    data = json.dumps([(str(folder), path) for folder, path in [sample[0], *sample]])
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS, data], env=child_env(src), capture_output=True, text=True, check=True)
    times = json.loads(proc.stdout)
    return Timing(statistics.median(t[0] for t in times), statistics.median(t[1] for t in times))


# --- one big file


def big_files(folder: Path, lines: int) -> list[str]:
    """A module of ``lines`` lines; left edits a function near the top and appends one,
    right edits one near the bottom and adds an import."""
    functions = max(4, lines // 4)
    body = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(functions))
    base = "import os\n\n" + body
    left = base.replace("return x + 1\n", "return x - 1\n", 1) + "def left_added():\n    return 1\n"
    right = "import os\nimport sys\n\n" + body.replace(f"return x + {functions - 2}\n", f"return x * {functions - 2}\n")
    names = []
    for name, text in (("Base.py", base), ("Left.py", left), ("Right.py", right)):
        (folder / name).write_text(text)
        names.append(str(folder / name))
    return names


def time_big(folder: Path, src: Path, lines: int, timeout: float | None = None) -> Run:
    """``smartmerge BASE LEFT RIGHT`` on the big file."""
    files = big_files(folder, lines)
    extra = ["--timeout", f"{timeout:g}"] if timeout is not None else []
    return timed([sys.executable, "-m", "smartmerge", *files, "-p", "big.py", *extra], env=child_env(src))


# --- the run


@dataclass
class PlainGit:
    """The two merges and what plain git takes for them, measured once per run."""

    clean_repo: MergeRepo
    structured_repo: MergeRepo
    clean: Timing
    structured: Timing
    merge_file: Timing
    # per file: git's clean merge with a driver line of one `git merge-file` (ONE_MERGE_FILE_LINE)
    one_merge_file_driver: Timing


@dataclass
class Column:
    """Everything measured for one ``src``."""

    name: str
    rows: dict[str, str] = field(default_factory=dict)
    raw: dict[str, float] = field(default_factory=dict)


def measure(
    name: str, src: Path, work: Path, args: argparse.Namespace, plain: PlainGit | None, log: Callable[[str], None]
) -> Column:
    column = Column(name)
    if plain is not None:
        _measure_driver(name, src, args, plain, column, log)
    if args.sample and "process" in args.only:  # process and in-process medians
        ours, gits = time_processes(args.sample, src)
        column.raw["process"] = ours.wall
        column.rows["process"] = f"{ours.ms()}; x{ours.wall / gits.wall:.0f} `git merge-file`"
        inproc = time_in_process(args.sample, src)
        column.raw["in_process"] = inproc.wall
        column.rows["in_process"] = f"{inproc.wall * 1e3:.1f} ms (CPU {inproc.cpu * 1e3:.1f} ms)"
        log(f"{name}: process {column.rows['process']}, in-process {column.rows['in_process']}")
    if "big" in args.only:
        big = time_big(work, src, args.big_lines, timeout=BIG_TIMEOUT)
        column.raw["big"] = big.wall
        column.rows["big"] = f"{big.wall:.2f} s (CPU {big.cpu:.2f} s), {big.peak_mb:.0f} MB, exit {big.status}"
        log(f"{name}: big: {column.rows['big']}")
    if "timeout" in args.only:
        limit = args.timeout_probe
        probe = time_big(work, src, args.big_lines * 2, timeout=limit)
        column.raw["timeout"] = probe.wall
        column.rows["timeout"] = (
            f"{probe.wall:.2f} s = {probe.wall / limit:.2f} T (CPU {probe.cpu:.2f} s; T = {limit:g} s, exit {probe.status})"
        )
        log(f"{name}: timeout: {column.rows['timeout']}")
    return column


def _measure_driver(
    name: str, src: Path, args: argparse.Namespace, plain: PlainGit, column: Column, log: Callable[[str], None]
) -> None:
    for kind, merge_repo, gits in (
        ("clean", plain.clean_repo, plain.clean), ("structured", plain.structured_repo, plain.structured)
    ):
        with_driver = time_merge(merge_repo, driver_line(src), args.repeats)
        per_file = with_driver.minus(gits, merge_repo.files)
        column.raw[kind] = per_file.wall
        column.rows[kind] = f"{per_file.ms()}; the merge takes x{with_driver.wall / gits.wall:.0f} plain git's"
        log(f"{name}: {kind}: {column.rows[kind]}")
    off = time_merge(plain.clean_repo, driver_line(src), args.repeats, off=True).minus(plain.clean, plain.clean_repo.files)
    column.raw["off"] = off.wall
    column.rows["off"] = (
        f"{off.ms()}; x{off.wall / plain.merge_file.wall:.1f} one `git merge-file`, "
        f"x{off.wall / plain.one_merge_file_driver.wall:.1f} a driver line of one"
    )
    log(f"{name}: off: {column.rows['off']}")


LABELS = {
    "clean": "driver's added cost per file, files git merges cleanly (median of the merge / files)",
    "structured": "driver's added cost per file, both sides append a function",
    "off": "`SMARTMERGE=0`: added cost per file",
    "process": "`smartmerge BASE LEFT RIGHT` process, median on the corpus sample",
    "in_process": "in-process `merge_texts`, median on the corpus sample",
    "big": "big file, both sides edit (time limit out of the way): wall time, peak RSS",
    "timeout": "`--timeout T` on a big file twice as long: wall time",
}


def table(columns: list[Column], args: argparse.Namespace, git_: PlainGit | None) -> str:
    head = "| | " + " | ".join(c.name for c in columns) + " | target |"
    lines = [head, "|---" * (len(columns) + 2) + "|"]
    for key, label in LABELS.items():
        if not all(key in c.rows for c in columns):
            continue
        label = label.replace("big file", f"{args.big_lines:,}-line file")
        lines.append(f"| {label} | " + " | ".join(c.rows[key] for c in columns) + f" | {TARGETS[key]} |")
    lines.append("")
    if git_ is None:  # --only without the driver's rows
        return "\n".join(lines) + "\n"
    lines.append(
        f"Plain git in the same run: `git merge` {git_.clean.ms()} for the {git_.clean_repo.files} clean files, "
        f"{git_.structured.ms()} for the {git_.structured_repo.files} appending ones (conflicts); "
        f"one `git merge-file` process {git_.merge_file.ms()}; "
        f"a driver line that runs one `git merge-file` (the least a driver costs) adds {git_.one_merge_file_driver.ms()} a file. "
        f"Medians of {args.repeats} merges each; corpus sample: {len(args.sample)} scenarios."
    )
    return "\n".join(lines) + "\n"


def export_src(rev: str, into: Path) -> Path:
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev, "src", "grammars"], cwd=CHECKOUT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


# what --only can pick: the git merges with the driver (clean, structured, off rows),
# the corpus sample's process and in-process medians, the big file, the --timeout probe
PARTS = ("driver", "process", "big", "timeout")


def _parts(value: str) -> frozenset[str]:
    parts = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = parts - set(PARTS)
    if unknown or not parts:
        raise argparse.ArgumentTypeError(f"unknown part(s) {', '.join(sorted(unknown)) or '(none)'}; choose from {','.join(PARTS)}")
    return parts


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", nargs="?", type=Path, help="a corpus folder for the process and in-process medians")
    ap.add_argument("--limit", type=int, default=40, help="scenarios of the corpus sample (spread evenly)")
    ap.add_argument("--clean-files", type=int, default=40)
    ap.add_argument("--append-files", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--big-lines", type=int, default=50_000)
    ap.add_argument("--timeout-probe", type=float, default=1.0, help="T of the --timeout row, in seconds")
    ap.add_argument("--baseline", metavar="REV", help="also measure the src/ of this revision (say, main)")
    ap.add_argument("--markdown", type=Path, help="write the table here (default: stdout)")
    ap.add_argument("--quick", action="store_true", help="a few small files, one repeat: checks that the bench runs")
    ap.add_argument(
        "--only", type=_parts, default=frozenset(PARTS), metavar="PARTS",
        help=f"comma-separated parts to measure, of {','.join(PARTS)} (default: all); 'driver' is the git merges",
    )
    args = ap.parse_args(argv)
    if args.quick:
        args.clean_files, args.append_files, args.repeats, args.big_lines, args.limit = 4, 2, 1, 400, 3
        args.timeout_probe = 0.5
    args.sample = corpus_sample(args.corpus, args.limit) if args.corpus else []
    if args.corpus and not args.sample:
        ap.error(f"{args.corpus}: no scenario folders (with a Base.py) there")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="driver-bench-") as tmp:
        work = Path(tmp)
        plain = None
        if "driver" in args.only:
            clean = build_repo(work / "clean", args.clean_files, 0)
            structured = build_repo(work / "structured", 0, args.append_files)
            plain_clean = time_merge(clean, None, args.repeats)
            plain = PlainGit(
                clean, structured, plain_clean, time_merge(structured, None, args.repeats),
                time_merge_file(work, args.repeats),
                time_merge(clean, ONE_MERGE_FILE_LINE, args.repeats).minus(plain_clean, clean.files),
            )
            log(f"plain git: {plain.clean.ms()} clean, {plain.structured.ms()} appending")
        sources = [(f"this checkout ({git(CHECKOUT, 'rev-parse', '--short', 'HEAD')})", CHECKOUT / "src")]
        if args.baseline:
            rev = git(CHECKOUT, "rev-parse", "--short", args.baseline)
            sources.insert(0, (f"{args.baseline} ({rev})", export_src(args.baseline, work / "baseline")))
        big = work / "big"
        big.mkdir()
        columns = [measure(name, src, big, args, plain, log) for name, src in sources]
        report = table(columns, args, plain)
    if args.markdown:
        args.markdown.write_text(report)
    else:
        sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
