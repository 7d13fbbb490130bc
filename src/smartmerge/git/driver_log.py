"""The driver's one-line-per-merge log under the git directory (``smartmerge/driver.log``).

Standard library ``os`` and ``time`` only: the driver with ``SMARTMERGE=0``
(off_switch.py) writes its line too, and must start as fast as ``git merge-file``.
review.py and ``smartmerge doctor`` read the same file.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # typing and collections.abc cost start-up; mypy reads the name as true
if TYPE_CHECKING:
    from collections.abc import Mapping

# relative to the git directory
DRIVER_LOG_PARTS = ("smartmerge", "driver.log")
# past this size the log keeps only its newer half: it is a trace, not an archive
DRIVER_LOG_MAX_BYTES = 256 * 1024


def plain_git_dir(cwd: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The git directory where git makes it plain, without a git process: git runs the
    merge driver at the top of the work tree, where ``.git`` is the directory or (a
    linked worktree, a submodule) a file naming it; ``GIT_DIR`` when git set it. None
    elsewhere (gitcmd.driver_git_dir then asks ``git rev-parse``)."""
    if environ.get("GIT_DIR"):
        return os.path.join(cwd, environ["GIT_DIR"])
    dot_git = os.path.join(cwd, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as handle:
            pointer = handle.read().strip()
    except OSError:
        return None
    return os.path.join(cwd, pointer.removeprefix("gitdir: ")) if pointer.startswith("gitdir: ") else None


def log_line(path: str, method: str, outcome: str, resolved: int, elapsed: float, reason: str) -> str:
    """One merge as the log keeps it (tab-separated; review and doctor read it)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}\t{path}\t{method}\t{outcome}\tresolved={resolved}\t{elapsed * 1e3:.0f}ms\t{reason}"


def append_log(git_dir: str | os.PathLike[str], line: str) -> None:
    """Append one line to the driver log, halving the log when it grows too big."""
    log_path = os.path.join(git_dir, *DRIVER_LOG_PARTS)
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    try:
        size = os.stat(log_path).st_size
    except FileNotFoundError:
        size = 0
    if size > DRIVER_LOG_MAX_BYTES:
        with open(log_path, "rb") as handle:
            kept = handle.read()[DRIVER_LOG_MAX_BYTES // 2 :]
        with open(log_path, "wb") as handle:
            handle.write(kept.split(b"\n", 1)[-1])
    with open(log_path, "a", encoding="utf-8") as handle:
        handle.write(line.rstrip("\n") + "\n")
