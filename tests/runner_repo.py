"""Tiny real repositories for the runner tests."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from conftest import SMARTMERGE

# Fast retries in tests: the back-off is real, just short.
FAST = "backoff_base = 0.05\nbackoff_cap = 0.2\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def make_repo(root: Path, files: dict[str, str], taskfile: str) -> Path:
    """A repository on branch main with ``files`` and ``smartmerge.toml`` committed."""
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    (repo / "smartmerge.toml").write_text(textwrap.dedent(taskfile))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    return repo


def show(repo: Path, rev: str, path: str) -> str:
    return git(repo, "show", f"{rev}:{path}")


def smartmerge(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SMARTMERGE, *args], cwd=repo, capture_output=True, text=True, check=False)


def module_with_functions(names: list[str], gap: int = 12) -> str:
    """A module whose functions sit far apart, so even a line merge keeps edits to two of them apart."""
    blocks = [f"def {n}():\n    return {i!r}\n" for i, n in enumerate(names)]
    return ("\n" * gap).join(blocks)
