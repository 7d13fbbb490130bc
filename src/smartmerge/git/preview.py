"""``smartmerge preview BRANCH [--into REF]``: what merging BRANCH would do, file by file,
without touching HEAD, the index or the work tree.

Only plumbing reads the repository (``rev-parse``, ``merge-base``, ``diff-tree``,
``cat-file``); each file both sides changed is merged in-process by ``merge_texts``
from the blobs of the merge base and the two tips, which is what ``git merge`` does
with the driver installed. ``git merge-tree --write-tree`` (git 2.38+) was the other
way: on git 2.39 it does run the merge drivers configured in the attributes, so it
would run smartmerge once per file in a subprocess and let the driver write its
review records and log into the git directory; merging in-process touches nothing
and is faster.

Renames are not followed (``--no-renames``): a file one side renamed and the other
edited shows as a deletion against a change, which is where a person should look.
With several merge bases (criss-cross history) the first is used and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smartmerge import reporting
from smartmerge.errors import SmartmergeError
from smartmerge.git.claims import Claim, ClaimStore
from smartmerge.git.gitcmd import GitError, git
from smartmerge.merging.line_merge import line_merge
from smartmerge.options import MergeOptions
from smartmerge.pipeline import merge_texts
from smartmerge.result import MergeResult

# who merged a file, in the JSON's "by"
ONE_SIDE = "one_side"  # only one side changed it: git takes that side
GIT = "git"  # both changed it, git's line merge alone is clean
SMARTMERGE = "smartmerge"  # git's line merge conflicts, smartmerge's merge is clean


@dataclass(frozen=True)
class ClaimedChange:
    """A symbol one side of the merge changes while someone else claims it."""

    symbol: str
    side: str  # "left" (the merge's target) or "right" (BRANCH)
    claim: Claim

    def to_json(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "side": self.side, "claim": self.claim.to_json()}


@dataclass(frozen=True)
class FilePreview:
    path: str
    status: str  # "merged" or "conflict"
    by: str | None
    result: MergeResult | None = None
    base: bytes | None = None
    # one-side changes and file-level clashes say what happened here
    note: str = ""
    claimed: tuple[ClaimedChange, ...] = ()
    # a file-level clash (deleted on one side, changed on the other): its record
    file_conflict: reporting.ConflictRecord | None = None

    def to_json(self, marker_size: int) -> dict[str, Any]:
        entry = reporting.file_json(
            self.path, self.status, self.by, self.result, marker_size, self.base,
            note=self.note, claimed=[change.to_json() for change in self.claimed],
        )
        if self.file_conflict is not None:
            entry["conflicts"].append(self.file_conflict.to_json())
        return entry


@dataclass(frozen=True)
class Preview:
    branch: str
    into: str
    base: str
    left: str  # commit of --into (default HEAD)
    right: str  # commit of BRANCH
    files: tuple[FilePreview, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def clean(self) -> bool:
        return all(f.status == "merged" for f in self.files)

    def to_json(self, marker_size: int) -> dict[str, Any]:
        return reporting.document(
            "preview",
            [f.to_json(marker_size) for f in self.files],
            branch=self.branch, into=self.into,
            commits={"base": self.base, "left": self.left, "right": self.right},
            notes=list(self.notes),
        )


def _commit(repo: Path, ref: str) -> str:
    run = git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=repo, check=False)
    if run.returncode != 0 or not run.out:
        raise GitError(f"{ref}: no such branch or commit")
    return run.out


def _changes(repo: Path, old: str, new: str) -> dict[str, str]:
    """Path -> status letter (A, M, D, T) of what ``new`` changed relative to ``old``."""
    out = git("diff-tree", "-r", "--no-renames", "--name-status", "-z", old, new, cwd=repo).stdout
    fields = [f.decode("utf-8", "surrogateescape") for f in out.split(b"\0") if f]
    return {fields[i + 1]: fields[i] for i in range(0, len(fields) - 1, 2)}


def _blob(repo: Path, commit: str, path: str) -> bytes | None:
    run = git("cat-file", "blob", f"{commit}:{path}", cwd=repo, check=False)
    return run.stdout if run.returncode == 0 else None


def _claimed(path: str, base: bytes | None, sides: dict[str, bytes | None], claims: list[Claim]) -> tuple[ClaimedChange, ...]:
    """Changes of either side to symbols someone else claims in this file."""
    if not claims:
        return ()
    found: list[ClaimedChange] = []
    for side, text in sides.items():
        if text == base:
            continue
        if text is None or base is None:
            # the file is deleted or created on this side: every claim on it is touched
            found.extend(ClaimedChange(claim.symbol, side, claim) for claim in claims)
            continue
        changed = reporting.changed_symbols(base.decode("utf-8", "replace"), text.decode("utf-8", "replace"))
        if changed is None:
            # not Python (or not parsable): only a whole-file claim can be judged
            found.extend(ClaimedChange("", side, claim) for claim in claims if not claim.symbol)
            continue
        for claim in claims:
            if not claim.symbol:
                found.append(ClaimedChange("", side, claim))  # the whole file is claimed
                continue
            found.extend(ClaimedChange(name, side, claim) for name in sorted(changed) if claim.covers(path, name))
    return tuple(found)


def _merge_file(path: str, base: bytes | None, left: bytes | None, right: bytes | None, options: MergeOptions) -> FilePreview:
    if left is None or right is None:
        if left is None and right is None:
            return FilePreview(path, "merged", GIT, note="deleted on both sides")
        deleter, changer = ("left", "right") if left is None else ("right", "left")
        record = reporting.ConflictRecord(
            "", reporting.DELETE_AGAINST_CHANGE, 0, 0,
            (base or b"").decode("utf-8", "replace"),
            (left or b"").decode("utf-8", "replace"), (right or b"").decode("utf-8", "replace"),
            f"{deleter} deleted the file, {changer} changed it",
        )
        return FilePreview(path, "conflict", None, base=base, note=f"deleted on the {deleter}, changed on the {changer}", file_conflict=record)
    base_text = base or b""
    if left == right:
        return FilePreview(path, "merged", GIT, note="both sides made the same change")
    result = merge_texts(base_text, left, right, path=path, options=options)
    if not result.clean:
        return FilePreview(path, "conflict", None, result, base_text)
    git_clean = line_merge(base_text, left, right, options).conflicts == 0
    return FilePreview(path, "merged", GIT if git_clean else SMARTMERGE, result, base_text)


def preview(repo: Path, branch: str, into: str = "HEAD", options: MergeOptions | None = None, as_owner: str | None = None) -> Preview:
    """What merging ``branch`` into ``into`` would do; reads the repository, writes nothing.

    ``as_owner``: the claims of this owner are one's own and not reported.
    """
    options = options or MergeOptions(left_label=into, right_label=branch)
    left, right = _commit(repo, into), _commit(repo, branch)
    bases = git("merge-base", "--all", left, right, cwd=repo, check=False).out.split()
    if not bases:
        raise GitError(f"{into} and {branch} have no common ancestor")
    notes = []
    if len(bases) > 1:
        notes.append(f"{len(bases)} merge bases (criss-cross history): the first, {bases[0][:12]}, is used")
    base = bases[0]
    left_changes, right_changes = _changes(repo, base, left), _changes(repo, base, right)
    try:
        store: ClaimStore | None = ClaimStore.for_repo(repo)
    except SmartmergeError:
        store = None  # a bare repository: no work tree, no claims
    claims = [c for c in (store.active() if store else []) if c.owner != as_owner]
    files = []
    for path in sorted(left_changes.keys() | right_changes.keys()):
        mine = [c for c in claims if c.file == path]
        both = path in left_changes and path in right_changes
        # blobs only where a merge or a claim needs them: one git process per blob
        base_blob: bytes | None = None
        sides: dict[str, bytes | None] = {}
        if both or mine:
            base_blob = _blob(repo, base, path)
            sides = {"left": _blob(repo, left, path), "right": _blob(repo, right, path)}
        if both:
            entry = _merge_file(path, base_blob, sides["left"], sides["right"], options)
        else:
            side = "left" if path in left_changes else "right"
            change = (left_changes if side == "left" else right_changes)[path]
            what = {"A": "added", "D": "deleted", "M": "changed", "T": "changed type"}.get(change[:1], "changed")
            entry = FilePreview(path, "merged", ONE_SIDE, note=f"{what} on the {side} only")
        if mine:
            entry = FilePreview(
                entry.path, entry.status, entry.by, entry.result, entry.base, entry.note,
                _claimed(path, base_blob, sides, mine), entry.file_conflict,
            )
        files.append(entry)
    return Preview(branch, into, base, left, right, tuple(files), tuple(notes))


def format_preview(report: Preview, marker_size: int) -> str:
    """The preview for a person: one line per file, then each conflict and claimed change."""
    lines = [f"preview: merging {report.branch} into {report.into} (merge base {report.base[:12]})"]
    lines += [f"note: {note}" for note in report.notes]
    for entry in report.files:
        by = {ONE_SIDE: "one side", GIT: "git", SMARTMERGE: "smartmerge"}.get(entry.by or "", "")
        how = f" by {by}" if by else ""
        if entry.by == SMARTMERGE and entry.result is not None:
            how += f" ({entry.result.reason})"
        note = f" ({entry.note})" if entry.note else ""
        lines.append(f"{entry.status:<9} {entry.path}{how}{note}")
        records = list(reporting.result_records(entry.result, marker_size, entry.base)) if entry.result else []
        if entry.file_conflict is not None:
            records.append(entry.file_conflict)
        for record in records:
            where = f"lines {record.start_line}-{record.end_line}" if record.start_line else "whole file"
            lines.append(f"  conflict {record.kind} in {record.symbol or '<module>'} ({where}): {record.why}")
        for change in entry.claimed:
            lines.append(
                f"  claimed: {change.side} changes {change.symbol or 'the file'}, "
                f"claimed by {change.claim.owner} ({change.claim.target})"
            )
    conflicted = sum(f.status == "conflict" for f in report.files)
    lines.append(f"{len(report.files)} file(s), {conflicted} with conflicts" if report.files else "nothing to merge")
    return "\n".join(lines) + "\n"
