"""bench/edit_fuzz.py on a tiny corpus built here: every kind makes trials whose inputs
parse and whose answer is what the kind promises, outcomes are judged right, the report
counts per kind, and the engine makes no silent wrong merge of random edits to two
nearby lines of a plain module."""

from __future__ import annotations

import ast
import importlib.util
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
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

# a module with a place for every kind: imports used in functions, runs of statements,
# an `if` block, calls with several arguments, comment blocks, tuples and arithmetic
RICH = '''import json
import os
import sys
from textwrap import dedent

# Settings of the demo.
# Change them with care.
VERSION = (1, 4, 2)
LIMIT = 10 * 3 + 2


def load(path, mode):
    # read the file
    # and decode it
    handle = open(path, mode)
    data = handle.read()
    handle.close()
    return json.loads(data)


def save(path, data):
    text = json.dumps(data, indent=2)
    size = len(text) + LIMIT
    if size > 0:
        os.makedirs(path, 0, True)
        sys.stdout.write(text)
    return size


def describe(values, width):
    lines = dedent(str(values)).splitlines()
    first = max(width, 4, len(lines))
    last = min(width, 8)
    return first, last
'''


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("edit_fuzz", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["edit_fuzz"] = module
    spec.loader.exec_module(module)
    return module


def _run(corpus: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(corpus), "--jobs", "1", *args],
        capture_output=True, text=True, check=False, timeout=600,
    )


def test_nearby_trials_run_and_none_is_a_silent_wrong_merge(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "demo").mkdir(parents=True)
    (tmp_path / "corpus" / "demo" / "Base.py").write_text(MODULE, encoding="utf-8")
    run = _run(tmp_path / "corpus", "--seeds", "8", "--kinds", "nearby")
    assert run.returncode == 0, run.stdout + run.stderr
    trials = int(run.stdout.split(": ", 1)[1].split(" trials")[0])
    assert trials >= 10
    counts = {line.split(":")[0].strip(): int(line.split(":")[1]) for line in run.stdout.splitlines()[1:5]}
    assert counts["clean, WRONG"] == 0 and counts["clean, does not parse"] == 0
    assert counts["clean, right"] + counts["conflict"] == trials
    # adjacent edits to different statements are what git conflicts on and we merge
    assert counts["clean, right"] > 0


def _trials(fuzz: Any, kind: str, seeds: int = 40) -> list[Any]:
    src = fuzz._source(RICH)
    found = [fuzz.KINDS[kind](src, random.Random(seed)) for seed in range(seeds)]
    return [t for t in found if t is not None and fuzz._parses(t.left, t.right, *t.answers)]


@pytest.mark.parametrize("kind", ["import-vs-use", "wrap-vs-edit", "anchor-rewrite", "duplicate-name", "same-argument",
                                  "comment-block", "delete-vs-rewrite", "scalar-expression", "reflow-vs-edit"])
def test_every_kind_makes_trials_that_parse(kind: str) -> None:
    fuzz = _load()
    trials = _trials(fuzz, kind)
    assert len(trials) >= 5, kind
    for t in trials:
        assert t.left != RICH and t.right != RICH and t.left != t.right
        for answer in t.answers:
            # a right answer holds both sides' edits: it differs from each side
            assert answer != RICH
            ast.parse(answer)


def test_the_answers_are_the_ones_each_kind_promises() -> None:
    fuzz = _load()
    for t in _trials(fuzz, "import-vs-use"):
        assert t.answers == ()  # must conflict
        name = t.detail.split("`")[1]
        assert f"import {name}" not in t.left and f"= {name}\n" in t.right
    for t in _trials(fuzz, "delete-vs-rewrite") + _trials(fuzz, "scalar-expression") + _trials(fuzz, "same-argument"):
        assert t.answers == ()
    wraps = _trials(fuzz, "wrap-vs-edit")
    assert any("if fuzz_flag:" in t.answers[0] or "with fuzz_context():" in t.answers[0] for t in wraps)
    assert any(t.detail.startswith("unwrap") for t in wraps)
    for t in wraps:
        wrapped = "if fuzz_flag:" in t.left or "with fuzz_context():" in t.left
        assert wrapped == ("if fuzz_flag:" in t.answers[0] or "with fuzz_context():" in t.answers[0])
    for t in _trials(fuzz, "anchor-rewrite"):
        inserted = next(line for line in t.right.splitlines() if "fuzz_" in line)
        rewritten = next(a for a, b in zip(t.left.splitlines(), RICH.splitlines(), strict=True) if a != b)
        assert inserted in t.answers[0] and rewritten in t.answers[0]
    for t in _trials(fuzz, "duplicate-name"):
        if "import fuzz_mod" in t.left:
            assert t.answers == (t.right,)  # the import once is the merge
        else:
            assert t.answers == ()  # two functions of one name
    for t in _trials(fuzz, "reflow-vs-edit"):
        assert t.answers[0].count("\n") > RICH.count("\n")  # spread over lines
    blocks = _trials(fuzz, "comment-block")
    assert any(t.answers == () for t in blocks) and any(t.answers for t in blocks)


def test_judge_tells_right_conflict_wrong_and_unparsable() -> None:
    fuzz = _load()
    known = fuzz.Trial("a = 2\n", "b = 3\n", ("a = 2\nb = 3\n",), "")
    clash = fuzz.Trial("a = 2\n", "a = 3\n", (), "")
    assert fuzz.judge(known, True, "a = 2\n\nb = 3\n") == fuzz.RIGHT  # white space aside
    assert fuzz.judge(known, False, "") == fuzz.CONFLICT
    assert fuzz.judge(known, True, "a = 2\n") == fuzz.WRONG
    assert fuzz.judge(known, True, "a = 2\nb = (3\n") == fuzz.UNPARSABLE
    assert fuzz.judge(clash, True, "a = 2\n") == fuzz.WRONG
    assert fuzz.judge(clash, False, "") == fuzz.CONFLICT


def test_the_report_counts_every_kind(tmp_path: Path) -> None:
    (tmp_path / "corpus" / "demo").mkdir(parents=True)
    (tmp_path / "corpus" / "demo" / "Base.py").write_text(RICH, encoding="utf-8")
    kinds = "same-argument,delete-vs-rewrite,anchor-rewrite,import-vs-use"
    run = _run(tmp_path / "corpus", "--seeds", "3", "--kinds", kinds, "--dump", str(tmp_path / "dump"))
    assert run.returncode in (0, 1), run.stderr
    rows = {line.split("|")[1].strip(): line for line in run.stdout.splitlines() if line.startswith("| ")}
    assert set(kinds.split(",")) | {"all", "kind"} == set(rows)
    total = 0
    for kind in kinds.split(","):
        cells = [c.strip() for c in rows[kind].split("|")[2:-1]]
        trials, right, conflict, wrong, unparsable = (int(c.replace(",", "")) for c in cells[1:])
        assert trials > 0 and trials == right + conflict + wrong + unparsable
        total += trials
        if kind in ("same-argument", "delete-vs-rewrite", "import-vs-use"):
            assert cells[0] == "yes" and right == 0  # must conflict: a clean merge is never right
    assert f"{total} trials" in run.stdout
    silent = [line for line in run.stdout.splitlines() if line.startswith("  silent")]
    assert (run.returncode == 1) == bool(silent)
    # each silent one is dumped with what reproduces it
    assert len(list((tmp_path / "dump").glob("*/Output.py"))) == len(silent)
    assert _run(tmp_path / "corpus", "--kinds", "nosuchkind").returncode == 2


def test_files_takes_every_py_file_of_a_folder_as_a_base_file(tmp_path: Path) -> None:
    # code outside the corpora: a package tree of plain .py files, no Base.py anywhere
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "small.py").write_text(MODULE, encoding="utf-8")
    (tmp_path / "pkg" / "sub" / "rich.py").write_text(RICH, encoding="utf-8")
    (tmp_path / "pkg" / "notes.txt").write_text(RICH, encoding="utf-8")  # not Python: not a base file
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--files", str(tmp_path / "pkg"), "--jobs", "1", "--kinds", "nearby,anchor-rewrite",
         "--dump", str(tmp_path / "dump")],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert run.returncode in (0, 1), run.stderr
    assert run.stdout.startswith("2 files, 1 seed(s): ")
    assert int(run.stdout.split(": ", 1)[1].split(" trials")[0]) > 0
    # a silent one names its file by the path below the folder, as its dump folder does
    for line in run.stdout.splitlines():
        if line.startswith("  silent"):
            assert "pkg/small.py" in line or "pkg/sub+rich.py" in line
    # --min-lines/--max-lines choose by size: only the bigger file is at least 30 lines
    assert MODULE.count("\n") < 30 <= RICH.count("\n")
    big = subprocess.run(
        [sys.executable, str(SCRIPT), "--files", str(tmp_path / "pkg"), "--jobs", "1", "--kinds", "nearby", "--min-lines", "30"],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert big.stdout.startswith("1 files, 1 seed(s): "), big.stdout + big.stderr
    # --exclude leaves out paths below the folder that match, in any subfolder
    fewer = subprocess.run(
        [sys.executable, str(SCRIPT), "--files", str(tmp_path / "pkg"), "--jobs", "1", "--kinds", "nearby", "--exclude", "sub/*"],
        capture_output=True, text=True, check=False, timeout=600,
    )
    assert fewer.stdout.startswith("1 files, 1 seed(s): "), fewer.stdout + fewer.stderr
    # no source at all, or a folder that is not there: a usage error
    assert subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, check=False).returncode == 2
    missing = subprocess.run([sys.executable, str(SCRIPT), "--files", str(tmp_path / "nope")],
                             capture_output=True, text=True, check=False)
    assert missing.returncode == 2 and "not a folder" in missing.stderr
