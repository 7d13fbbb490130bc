"""Real git repositories in temporary folders, with the smartmerge driver installed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import SMARTMERGE

# A module whose functions are far enough apart for a line merge to keep edits separate.
BASE = """import os


def one():
    return 1


def two():
    return 2


def three():
    return 3


def four():
    return 4
"""


def edit(text: str, function: str, value: str) -> str:
    """BASE with ``return <n>`` of one function replaced."""
    lines = text.splitlines(keepends=True)
    at = lines.index(f"def {function}():\n")
    lines[at + 1] = f"    return {value}\n"
    return "".join(lines)


def add_function(text: str, name: str) -> str:
    return text + f"\n\ndef {name}():\n    return '{name}'\n"


def smartmerge(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMARTMERGE, *args], cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
        return proc

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def read(self, path: str) -> str:
        return (self.root / path).read_text()

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        for name, text in (files or {}).items():
            self.write(name, text)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def install(self) -> None:
        proc = smartmerge("install", cwd=self.root)
        assert proc.returncode == 0, proc.stderr
        # the attributes file is part of the history, as a team would commit it
        self.commit("use smartmerge")

    def unmerged(self) -> dict[str, set[int]]:
        stages: dict[str, set[int]] = {}
        for line in self.git("ls-files", "-u").stdout.splitlines():
            info, path = line.split("\t")
            stages.setdefault(path, set()).add(int(info.split()[2]))
        return stages

    def driver_runs(self, path: str) -> int:
        """How many times the smartmerge driver merged ``path`` in this repository."""
        log = self.root / ".git" / "smartmerge" / "driver.log"
        if not log.exists():
            return 0
        return sum(1 for line in log.read_text().splitlines() if line.split("\t")[1] == path)
