"""``smartmerge replay REPO``: the repository's merge commits, file by file, through
smartmerge and through ``git merge-file --diff3``, compared with what was committed.

Only plumbing is used (``rev-list``, ``merge-base``, ``diff-tree``, ``cat-file``), so
the repository's work tree and index are never touched; a bare repository works too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from smartmerge.git.gitcmd import GitError, git
from smartmerge.languages import detect_language
from smartmerge.merging.line_merge import line_merge
from smartmerge.options import MergeOptions
from smartmerge.pipeline import merge_texts

# merges handed to one worker at a time: big enough to amortise the process hop
_CHUNK = 8


@dataclass(frozen=True)
class ReplayOptions:
    limit: int | None = None
    since: str | None = None
    jobs: int = 1


@dataclass(frozen=True)
class FileReplay:
    """One file that both parents of a merge changed, merged both ways."""

    commit: str
    path: str
    python: bool
    git_clean: bool
    git_equal: bool
    git_seconds: float
    smart_clean: bool
    smart_equal: bool
    smart_seconds: float
    smart_method: str
    smart_crash: str = ""


@dataclass(frozen=True)
class MergeReplay:
    commit: str
    files: tuple[FileReplay, ...] = ()
    skipped: str = ""  # why the merge was not replayed ("" when it was)


@dataclass
class ReplayReport:
    repo: str
    merges: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    files: list[FileReplay] = field(default_factory=list)
    wall_seconds: float = 0.0


class _Blobs:
    """A long-running ``git cat-file --batch``: one process for all blob reads."""

    def __init__(self, repo: Path) -> None:
        self._proc = subprocess.Popen(
            ["git", "cat-file", "--batch"], cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def read(self, rev: str) -> bytes | None:
        assert self._proc.stdin is not None and self._proc.stdout is not None  # opened with PIPE
        self._proc.stdin.write(rev.encode("utf-8", "surrogateescape") + b"\n")
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        data = self._proc.stdout.read(int(header[2]) + 1)
        return data[:-1]

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait()


def merge_commits(repo: Path, options: ReplayOptions) -> list[list[str]]:
    """Each merge commit followed by its parents, newest first."""
    args = ["rev-list", "--merges", "--parents", "--all"]
    if options.since:
        args.append(f"--since={options.since}")
    if options.limit:
        args.append(f"--max-count={options.limit}")
    return [line.split() for line in git(*args, cwd=repo).out.splitlines()]


def _changed(repo: Path, old: str, new: str) -> set[str]:
    out = git("diff-tree", "-r", "--no-renames", "--name-only", "-z", old, new, cwd=repo).stdout
    return {name.decode("utf-8", "surrogateescape") for name in out.split(b"\0") if name}


def replay_merge(repo: Path, commit_and_parents: list[str], blobs: _Blobs) -> MergeReplay:
    commit, *parents = commit_and_parents
    if len(parents) != 2:
        return MergeReplay(commit, skipped="octopus merge (more than two parents)")
    bases = git("merge-base", "--all", *parents, cwd=repo, check=False).out.split()
    if not bases:
        return MergeReplay(commit, skipped="no merge base")
    if len(bases) > 1:
        # git would merge the bases into a virtual one; a single base would misstate git's result
        return MergeReplay(commit, skipped="criss-cross (several merge bases)")
    base, left, right = bases[0], parents[0], parents[1]
    records = []
    for path in sorted(_changed(repo, base, left) & _changed(repo, base, right)):
        texts = [blobs.read(f"{rev}:{path}") for rev in (base, left, right, commit)]
        base_text, left_text, right_text, committed = texts
        if left_text is None or right_text is None:
            continue  # deleted on one side: no content merge
        records.append(_merge_file(commit, path, base_text or b"", left_text, right_text, committed))
    return MergeReplay(commit, tuple(records))


def _merge_file(commit: str, path: str, base: bytes, left: bytes, right: bytes, committed: bytes | None) -> FileReplay:
    options = MergeOptions()
    t0 = time.perf_counter()
    git_merge = line_merge(base, left, right, options)
    git_seconds = time.perf_counter() - t0
    crash = ""
    t0 = time.perf_counter()
    try:
        result = merge_texts(base, left, right, path=path, options=options)
        smart_clean, smart_text, method = result.clean, result.text, result.method.value
    except Exception as exc:
        crash, smart_clean, smart_text, method = f"{type(exc).__name__}: {exc}", False, b"", "crash"
    smart_seconds = time.perf_counter() - t0
    return FileReplay(
        commit=commit,
        path=path,
        python=detect_language(path) is not None,
        git_clean=git_merge.conflicts == 0,
        git_equal=git_merge.conflicts == 0 and git_merge.text == committed,
        git_seconds=git_seconds,
        smart_clean=smart_clean,
        smart_equal=smart_clean and smart_text == committed,
        smart_seconds=smart_seconds,
        smart_method=method,
        smart_crash=crash,
    )


_WORKER_BLOBS: dict[str, _Blobs] = {}


def _replay_in_worker(repo: str, commit: list[str]) -> MergeReplay:
    if repo not in _WORKER_BLOBS:
        _WORKER_BLOBS[repo] = _Blobs(Path(repo))
    return replay_merge(Path(repo), commit, _WORKER_BLOBS[repo])


def _run(repo: Path, commits: list[list[str]], jobs: int) -> Iterator[MergeReplay]:
    if jobs == 1:
        blobs = _Blobs(repo)
        try:
            for commit in commits:
                yield replay_merge(repo, commit, blobs)
        finally:
            blobs.close()
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_replay_in_worker, [str(repo)] * len(commits), commits, chunksize=_CHUNK)


def _with_progress(items: Iterator[MergeReplay], total: int) -> Iterable[MergeReplay]:
    if not sys.stderr.isatty():
        return items
    # imported only for a terminal: rich costs a noticeable start-up time
    from rich.console import Console
    from rich.progress import track

    return track(items, total=total, description="replaying merges", console=Console(stderr=True), transient=True)


def replay(repo: Path, options: ReplayOptions) -> ReplayReport:
    """Replay the merges of ``repo``; read-only."""
    if not repo.is_dir():
        raise GitError(f"{repo}: no such directory")
    if git("rev-parse", "--git-dir", cwd=repo, check=False).returncode != 0:
        raise GitError(f"{repo}: not a git repository")
    root = Path(git("rev-parse", "--absolute-git-dir", cwd=repo).out)
    started = time.perf_counter()
    commits = merge_commits(root, options)
    report = ReplayReport(repo=str(repo))
    for merge in _with_progress(_run(root, commits, options.jobs), len(commits)):
        if merge.skipped:
            report.skipped[merge.skipped] = report.skipped.get(merge.skipped, 0) + 1
            continue
        report.merges += 1
        report.files.extend(merge.files)
    report.wall_seconds = time.perf_counter() - started
    return report


def _percent(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.1f}%)" if whole else "0"


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered) * 1e3:.1f} / {p95 * 1e3:.1f} / {ordered[-1] * 1e3:.1f}"


def format_table(report: ReplayReport) -> str:
    """The result as a Markdown table (readable in a terminal, pasteable into docs)."""
    lines = [
        f"replay of {report.repo}: {report.merges} merges, {len(report.files)} files changed on both sides, "
        f"{report.wall_seconds:.1f} s wall",
    ]
    for reason, count in sorted(report.skipped.items()):
        lines.append(f"skipped: {count} {reason}")
    lines += [
        "",
        "| stratum | tool | files | clean | clean, equal to committed | clean, different | conflict | crash |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    strata: list[tuple[str, list[FileReplay]]] = []
    # "known language": a grammars/ profile merges it structurally; "other": git's line merge
    for language, is_python in (("known language", True), ("other", False)):
        for outcome, git_clean in (("git clean", True), ("git conflict", False)):
            chosen = [f for f in report.files if f.python == is_python and f.git_clean == git_clean]
            strata.append((f"{language}, {outcome}", chosen))
    strata.append(("all", report.files))
    for name, files in strata:
        total = len(files)
        smart = (
            sum(f.smart_clean for f in files),
            sum(f.smart_equal for f in files),
            sum(f.smart_clean and not f.smart_equal for f in files),
            sum(not f.smart_clean and not f.smart_crash for f in files),
            sum(bool(f.smart_crash) for f in files),
        )
        plain = (
            sum(f.git_clean for f in files),
            sum(f.git_equal for f in files),
            sum(f.git_clean and not f.git_equal for f in files),
            sum(not f.git_clean for f in files),
            0,
        )
        for tool, counts in (("smartmerge", smart), ("git merge-file", plain)):
            cells = " | ".join(_percent(c, total) for c in counts)
            lines.append(f"| {name} | {tool} | {total} | {cells} |")
    smart_times = [f.smart_seconds for f in report.files]
    git_times = [f.git_seconds for f in report.files]
    lines += [
        "",
        "| tool | total s | per file ms: median / p95 / max |",
        "|---|---:|---:|",
        f"| smartmerge (in-process) | {sum(smart_times):.2f} | {_ms(smart_times)} |",
        f"| git merge-file --diff3 | {sum(git_times):.2f} | {_ms(git_times)} |",
    ]
    methods: dict[str, int] = {}
    for f in report.files:
        methods[f.smart_method] = methods.get(f.smart_method, 0) + 1
    lines += ["", "smartmerge methods: " + ", ".join(f"{m} {n}" for m, n in sorted(methods.items()))]
    return "\n".join(lines) + "\n"


def verdict(record: FileReplay) -> str:
    """``better``, ``worse`` or ``same``: smartmerge against git merge-file, judged by
    what was committed (equal beats clean-but-different beats conflict; a crash is worst)."""

    def rank(clean: bool, equal: bool, crash: bool = False) -> int:
        return -1 if crash else 2 if equal else 1 if clean else 0

    smart = rank(record.smart_clean, record.smart_equal, bool(record.smart_crash))
    plain = rank(record.git_clean, record.git_equal)
    return "better" if smart > plain else "worse" if smart < plain else "same"


def _outcome(clean: bool, equal: bool, crash: str = "") -> str:
    if crash:
        return f"crash ({crash})"
    return "clean, equal to committed" if equal else "clean, different" if clean else "conflict"


def format_details(report: ReplayReport) -> str:
    """One line per file where smartmerge and git merge-file differ in outcome."""
    lines = []
    for record in report.files:
        judged = verdict(record)
        if judged == "same":
            continue
        lines.append(
            f"{judged:<6} {record.commit[:12]} {record.path}: smartmerge {_outcome(record.smart_clean, record.smart_equal, record.smart_crash)}"
            f" ({record.smart_method}); git merge-file {_outcome(record.git_clean, record.git_equal)}"
        )
    counts = {name: sum(verdict(r) == name for r in report.files) for name in ("better", "worse", "same")}
    lines.append(f"smartmerge did better on {counts['better']} file(s), worse on {counts['worse']}, the same on {counts['same']}")
    return "\n".join(lines) + "\n"

