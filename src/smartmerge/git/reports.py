"""The ``--json`` answers of ``solve``, ``review`` and ``replay`` (schema: ``docs/json.md``).

Each command keeps its own data types; this module only turns them into the one
versioned document of :mod:`smartmerge.reporting`.
"""

from __future__ import annotations

from typing import Any

from smartmerge import reporting
from smartmerge.git import replay
from smartmerge.git.replay import ReplayReport
from smartmerge.git.review import ReviewRecord
from smartmerge.git.solve import SolveOutcome


def solve_entry(outcome: SolveOutcome, marker_size: int) -> dict[str, Any]:
    """One solved (or still conflicted) file."""
    by_tests = outcome.ranking is not None and outcome.ranking.chosen is not None
    status = "merged" if outcome.clean else "conflict"
    by = "tests" if by_tests else ("smartmerge" if outcome.clean else None)
    # a file the tests resolved has no conflicts left, whatever the merge said
    result = None if by_tests else outcome.result
    entry = reporting.file_json(
        str(outcome.file), status, by, result, marker_size, outcome.base,
        source=outcome.source, message=outcome.message,
    )
    if by_tests and outcome.ranking is not None:
        entry["ranking"] = outcome.ranking.report()
    return entry


def error_entry(path: str, message: str) -> dict[str, Any]:
    """A file a command could not handle at all."""
    return {"path": path, "status": "error", "by": None, "method": None, "reason": message, "conflicts": []}


def review_entry(record: ReviewRecord, marker_size: int) -> dict[str, Any]:
    """A file the driver resolved: the conflicts git's line merge would have left, each
    of which smartmerge resolved (``resolved``: true)."""
    conflicts = []
    for conflict in reporting.conflict_records(record.line_merged, marker_size, base=record.base):
        data = conflict.to_json()
        data["resolved"] = True
        conflicts.append(data)
    return {
        "path": record.path,
        "status": "merged",
        "by": "tests" if record.ranking else "smartmerge",
        "method": None,
        "reason": "",
        "conflicts": conflicts,
        "resolved": record.resolved,
        "recorded_at": record.recorded_at,
        "ranking": record.ranking,
    }


def replay_document(report: ReplayReport) -> dict[str, Any]:
    """Every replayed file: smartmerge's outcome and git's, and whether each equals the
    committed merge. Replay keeps no texts, so ``conflicts`` are empty."""
    files: list[dict[str, Any]] = []
    for f in report.files:
        status = "error" if f.smart_crash else "merged" if f.smart_clean else "conflict"
        files.append({
            "path": f.path,
            "status": status,
            "by": ("git" if f.git_clean else "smartmerge") if f.smart_clean else None,
            "method": f.smart_method,
            "reason": f.smart_crash,
            "conflicts": [],
            "commit": f.commit,
            "known_language": f.python,
            "equal_to_committed": f.smart_equal,
            "git": {"clean": f.git_clean, "equal_to_committed": f.git_equal, "seconds": f.git_seconds},
            "seconds": f.smart_seconds,
            # better / worse / same than git merge-file, judged by what was committed
            "verdict": replay.verdict(f),
        })
    return reporting.document(
        "replay", files, repo=report.repo, merges=report.merges, skipped=report.skipped,
        wall_seconds=report.wall_seconds,
    )
