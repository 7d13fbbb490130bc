"""What bench/README.md and docs/benchmarks.md state about the scripts is true: every
option the README's table lists exists with the default it states, and every file path of
this repository they name exists (paths into the separate shared folder, ``../shared``,
are not in a clone and are not checked)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT

README = ROOT / "bench" / "README.md"
DOCS = [README, ROOT / "docs" / "benchmarks.md"]


def _help(script: str) -> str:
    return subprocess.run([sys.executable, str(ROOT / "bench" / script), "--help"], capture_output=True, text=True,
                          check=True, timeout=120).stdout


def test_every_option_of_the_readme_table_exists_with_its_default() -> None:
    text = README.read_text(encoding="utf-8")
    helptext = re.sub(r"\s+", " ", _help("corpus_bench.py"))
    rows = re.findall(r"^\| `(--[^`]+)`(?:, `(--[^`]+)`)? \| (.+) \|$", text, re.MULTILINE)
    assert len(rows) >= 10
    for first, second, what in rows:
        for option in (first, second):
            if option:
                assert option.split()[0] in helptext, option
        default = re.search(r"\(default ([^;),]+)", what)
        if default:
            value = default.group(1).split()[0]
            assert f"default {value}" in helptext or f"(default: {value}" in helptext, (first, value)


@pytest.mark.parametrize(("script", "heading"), [
    ("edit_fuzz.py", "## Hunting silent wrong merges"),
    ("differences.py", "## Why clean merges differ"),
    ("update_docs.py", "## Generated tables in the docs"),
])
def test_the_options_the_readme_names_exist(script: str, heading: str) -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
    helptext = _help(script)
    for option in set(re.findall(r"`(--[a-z-]+)", section)):
        assert option in helptext, (script, option)


def test_every_repository_path_the_docs_name_exists() -> None:
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for path in set(re.findall(r"(?<![\w./-])((?:bench|tests|docs|src|grammars)/[\w./-]+\.(?:py|md|toml))", text)):
            if "<" in path or "*" in path or path.startswith("bench/results/"):  # outputs of a run
                continue
            assert (ROOT / path).exists(), f"{doc.name} names {path}"
