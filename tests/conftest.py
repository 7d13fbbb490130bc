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
    parser.addoption(
        "--update-expected",
        action="store_true",
        help="rewrite Expected (cases) and Current (known gaps) from today's output; review the git diff",
    )

