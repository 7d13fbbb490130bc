"""bench/semantic_warnings.py and bench/semantic_inject.py on a tiny corpus built here
from the two case folders whose merges warn."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT

CASES = FIXTURES / "merges" / "python"
ARITY = "one_side_drops_a_parameter_the_other_adds_a_call_with_the_old_arity_warns"
DEAD = "one_side_changes_a_value_the_other_stops_reading_it_warns"


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    for name, git in ((ARITY, "clean"), (DEAD, "conflict")):
        folder = corpus / name
        shutil.copytree(CASES / name, folder)
        (folder / "case.toml").unlink()
        meta = {"path": f"pkg/{name}.py", "git_merge_file": {"diff3": {"status": git}}}
        (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return corpus


def _run(script: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode()


def test_the_warnings_bench_counts_and_lists_each_warning(tmp_path: Path) -> None:
    report = _run("semantic_warnings.py", str(_corpus(tmp_path)), "--expected")
    assert "| git clean | 1 | 1 | 1 | 1 |" in report
    assert "| git conflict | 1 | 1 | 1 | 1 |" in report
    assert f"- merge, git clean: {ARITY}: line 17: self.scaled(self.height, 3) does not fit Shape.scaled()" in report
    # Expected is the clean merge itself, so the person's version warns the same way
    assert f"- Expected, git conflict: {DEAD}: line 8: left changed the value of 'tax'" in report


def test_the_injection_bench_finds_both_patterns_in_the_bases(tmp_path: Path) -> None:
    report = _run("semantic_inject.py", str(_corpus(tmp_path)))
    assert "| arity | 1 | 1 | 1 | 0 | 0 |" in report
    assert "| dead | 1 | 1 | 1 | 0 | 0 |" in report
