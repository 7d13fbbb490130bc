"""bench/differences.py on a tiny corpus built here: one git-conflict scenario per
reason a clean merge can differ from what the person committed."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

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


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("differences", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_suspects_find_a_lost_change_code_nobody_wrote_and_an_undefined_name() -> None:
    differences = _load()
    base = b"import os\nA = (1, 0)\ndef f():\n    return os.sep\n"
    left = b"import os\nA = (2, 0)\ndef f():\n    return os.sep\n"
    right = b"A = (1, 5)\ndef f():\n    return 1\n"  # drops os and its use
    expected = b"A = (2, 5)\ndef f():\n    return 1\n"
    assert differences.suspects(base, left, right, expected, expected) == []
    # the version tuple neither side wrote, the import right deleted kept, its use back
    wrong = b"import os\nA = (2, 1)\ndef f():\n    return os.sep\n"
    found = differences.suspects(base, left, right, expected, wrong)
    assert "neither side wrote: A = (2, 1)" in found
    assert "1 copy, both sides' changes give 0: import os" in found
    # a use of a name whose import a side deleted
    undefined = b"A = (2, 5)\ndef f():\n    return os.sep\n"
    assert "reads a name no side leaves undefined: os" in differences.suspects(base, left, right, expected, undefined)
    assert differences.undefined_names(b"import os\nclass A:\n    x = 1\n    def g(self):\n        return os, x, len\n") == {"x"}


def test_a_review_counts_only_for_the_output_it_read() -> None:
    differences = _load()
    base, left, right = b"A = (1, 0)\n", b"A = (2, 0)\n", b"A = (1, 5)\n"
    expected = left  # the person kept left
    output = b"A = (2, 5)\n"
    sha = hashlib.sha256(output).hexdigest()
    cls, found = differences.classify(base, left, right, expected, output, "left")
    assert cls == differences.SUSPECT and found
    wrong = {"verdict": "wrong", "output_sha256": sha}
    assert differences.classify(base, left, right, expected, output, "left", wrong)[0] == differences.WRONG
    harmless = {"verdict": "harmless", "output_sha256": sha}
    assert differences.classify(base, left, right, expected, output, "left", harmless)[0] == differences.KEPT_ONE_SIDE
    stale = {"verdict": "wrong", "output_sha256": "0" * 64}
    assert differences.classify(base, left, right, expected, output, "left", stale)[0] == differences.SUSPECT
    assert differences.classify(base, left, right, expected, expected, "left", wrong)[0] == "equal"


def test_the_reviewed_verdicts_are_well_formed() -> None:
    data = tomllib.loads((ROOT / "bench" / "reviewed_differences.toml").read_text(encoding="utf-8"))
    seen = set()
    for review in data["review"]:
        assert set(review) == {"corpus", "scenario", "output_sha256", "verdict", "note"}
        assert review["verdict"] in ("wrong", "harmless")
        assert len(review["output_sha256"]) == 64 and review["note"]
        assert (review["corpus"], review["scenario"]) not in seen
        seen.add((review["corpus"], review["scenario"]))
