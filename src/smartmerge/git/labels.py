"""Conventional conflict labels and the user's conflict style, for the merge driver.

git 2.44 and newer expand ``%S %X %Y`` in the driver line; older gits pass them
through literally, and the markers would say ``left``/``right``, which reads
backwards in a rebase (there *left* is the branch being rebased onto). What git
does tell a driver is enough to write the labels git itself writes:

- ``git merge topic`` sets ``GITHEAD_<sha>=topic`` for the merged commit: the labels
  are ``HEAD``, ``topic`` and the merge base's short hash;
- a rebase (merge backend) has ``rebase-merge/done`` in the git directory, whose last
  line is the commit being replayed: ``HEAD``, ``<short> (<subject>)`` and
  ``parent of <short> (<subject>)``;
- anything else (cherry-pick, revert, stash): ``ours``, ``base``, ``theirs``.

``merge.conflictStyle`` (merge, diff3, zdiff3) chooses the markers, as for git's own
merges.

Finding them takes up to three git processes, and only a conflict (or a resolution kept
for review, which holds git's own conflicted merge) shows them: the driver merges with
stand-in labels and diff3 markers (``stand_in_options``) and asks ``driver_options``
only then; ``with_labels`` puts the real labels in place of the stand-ins.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from smartmerge.git.driver import label_or_default
from smartmerge.git.gitcmd import driver_git_dir, git
from smartmerge.options import CONFLICT_STYLES, MergeOptions
from smartmerge.records import replace

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from pathlib import Path

# a string, compiled on first use (re caches it): most driver calls replay no rebase
_PICK = r"^(?:p|pick|r|reword|e|edit|s|squash|f|fixup)\s+(?:-[Cc]\s+)?([0-9a-f]{7,64})\s*(.*)$"
# the length git abbreviates to in a small repository (core.abbrev's floor)
_SHORT = 7


def driver_options(options: MergeOptions, environ: Mapping[str, str] = os.environ, cwd: str | Path | None = None) -> MergeOptions:
    """The driver's options with labels git did not pass filled in, and the user's conflict style."""
    where = cwd or os.getcwd()
    given = tuple(label_or_default(label, "") for label in (options.base_label, options.left_label, options.right_label))
    base, left, right = given if all(given) else _merge(given, labels_from_git(environ, where))
    return replace(options, base_label=base, left_label=left, right_label=right, conflict_style=conflict_style(where))


def stand_in_options(options: MergeOptions) -> MergeOptions:
    """``options`` with a stand-in for each label (unique to this call, so that it occurs
    in the output only where a marker line puts it) and diff3 markers, the style git's
    config gives when it says none."""
    token = os.urandom(8).hex()
    return replace(
        options,
        base_label=f"smartmerge-base-{token}",
        left_label=f"smartmerge-ours-{token}",
        right_label=f"smartmerge-theirs-{token}",
        conflict_style="diff3",
    )


def with_labels(text: bytes, stand_in: MergeOptions, real: MergeOptions) -> bytes:
    """``text`` merged with ``stand_in``'s labels, with ``real``'s labels instead."""
    for old, new in (
        (stand_in.base_label, real.base_label),
        (stand_in.left_label, real.left_label),
        (stand_in.right_label, real.right_label),
    ):
        text = text.replace(old.encode("utf-8"), new.encode("utf-8"))
    return text


def _merge(given: tuple[str, ...], found: tuple[str, str, str]) -> tuple[str, str, str]:
    base, left, right = (mine or theirs for mine, theirs in zip(given, found, strict=True))
    return base, left, right


def labels_from_git(environ: Mapping[str, str], cwd: str | Path) -> tuple[str, str, str]:
    """Base, ours and theirs labels as git writes them for the operation in progress."""
    heads = [(key[len("GITHEAD_"):], name) for key, name in environ.items() if key.startswith("GITHEAD_")]
    if len(heads) == 1:
        sha, name = heads[0]
        return _merge_base_label(sha, cwd), "HEAD", name
    git_dir = driver_git_dir(cwd, environ)
    replayed = _replayed_commit(git_dir) if git_dir is not None else None
    if replayed is not None:
        return f"parent of {replayed}", "HEAD", replayed
    return "base", "ours", "theirs"


def _merge_base_label(sha: str, cwd: str | Path) -> str:
    """The merge base's short hash, as git's own markers show it."""
    base = git("merge-base", "HEAD", sha, cwd=cwd, check=False)
    if base.returncode != 0 or not base.out or len(base.out.split()) != 1:
        return "merged common ancestors"
    short = git("rev-parse", "--short", base.out, cwd=cwd, check=False)
    return short.out if short.returncode == 0 and short.out else base.out[:_SHORT]


def _replayed_commit(git_dir: str) -> str | None:
    """``<short> (<subject>)`` of the commit a rebase is replaying, from rebase-merge/done."""
    try:
        with open(os.path.join(git_dir, "rebase-merge", "done"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        found = re.match(_PICK, line.strip())
        if found:
            return f"{found[1][:_SHORT]} ({found[2]})" if found[2] else found[1][:_SHORT]
    return None


def conflict_style(cwd: str | Path) -> str:
    """merge.conflictStyle as git reads it here; diff3 when unset or unknown."""
    run = git("config", "--get", "merge.conflictStyle", cwd=cwd, check=False)
    style = run.out.lower()
    return style if run.returncode == 0 and style in CONFLICT_STYLES else "diff3"
