"""``smartmerge solve FILE``: re-merge a file that git left conflicted.

The three versions come from the index stages (1 base, 2 ours, 3 theirs) while
git still has them, or else from the diff3 conflict markers in the file itself
(``git checkout --conflict=diff3 FILE`` writes those).

With a ranking request (``--rank-by CMD``) a file whose conflicts remain is handed
to the ranking: its candidate resolutions run the project's tests in throwaway
copies of the work tree (which, after git stopped, holds the rest of the merge),
and a candidate the tests chose is written and recorded for ``smartmerge review``.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from smartmerge.errors import InputError
from smartmerge.git import review
from smartmerge.git.gitcmd import git
from smartmerge.git.gitcmd import git_dir as find_git_dir
from smartmerge.git.output import write_result
from smartmerge.options import MergeOptions
from smartmerge.pipeline import merge_texts
from smartmerge.ranking import DEFAULT_PARALLEL, DEFAULT_RANK_TIMEOUT, MAX_CANDIDATES
from smartmerge.result import MergeResult

if TYPE_CHECKING:
    from smartmerge.ranking.resolving import Ranking

BACKUP_SUFFIX = ".orig"

_OPEN = re.compile(rb"^(<{7,})(?: (.*?))?\r?\n?$")


@dataclass(frozen=True)
class Revisions:
    base: bytes
    left: bytes
    right: bytes
    source: str
    left_label: str = "ours"
    right_label: str = "theirs"


@dataclass(frozen=True)
class SolveOutcome:
    file: Path
    clean: bool
    source: str
    backup: Path | None
    message: str
    # the ranking by tests, when one was asked for and the merge left conflicts
    ranking: Ranking | None = None
    # the merge and its base, for the conflicts as data (``solve --json``)
    result: MergeResult | None = None
    base: bytes | None = None


@dataclass(frozen=True)
class RankRequest:
    """``solve --rank-by CMD``: let the project's tests choose among the candidates."""

    command: str
    timeout: float = DEFAULT_RANK_TIMEOUT
    max_candidates: int = MAX_CANDIDATES
    parallel: int = DEFAULT_PARALLEL


def _repo_path(file: Path) -> tuple[Path, str] | None:
    run = git("rev-parse", "--show-toplevel", cwd=file.parent, check=False)
    if run.returncode != 0:
        return None
    root = Path(run.out)
    return root, file.resolve().relative_to(root.resolve()).as_posix()


def index_stages(listing: bytes) -> dict[str, dict[int, tuple[str, str]]]:
    """``git ls-files -u -z`` output read: path -> stage number (1 base, 2 ours, 3 theirs;
    1 absent for an add/add) -> (mode, blob id), paths and stages in git's (index) order."""
    stages: dict[str, dict[int, tuple[str, str]]] = {}
    for entry in filter(None, listing.split(b"\0")):
        info, _, raw_path = entry.partition(b"\t")
        mode, oid, stage = info.decode().split()
        stages.setdefault(raw_path.decode("utf-8", "surrogateescape"), {})[int(stage)] = (mode, oid)
    return stages


def from_index(root: Path, path: str) -> Revisions | None:
    """Stages 1/2/3 of an unmerged path, or None when git holds no stages for it."""
    listing = git("ls-files", "-u", "-z", "--", path, cwd=root).stdout
    # stage -> blob id over every path the pathspec matched (one, for a plain path), a later
    # entry winning as it did when the listing was read entry by entry (git groups by path)
    stages = {n: sha for by_stage in index_stages(listing).values() for n, (_, sha) in by_stage.items()}
    if 2 not in stages or 3 not in stages:
        return None
    blob = {n: git("cat-file", "blob", sha, cwd=root).stdout for n, sha in stages.items()}
    return Revisions(blob.get(1, b""), blob[2], blob[3], "index stages 1/2/3")


def from_markers(text: bytes) -> Revisions:
    """Undo diff3 markers: each side's text is the shared text plus its own sections."""
    base: list[bytes] = []
    left: list[bytes] = []
    right: list[bytes] = []
    labels: list[str] = []
    section: str | None = None
    size = 0
    found = False
    for line in text.splitlines(keepends=True):
        bare = line.rstrip(b"\r\n")
        opening = _OPEN.match(line) if section is None else None
        if opening:
            section, size, found = "left", len(opening[1]), True
            if not labels:
                labels.append((opening[2] or b"").decode("utf-8", "replace"))
        elif section == "left" and bare.startswith(b"|" * size) and bare[size : size + 1] in (b"", b" "):
            section = "base"
        elif section == "left" and bare == b"=" * size:
            raise InputError("the conflict has no base section (||||||| ...); run: git checkout --conflict=diff3 FILE")
        elif section == "base" and bare == b"=" * size:
            section = "right"
        elif section == "right" and bare.startswith(b">" * size) and bare[size : size + 1] in (b"", b" "):
            section = None
            if len(labels) == 1:
                labels.append(bare[size + 1 :].decode("utf-8", "replace"))
        elif section is None:
            base.append(line)
            left.append(line)
            right.append(line)
        else:
            {"left": left, "base": base, "right": right}[section].append(line)
    if section is not None:
        raise InputError("a conflict is not closed (no >>>>>>> line)")
    if not found:
        raise InputError("no conflict markers and no index stages: nothing to solve")
    return Revisions(b"".join(base), b"".join(left), b"".join(right), "conflict markers in the file",
                     labels[0] or "ours", labels[1] if len(labels) > 1 and labels[1] else "theirs")


def _is_test_file(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def added_test_files(root: Path) -> tuple[str, ...]:
    """Test files that either side of the merge in progress added (paths in the repository).

    Only while git has ``MERGE_HEAD``: the sides are ``HEAD`` and ``MERGE_HEAD`` and the
    base their merge base. Other operations (rebase, cherry-pick) give none.
    """
    merge_head = git("rev-parse", "-q", "--verify", "MERGE_HEAD", cwd=root, check=False)
    if merge_head.returncode != 0:
        return ()
    base = git("merge-base", "HEAD", merge_head.out, cwd=root, check=False)
    if base.returncode != 0:
        return ()
    added: set[str] = set()
    for side in ("HEAD", merge_head.out):
        names = git("diff", "--name-only", "--diff-filter=A", "-z", base.out, side, cwd=root, check=False)
        added.update(name for name in names.stdout.decode("utf-8", "replace").split("\0") if name and _is_test_file(name))
    return tuple(sorted(added))


def _rank(
    file: Path, located: tuple[Path, str] | None, revisions: Revisions, options: MergeOptions, request: RankRequest
) -> Ranking:
    # imported here: the merge driver loads this module and never ranks
    from smartmerge.ranking.resolving import rank_file
    from smartmerge.ranking.running import RunSettings

    # the project is the work tree git stopped in; outside a repository, the file's folder
    project, path = located if located else (file.parent, file.name)
    settings = RunSettings(
        command=request.command,
        timeout=request.timeout,
        parallel=request.parallel,
        added_tests=added_test_files(project) if located else (),
    )
    return rank_file(
        project, path, revisions.base, revisions.left, revisions.right, settings,
        max_candidates=request.max_candidates, options=options,
    )


def _record_ranking(root: Path, path: str, revisions: Revisions, ranking: Ranking, conflicts: int) -> None:
    """Keep the tests' choice for `smartmerge review`, next to git's line merge."""
    git_dir = find_git_dir(root)
    if git_dir is None or ranking.text is None:
        return
    line = merge_texts(revisions.base, revisions.left, revisions.right, path=path, options=MergeOptions(line_merge=True))
    review.save(git_dir, review.ReviewRecord(
        path, revisions.base, revisions.left, revisions.right, ranking.text, line.text, conflicts, time.time(),
        ranking=ranking.report(),
    ))


def solve(
    file: Path, backup: bool = True, options: MergeOptions | None = None, rank: RankRequest | None = None
) -> SolveOutcome:
    """Re-merge one conflicted file in place; the outcome says whether conflicts remain."""
    try:
        current = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read: {exc.strerror}") from None
    located = _repo_path(file)
    revisions = from_index(*located) if located else None
    if revisions is None:
        revisions = from_markers(current)
    elif (found := from_markers_labels(current)) is not None:
        revisions = Revisions(revisions.base, revisions.left, revisions.right, revisions.source, *found)
    base_options = options or MergeOptions()
    merge_options = MergeOptions(
        base_label=base_options.base_label,
        left_label=revisions.left_label,
        right_label=revisions.right_label,
        marker_size=base_options.marker_size,
        timeout=base_options.timeout,
        language=base_options.language,
        line_merge=base_options.line_merge,
    )
    path = located[1] if located else file.name
    result = merge_texts(revisions.base, revisions.left, revisions.right, path=path, options=merge_options)
    ranking = None
    text, clean = result.text, result.clean
    if rank is not None and not result.clean:
        ranking = _rank(file, located, revisions, merge_options, rank)
        if ranking.text is not None:
            # the exit-0 exception: a candidate may drop one side's version of a
            # symbol, and counts as resolved only because the tests chose it
            text, clean = ranking.text, True
            if located:
                _record_ranking(located[0], path, revisions, ranking, len(result.conflicts))
    backup_path = None
    if backup:
        backup_path = file.with_name(file.name + BACKUP_SUFFIX)
        # a second solve must not replace the backup of the original conflict with its own output
        if not backup_path.exists():
            shutil.copy2(file, backup_path)
    write_result(file, text)
    if ranking is not None and ranking.chosen is not None:
        message = (
            f"{file}: the tests chose {ranking.chosen.candidate.name}; review with: smartmerge review {file}; "
            f"mark it resolved with: git add {file}"
        )
    elif result.clean:
        message = f"{file}: solved from {revisions.source} ({result.method.value} merge); mark it resolved with: git add {file}"
    else:
        message = f"{file}: conflicts remain after a {result.method.value} merge from {revisions.source}"
        if ranking is not None:
            message += f"; ranking by tests kept the conflict: {ranking.reason}"
    return SolveOutcome(file, clean, revisions.source, backup_path, message, ranking, result, revisions.base)


def from_markers_labels(text: bytes) -> tuple[str, str] | None:
    """The ours/theirs labels of the first conflict in the file, to write the same ones back."""
    lines = iter(text.splitlines())
    for line in lines:
        opening = _OPEN.match(line)
        if opening is None:
            continue
        size = len(opening[1])
        for later in lines:
            if later.startswith(b">" * size) and later[size : size + 1] == b" ":
                decode = (opening[2] or b"").decode("utf-8", "replace"), later[size + 1 :].decode("utf-8", "replace")
                return decode if all(decode) else None
        return None
    return None
