"""The docs' statements of file paths, CLI options and defaults, checked against the code.

Each check reads docs/*.md and README.md as they are, so a doc that drifts from the code
(a renamed file, a dropped option, a changed default) fails here. The defaults are
imported from the modules that define them, never restated in this file.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from smartmerge.git.claims import DEFAULT_TTL_SECONDS
from smartmerge.options import DEFAULT_MARKER_SIZE, DEFAULT_TIMEOUT_SECONDS
from smartmerge.ranking import DEFAULT_RANK_TIMEOUT, MAX_CANDIDATES
from smartmerge.ranking.candidates import MAX_VARIANTS_PER_SYMBOL
from smartmerge.runner.executing import KILL_GRACE_SECONDS
from smartmerge.runner.taskfile import RunConfig, TaskSpec

CHECKOUT = Path(__file__).resolve().parent.parent
DOCS = [*sorted((CHECKOUT / "docs").glob("*.md")), CHECKOUT / "README.md"]
SRC = CHECKOUT / "src"

# A repository path in backticks: `src/smartmerge/cli.py`, `tests/fixtures/merges/`, ...
REPO_PATH = re.compile(r"`((?:src|bench|docs|tests|grammars|\.ci)/[^`\s]*)`")
# Placeholders and patterns name no single file.
NOT_A_PATH = re.compile(r"[<>*{}\[\]]|\.\.\.|NAME|CASE")


def _text(doc: Path) -> str:
    return doc.read_text(encoding="utf-8")


def _numbers(pattern: str) -> list[tuple[str, float]]:
    """Every number ``pattern``'s first group captures in the docs, with where it is."""
    found = []
    for doc in DOCS:
        for k, line in enumerate(_text(doc).splitlines(), 1):
            for m in re.finditer(pattern, line):
                found.append((f"{doc.name}:{k}", float(m.group(1))))
    return found


def _repo_paths() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for k, line in enumerate(_text(doc).splitlines(), 1):
            for m in REPO_PATH.finditer(line):
                path = m.group(1)
                if NOT_A_PATH.search(path):
                    continue
                # `src/x.py:123` names a line, `src/x.py::f` a symbol: the file is what must exist
                path = re.split(r"::|:(?=\d)", path)[0].rstrip(".,;:")
                found.append((f"{doc.name}:{k}", path))
    return found


def test_the_docs_name_repository_paths_at_all() -> None:
    # the checks below would pass vacuously if the pattern stopped matching
    assert len(_repo_paths()) > 20


@pytest.mark.parametrize(("where", "path"), _repo_paths(), ids=lambda v: str(v))
def test_every_repository_path_in_the_docs_exists(where: str, path: str) -> None:
    assert (CHECKOUT / path).exists(), f"{where} names `{path}`, which is not in the repository"


# `smartmerge CMD ...` or `python -m smartmerge CMD ...`, in backticks or on a code line.
COMMAND = re.compile(r"(?:^|`|\$ |\s)(?:python -m )?smartmerge ([a-z][a-z-]*)((?: [^`|#;]*)?)")
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")


def _cli_uses() -> dict[str, set[tuple[str, str]]]:
    """The options each documented smartmerge command is shown with, and where."""
    uses: dict[str, set[tuple[str, str]]] = {}
    for doc in DOCS:
        for k, line in enumerate(_text(doc).splitlines(), 1):
            spans = re.findall(r"`([^`]*)`", line) if not line.startswith(("    ", "\t")) else []
            candidates = [*spans, line] if "smartmerge " in line else []
            for text in candidates:
                for m in COMMAND.finditer(text):
                    command, rest = m.group(1), m.group(2)
                    # a command's options end where another command or a pipe starts
                    rest = re.split(r"&&|\|\||\||;| then | and |, ", rest)[0]
                    for option in OPTION.findall(rest):
                        uses.setdefault(command, set()).add((f"{doc.name}:{k}", option))
    return uses


@functools.cache
def _help(command: str) -> str | None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run([sys.executable, "-m", "smartmerge", command, "--help"],
                          capture_output=True, text=True, env=env, check=False, timeout=60)
    return proc.stdout if proc.returncode == 0 else None


def test_the_docs_show_smartmerge_commands_with_options() -> None:
    uses = _cli_uses()
    assert {"merge", "run", "solve"} <= set(uses), sorted(uses)


@pytest.mark.parametrize("command", sorted(_cli_uses()))
def test_every_documented_option_of_a_smartmerge_command_exists(command: str) -> None:
    help_text = _help(command)
    assert help_text is not None, f"the docs show `smartmerge {command}`, which is not a command"
    known = set(OPTION.findall(help_text))
    wrong = sorted(f"{where}: `smartmerge {command} {option}`" for where, option in _cli_uses()[command]
                   if option not in known)
    assert not wrong, "options the command does not have:\n" + "\n".join(wrong)


# (what, a pattern whose first group is the documented number, the code's value)
DEFAULTS = [
    ("merge time limit", r"`--timeout`[^|.]*?default (\d+(?:\.\d+)?) ?s\b", DEFAULT_TIMEOUT_SECONDS),
    ("merge time limit", r"`MergeOptions\.timeout` \(default (\d+(?:\.\d+)?) s", DEFAULT_TIMEOUT_SECONDS),
    ("rank time limit", r"`--rank-timeout S` \| (\d+(?:\.\d+)?) s", DEFAULT_RANK_TIMEOUT),
    ("gate ranking time limit", r"`gate_timeout` per run \((\d+(?:\.\d+)?) s without one\)", DEFAULT_RANK_TIMEOUT),
    ("max candidates", r"`--max-candidates N` \| (\d+) ", MAX_CANDIDATES),
    ("max candidates", r"max_candidates=(\d+)\)", MAX_CANDIDATES),
    ("variants per symbol", r"`MAX_VARIANTS_PER_SYMBOL` \((\d+)\)", MAX_VARIANTS_PER_SYMBOL),
    ("runner max_parallel", r"max_parallel = \d+ +# tasks at once \(default (\d+)\)", RunConfig().max_parallel),
    ("task retries", r"retries = \d+ +# .*\(default (\d+)\)", TaskSpec.__dataclass_fields__["retries"].default),
    ("backoff base", r"^backoff_base = (\d+(?:\.\d+)?) ", RunConfig().backoff_base),
    ("backoff cap", r"^backoff_cap = (\d+(?:\.\d+)?)", RunConfig().backoff_cap),
    ("SIGKILL grace", r"SIGTERM and, (\d+(?:\.\d+)?) s later, SIGKILL", KILL_GRACE_SECONDS),
    ("SIGKILL grace", r"SIGKILL sent (\d+(?:\.\d+)?) s after it", KILL_GRACE_SECONDS),
    ("claim ttl, minutes", r"`ttl` \(default `(\d+)m`\)", DEFAULT_TTL_SECONDS / 60),
    ("claim ttl, minutes", r"default (\d+) minutes\)", DEFAULT_TTL_SECONDS / 60),
]


def test_every_stated_default_pattern_still_matches_a_doc() -> None:
    # a pattern that matches nothing checks nothing: the doc was reworded, update the pattern
    unmatched = [pattern for _, pattern, _ in DEFAULTS if not _numbers(pattern)]
    assert not unmatched, f"no doc states these any more (reword the pattern): {unmatched}"


@pytest.mark.parametrize(("what", "pattern", "value"), DEFAULTS, ids=[f"{w}: {p[:30]}" for w, p, _ in DEFAULTS])
def test_documented_defaults_match_the_code(what: str, pattern: str, value: float) -> None:
    wrong = [f"{where}: {number:g}" for where, number in _numbers(pattern) if number != value]
    assert not wrong, f"{what} is {value:g} in the code, the docs say: {', '.join(wrong)}"


def test_the_git_driver_line_uses_gits_marker_size_placeholder() -> None:
    # the driver must pass git's %L through, so that the documented default of git (7)
    # and smartmerge's own default agree whenever git gives none
    assert DEFAULT_MARKER_SIZE == 7
    git_md = _text(CHECKOUT / "docs" / "git.md")
    assert "-l %L" in git_md and "--marker-size=%L" in git_md
