"""A runner merge whose file contents are merged in the runner's own process.

``git merge`` with the smartmerge driver starts one Python process per file that both
sides changed, one after another: with the lean driver that is still about 0.2 s a
file, most of it start-up. Here git still does the tree-level merge (renames, adds,
deletes, modes: everything but the text of a file), with ``false`` as the smartmerge
driver, so every file the driver would have been given is left unmerged with its
index stages (1 base, 2 ours, 3 theirs; no 1 for a file both sides added). Their
blobs are read with one ``git cat-file --batch`` and merged with ``merge_texts``
exactly as the driver line asks for (``base``/``left``/``right`` labels, diff3, the
path's ``conflict-marker-size``, the default time limit). A clean result is staged the
way git stages a clean driver result (the blob as it is, git's mode rule, the file
checked out); a conflict is written into the file as the driver writes it and stays
unmerged, and the caller's ranking or abort goes on as after ``git merge``.

The outcome must be the driver path's, so a merge this path cannot reproduce
exactly is handed back (None) after ``git merge --abort``, and the caller merges
through the driver:

- several merge bases (git first merges them into a virtual base, calling the
  driver for that too);
- a conflict git reports that is not the content conflict of one file (modify/delete,
  rename/rename, a file/directory clash, ...), or a file whose stages are not two or
  three regular files, or whose modes clash;
- any git step failing on the way (the merge itself, a commit a hook refuses).

Files whose ``merge`` attribute names another driver (the repository's own
``.gitattributes``) were merged by git with that driver on both paths: they are left
as git left them.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

from smartmerge.options import DEFAULT_MARKER_SIZE
from smartmerge.runner import gitops

log = logging.getLogger(__name__)

# the only conflicts git reports for a file whose merge driver failed (the driver is
# ``false`` here): two versions of one file's text, with or without a base
_CONTENT_CONFLICT = re.compile(r"CONFLICT \((?:content|add/add)\): Merge conflict in (.+)")
_REGULAR = ("100644", "100755")


@dataclass(frozen=True)
class _Stage:
    mode: str
    oid: str


@dataclass(frozen=True)
class _Unmerged:
    """One file git left unmerged: its index stages (1 absent for an add/add)."""

    path: str
    base: _Stage | None
    ours: _Stage
    theirs: _Stage

    def merged_mode(self) -> str | None:
        """The result's mode by git's rule (merge-ort's ``handle_content_merge``), None
        when the modes clash (git then leaves the file unmerged whatever the text)."""
        base_mode = self.base.mode if self.base else None
        if self.ours.mode == self.theirs.mode or self.ours.mode == base_mode:
            return self.theirs.mode
        return self.ours.mode if self.theirs.mode == base_mode else None


@dataclass(frozen=True)
class _Merged:
    """One file merged here: its text, and whether the merge is clean."""

    path: str
    text: bytes | None  # None: the driver would have refused (binary), ours stays in place
    clean: bool


def merge_in_process(
    worktree: Path, home: Path, rev: str, message: str, resolve: gitops.Resolver | None
) -> gitops.MergeAttempt | None:
    """Merge ``rev`` into the worktree's HEAD as ``gitops.merge_with_driver`` would; None
    when this path cannot tell that outcome (the worktree is then back at HEAD)."""
    bases = gitops.git(worktree, "merge-base", "--all", "HEAD", rev, check=False)
    if len(bases.stdout.split()) != 1:
        return None
    env = dict(os.environ, LC_ALL="C")  # git's conflict messages are read below
    result = gitops.git(
        worktree, *gitops.RUNNER_IDENTITY, *gitops.merge_driver_config(home, driver="false"),
        "merge", "--no-ff", "--no-edit", "-q", "-m", message, rev, check=False, env=env,
    )
    if result.ok:
        return gitops.MergeAttempt(clean=True)
    unmerged = _unmerged_content(worktree, result.stdout + result.stderr)
    if unmerged is None:
        _abort(worktree)
        return None
    attributes = _attributes(worktree, home, [u.path for u in unmerged])
    ours_to_merge = [u for u in unmerged if attributes.get((u.path, "merge")) == gitops.DRIVER]
    merged = _merge_files(worktree, ours_to_merge, attributes)
    clean = [m for m in merged if m.clean]
    # each text into its file, as the driver writes %A: a conflict stays there as git leaves
    # it, a clean result is what _stage hashes (conflicts first, then clean results, each in
    # merge order; a refused file has no text and keeps ours)
    for m in sorted(merged, key=lambda m: m.clean):
        if m.text is not None:
            (worktree / m.path).write_bytes(m.text)
    _stage(worktree, clean, {u.path: u for u in unmerged})
    settled = {m.path for m in clean}
    files = tuple(u.path for u in unmerged if u.path not in settled)
    if not files:
        # (no auto maintenance after each of the run's many integration commits: it is one more
        # git process each time; the user's next git command in the repository still runs it)
        if gitops.git(worktree, *gitops.RUNNER_IDENTITY, "-c", "maintenance.auto=false", "commit", "-q", "-m", message,
                      check=False).ok:
            return gitops.MergeAttempt(clean=True)
        _abort(worktree)
        return None
    if settled:
        _list_conflicts(worktree, settled)
    detail = "\n".join(
        line for line in (result.stdout + result.stderr).strip().splitlines()
        if not ((found := _CONTENT_CONFLICT.fullmatch(line)) and found[1] in settled)
    )
    return gitops.settle_conflicts(worktree, files, detail, resolve, abort=_abort)


def _abort(worktree: Path) -> None:
    """Back to HEAD with no merge in progress. The worktree is the runner's own scratch
    (integration or start merge), so when ``merge --abort`` refuses, a hard reset is safe."""
    if not gitops.git(worktree, "merge", "--abort", check=False).ok:
        gitops.git(worktree, "reset", "-q", "--hard", "HEAD")


def _unmerged_content(worktree: Path, output: str) -> list[_Unmerged] | None:
    """The unmerged files, when every conflict git reported is the content conflict of one
    file with two or three regular-file stages whose modes agree; else None."""
    reported: list[str] = []
    for line in output.splitlines():
        if line.startswith("CONFLICT"):
            found = _CONTENT_CONFLICT.fullmatch(line)
            if found is None:
                return None
            reported.append(found[1])
    # imported here: git/solve.py imports the engine, which only a merge that needs it loads
    from smartmerge.git.solve import index_stages

    listing = gitops.git_bytes(worktree, "ls-files", "-u", "-z")
    stages = {
        path: {n: _Stage(mode, oid) for n, (mode, oid) in by_stage.items()}
        for path, by_stage in index_stages(listing).items()
    }
    if not stages or sorted(reported) != sorted(stages) or any("\n" in path for path in stages):
        return None
    unmerged = []
    for path, by_stage in stages.items():
        if 2 not in by_stage or 3 not in by_stage or any(s.mode not in _REGULAR for s in by_stage.values()):
            return None
        file = _Unmerged(path, by_stage.get(1), by_stage[2], by_stage[3])
        if file.merged_mode() is None:
            return None
        unmerged.append(file)
    return unmerged


def _attributes(worktree: Path, home: Path, paths: list[str]) -> dict[tuple[str, str], str]:
    """(path, attribute) -> value of ``merge`` and ``conflict-marker-size``, as git
    (with the runner's attributes file) reads them in the worktree."""
    out = gitops.git_bytes(
        worktree, *gitops.merge_driver_config(home), "check-attr", "-z", "--stdin", "merge", "conflict-marker-size",
        stdin=b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths),
    )
    fields = [f.decode("utf-8", "surrogateescape") for f in out.split(b"\0")]
    return {(fields[i], fields[i + 1]): fields[i + 2] for i in range(0, len(fields) - 2, 3)}


def _marker_size(value: str | None) -> int:
    """git's reading of ``conflict-marker-size``: its leading number, if positive."""
    found = re.match(r"[+-]?\d+", value or "")
    size = int(found[0]) if found else 0
    # git's conflict-marker-size when the attribute gives none (or no positive number)
    return size if size > 0 else DEFAULT_MARKER_SIZE


def _merge_files(worktree: Path, unmerged: list[_Unmerged], attributes: dict[tuple[str, str], str]) -> list[_Merged]:
    if not unmerged:
        return []
    # imported here: only a merge that needs it loads the engine
    from smartmerge.git.driver import is_binary
    from smartmerge.options import MergeOptions
    from smartmerge.pipeline import merge_texts

    blobs = _read_blobs(worktree, {s.oid for u in unmerged for s in (u.base, u.ours, u.theirs) if s})
    merged = []
    for u in unmerged:
        base = blobs[u.base.oid] if u.base else b""
        ours, theirs = blobs[u.ours.oid], blobs[u.theirs.oid]
        if any(is_binary(data) for data in (base, ours, theirs)):
            # the driver refuses binary files (exit 2): git keeps ours in place, unmerged
            merged.append(_Merged(u.path, None, False))
            continue
        # the driver line's options: -p %P -l %L, everything else the merge command's defaults
        options = MergeOptions(marker_size=_marker_size(attributes.get((u.path, "conflict-marker-size"))))
        try:
            result = merge_texts(base, ours, theirs, path=u.path, options=options)
        except Exception:  # a crashing driver process is a conflict for git, ours left in place: the same here
            log.exception("merging %s failed; it stays unmerged", u.path)
            merged.append(_Merged(u.path, None, False))
            continue
        log.debug("merged %s in process: %s (%s)", u.path, "clean" if result.clean else "conflict", result.reason)
        merged.append(_Merged(u.path, result.text, result.clean))
    return merged


def _read_blobs(worktree: Path, oids: set[str]) -> dict[str, bytes]:
    """The blobs' contents, read by one ``git cat-file --batch``."""
    order = sorted(oids)
    out = gitops.git_bytes(worktree, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid in order).encode())
    blobs: dict[str, bytes] = {}
    at = 0
    for oid in order:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise gitops.GitError(f"git cat-file --batch: {oid} is not a blob ({out[at:end].decode(errors='replace')})")
        size = int(header[2])
        blobs[oid] = out[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return blobs


def _stage(worktree: Path, clean: list[_Merged], unmerged: dict[str, _Unmerged]) -> None:
    """Stage clean results as git stages a clean driver result: the text (already in the
    file) as the blob (no filters: it is already the repository's form), git's mode, the
    file checked out."""
    if not clean:
        return
    oids = gitops.git_bytes(
        worktree, "hash-object", "-w", "--no-filters", "--stdin-paths",
        stdin="".join(f"{m.path}\n" for m in clean).encode("utf-8", "surrogateescape"),
    ).split()
    entries = b"".join(
        f"{unmerged[m.path].merged_mode()} {oid.decode()}\t{m.path}".encode("utf-8", "surrogateescape") + b"\0"
        for m, oid in zip(clean, oids, strict=True)
    )
    # a stage-0 entry replaces the path's unmerged stages
    gitops.git_bytes(worktree, "update-index", "-z", "--index-info", stdin=entries)
    gitops.git_bytes(worktree, "checkout-index", "-f", "-q", "-u", "-z", "--stdin",
                     stdin=b"".join(m.path.encode("utf-8", "surrogateescape") + b"\0" for m in clean))


def _list_conflicts(worktree: Path, settled: set[str]) -> None:
    """Leave out of MERGE_MSG's "# Conflicts:" list the files merged here, which the
    driver would have merged (git lists what is left unmerged)."""
    message = Path(gitops.git(worktree, "rev-parse", "--git-path", "MERGE_MSG").stdout.strip())
    path = message if message.is_absolute() else worktree / message
    lines = path.read_text(encoding="utf-8", errors="surrogateescape").splitlines(keepends=True)
    kept = [line for line in lines if not (line.startswith("#\t") and line[2:].rstrip("\n") in settled)]
    path.write_text("".join(kept), encoding="utf-8", errors="surrogateescape")
