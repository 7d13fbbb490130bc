"""Plain ``git`` subprocesses: the one place that spawns git for the git edge.

GitPython has no worktree API and each call would spawn git anyway; running git
directly keeps the exact command in the error message.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from smartmerge.errors import SmartmergeError
from smartmerge.git.driver_log import plain_git_dir
from smartmerge.records import record

# git 2.44 added the %S %X %Y label placeholders for merge drivers; older gits pass
# them through literally.
LABEL_PLACEHOLDERS_SINCE = (2, 44)


class GitError(SmartmergeError):
    """A git command failed, or git is not installed."""


@record
class GitRun:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "surrogateescape").strip()


def git(
    *args: str,
    cwd: Path | str | None = None,
    check: bool = True,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
) -> GitRun:
    """Run ``git ARGS`` and capture its output; raise GitError on failure when ``check``."""
    full_env = {**os.environ, **(env or {})}
    if cwd is not None and not os.path.isdir(cwd):
        # subprocess would report a missing cwd as a missing git
        raise GitError(f"{cwd}: no such directory")
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, capture_output=True, env=full_env, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed (not found on PATH)") from None
    run = GitRun(proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
        raise GitError(f"git {' '.join(args)}: {message}")
    return run


@cache
def git_version() -> tuple[int, int, int]:
    """The installed git's version, e.g. (2, 39, 5)."""
    text = git("--version").out
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if found is None:
        raise GitError(f"cannot read the git version from {text!r}")
    return int(found[1]), int(found[2]), int(found[3] or 0)


def supports_label_placeholders() -> bool:
    return git_version()[:2] >= LABEL_PLACEHOLDERS_SINCE


def repo_root(start: Path | str = ".") -> Path:
    """The top of the work tree containing ``start``."""
    return Path(git("rev-parse", "--show-toplevel", cwd=start).out)


def git_dir(start: Path | str = ".") -> Path | None:
    """This work tree's git directory (per worktree), or None outside a repository."""
    run = git("rev-parse", "--absolute-git-dir", cwd=start, check=False)
    return Path(run.out) if run.returncode == 0 and run.out else None


def driver_git_dir(cwd: Path, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The git directory without a git process where git makes it plain
    (``driver_log.plain_git_dir``: at the top of the work tree, where git runs the merge
    driver). Elsewhere ``git rev-parse`` answers."""
    plain = plain_git_dir(str(cwd), environ)
    return Path(plain) if plain is not None else git_dir(cwd)
