"""What the driver resolved that a line merge would have left conflicted, kept for review.

At driver time git hands over all three versions; the record keeps them with both
merges under ``<git dir>/smartmerge/review/<quoted path>/`` so that
``smartmerge review FILE`` can show the resolutions next to git's line merge long
after git has deleted its temporary files.
"""

from __future__ import annotations

import difflib
import json
import shutil
import time
from pathlib import Path
from urllib.parse import quote, unquote

from smartmerge.git.driver_log import DRIVER_LOG_MAX_BYTES, DRIVER_LOG_PARTS, append_log
from smartmerge.records import record

__all__ = [
    "DRIVER_LOG", "DRIVER_LOG_MAX_BYTES", "REVIEW_DIR", "ReviewRecord", "append_log", "clear", "load", "recorded_paths",
    "render", "save",
]

REVIEW_DIR = Path("smartmerge") / "review"
# the driver's one-line-per-merge log (driver_log.py), also read by `smartmerge doctor`
DRIVER_LOG = Path(*DRIVER_LOG_PARTS)

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


def _folder(git_dir: Path, path: str) -> Path:
    return git_dir / REVIEW_DIR / quote(path, safe="")


def save(git_dir: Path, record: ReviewRecord) -> None:
    folder = _folder(git_dir, record.path)
    folder.mkdir(parents=True, exist_ok=True)
    for part in _PARTS:
        (folder / part).write_bytes(getattr(record, part))
    meta = {"path": record.path, "resolved": record.resolved, "recorded_at": record.recorded_at}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    ranking = folder / "ranking.txt"
    if record.ranking:
        ranking.write_text(record.ranking, encoding="utf-8")
    else:
        ranking.unlink(missing_ok=True)  # a later driver merge replaces a ranked record


def load(git_dir: Path, path: str) -> ReviewRecord | None:
    folder = _folder(git_dir, path)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        parts = {part: (folder / part).read_bytes() for part in _PARTS}
    except (OSError, ValueError):
        return None
    try:
        ranking = (folder / "ranking.txt").read_text(encoding="utf-8")
    except OSError:
        ranking = ""  # records of the driver (and of older versions) have none
    return ReviewRecord(
        path=str(meta["path"]),
        resolved=int(meta["resolved"]),
        recorded_at=float(meta["recorded_at"]),
        ranking=ranking,
        **parts,
    )


def recorded_paths(git_dir: Path) -> list[str]:
    root = git_dir / REVIEW_DIR
    if not root.is_dir():
        return []
    return sorted(unquote(child.name) for child in root.iterdir() if (child / "meta.json").is_file())


def clear(git_dir: Path) -> int:
    """Delete every record; return how many there were."""
    count = len(recorded_paths(git_dir))
    shutil.rmtree(git_dir / REVIEW_DIR, ignore_errors=True)
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
