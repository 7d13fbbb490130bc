#!/usr/bin/env python3
"""Benchmark smartmerge against ``git merge-file --diff3`` on merge corpora.

A corpus is a folder of scenario folders (format: ``shared/corpus/README.md``): each holds
``Base<sfx>``, ``Left<sfx>``, ``Right<sfx>``, a reference result (``meta.json``'s
``expected_file``, else ``Expected<sfx>``, else ``ExpectedIdeally<sfx>``) and ``meta.json``.
In one run, for every scenario whose suffix is selected (``--suffix``, default ``.py``):

* ``git merge-file -p --diff3`` runs on Left/Base/Right (timed, as a subprocess);
* ``smartmerge.merge_texts`` runs in-process (timed), inside a worker process that is
  killed past ``--timeout`` seconds (a timeout) and whose exceptions count as crashes;
* both outcomes are classified: clean_equal, clean_equal_ws (equal once all whitespace is
  removed), clean_different (the silent failure), conflict, crash, timeout; clean output
  that ``ast`` or ``libcst`` cannot parse is counted too;
* the Base/Left/Right files go through a libcst round trip (and ``smartmerge.parsing.python.
  parse_python`` if that exists) to check that parsing is lossless.

Then a sample of scenarios runs as full processes (``python -m smartmerge merge`` and
``git merge-file``), and the largest scenario is merged once in a child process to measure
peak memory.  Results: a Markdown report (stdout, or ``--markdown``) and a JSON file with
every per-scenario record (``--json``).

Standard library, smartmerge and libcst only.  smartmerge is imported from the checkout
this file belongs to (``../src``) unless ``--installed`` is given.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import importlib
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parent.parent
CHECKOUT_SRC = CHECKOUT / "src"

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
NEUTRAL_CWD = tempfile.gettempdir()
WHITESPACE = re.compile(rb"\s+")
BOM = b"\xef\xbb\xbf"

# the outcome classes, in table order
CLEAN_EQUAL = "clean_equal"
CLEAN_EQUAL_WS = "clean_equal_ws"
CLEAN_DIFFERENT = "clean_different"
CONFLICT = "conflict"
CRASH = "crash"
TIMEOUT = "timeout"
OUTCOMES = (CLEAN_EQUAL, CLEAN_EQUAL_WS, CLEAN_DIFFERENT, CONFLICT, CRASH, TIMEOUT)
CLEAN_OUTCOMES = (CLEAN_EQUAL, CLEAN_EQUAL_WS, CLEAN_DIFFERENT)

# the tables --table can print alone
TABLES = ("strata", "methods", "timing", "lossless")

# labels Mergiraf writes its conflict markers with (its Expected files use them)
MERGIRAF_LABELS = {"left_label": "LEFT", "base_label": "BASE", "right_label": "RIGHT"}

Json = dict[str, Any]


# --------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    corpus: str
    name: str
    folder: Path
    suffix: str
    reference: Path | None
    meta: Json
    kind: str  # "real" (a merge commit's file) or "mergiraf" (a Mergiraf test case)

    @property
    def base(self) -> Path:
        return self.folder / f"Base{self.suffix}"

    @property
    def left(self) -> Path:
        return self.folder / f"Left{self.suffix}"

    @property
    def right(self) -> Path:
        return self.folder / f"Right{self.suffix}"

    @property
    def repo_path(self) -> str:
        """The file's path in its repository (picks smartmerge's language)."""
        path = self.meta.get("path")
        return str(path) if path else f"Left{self.suffix}"

    @property
    def input_bytes(self) -> int:
        return sum(p.stat().st_size for p in (self.base, self.left, self.right))

    def task(self, *, merge: bool, lossless: bool, timeout: float) -> Json:
        labels = MERGIRAF_LABELS if self.kind == "mergiraf" else {}
        return {
            "name": self.name,
            "base": str(self.base),
            "left": str(self.left),
            "right": str(self.right),
            "reference": str(self.reference) if self.reference else None,
            "path": self.repo_path,
            "labels": labels,
            "merge": merge,
            "lossless": lossless,
            "timeout": timeout,
        }


def has_markers(data: bytes) -> bool:
    return all(re.search(pat, data, re.M) for pat in (rb"^<{7}", rb"^={7}", rb"^>{7}"))


def _read_meta(folder: Path) -> Json:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _scenario_suffix(folder: Path) -> str | None:
    for p in sorted(folder.iterdir()):
        if p.name == "Base" or p.name.startswith("Base."):
            return p.name[len("Base") :]
    return None


def _scenario_folders(corpus: Path) -> list[Path]:
    """Folders listed by ``_index.jsonl`` when there is one, else every sub-folder."""
    index = corpus / "_index.jsonl"
    if index.is_file():
        names = []
        for line in index.read_text(encoding="utf-8").splitlines():
            if line.strip():
                names.append(json.loads(line)["scenario"])
        return [corpus / n for n in names if (corpus / n).is_dir()]
    return [d for d in sorted(corpus.iterdir()) if d.is_dir()]


def find_scenarios(corpus: Path, suffixes: Sequence[str]) -> tuple[list[Scenario], Counter[str]]:
    """The corpus's scenarios with a selected suffix, and counts of those left out (by why)."""
    found: list[Scenario] = []
    skipped: Counter[str] = Counter()
    for folder in _scenario_folders(corpus):
        sfx = _scenario_suffix(folder)
        if sfx is None:
            continue
        if sfx not in suffixes:
            skipped[f"suffix {sfx or '(none)'}"] += 1
            continue
        meta = _read_meta(folder)
        reference = None
        candidates = [meta["expected_file"]] if meta.get("expected_file") else []
        for cand in [*candidates, f"Expected{sfx}", f"ExpectedIdeally{sfx}"]:
            if (folder / cand).is_file():
                reference = folder / cand
                break
        if not all((folder / f"{n}{sfx}").is_file() for n in ("Left", "Right")):
            skipped["missing Left or Right"] += 1
            continue
        mergiraf = meta.get("source") == "mergiraf-examples" or "suite" in meta
        found.append(Scenario(corpus.name, folder.name, folder, sfx, reference, meta, "mergiraf" if mergiraf else "real"))
    return found, skipped


def spread(items: Sequence[Any], n: int) -> list[Any]:
    """n items spread evenly over the sequence (all of them if n >= len)."""
    if n <= 0:
        return []
    if n >= len(items):
        return list(items)
    if n == 1:
        return [items[len(items) // 2]]
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


# --------------------------------------------------------------------------- worker side
# Everything in this section runs in a worker process.


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _first_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def ast_error(data: bytes) -> str | None:
    """None if ``ast`` parses the bytes, else the error's first line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        return _first_line(exc)
    return None


def libcst_error(data: bytes) -> str | None:
    import libcst

    try:
        libcst.parse_module(data)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # the native parser's panics are BaseExceptions
        return _first_line(exc)
    return None


def classify(returncode: int | None, output: bytes, expected: bytes | None) -> str:
    """One tool's outcome; ``returncode`` is 0 clean, >0 conflict, None crash."""
    if returncode is None:
        return CRASH
    if returncode > 0:
        return CONFLICT
    if expected is None:
        return CLEAN_DIFFERENT
    if output == expected:
        return CLEAN_EQUAL
    if WHITESPACE.sub(b"", output) == WHITESPACE.sub(b"", expected):
        return CLEAN_EQUAL_WS
    return CLEAN_DIFFERENT


def _output_parses(outcome: str, output: bytes) -> Json | None:
    if outcome not in CLEAN_OUTCOMES:
        return None
    return {"ast_error": ast_error(output), "libcst_error": libcst_error(output)}


def run_git(base: str, left: str, right: str, timeout: float) -> tuple[int | None, bytes, float, str]:
    """``git merge-file -p --diff3`` with neutral config: (status or None, output, seconds, error)."""
    args = ["git", "merge-file", "-p", "--diff3", "-L", "left", "-L", "base", "-L", "right", left, base, right]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(args, capture_output=True, env=GIT_ENV, cwd=NEUTRAL_CWD, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, b"", time.perf_counter() - t0, "timeout"
    seconds = time.perf_counter() - t0
    if proc.returncode < 0 or proc.returncode > 127:
        return None, proc.stdout, seconds, proc.stderr.decode("utf-8", "replace").strip()[:300]
    return proc.returncode, proc.stdout, seconds, ""


def _git_phase(task: Json, expected: bytes | None) -> Json:
    status, out, seconds, error = run_git(task["base"], task["left"], task["right"], task["timeout"])
    outcome = TIMEOUT if error == "timeout" else classify(status, out, expected)
    rec: Json = {"outcome": outcome, "conflicts": status if outcome == CONFLICT else 0, "seconds": seconds}
    if error:
        rec["error"] = error
    rec["output_parse"] = _output_parses(outcome, out)
    return rec


def _smartmerge_phase(task: Json, texts: tuple[bytes, bytes, bytes], expected: bytes | None) -> Json:
    from smartmerge import MergeOptions, merge_texts

    base, left, right = texts
    options = MergeOptions(**task["labels"])
    t0 = time.perf_counter()
    try:
        result = merge_texts(base, left, right, path=task["path"], options=options)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        return {
            "outcome": CRASH,
            "seconds": time.perf_counter() - t0,
            "error": _first_line(exc),
            "traceback": traceback.format_exc(limit=8),
        }
    seconds = time.perf_counter() - t0
    clean = str(result.outcome) == "clean"
    outcome = classify(0 if clean else 1, result.text, expected)
    return {
        "outcome": outcome,
        "seconds": seconds,
        "method": str(result.method),
        "reason": result.reason,
        "conflicts": len(result.conflicts),
        "timings": {k: round(v, 6) for k, v in result.timings.items()},
        "output_sha": _sha(result.text),
        "output_parse": _output_parses(outcome, result.text),
    }


def _parse_python_fn() -> Callable[[str], Any] | None:
    try:
        module = importlib.import_module("smartmerge.parsing.python")
    except Exception:
        return None
    fn = getattr(module, "parse_python", None)
    return fn if callable(fn) else None


def lossless_one(data: bytes, parse_python: Callable[[str], Any] | None) -> Json:
    """libcst round trip of one file (and smartmerge's own parser if it has one)."""
    import libcst

    rec: Json = {"bytes": len(data)}
    t0 = time.perf_counter()
    try:
        module = libcst.parse_module(data)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        rec["libcst"] = "parse_error"
        rec["libcst_error"] = _first_line(exc)
    else:
        rec["libcst"] = "exact" if module.bytes == data else "mismatch"
    rec["libcst_seconds"] = time.perf_counter() - t0
    if parse_python is None:
        rec["own"] = "n/a"
        return rec
    try:
        text = data.removeprefix(BOM).decode("utf-8")
    except UnicodeDecodeError:
        rec["own"] = "not_utf8"
        return rec
    t0 = time.perf_counter()
    try:
        node = parse_python(text)
        rec["own"] = "exact" if node.text == text else "mismatch"
    except Exception as exc:
        rec["own"] = "parse_error"
        rec["own_error"] = _first_line(exc)
    rec["own_seconds"] = time.perf_counter() - t0
    return rec


def _warm_up() -> None:
    """First calls pay for lazy imports; pay them before any timing."""
    try:
        from smartmerge import merge_texts

        merge_texts(b"a = 1\nb = 2\n", b"a = 10\nb = 2\n", b"a = 1\nb = 20\n", path="warm.py")
        libcst_error(b"x = 1\n")
        _parse_python_fn()
    except Exception:
        pass


def worker_main(conn: Connection) -> None:
    """Serve tasks from the pipe; send one message per finished phase."""
    _warm_up()
    parse_python = _parse_python_fn()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            _run_task(conn, task, parse_python)
        except Exception:
            # a fault of the harness (an unreadable file, say), not of smartmerge
            conn.send(("harness_error", traceback.format_exc(limit=6)))
        conn.send(("done", None))


def _run_task(conn: Connection, task: Json, parse_python: Callable[[str], Any] | None) -> None:
    texts = (Path(task["base"]).read_bytes(), Path(task["left"]).read_bytes(), Path(task["right"]).read_bytes())
    expected = Path(task["reference"]).read_bytes() if task["reference"] else None
    if task["merge"]:
        errors = {k: ast_error(t) for k, t in zip(("base", "left", "right"), texts, strict=True)}
        conn.send(("inputs", {"ast_errors": {k: v for k, v in errors.items() if v}}))
        conn.send(("git", _git_phase(task, expected)))
        conn.send(("smartmerge", _smartmerge_phase(task, texts, expected)))
    if task["lossless"]:
        files = {k: lossless_one(t, parse_python) for k, t in zip(("base", "left", "right"), texts, strict=True)}
        conn.send(("lossless", files))


# --------------------------------------------------------------------------- the pool (main side)


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class Worker:
    def __init__(self, ctx: Any) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=worker_main, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.index: int | None = None
        self.deadline = 0.0
        self.record: Json = {}

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            with contextlib.suppress(OSError):
                self.conn.send(None)
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


PHASES = ("inputs", "git", "smartmerge", "lossless")


def _unfinished(task: Json, record: Json, outcome: str, error: str) -> None:
    """Fill in what a killed or dead worker did not deliver."""
    if task["merge"]:
        record.setdefault("inputs", {"ast_errors": {}})
        record.setdefault("git", {"outcome": outcome, "seconds": None, "error": error})
        record.setdefault("smartmerge", {"outcome": outcome, "seconds": None, "error": error})
    if task["lossless"]:
        record.setdefault("lossless", {k: {"libcst": outcome, "own": outcome, "error": error} for k in ("base", "left", "right")})


def run_pool(tasks: list[Json], jobs: int, timeout: float, progress: Callable[[int], None]) -> list[Json]:
    """Run the tasks on ``jobs`` worker processes; a phase past ``timeout`` kills its worker."""
    ctx = _context()
    results: list[Json] = [{} for _ in tasks]
    pending = list(range(len(tasks)))[::-1]
    workers = [Worker(ctx) for _ in range(max(1, min(jobs, len(tasks))))]
    done = 0

    def dispatch(w: Worker) -> None:
        if pending:
            w.index = pending.pop()
            w.record = {}
            # the first phase also pays for the worker's start and warm-up
            w.deadline = time.monotonic() + timeout + 30
            w.conn.send(tasks[w.index])
        else:
            w.index = None

    def finish(w: Worker) -> None:
        nonlocal done
        assert w.index is not None
        results[w.index] = w.record
        done += 1
        progress(done)

    try:
        for w in workers:
            dispatch(w)
        while any(w.index is not None for w in workers):
            busy = [w for w in workers if w.index is not None]
            wait_for = min(w.deadline for w in busy) - time.monotonic()
            handles: list[Any] = [w.conn for w in busy] + [w.proc.sentinel for w in busy]
            ready = multiprocessing.connection.wait(handles, timeout=max(0.0, wait_for))
            now = time.monotonic()
            for i, w in enumerate(workers):
                if w.index is None:
                    continue
                task = tasks[w.index]
                dead = False
                while w.conn in ready or w.proc.sentinel in ready:
                    try:
                        if not w.conn.poll():
                            dead = not w.proc.is_alive()
                            break
                        kind, payload = w.conn.recv()
                    except (EOFError, OSError):
                        dead = True
                        break
                    if kind == "done":
                        if "harness_error" in w.record:
                            _unfinished(task, w.record, CRASH, "harness error (see harness_error)")
                        finish(w)
                        dispatch(w)
                        break
                    w.record[kind] = payload
                    w.deadline = time.monotonic() + timeout
                if w.index is None or (not dead and now < w.deadline):
                    continue
                if dead:
                    code = w.proc.exitcode
                    _unfinished(task, w.record, CRASH, f"worker process died (exit code {code})")
                else:
                    _unfinished(task, w.record, TIMEOUT, f"no answer within {timeout:g} s")
                w.stop(kill=True)
                finish(w)
                workers[i] = Worker(ctx)
                dispatch(workers[i])
    finally:
        for w in workers:
            w.stop(kill=w.index is not None)
    return results


# --------------------------------------------------------------------------- records and summaries


def build_record(sc: Scenario, raw: Json, merge: bool) -> Json:
    meta = sc.meta
    rec: Json = {"scenario": sc.name, "corpus": sc.corpus, "kind": sc.kind, "path": sc.repo_path}
    if sc.kind == "real":
        rec["repo"] = meta.get("repo") or sc.name.split("__")[0]
        rec["expected_equals"] = meta.get("expected_equals")
    else:
        rec["suite"] = meta.get("suite")
        rec["status"] = meta.get("status")
    rec["reference"] = sc.reference.name if sc.reference else None
    rec["input_bytes"] = sc.input_bytes
    if merge:
        expected = sc.reference.read_bytes() if sc.reference else b""
        flag = meta.get("expected_has_conflict_markers", meta.get("reference_has_conflict_markers"))
        rec["reference_has_markers"] = bool(flag) if flag is not None else has_markers(expected)
        errors = raw["inputs"]["ast_errors"]
        rec["inputs_parse"] = not errors
        if errors:
            rec["input_ast_errors"] = errors
        rec["git"] = raw["git"]
        rec["smartmerge"] = raw["smartmerge"]
        rec["stratum"] = stratum_of(rec)
        if sc.kind == "mergiraf":
            rec["agreement"] = {t: agrees(rec, t) for t in ("smartmerge", "git")}
    if "lossless" in raw:
        rec["lossless"] = raw["lossless"]
    if "harness_error" in raw:
        rec["harness_error"] = raw["harness_error"]
    return rec


def stratum_of(rec: Json) -> str:
    if not rec["inputs_parse"]:
        return "inputs_unparsable"
    git = rec["git"]["outcome"]
    if git in CLEAN_OUTCOMES:
        return "git_clean"
    if git == CONFLICT:
        return "git_conflict_kept_one_side" if rec.get("expected_equals") in ("left", "right") else "git_conflict_other"
    return "git_failed"


def agrees(rec: Json, tool: str) -> bool:
    """Mergiraf's notion: a conflict where the reference has markers, else the same text."""
    outcome = rec[tool]["outcome"]
    if rec["reference_has_markers"]:
        return bool(outcome == CONFLICT)
    return outcome in (CLEAN_EQUAL, CLEAN_EQUAL_WS)


def _unparsable(tool_rec: Json) -> bool:
    parse = tool_rec.get("output_parse")
    return bool(parse and (parse.get("ast_error") or parse.get("libcst_error")))


def summarize_tool(recs: list[Json], tool: str) -> Json:
    n = len(recs)
    counts = Counter(r[tool]["outcome"] for r in recs)
    clean = sum(counts[o] for o in CLEAN_OUTCOMES)

    def pct(k: int) -> float | None:
        return round(100.0 * k / n, 2) if n else None

    s: Json = {"n": n, "clean": clean, "clean_pct": pct(clean)}
    for o in OUTCOMES:
        s[o] = counts[o]
        s[o + "_pct"] = pct(counts[o])
    equal_ws = counts[CLEAN_EQUAL] + counts[CLEAN_EQUAL_WS]
    s["clean_equal_ignoring_ws"] = equal_ws
    s["clean_equal_ignoring_ws_pct"] = pct(equal_ws)
    s["unparsable_clean_output"] = sum(1 for r in recs if _unparsable(r[tool]))
    s["unparsable_clean_output_ast"] = sum(
        1 for r in recs if (r[tool].get("output_parse") or {}).get("ast_error")
    )
    if recs and "agreement" in recs[0]:
        agreed = sum(1 for r in recs if r["agreement"][tool])
        s["agreement"] = agreed
        s["agreement_pct"] = pct(agreed)
    if tool == "smartmerge":
        s["methods"] = dict(Counter(r[tool].get("method", r[tool]["outcome"]) for r in recs))
    return s


def normalize_reason(reason: str) -> str:
    return re.sub(r"\d+", "N", reason)[:160]


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by the nearest-rank method (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def time_stats(values: Sequence[float]) -> Json:
    return {
        "n": len(values),
        "median": statistics.median(values) if values else None,
        "p95": quantile(values, 0.95),
        "max": max(values) if values else None,
        "total": sum(values),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def strata(recs: list[Json], by_repo: bool) -> list[tuple[str, str, list[Json]]]:
    """(id, Markdown label, records) of each row; a label starting with "↳" is a sub-row."""
    rows: list[tuple[str, str, list[Json]]] = [("all", "all", recs)]

    def kept_one_side(r: Json) -> bool:
        return r.get("expected_equals") in ("left", "right")

    if recs and recs[0]["kind"] == "mergiraf":
        rows += [
            ("reference_markers", "reference has conflict markers", [r for r in recs if r["reference_has_markers"]]),
            ("reference_no_markers", "reference without markers", [r for r in recs if not r["reference_has_markers"]]),
            ("working", "Mergiraf working cases", [r for r in recs if r.get("status") == "working"]),
            ("failing", "Mergiraf failing cases", [r for r in recs if r.get("status") == "failing"]),
        ]
    else:
        st = Counter(r["stratum"] for r in recs)
        git_conflict = [r for r in recs if r["git"]["outcome"] == CONFLICT]
        rows += [
            ("git_clean", "inputs parse, git clean", [r for r in recs if r["stratum"] == "git_clean"]),
            ("git_conflict", "inputs parse, git conflict", [r for r in recs if r["stratum"].startswith("git_conflict")]),
            ("git_conflict/kept_one_side", "↳ of which the person kept one side whole",
             [r for r in recs if r["stratum"] == "git_conflict_kept_one_side"]),
            ("git_conflict/other", "↳ of which the rest", [r for r in recs if r["stratum"] == "git_conflict_other"]),
            ("inputs_unparsable", "inputs do not parse (ast)", [r for r in recs if r["stratum"] == "inputs_unparsable"]),
        ]
        if st["git_failed"]:
            rows.append(("git_failed", "inputs parse, git failed or timed out", [r for r in recs if r["stratum"] == "git_failed"]))
        rows += [
            ("all_inputs/git_clean", "git clean (all inputs)", [r for r in recs if r["git"]["outcome"] in CLEAN_OUTCOMES]),
            ("all_inputs/git_conflict", "git conflict (all inputs)", git_conflict),
            ("all_inputs/git_conflict/kept_one_side", "↳ of which the person kept one side whole",
             [r for r in git_conflict if kept_one_side(r)]),
        ]
    if by_repo:
        repos = sorted({str(r.get("repo") or r.get("suite")) for r in recs})
        rows += [(f"repo/{g}", f"repo {g}", [r for r in recs if str(r.get("repo") or r.get("suite")) == g]) for g in repos]
    return rows


def summarize_merge(recs: list[Json], by_repo: bool) -> Json:
    out: Json = {"strata": []}
    for ident, label, rs in strata(recs, by_repo):
        out["strata"].append(
            {"stratum": ident, "label": label, "smartmerge": summarize_tool(rs, "smartmerge"), "git": summarize_tool(rs, "git")}
        )
    sm_times = [r["smartmerge"]["seconds"] for r in recs if r["smartmerge"].get("seconds") is not None and r["smartmerge"]["outcome"] != TIMEOUT]
    git_times = [r["git"]["seconds"] for r in recs if r["git"].get("seconds") is not None]
    sm, git = time_stats(sm_times), time_stats(git_times)
    stages: dict[str, list[float]] = {}
    for r in recs:
        for k, v in (r["smartmerge"].get("timings") or {}).items():
            stages.setdefault(k, []).append(v)
    out["timing"] = {
        "smartmerge_in_process": sm,
        "git_merge_file": git,
        "ratio_median": ratio(sm["median"], git["median"]),
        "ratio_p95": ratio(sm["p95"], git["p95"]),
        "ratio_total": ratio(sm["total"], git["total"]),
        "smartmerge_stages": {k: time_stats(v) for k, v in sorted(stages.items())},
    }
    reasons = Counter(normalize_reason(r["smartmerge"].get("reason") or "") for r in recs if "reason" in r["smartmerge"])
    out["top_reasons"] = [{"reason": k, "count": v} for k, v in reasons.most_common(15)]
    errors = Counter(
        r["smartmerge"].get("error", "") for r in recs if r["smartmerge"]["outcome"] in (CRASH, TIMEOUT)
    )
    out["top_crashes"] = [{"error": k, "count": v} for k, v in errors.most_common(10)]
    return out


def summarize_lossless(recs: list[Json], own_available: bool) -> Json:
    out: Json = {}
    for key, label in (("libcst", "libcst.parse_module(data).bytes == data"), ("own", "parse_python(text).text == text")):
        checked = parsed = exact = 0
        mismatches: list[str] = []
        parse_errors: list[str] = []
        other: list[str] = []
        for r in recs:
            for role, f in (r.get("lossless") or {}).items():
                state = f.get(key)
                where = f"{r['scenario']}/{role}"
                checked += 1
                if state == "exact":
                    parsed += 1
                    exact += 1
                elif state == "mismatch":
                    parsed += 1
                    mismatches.append(where)
                elif state == "parse_error":
                    parse_errors.append(f"{where}: {f.get(key + '_error', '')}")
                elif state not in ("n/a",):
                    other.append(f"{where}: {state} {f.get('error', '')}".strip())
        if key == "own" and not own_available:
            out[key] = {"check": label, "available": False}
            continue
        times = [f[key + "_seconds"] for r in recs for f in (r.get("lossless") or {}).values() if key + "_seconds" in f]
        out[key] = {
            "check": label,
            "available": True,
            "files_checked": checked,
            "parsed": parsed,
            "round_tripped": exact,
            "mismatches": mismatches,
            "parse_errors": parse_errors,
            "crashed_or_timed_out": other,
            "parse_seconds": time_stats(times),
        }
    return out


# --------------------------------------------------------------------------- process sample and memory


def smartmerge_env(package_root: Path) -> dict[str, str]:
    env = dict(GIT_ENV)
    parts = [str(package_root)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


def process_sample(scenarios: list[Scenario], records: dict[str, Json], package_root: Path) -> Json:
    """Full processes, one at a time: ``python -m smartmerge merge`` and ``git merge-file``."""
    env = smartmerge_env(package_root)
    sm_times: list[float] = []
    git_times: list[float] = []
    same_status = same_text = 0
    failures: list[str] = []
    for sc in scenarios:
        args = [sys.executable, "-m", "smartmerge", "merge", str(sc.base), str(sc.left), str(sc.right), "-p", sc.repo_path]
        for opt, key in (("-x", "left_label"), ("-s", "base_label"), ("-y", "right_label")):
            if sc.kind == "mergiraf":
                args += [opt, MERGIRAF_LABELS[key]]
        t0 = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, env=env, cwd=NEUTRAL_CWD, check=False)
        sm_times.append(time.perf_counter() - t0)
        _, _, git_seconds, _ = run_git(str(sc.base), str(sc.left), str(sc.right), 600)
        git_times.append(git_seconds)
        in_process = records.get(sc.name, {}).get("smartmerge", {})
        if proc.returncode not in (0, 1):
            failures.append(f"{sc.name}: exit {proc.returncode}: {proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
        expected_status = {"conflict": 1}.get(in_process.get("outcome", ""), 0)
        if in_process.get("outcome") in CLEAN_OUTCOMES or in_process.get("outcome") == CONFLICT:
            same_status += proc.returncode == expected_status
            same_text += _sha(proc.stdout) == in_process.get("output_sha")
    sm, git = time_stats(sm_times), time_stats(git_times)
    return {
        "n": len(scenarios),
        "scenarios": [sc.name for sc in scenarios],
        "smartmerge_process": sm,
        "git_process": git,
        "ratio_median": ratio(sm["median"], git["median"]),
        "ratio_p95": ratio(sm["p95"], git["p95"]),
        "cli_same_status_as_api": same_status,
        "cli_same_text_as_api": same_text,
        "cli_failures": failures,
    }


_MEMORY_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
import smartmerge
from smartmerge import MergeOptions, merge_texts
base, left, right = (Path(p).read_bytes() for p in sys.argv[1:4])
after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[6] == "merge":
    r = merge_texts(base, left, right, path=sys.argv[4], options=MergeOptions(**json.loads(sys.argv[5])))
    method = str(r.method)
else:
    method = None
print(json.dumps({
    "self_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "after_import_maxrss": after_import,
    "children_maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "seconds": time.perf_counter() - t0,
    "method": method,
}))
"""

_GIT_MEMORY_CHILD = r"""
import json, os, resource, subprocess, sys
env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
subprocess.run(["git", "merge-file", "-p", "--diff3", *sys.argv[1:]], capture_output=True, env=env, check=False)
print(json.dumps({"children_maxrss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def _mb(maxrss: int) -> float:
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def peak_memory(sc: Scenario, package_root: Path) -> Json:
    """Peak RSS of a child process doing one merge of the scenario (and of git doing it)."""
    try:
        import resource  # noqa: F401  (Unix only)
    except ImportError:
        return {"available": False, "why": "no resource module on this platform"}
    env = smartmerge_env(package_root)
    labels = json.dumps(MERGIRAF_LABELS if sc.kind == "mergiraf" else {})
    out: Json = {"available": True, "scenario": sc.name, "input_bytes": sc.input_bytes}
    for mode in ("merge", "import_only"):
        args = [sys.executable, "-c", _MEMORY_CHILD, str(sc.base), str(sc.left), str(sc.right), sc.repo_path, labels, mode]
        proc = subprocess.run(args, capture_output=True, env=env, cwd=NEUTRAL_CWD, check=False)
        if proc.returncode != 0:
            out[mode] = {"error": proc.stderr.decode("utf-8", "replace").strip()[-500:]}
            continue
        data = json.loads(proc.stdout)
        out[mode] = {
            "peak_rss_mb": round(_mb(data["self_maxrss"]), 1),
            "after_import_rss_mb": round(_mb(data["after_import_maxrss"]), 1),
            "children_peak_rss_mb": round(_mb(data["children_maxrss"]), 1),
            "seconds": data["seconds"],
            "method": data["method"],
        }
    proc = subprocess.run(
        [sys.executable, "-c", _GIT_MEMORY_CHILD, str(sc.left), str(sc.base), str(sc.right)],
        capture_output=True, cwd=NEUTRAL_CWD, check=False,
    )
    if proc.returncode == 0:
        out["git_peak_rss_mb"] = round(_mb(json.loads(proc.stdout)["children_maxrss"]), 1)
    return out


# --------------------------------------------------------------------------- Markdown


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _sec(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1000:.1f} ms" if v < 10 else f"{v:.1f} s"


def _ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def md_table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def md_strata(summary: Json, mergiraf: bool) -> list[str]:
    lines: list[str] = []
    head = ["stratum", "n", "clean %", "clean = Expected %", "clean = Expected ignoring ws %",
            "clean ≠ Expected (silent) %", "conflict %", "unparsable clean output", "crash", "timeout"]
    if mergiraf:
        head.insert(2, "agreement %")
    rows = []
    for st in summary["strata"]:
        sm, git = st["smartmerge"], st["git"]
        if not sm["n"]:
            continue

        def both(key: str, fmt: Callable[[Any], str] = _pct, sm: Json = sm, git: Json = git) -> str:
            return f"{fmt(sm.get(key))} / {fmt(git.get(key))}"

        row = [st["label"], str(sm["n"]), both("clean_pct"), both("clean_equal_pct"), both("clean_equal_ignoring_ws_pct"),
               both("clean_different_pct"), both("conflict_pct"), both("unparsable_clean_output", str),
               both("crash", str), both("timeout", str)]
        if mergiraf:
            row.insert(2, both("agreement_pct"))
        rows.append(row)
    lines.append("Each cell: **smartmerge / git** (`git merge-file -p --diff3`, same run). "
                 "\"ignoring ws\" counts byte-equal output and output equal once all whitespace is removed; "
                 "\"silent\" is clean output that differs from Expected even ignoring whitespace. "
                 "Unparsable = clean output that `ast.parse` or `libcst.parse_module` rejects.")
    if mergiraf:
        lines[-1] += (" Agreement (as Mergiraf scores it): where Expected holds conflict markers, the tool "
                      "reports a conflict; elsewhere its output equals Expected, ignoring whitespace.")
    lines.append("")
    lines += md_table(head, rows)
    lines.append("")
    return lines


def md_merge(summary: Json, mergiraf: bool) -> list[str]:
    return md_strata(summary, mergiraf) + md_methods(summary)


def md_methods(summary: Json) -> list[str]:
    lines: list[str] = []
    method_rows = []
    methods = sorted({m for st in summary["strata"] for m in st["smartmerge"]["methods"]})
    for st in summary["strata"]:
        if st["smartmerge"]["n"]:
            method_rows.append([st["label"], str(st["smartmerge"]["n"])] + [str(st["smartmerge"]["methods"].get(m, 0)) for m in methods])
    lines.append("smartmerge's method (crash/timeout: no result):")
    lines.append("")
    lines += md_table(["stratum", "n", *methods], method_rows)
    lines.append("")
    if summary["top_reasons"]:
        lines.append("Top reasons smartmerge gave (digits shown as N):")
        lines.append("")
        lines += md_table(["count", "reason"], [[str(r["count"]), f"`{r['reason']}`" if r["reason"] else "(none)"] for r in summary["top_reasons"][:10]])
        lines.append("")
    if summary["top_crashes"]:
        lines.append("Crashes and timeouts of smartmerge:")
        lines.append("")
        lines += md_table(["count", "error"], [[str(r["count"]), f"`{r['error']}`"] for r in summary["top_crashes"]])
        lines.append("")
    return lines


def md_timing(summary: Json, sample: Json | None, memory: Json | None) -> list[str]:
    t = summary["timing"]
    sm, git = t["smartmerge_in_process"], t["git_merge_file"]
    lines = ["Time per scenario (the merge alone: smartmerge in-process via `merge_texts`, "
             "git as a `git merge-file` subprocess, both in the same worker):", ""]
    rows = [
        ["smartmerge (in-process)", str(sm["n"]), _sec(sm["median"]), _sec(sm["p95"]), _sec(sm["max"]), _sec(sm["total"])],
        ["git merge-file", str(git["n"]), _sec(git["median"]), _sec(git["p95"]), _sec(git["max"]), _sec(git["total"])],
        ["ratio smartmerge / git", "", _ratio(t["ratio_median"]), _ratio(t["ratio_p95"]), "", _ratio(t["ratio_total"])],
    ]
    if sample and sample["n"]:
        s, g = sample["smartmerge_process"], sample["git_process"]
        rows += [
            ["`python -m smartmerge merge` (process)", str(s["n"]), _sec(s["median"]), _sec(s["p95"]), _sec(s["max"]), _sec(s["total"])],
            ["`git merge-file` (process, same sample)", str(g["n"]), _sec(g["median"]), _sec(g["p95"]), _sec(g["max"]), _sec(g["total"])],
            ["ratio smartmerge / git (process)", "", _ratio(sample["ratio_median"]), _ratio(sample["ratio_p95"]), "", ""],
        ]
    lines += md_table(["what", "n", "median", "p95", "max", "total"], rows)
    lines.append("")
    if sample and sample["n"]:
        lines.append(f"Process sample: {sample['n']} scenarios spread evenly; the CLI gave the in-process exit status "
                     f"on {sample['cli_same_status_as_api']} and the same bytes on {sample['cli_same_text_as_api']}"
                     + (f"; {len(sample['cli_failures'])} runs failed (see JSON)" if sample["cli_failures"] else "") + ".")
        lines.append("")
    if t["smartmerge_stages"]:
        lines.append("smartmerge's own stage timings (`MergeResult.timings`):")
        lines.append("")
        lines += md_table(["stage", "n", "median", "p95", "max"],
                          [[k, str(v["n"]), _sec(v["median"]), _sec(v["p95"]), _sec(v["max"])] for k, v in t["smartmerge_stages"].items()])
        lines.append("")
    if memory:
        if not memory.get("available"):
            lines.append(f"Peak memory: n/a ({memory.get('why')}).")
        else:
            m = memory.get("merge", {})
            i = memory.get("import_only", {})
            if "error" in m:
                lines.append(f"Peak memory: the merge child failed: `{m['error'][-200:]}`")
            else:
                lines.append(
                    f"Peak memory (largest scenario `{memory['scenario']}`, {memory['input_bytes'] / 1024:.0f} KiB of inputs): "
                    f"peak RSS of a process doing one merge **{m['peak_rss_mb']} MB** "
                    f"(method {m['method']}; {i.get('peak_rss_mb', '-')} MB after `import smartmerge` alone; "
                    f"its own subprocesses peak at {m['children_peak_rss_mb']} MB); "
                    f"`git merge-file` on it: {memory.get('git_peak_rss_mb', '-')} MB."
                )
        lines.append("")
    return lines


def md_lossless(loss: Json) -> list[str]:
    lines = ["Lossless parsing of the Base/Left/Right files:", ""]
    rows = []
    for key in ("libcst", "own"):
        v = loss[key]
        if not v.get("available"):
            rows.append([f"`{v['check']}`", "n/a", "n/a", "n/a", "n/a", "-"])
            continue
        rows.append([f"`{v['check']}`", str(v["files_checked"]), str(v["parsed"]), str(v["round_tripped"]),
                     str(len(v["mismatches"])), _sec(v["parse_seconds"]["median"])])
    lines += md_table(["check", "files", "parsed", "round-tripped exactly", "parsed but not exact", "median parse"], rows)
    lines.append("")
    for key in ("libcst", "own"):
        v = loss[key]
        if not v.get("available"):
            continue
        for title, items in (("not exact", v["mismatches"]), ("did not parse", v["parse_errors"]),
                             ("crashed or timed out", v["crashed_or_timed_out"])):
            if items:
                lines.append(f"{key}, {title} ({len(items)}; first {min(10, len(items))}):")
                lines.append("")
                lines += [f"- `{x}`" for x in items[:10]]
                lines.append("")
    return lines


# --------------------------------------------------------------------------- main


def import_smartmerge(installed: bool) -> Any:
    """This checkout's smartmerge (unless ``installed``), or the importable one."""
    if not installed and (CHECKOUT_SRC / "smartmerge").is_dir() and str(CHECKOUT_SRC) not in sys.path[:1]:
        sys.path.insert(0, str(CHECKOUT_SRC))
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in [str(CHECKOUT_SRC), os.environ.get("PYTHONPATH", "")] if p)
    try:
        return importlib.import_module("smartmerge")
    except ImportError:
        if not (CHECKOUT_SRC / "smartmerge").is_dir():
            raise
        sys.path.insert(0, str(CHECKOUT_SRC))
        return importlib.import_module("smartmerge")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="+", type=lambda p: Path(p).resolve(), help="corpus folder(s)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds per scenario phase before its worker is killed (default 60; smartmerge's own "
                         "structured-merge budget is MergeOptions.timeout, 10 s)")
    ap.add_argument("--json", type=Path, help="write the JSON (summaries and every per-scenario record) here")
    ap.add_argument("--markdown", type=Path, help="write the Markdown report here (else it goes to stdout)")
    ap.add_argument("--limit", type=int, help="at most N scenarios per corpus, spread evenly over it")
    ap.add_argument("--filter", action="append", default=[], metavar="SUBSTR",
                    help="only scenarios whose folder name contains SUBSTR (repeatable: any of them)")
    ap.add_argument("--suffix", action="append", default=None,
                    help="file suffix of the scenarios to run (repeatable; default .py; '' = no suffix)")
    ap.add_argument("--process-sample", type=int, default=50, metavar="N",
                    help="time N scenarios (spread evenly) as full processes (default 50; 0 = skip)")
    ap.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    ap.add_argument("--by-repo", action="store_true", help="add one row per repository (or Mergiraf suite)")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--lossless-only", action="store_true", help="run only the lossless parsing check")
    group.add_argument("--no-lossless", action="store_true", help="skip the lossless parsing check")
    ap.add_argument("--installed", action="store_true",
                    help="benchmark the smartmerge that `import smartmerge` finds, not this checkout's src/")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    ap.add_argument("--table", action="append", choices=TABLES, default=[],
                    help="print only these tables (repeatable), no header: what bench/update_docs.py pastes into the docs")
    args = ap.parse_args(argv)
    if args.suffix is None:
        args.suffix = [".py"]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.time()
    t_start = time.perf_counter()
    smartmerge = import_smartmerge(args.installed)
    package_root = Path(smartmerge.__file__).resolve().parent.parent
    if not args.installed and package_root != CHECKOUT_SRC.resolve() and (CHECKOUT_SRC / "smartmerge").is_dir():
        print(f"warning: benchmarking smartmerge from {package_root}, not {CHECKOUT_SRC}", file=sys.stderr)
    merge = not args.lossless_only
    lossless = not args.no_lossless
    own_parser = _parse_python_fn() is not None
    git_version = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout.strip()

    result: Json = {
        "tool": "bench/corpus_bench.py",
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "command": " ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "jobs": args.jobs,
        "timeout": args.timeout,
        "git_version": git_version,
        "smartmerge": {"version": getattr(smartmerge, "__version__", "?"), "imported_from": str(package_root)},
        "own_parser_available": own_parser,
        "corpora": {},
    }
    md: list[str] = []
    tables: dict[str, list[str]] = {name: [] for name in TABLES}
    for corpus in args.corpus:
        if not corpus.is_dir():
            print(f"error: {corpus} is not a folder", file=sys.stderr)
            return 2
        t_corpus = time.perf_counter()
        scenarios, skipped = find_scenarios(corpus, args.suffix)
        if args.filter:
            scenarios = [s for s in scenarios if any(f in s.name for f in args.filter)]
        if args.limit is not None:
            scenarios = spread(scenarios, args.limit)
        tasks = [s.task(merge=merge, lossless=lossless, timeout=args.timeout) for s in scenarios]

        def progress(done: int, total: int = len(tasks), name: str = corpus.name) -> None:
            if not args.quiet and (done % 50 == 0 or done == total):
                print(f"{name}: {done}/{total} scenarios", file=sys.stderr)

        raw = run_pool(tasks, args.jobs, args.timeout, progress) if tasks else []
        records = [build_record(sc, r, merge) for sc, r in zip(scenarios, raw, strict=True)]
        entry: Json = {"path": str(corpus.resolve()), "scenarios": len(scenarios), "skipped": dict(skipped)}
        md.append(f"## {corpus.name}")
        md.append("")
        left_out = sum(skipped.values())
        md.append(f"{len(scenarios)} scenarios with suffix {', '.join(repr(s) for s in args.suffix)}"
                  + (f"; {left_out} other scenarios left out (by why: JSON `skipped`)" if left_out else "") + ".")
        md.append("")
        harness_errors = [r["scenario"] for r in records if "harness_error" in r]
        if harness_errors:
            md.append(f"**{len(harness_errors)} scenarios hit a harness error** (JSON `harness_error`; counted as "
                      f"crashes), e.g. `{harness_errors[0]}`.")
            md.append("")
        if merge and records:
            summary = summarize_merge(records, args.by_repo)
            entry["summary"] = summary
            sample = None
            if args.process_sample > 0:
                by_name = {r["scenario"]: r for r in records}
                sample = process_sample(spread(scenarios, args.process_sample), by_name, package_root)
                entry["process_sample"] = sample
            memory = None
            if not args.no_memory:
                memory = peak_memory(max(scenarios, key=lambda s: s.input_bytes), package_root)
                entry["memory"] = memory
            mergiraf = records[0]["kind"] == "mergiraf"
            tables["strata"] += md_strata(summary, mergiraf)
            tables["methods"] += md_methods(summary)
            tables["timing"] += md_timing(summary, sample, memory)
            md += md_merge(summary, mergiraf)
            md += md_timing(summary, sample, memory)
        if lossless and records:
            entry["lossless"] = summarize_lossless(records, own_parser)
            md += md_lossless(entry["lossless"])
            tables["lossless"] += md_lossless(entry["lossless"])
        entry["wall_seconds"] = round(time.perf_counter() - t_corpus, 1)
        entry["records"] = records
        result["corpora"][corpus.name] = entry

    result["wall_seconds"] = round(time.perf_counter() - t_start, 1)
    header = [
        "# smartmerge corpus benchmark",
        "",
        f"`{result['command']}` — {result['started_utc']}, smartmerge {result['smartmerge']['version']} "
        f"from `{result['smartmerge']['imported_from']}`, {git_version}, Python {result['python']}, "
        f"{result['cpus']} CPUs, {args.jobs} jobs, wall time {result['wall_seconds']:.0f} s.",
        "",
    ]
    text = "\n".join(header + md).rstrip() + "\n"
    if args.table:
        text = "\n".join(line for name in args.table for line in tables[name]).rstrip() + "\n"
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    if not args.quiet:
        print(f"done in {result['wall_seconds']:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
