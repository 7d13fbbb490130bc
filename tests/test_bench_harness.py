"""bench/corpus_bench.py on a tiny corpus built here.

Three scenarios whose outcome is known in advance for both tools (git clean, git
conflict, inputs that do not parse): asserts on git's and smartmerge's outcomes, the
strata they land in, and the report's structure.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT

HARNESS = ROOT / "bench" / "corpus_bench.py"

BASE = "import os\n\n\ndef one():\n    return 1\n\n\ndef two():\n    return 2\n"


def write_scenario(corpus: Path, name: str, base: str, left: str, right: str, expected: str, **meta: Any) -> None:
    folder = corpus / name
    folder.mkdir(parents=True)
    for role, text in (("Base", base), ("Left", left), ("Right", right), ("Expected", expected)):
        (folder / f"{role}.py").write_text(text, encoding="utf-8")
    (folder / "meta.json").write_text(json.dumps({"repo": "demo", "path": f"pkg/{name}.py", **meta}), encoding="utf-8")


def build_corpus(corpus: Path) -> None:
    left = BASE.replace("return 1", "return 10")
    right = BASE.replace("return 2", "return 20")
    merged = BASE.replace("return 1", "return 10").replace("return 2", "return 20")
    write_scenario(corpus, "demo__clean", BASE, left, right, merged, expected_equals="none")
    # both sides change the same line: git conflicts; the person kept left whole
    write_scenario(
        corpus, "demo__conflict", BASE, BASE.replace("return 1", "return 11"),
        BASE.replace("return 1", "return 12"), BASE.replace("return 1", "return 11"), expected_equals="left",
    )
    broken = BASE.replace("def two():", "def two(:")
    write_scenario(
        corpus, "demo__unparsable", broken, broken.replace("return 1", "return 10"),
        broken.replace("return 2", "return 20"),
        broken.replace("return 1", "return 10").replace("return 2", "return 20"), expected_equals="none",
    )


def run_harness(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(HARNESS), *args], capture_output=True, text=True, check=False, timeout=300)


def test_harness_classifies_a_tiny_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "tiny"
    build_corpus(corpus)
    out_json, out_md = tmp_path / "out" / "r.json", tmp_path / "out" / "r.md"
    proc = run_harness(str(corpus), "--json", str(out_json), "--markdown", str(out_md), "--process-sample", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr

    report = json.loads(out_json.read_text(encoding="utf-8"))
    entry = report["corpora"]["tiny"]
    records = {r["scenario"]: r for r in entry["records"]}
    assert set(records) == {"demo__clean", "demo__conflict", "demo__unparsable"}

    assert records["demo__clean"]["git"]["outcome"] == "clean_equal"
    assert records["demo__clean"]["stratum"] == "git_clean"
    assert records["demo__conflict"]["git"]["outcome"] == "conflict"
    assert records["demo__conflict"]["git"]["conflicts"] == 1
    assert records["demo__conflict"]["stratum"] == "git_conflict_kept_one_side"
    assert records["demo__unparsable"]["inputs_parse"] is False
    assert records["demo__unparsable"]["stratum"] == "inputs_unparsable"
    assert records["demo__unparsable"]["git"]["outcome"] == "clean_equal"
    # git's clean output of broken inputs is itself broken
    assert records["demo__unparsable"]["git"]["output_parse"]["ast_error"]

    # smartmerge's outcome on each scenario is known in advance: edits to two functions
    # merge clean and equal (git's clean line merge, sound: the fast path); one line changed two ways conflicts; inputs
    # that do not parse get the line merge, clean, equal to Expected and as broken
    sm = {name: rec["smartmerge"] for name, rec in records.items()}
    assert (sm["demo__clean"]["outcome"], sm["demo__clean"]["method"]) == ("clean_equal", "line")
    assert sm["demo__clean"]["output_parse"] is None or not sm["demo__clean"]["output_parse"].get("ast_error")
    assert sm["demo__conflict"]["outcome"] == "conflict"
    assert (sm["demo__unparsable"]["outcome"], sm["demo__unparsable"]["method"]) == ("clean_equal", "line")
    assert sm["demo__unparsable"]["output_parse"]["ast_error"]

    outcomes = {"clean_equal", "clean_equal_ws", "clean_different", "conflict", "crash", "timeout"}
    for rec in records.values():
        sm = rec["smartmerge"]
        assert sm["outcome"] in outcomes
        assert sm["seconds"] is not None
        assert sm["method"] in {"trivial", "structured", "line"}
        assert isinstance(sm["reason"], str)
        assert rec["git"]["seconds"] > 0

    strata = {s["stratum"]: s for s in entry["summary"]["strata"]}
    assert strata["all"]["git"]["n"] == 3
    assert strata["git_clean"]["git"]["clean_equal"] == 1
    assert strata["git_conflict"]["git"]["conflict"] == 1
    assert strata["git_conflict/kept_one_side"]["git"]["n"] == 1
    assert strata["inputs_unparsable"]["git"]["n"] == 1
    assert strata["all_inputs/git_clean"]["git"]["n"] == 2
    assert strata["all"]["git"]["unparsable_clean_output"] == 1
    # and the strata count smartmerge's outcomes where they belong
    assert strata["all"]["smartmerge"]["unparsable_clean_output"] == 1
    assert strata["git_clean"]["smartmerge"]["clean_equal"] == 1
    assert strata["git_conflict"]["smartmerge"]["conflict"] == 1
    assert strata["inputs_unparsable"]["smartmerge"]["clean_equal"] == 1
    assert strata["all"]["smartmerge"]["conflict"] == 1 and strata["all"]["smartmerge"]["clean_equal"] == 2

    timing = entry["summary"]["timing"]
    assert timing["smartmerge_in_process"]["n"] == 3
    assert timing["git_merge_file"]["median"] > 0
    assert entry["process_sample"]["n"] == 2
    assert entry["process_sample"]["smartmerge_process"]["median"] > 0
    assert entry["memory"]["merge"]["peak_rss_mb"] > 0

    libcst = entry["lossless"]["libcst"]
    assert libcst["files_checked"] == 9
    assert libcst["parsed"] == libcst["round_tripped"] == 6
    assert len(libcst["parse_errors"]) == 3

    markdown = out_md.read_text(encoding="utf-8")
    assert "## tiny" in markdown
    assert "| all | 3 |" in markdown
    assert "round-tripped exactly" in markdown


def test_lossless_only_with_filter(tmp_path: Path) -> None:
    corpus = tmp_path / "tiny"
    build_corpus(corpus)
    out_json = tmp_path / "r.json"
    proc = run_harness(str(corpus), "--lossless-only", "--filter", "clean", "--json", str(out_json), "--quiet")
    assert proc.returncode == 0, proc.stderr
    entry = json.loads(out_json.read_text(encoding="utf-8"))["corpora"]["tiny"]
    assert [r["scenario"] for r in entry["records"]] == ["demo__clean"]
    assert "git" not in entry["records"][0]
    assert entry["lossless"]["libcst"]["round_tripped"] == 3


def load_harness(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """bench/corpus_bench.py as a module, registered (for pickling) only until the test ends."""
    spec = importlib.util.spec_from_file_location("corpus_bench", HARNESS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "corpus_bench", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="the patch reaches workers by fork")
def test_pool_reports_crashes_and_timeouts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = load_harness(monkeypatch)
    import smartmerge

    original = smartmerge.merge_texts

    def misbehaving(base: bytes, left: bytes, right: bytes, **kwargs: Any) -> Any:
        if b"SLEEP" in left:
            time.sleep(60)
        if b"RAISE" in left:
            raise ValueError("boom")
        if b"EXIT" in left:
            os._exit(3)
        return original(base, left, right, **kwargs)

    monkeypatch.setattr(smartmerge, "merge_texts", misbehaving)
    corpus = tmp_path / "bad"
    for word in ("SLEEP", "RAISE", "EXIT", "FINE"):
        write_scenario(corpus, f"x__{word}", BASE, BASE + f"# {word}\n", BASE.replace("import os", "import sys"), BASE)
    scenarios, _ = bench.find_scenarios(corpus, [".py"])
    tasks = [s.task(merge=True, lossless=False, timeout=2.0) for s in scenarios]
    raw = bench.run_pool(tasks, 2, 2.0, lambda done: None)
    outcome = {s.name: r["smartmerge"]["outcome"] for s, r in zip(scenarios, raw, strict=True)}
    assert outcome["x__SLEEP"] == "timeout"
    assert outcome["x__RAISE"] == "crash"
    assert outcome["x__EXIT"] == "crash"
    assert outcome["x__FINE"] not in ("crash", "timeout")
    # git's outcome survives smartmerge's failure
    assert all(r["git"]["outcome"] not in ("crash", "timeout") for r in raw)
