"""bench/edit_fuzz.py on a tiny corpus built here: it runs trials, and the engine makes
no silent wrong merge of random edits to two nearby lines of a plain module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SCRIPT = ROOT / "bench" / "edit_fuzz.py"

MODULE = """import os
import sys

LIMIT = 10
NAME = "demo"


def first(items):
    total = 0
    count = 1
    total = total + count
    return total


def second(path):
    size = os.path.getsize(path)
    limit = LIMIT * 2
    sys.stdout.write(str(size))
    return size < limit
"""


def test_trials_run_and_none_is_a_silent_wrong_merge(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "demo").mkdir(parents=True)
    (tmp_path / "corpus" / "demo" / "Base.py").write_text(MODULE, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path / "corpus"), "--seeds", "8"],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    trials = int(run.stdout.split(": ", 1)[1].split(" trials")[0])
    assert trials >= 10
    counts = {line.split(":")[0].strip(): int(line.split(":")[1]) for line in run.stdout.splitlines()[1:4]}
    assert counts["clean, WRONG"] == 0
    assert counts["clean, right"] + counts["conflict"] == trials
    # adjacent edits to different statements are what git conflicts on and we merge
    assert counts["clean, right"] > 0
