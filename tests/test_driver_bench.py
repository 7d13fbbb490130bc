"""bench/driver_bench.py runs end to end in its quick mode (timings are its business, not the test's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_the_driver_bench_measures_every_row_against_git(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for name, right in (("one", "x = 1\ny = 20\n"), ("two", "x = 1\ny = 2\nz = 3\n")):
        folder = corpus / name
        folder.mkdir(parents=True)
        (folder / "Base.py").write_text("x = 1\ny = 2\n")
        (folder / "Left.py").write_text("x = 10\ny = 2\n")
        (folder / "Right.py").write_text(right)
    out = tmp_path / "table.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "driver_bench.py"), str(corpus), "--quick", "--markdown", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    table = out.read_text()
    for row in ("files git merges cleanly", "append a function", "`SMARTMERGE=0`", "process, median",
                "in-process", "400-line file", "`--timeout T`"):
        assert row in table, row
    # the generated merges behaved as built: plain git merged the clean files and the driver was timed
    assert "Plain git in the same run" in table and "exit 0" in table


def test_only_measures_the_parts_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "table.md"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "driver_bench.py"), "--quick", "--only", "big,timeout", "--markdown", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    table = out.read_text()
    assert "400-line file" in table and "`--timeout T`" in table
    assert "files git merges cleanly" not in table and "Plain git in the same run" not in table
    bad = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "driver_bench.py"), "--only", "bigfile"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "unknown part(s) bigfile" in bad.stderr
