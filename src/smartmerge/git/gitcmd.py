"""Plain ``git`` subprocesses: the one place that spawns git for the git edge.

GitPython has no worktree API and each call would spawn git anyway; running git
directly keeps the exact command in the error message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache

from smartmerge.errors import SmartmergeError
from smartmerge.git.driver_log import plain_git_dir
from smartmerge.records import record

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from pathlib import Path

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
    import subprocess  # imported here: a driver call runs git through line_merge, without it

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
    from pathlib import Path  # imported here: the driver's path (driver_git_dir) works in str

    return Path(git("rev-parse", "--show-toplevel", cwd=start).out)


def git_dir(start: Path | str = ".") -> Path | None:
    """This work tree's git directory (per worktree), or None outside a repository."""
    from pathlib import Path  # imported here: the driver's path (driver_git_dir) works in str

    found = _absolute_git_dir(start)
    return Path(found) if found is not None else None


def _absolute_git_dir(start: Path | str) -> str | None:
    run = git("rev-parse", "--absolute-git-dir", cwd=start, check=False)
    return run.out if run.returncode == 0 and run.out else None


def driver_git_dir(cwd: str | Path, environ: Mapping[str, str] = os.environ) -> str | None:
    """The git directory without a git process where git makes it plain
    (``driver_log.plain_git_dir``: at the top of the work tree, where git runs the merge
    driver). Elsewhere ``git rev-parse`` answers. A str: the driver imports no pathlib."""
    plain = plain_git_dir(os.fspath(cwd), environ)
    return plain if plain is not None else _absolute_git_dir(cwd)
