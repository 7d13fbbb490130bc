"""bench/compare_outputs.py: a revision merges a corpus as itself does (exit 0, nothing listed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_a_revision_compared_with_itself_merges_every_scenario_the_same(tmp_path: Path) -> None:
    for name, right in (("clean", "x = 1\ny = 20\n"), ("conflict", "x = 11\ny = 2\n")):
        folder = tmp_path / "corpus" / name
        folder.mkdir(parents=True)
        (folder / "Base.py").write_text("x = 1\ny = 2\n")
        (folder / "Left.py").write_text("x = 10\ny = 2\n")
        (folder / "Right.py").write_text(right)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "compare_outputs.py"), "HEAD", "HEAD", str(tmp_path / "corpus")],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 of 2 scenarios merge the same" in proc.stdout
