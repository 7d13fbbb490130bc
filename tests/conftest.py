"""Shared test set-up: git runs with no user or system configuration and a fixed identity."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Smartmerge Test",
    "GIT_AUTHOR_EMAIL": "test@smartmerge.invalid",
    "GIT_COMMITTER_NAME": "Smartmerge Test",
    "GIT_COMMITTER_EMAIL": "test@smartmerge.invalid",
}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)

# How tests run the command line: this checkout's code in a real subprocess.
SMARTMERGE = [sys.executable, "-m", "smartmerge"]


@pytest.fixture(autouse=True)
def _this_checkout_on_pythonpath(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))


def pytest_addoption(parser: pytest.Parser) -> None:
    # Expected files are the spec, written by hand, never from today's output; only a
    # known gap's Current file (what the merge gives today) may be regenerated
    parser.addoption(
        "--update-current",
        action="store_true",
        help="rewrite the Current file of each known gap from today's output and list every file rewritten",
    )


_REWRITTEN = pytest.StashKey[list[Path]]()


def rewrite_current(config: pytest.Config, path: Path, output: bytes) -> None:
    """Write a known gap's Current file when today's output differs, and remember it
    for the summary, so that no rewrite goes by unseen."""
    if path.exists() and path.read_bytes() == output:
        return
    path.write_bytes(output)
    config.stash.setdefault(_REWRITTEN, []).append(path)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    rewritten = config.stash.get(_REWRITTEN, [])
    if rewritten:
        terminalreporter.section(f"--update-current rewrote {len(rewritten)} file(s); review the git diff")
        for path in rewritten:
            terminalreporter.write_line(str(path.relative_to(ROOT)))

