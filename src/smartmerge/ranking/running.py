"""Run the project's tests on each candidate, in a throwaway copy of the project.

Each candidate gets its own temporary copy of the project folder (everything but
``.git``, virtual environments and caches), with the candidate written at the file's
path; the user's folder is only read. The command runs there through ``/bin/sh`` in a
process group of its own, so a time limit kills everything it started. The code under
test is the copy's own: ``PYTHONPATH`` names only ``<copy>/src`` (when present) and
``<copy>``, replacing an inherited one, as the runner does for its worktrees.

pytest reports through JUnit XML: ``--junitxml=<file>`` is added to ``PYTEST_ADDOPTS``,
so the user's command stays as written. A run that fails is repeated once; a test whose
outcome differs between the two runs is flaky and is not counted either way. Test
files that either side added are run on every candidate: when the command did not
collect them, ``python -m pytest`` runs them in the same copy afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from smartmerge.ranking import DEFAULT_PARALLEL, DEFAULT_RANK_TIMEOUT
from smartmerge.ranking.candidates import Candidate

log = logging.getLogger(__name__)


# never copied into a candidate's folder: git's data, environments and caches
_NOT_COPIED = (".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", "node_modules")

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class RunSettings:
    """How candidates are run: the command, its time limit, how many at once."""

    command: str
    timeout: float = DEFAULT_RANK_TIMEOUT
    parallel: int = DEFAULT_PARALLEL
    # test files (paths in the project) that either side added: run on every candidate
    added_tests: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunResult:
    """One run of the command (plus the side-added tests it did not collect)."""

    exit_code: int | None
    timed_out: bool
    seconds: float
    # test id -> passed / failed / skipped; empty when no JUnit XML was written
    tests: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.timed_out and self.exit_code == 0


@dataclass(frozen=True)
class Evaluation:
    """What the tests said about one candidate."""

    candidate: Candidate
    runs: tuple[RunResult, ...]
    # seconds spent copying the project and writing the candidate (the overhead)
    setup_seconds: float

    @property
    def timed_out(self) -> bool:
        return any(run.timed_out for run in self.runs)

    @property
    def flaky(self) -> tuple[str, ...]:
        """Tests whose outcome differs between the two runs."""
        if len(self.runs) < 2:
            return ()
        first, second = self.runs[0].tests, self.runs[1].tests
        return tuple(sorted(t for t in first.keys() & second.keys() if first[t] != second[t]))

    def _settled(self) -> dict[str, str]:
        flaky = set(self.flaky)
        return {t: o for t, o in self.runs[-1].tests.items() if t not in flaky}

    @property
    def passed(self) -> int:
        return sum(1 for outcome in self._settled().values() if outcome == PASSED)

    @property
    def failed(self) -> int:
        return sum(1 for outcome in self._settled().values() if outcome == FAILED)

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.runs)

    @property
    def ok(self) -> bool:
        """The candidate passes: no time-out, and the command succeeded the first time,
        or every test that failed turned out flaky. A failure the tests do not explain
        (no JUnit XML, or every test passed and the command still failed, say a linter
        after pytest) counts: a flip of the exit status cannot be told from a failure."""
        if self.timed_out:
            return False
        if self.runs[0].ok:
            return True
        if not any(run.tests for run in self.runs):
            return False
        return self.failed == 0 and bool(self.flaky) and self.passed > 0

    @property
    def failed_tests(self) -> tuple[str, ...]:
        return tuple(sorted(t for t, o in self._settled().items() if o == FAILED))


def copy_project(project: Path, dest: Path) -> None:
    """Copy the project's work tree (not ``.git``, environments or caches) to ``dest``."""
    shutil.copytree(project, dest, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_COPIED))


def python_path_for(tree: Path) -> str:
    """PYTHONPATH that makes a process import the code of ``tree`` (src layout or flat)."""
    parts = [str(tree / "src")] if (tree / "src").is_dir() else []
    parts.append(str(tree))
    return os.pathsep.join(parts)


def _env(tree: Path, junit: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = python_path_for(tree)
    addopts = env.get("PYTEST_ADDOPTS", "")
    # the cache plugin would write into the copy; harmless, but useless there
    env["PYTEST_ADDOPTS"] = f"{addopts} --junitxml={shlex.quote(str(junit))} -p no:cacheprovider".strip()
    env["SMARTMERGE_CANDIDATE_DIR"] = str(tree)
    return env


# process groups of the test runs under way: a session of their own keeps Ctrl-C from
# reaching them, so an interrupted ranking kills them itself (see evaluate_all)
_live_groups: set[int] = set()
_live_lock = threading.Lock()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class Interrupted(Exception):
    """The ranking was interrupted: no more test runs start."""


def _run_shell(
    command: str, cwd: Path, env: dict[str, str], timeout: float, stop: threading.Event | None
) -> tuple[int | None, bool]:
    """Run ``command`` in its own process group; on time-out kill the whole group."""
    if stop is not None and stop.is_set():
        raise Interrupted
    proc = subprocess.Popen(
        ["/bin/sh", "-c", command], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    with _live_lock:
        _live_groups.add(proc.pid)
    try:
        code: int | None = proc.wait(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        code, timed_out = None, True
    finally:
        # the group goes in every case: a background child of the tests is not ours to keep
        _kill_group(proc.pid)
        proc.wait()
        with _live_lock:
            _live_groups.discard(proc.pid)
    return code, timed_out


def read_junit(path: Path) -> dict[str, str]:
    """Test id -> outcome from a JUnit XML file (pytest's flavour); {} when unreadable."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    out: dict[str, str] = {}
    for case in root.iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None or case.find("error") is not None:
            out[test_id] = FAILED
        elif case.find("skipped") is not None:
            out[test_id] = SKIPPED
        else:
            out.setdefault(test_id, PASSED)
    return out


def _module_of(test_file: str) -> str:
    """``tests/test_x.py`` -> ``tests.test_x``: how pytest names its tests' classname."""
    return test_file.removesuffix(".py").replace("/", ".")


def _uncollected(added: Sequence[str], tests: dict[str, str], tree: Path) -> list[str]:
    ran = {test_id.split("::", 1)[0] for test_id in tests}
    missing = []
    for test_file in added:
        module = _module_of(test_file)
        if (tree / test_file).is_file() and not any(c == module or c.startswith(module + ".") for c in ran):
            missing.append(test_file)
    return missing


def run_once(tree: Path, settings: RunSettings, attempt: int, stop: threading.Event | None = None) -> RunResult:
    junit = tree.parent / f"junit-{attempt}.xml"
    junit.unlink(missing_ok=True)
    t0 = time.perf_counter()
    code, timed_out = _run_shell(settings.command, tree, _env(tree, junit), settings.timeout, stop)
    tests = read_junit(junit)
    if not timed_out:
        missing = _uncollected(settings.added_tests, tests, tree)
        if missing:
            extra = tree.parent / f"junit-{attempt}-added.xml"
            left_time = max(1.0, settings.timeout - (time.perf_counter() - t0))
            command = shlex.join([sys.executable, "-m", "pytest", "-q", *missing])
            extra_code, timed_out = _run_shell(command, tree, _env(tree, extra), left_time, stop)
            tests.update(read_junit(extra))
            if code == 0 and extra_code != 0:
                code = extra_code
    return RunResult(code, timed_out, time.perf_counter() - t0, tests)


def evaluate(
    project: Path, path: str, candidate: Candidate, settings: RunSettings, stop: threading.Event | None = None
) -> Evaluation:
    """Run the tests on one candidate in its own copy of the project; repeat a failure once."""
    with tempfile.TemporaryDirectory(prefix="smartmerge-rank-") as scratch:
        t0 = time.perf_counter()
        tree = Path(scratch) / "tree"
        copy_project(project, tree)
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(candidate.text)
        setup = time.perf_counter() - t0
        runs = [run_once(tree, settings, 1, stop)]
        if not runs[0].ok and not runs[0].timed_out:
            runs.append(run_once(tree, settings, 2, stop))
    evaluation = Evaluation(candidate, tuple(runs), setup)
    log.debug("%s: ok=%s passed=%d failed=%d", candidate.name, evaluation.ok, evaluation.passed, evaluation.failed)
    return evaluation


def evaluate_all(
    project: Path,
    path: str,
    candidates: Sequence[Candidate],
    settings: RunSettings,
    on_done: Callable[[Evaluation], None] | None = None,
) -> list[Evaluation]:
    """Evaluate candidates, ``settings.parallel`` at once; results in the candidates' order."""
    stop = threading.Event()

    def one(candidate: Candidate) -> Evaluation:
        evaluation = evaluate(project, path, candidate, settings, stop)
        if on_done is not None:
            on_done(evaluation)
        return evaluation

    if settings.parallel <= 1 or len(candidates) <= 1:
        return [one(c) for c in candidates]
    pool = ThreadPoolExecutor(max_workers=settings.parallel)
    try:
        return list(pool.map(one, candidates))
    except BaseException:
        # Ctrl-C (or a failure) in the caller: no new runs, and the running ones die now
        # rather than at their time limit
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        with _live_lock:
            for pgid in list(_live_groups):
                _kill_group(pgid)
        raise
    finally:
        pool.shutdown(wait=True)
