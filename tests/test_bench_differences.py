"""bench/differences.py on a tiny corpus built here: one git-conflict scenario per
reason a clean merge can differ from what the person committed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SCRIPT = ROOT / "bench" / "differences.py"

BASE = "def one():\n    return 1\ndef two():\n    return 2\ndef three():\n    return 3\n"
# edits on adjacent lines: git conflicts, the structured merge does not
LEFT = BASE.replace("return 1", "return 10")
RIGHT = BASE.replace("def two():", "def two(x):")
MERGED = LEFT.replace("def two():", "def two(x):")


def _scenario(corpus: Path, name: str, expected: str, git: str = "conflict", kept: str = "none") -> None:
    folder = corpus / name
    folder.mkdir(parents=True)
    for role, text in (("Base", BASE), ("Left", LEFT), ("Right", RIGHT), ("Expected", expected)):
        (folder / f"{role}.py").write_text(text, encoding="utf-8")
    meta = {"path": f"pkg/{name}.py", "expected_equals": kept, "git_merge_file": {"diff3": {"status": git}}}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def test_each_difference_gets_its_reason(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _scenario(corpus, "demo__equal", MERGED.replace("    return 10", "\treturn 10"))  # whitespace only
    _scenario(corpus, "demo__kept", LEFT, kept="left")
    _scenario(corpus, "demo__new", MERGED + "# the person's own line\n")
    _scenario(corpus, "demo__dropped", MERGED.replace("def three():\n    return 3\n", ""))
    order = "def two(x):\n    return 2\ndef one():\n    return 10\ndef three():\n    return 3\n"
    _scenario(corpus, "demo__order", order)
    _scenario(corpus, "demo__gitclean", MERGED + "# not counted\n", git="clean")

    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(corpus), "--list"], capture_output=True, text=True, check=True, timeout=300
    )
    out = run.stdout
    assert "git-conflict scenarios: 5; smartmerge clean: 5 (100.0%)" in out
    assert "clean and equal ignoring whitespace: 1 (20.0%)" in out
    for reason, count in (("kept one side", 1), ("person wrote new lines", 1), ("person dropped lines", 1), ("same lines, other order", 1)):
        assert f"  {reason}: {count}\n" in out
    # two of the five clean merges are out of reach: the ceiling is the other three
    assert "ceiling with these clean merges: 60.0%" in out
    named: dict[str, list[str]] = {}
    heading = ""
    for line in out.split("\n\n", 1)[1].splitlines():
        if line and not line.startswith(" "):
            heading = line.rstrip(":")
        elif line.strip():
            named.setdefault(heading, []).append(line.strip())
    assert named == {
        "kept one side": ["demo__kept"],
        "person wrote new lines": ["demo__new"],
        "person dropped lines": ["demo__dropped"],
        "same lines, other order": ["demo__order"],
    }
