"""What the driver resolved that a line merge would have left conflicted, kept for review.

At driver time git hands over all three versions; the record keeps them with both
merges under ``<git dir>/smartmerge/review/<quoted path>/`` so that
``smartmerge review FILE`` can show the resolutions next to git's line merge long
after git has deleted its temporary files.
"""

from __future__ import annotations

import difflib
import json
import os
import time
from contextlib import suppress

from smartmerge.git.driver_log import DRIVER_LOG_MAX_BYTES, DRIVER_LOG_PARTS, append_log
from smartmerge.records import record

__all__ = [
    "DRIVER_LOG", "DRIVER_LOG_MAX_BYTES", "REVIEW_DIR", "ReviewRecord", "append_log", "clear", "load", "recorded_paths",
    "render", "save",
]

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from os import PathLike

    # a git directory: a str from the driver (pathlib costs start-up), a Path from cli.py
    StrPath = str | PathLike[str]

# relative to the git directory (str: the driver saves records without pathlib)
REVIEW_DIR = os.path.join("smartmerge", "review")
# the driver's one-line-per-merge log (driver_log.py), also read by `smartmerge doctor`
DRIVER_LOG = os.path.join(*DRIVER_LOG_PARTS)
# what urllib.parse.quote(path, safe="") leaves as it is (its import costs the driver start-up)
_UNQUOTED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")

_PARTS = ("base", "left", "right", "merged", "line_merged")


@record
class ReviewRecord:
    path: str
    base: bytes
    left: bytes
    right: bytes
    merged: bytes
    line_merged: bytes
    resolved: int
    recorded_at: float
    # when tests chose the resolution (`smartmerge solve --rank-by`): the ranking report;
    # such a resolution may drop one side's version of a symbol, which only tests justify
    ranking: str = ""


def folder_name(path: str) -> str:
    """A repository path as one folder name: ``urllib.parse.quote(path, safe="")``."""
    return "".join(chr(byte) if byte in _UNQUOTED else f"%{byte:02X}" for byte in path.encode("utf-8"))


def _folder(git_dir: StrPath, path: str) -> str:
    return os.path.join(git_dir, REVIEW_DIR, folder_name(path))


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def save(git_dir: StrPath, record: ReviewRecord) -> None:
    folder = _folder(git_dir, record.path)
    os.makedirs(folder, exist_ok=True)
    for part in _PARTS:
        _write(os.path.join(folder, part), getattr(record, part))
    meta = {"path": record.path, "resolved": record.resolved, "recorded_at": record.recorded_at}
    _write(os.path.join(folder, "meta.json"), json.dumps(meta).encode("utf-8"))
    ranking = os.path.join(folder, "ranking.txt")
    if record.ranking:
        with open(ranking, "w", encoding="utf-8") as handle:
            handle.write(record.ranking)
    else:
        with suppress(FileNotFoundError):
            os.unlink(ranking)  # a later driver merge replaces a ranked record


def load(git_dir: StrPath, path: str) -> ReviewRecord | None:
    folder = _folder(git_dir, path)
    try:
        meta = json.loads(_read(os.path.join(folder, "meta.json")).decode("utf-8"))
        parts = {part: _read(os.path.join(folder, part)) for part in _PARTS}
    except (OSError, ValueError):
        return None
    try:
        with open(os.path.join(folder, "ranking.txt"), encoding="utf-8") as handle:
            ranking = handle.read()
    except OSError:
        ranking = ""  # records of the driver (and of older versions) have none
    return ReviewRecord(
        path=str(meta["path"]),
        resolved=int(meta["resolved"]),
        recorded_at=float(meta["recorded_at"]),
        ranking=ranking,
        **parts,
    )


def recorded_paths(git_dir: StrPath) -> list[str]:
    from urllib.parse import unquote  # imported here: only the review command reads the names back

    root = os.path.join(git_dir, REVIEW_DIR)
    if not os.path.isdir(root):
        return []
    return sorted(
        unquote(name) for name in os.listdir(root) if os.path.isfile(os.path.join(root, name, "meta.json"))
    )


def clear(git_dir: StrPath) -> int:
    """Delete every record; return how many there were."""
    import shutil  # imported here: the driver saves records, only the review command clears them

    count = len(recorded_paths(git_dir))
    shutil.rmtree(os.path.join(git_dir, REVIEW_DIR), ignore_errors=True)
    return count


def render(record: ReviewRecord) -> str:
    """The resolutions as a diff from git's line merge to what smartmerge wrote."""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.recorded_at))
    header = (
        f"smartmerge resolved {record.resolved} conflict(s) in {record.path} ({when}) "
        "that git's line merge left conflicted.\n"
        "Lines with '-' are git's line merge (with its conflict markers), "
        "lines with '+' are what smartmerge wrote instead.\n"
    )
    if record.ranking:
        header += (
            "The project's tests chose this resolution (smartmerge solve --rank-by); it may drop "
            "one side's version of a symbol:\n" + record.ranking
        )
    line_merged = record.line_merged.decode("utf-8", "replace").splitlines(keepends=True)
    merged = record.merged.decode("utf-8", "replace").splitlines(keepends=True)
    diff = difflib.unified_diff(
        line_merged, merged, fromfile=f"git line merge: {record.path}", tofile=f"smartmerge: {record.path}"
    )
    body = "".join(line if line.endswith("\n") else line + "\n" for line in diff)
    return header + "\n" + body
