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


# --- needs_engine: tests that pass only once the structured merge engine merges ---
# A test marked ``needs_engine`` becomes xfail (not strict) while smartmerge.merge_texts
# still falls back to the line merge for two sides that add different functions at the
# end of one file; once the engine merges that cleanly, the test runs for real.

_BOTH_ADD_BASE = "def base():\n    return 0\n"
_BOTH_ADD_LEFT = _BOTH_ADD_BASE + "\n\ndef left():\n    return 1\n"
_BOTH_ADD_RIGHT = _BOTH_ADD_BASE + "\n\ndef right():\n    return 2\n"


def _engine_merges_both_added_functions() -> bool:
    from smartmerge import merge_texts

    result = merge_texts(_BOTH_ADD_BASE, _BOTH_ADD_LEFT, _BOTH_ADD_RIGHT, path="engine_probe.py")
    return result.clean


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    marked = [item for item in items if item.get_closest_marker("needs_engine")]
    if marked and not _engine_merges_both_added_functions():
        for item in marked:
            item.add_marker(
                pytest.mark.xfail(reason="the structured merge engine has not landed yet", strict=False)
            )
