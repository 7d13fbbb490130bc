"""Every case folder under tests/fixtures: one generic test runs them all.

A case is ``merges/<lang>/<case>/{Base,Left,Right,Expected}.<ext>`` with an optional
``case.toml`` (``why``, ``path``, ``[options]`` with MergeOptions fields). The merge
must give Expected byte for byte, clean exactly when Expected has no markers.
A known gap (``known_gaps/<lang>/<case>/``) also holds ``Current.<ext>``, today's
output: it must still give Current, and a gap whose output becomes Expected fails
with "solved: move it". ``pytest --update-current`` rewrites Current files (and lists
them); Expected files are written by hand.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXTURES, rewrite_current

from smartmerge import MergeOptions, merge_texts
from smartmerge.textlines import has_conflict_markers


@dataclass(frozen=True)
class Case:
    folder: Path
    ext: str

    def read(self, name: str) -> bytes:
        return (self.folder / f"{name}{self.ext}").read_bytes()

    def run(self) -> tuple[bytes, bool]:
        config = {}
        if (self.folder / "case.toml").exists():
            config = tomllib.loads((self.folder / "case.toml").read_text())
        options = MergeOptions(**config.get("options", {}))
        path = config.get("path", f"{self.folder.name}{self.ext}")
        result = merge_texts(self.read("Base"), self.read("Left"), self.read("Right"), path=path, options=options)
        return result.text, result.clean


def _cases(kind: str) -> list[Case]:
    found = []
    for base in sorted((FIXTURES / kind).glob("*/*/Base*")):
        found.append(Case(base.parent, base.name[len("Base") :]))
    return found


def _id(case: Case) -> str:
    return f"{case.folder.parent.name}/{case.folder.name}"


@pytest.mark.parametrize("case", _cases("merges"), ids=_id)
def test_merge_case(case: Case) -> None:
    output, clean = case.run()
    expected = (case.folder / f"Expected{case.ext}").read_bytes()  # the spec: written by hand
    assert output.decode("utf-8", "replace") == expected.decode("utf-8", "replace")
    assert output == expected  # byte for byte: line endings, BOM, final newline
    assert clean == (not has_conflict_markers(expected.decode("utf-8", "replace")))


@pytest.mark.parametrize("case", _cases("known_gaps"), ids=_id)
def test_known_gap(case: Case, request: pytest.FixtureRequest) -> None:
    config = tomllib.loads((case.folder / "case.toml").read_text()) if (case.folder / "case.toml").exists() else {}
    # a gap of older interpreters only (syntax a newer one's ast parses): `gap_below_python = "3.13"`
    below = config.get("gap_below_python")
    if below and sys.version_info >= tuple(int(part) for part in below.split(".")):
        pytest.skip(f"no gap on Python {below} and later")
    output, _clean = case.run()
    assert output != case.read("Expected"), "solved: move it to tests/fixtures/merges"
    current_path = case.folder / f"Current{case.ext}"
    if request.config.getoption("--update-current"):
        rewrite_current(request.config, current_path, output)
    assert output == current_path.read_bytes(), "the output of a known gap changed: review Current"
