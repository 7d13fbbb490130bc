"""Bringing task branches together: start commits, the integration worktree, the gate, landing.

Nothing here touches the user's checkout until the very end, and then only by
a fast-forward of a clean checkout. The target branch moves by one
compare-and-swap ``update-ref``: either the whole combined tree lands or
nothing does.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from smartmerge.runner import gitops, worktrees
from smartmerge.runner.crashing import crash_point
from smartmerge.runner.executing import Command, run_process

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartCommit:
    """Where a task starts: one commit, or why it cannot start."""

    commit: str | None
    reason: str = ""


def start_commit(repo: Path, home: worktrees.RunnerHome, run: str, task: str, heads: list[str]) -> StartCommit:
    """The merge of the task's dependency heads (made with smartmerge in a scratch worktree)."""
    unique = list(dict.fromkeys(heads))
    if len(unique) == 1:
        return StartCommit(unique[0])
    scratch = home.scratch(run, task)
    worktrees.add_worktree(repo, worktrees.Checkout(scratch, unique[0], None, run, f"start of {task}"))
    try:
        attempt = gitops.merge_with_smartmerge(
            scratch, home.root, unique[1:], f"smartmerge run {run}: start of {task}"
        )
        crash_point("start_merge", task)
        if not attempt.clean:
            where = ", ".join(attempt.symbols or attempt.files) or attempt.detail
            return StartCommit(None, f"merging its dependencies conflicts: {where}")
        return StartCommit(gitops.rev_parse(scratch, "HEAD"))
    finally:
        worktrees.remove_worktree(repo, scratch)


@dataclass(frozen=True)
class Added:
    task: str
    clean: bool
    reason: str = ""
    # the integration's HEAD after this task (unchanged on a conflict)
    head: str = ""
    # when two tasks clashed and the gate's ranking chose the resolution: what and why
    ranked: str = ""
    # a task with variants: the variant chosen, its commit, why, and every variant's
    # gate result as (variant, passed, what the gate said)
    variant: str = ""
    commit: str = ""
    choice: str = ""
    results: tuple[tuple[str, bool, str], ...] = ()


@dataclass
class Integration:
    """A detached worktree where finished task branches are merged, in dependency order."""

    repo: Path
    home: worktrees.RunnerHome
    run: str
    base: str = ""
    # (task, commit) merged so far, in order: replayed when the target moves
    merged: list[tuple[str, str]] = field(default_factory=list)
    # the run's gate: when a task's merge clashes, it ranks the candidate resolutions
    rank_by: str | None = None
    rank_timeout: float | None = None
    # True while the gate ranks a clash's candidate resolutions (the "ranking" phase)
    ranking: bool = False

    @property
    def path(self) -> Path:
        return self.home.integration(self.run)

    def start(self, base: str) -> None:
        self.base = base
        self.merged = []
        worktrees.add_worktree(self.repo, worktrees.Checkout(self.path, base, None, self.run, "integration"))

    def add(self, task: str, commit: str) -> Added:
        """Merge one task's branch head; on a conflict nothing changes and the reason names files and symbols."""
        if gitops.is_ancestor(self.path, commit, "HEAD"):
            self.merged.append((task, commit))
            return Added(task, True, head=self.head())
        t0 = time.perf_counter()
        attempt = gitops.merge_with_smartmerge(
            self.path, self.home.root, [commit], f"smartmerge run {self.run}: land task {task}",
            resolve=self._ranking if self.rank_by else None,
        )
        log.debug("integrate %s: %s in %.0f ms", task, "clean" if attempt.clean else "conflict",
                  (time.perf_counter() - t0) * 1e3)
        if not attempt.clean:
            if attempt.files:
                where = "; ".join(attempt.symbols) if attempt.symbols else ", ".join(attempt.files)
                reason = f"conflict smartmerge cannot resolve in {', '.join(attempt.files)} ({where})"
                if attempt.ranked:
                    reason += f"; ranked by the gate: {attempt.ranked}"
            else:
                reason = f"merge failed: {attempt.detail}"
            return Added(task, False, reason, head=self.head())
        self.merged.append((task, commit))
        return Added(task, True, head=self.head(), ranked=attempt.ranked)

    def add_variants(
        self, task: str, candidates: list[tuple[str, str]], gate: str | None, timeout: float | None, log_path: Path
    ) -> Added:
        """Merge the variant of ``task`` the gate chooses (docs/runner.md, "Task variants").

        ``candidates`` are the (variant, commit) pairs that succeeded, lowest number first.
        Each is merged onto the integration so far and the gate runs on that tree; the
        integration is reset between tries. Only passing variants count and the
        lowest-numbered one wins. Without a gate the first variant is merged.
        """
        if gate is None:
            variant, commit = candidates[0]
            added = self.add(task, commit)
            if not added.clean:
                return added
            return replace(added, variant=variant, commit=commit,
                           choice="no gate: the lowest-numbered variant that succeeded")
        before = self.head()
        results: list[tuple[str, bool, str]] = []
        commits = dict(candidates)
        for variant, commit in candidates:
            added = self.add(task, commit)
            if added.clean:
                self.merged.pop()
                passed, why = self.gate(gate, timeout, log_path)
            else:
                passed, why = False, added.reason
            results.append((variant, passed, why))
            # back to the integration before this task, without anything the gate left behind
            gitops.git(self.path, "reset", "-q", "--hard", before)
            gitops.git(self.path, "clean", "-q", "-ffd")
        summary = "; ".join(f"{v}: {why}" for v, _, why in results)
        passing = [v for v, passed, _ in results if passed]
        if not passing:
            return Added(task, False, f"no variant passes the gate ({summary})", head=before, results=tuple(results))
        winner = passing[0]
        if len(passing) == 1:
            why = "the only variant that passes the gate"
        else:
            why = f"{len(passing)} variants pass the gate; the lowest-numbered one wins"
        added = self.add(task, commits[winner])
        if not added.clean:
            return replace(added, results=tuple(results))
        return replace(added, variant=winner, commit=commits[winner], choice=f"{why} ({summary})",
                       results=tuple(results))

    def _ranking(self, worktree: Path, files: tuple[str, ...]) -> tuple[bool, str]:
        # read by the coordinator's thread to show the "ranking" phase
        self.ranking = True
        try:
            return self._rank_clash(worktree, files)
        finally:
            self.ranking = False

    def _rank_clash(self, worktree: Path, files: tuple[str, ...]) -> tuple[bool, str]:
        """Let the gate choose among the candidate resolutions of each conflicted file
        (docs/ranking.md); write and stage the chosen ones. All files or nothing."""
        # imported here: only runs with a gate and a clash pay for the ranking
        from smartmerge.git.solve import from_index
        from smartmerge.ranking import DEFAULT_RANK_TIMEOUT
        from smartmerge.ranking.resolving import rank_file
        from smartmerge.ranking.running import RunSettings

        assert self.rank_by is not None  # only called when the run has a gate
        settings = RunSettings(self.rank_by, timeout=self.rank_timeout or DEFAULT_RANK_TIMEOUT)
        chosen: dict[str, bytes] = {}
        notes: list[str] = []
        for path in files:
            revisions = from_index(worktree, path)
            if revisions is None:
                return False, f"{path}: no index stages to rank"
            ranking = rank_file(worktree, path, revisions.base, revisions.left, revisions.right, settings)
            log.info("%s", ranking.report())
            if ranking.chosen is None or ranking.text is None:
                return False, f"{path}: {ranking.reason}"
            chosen[path] = ranking.text
            notes.append(f"{path}: {ranking.chosen.candidate.name} ({ranking.reason})")
        for path, text in chosen.items():
            (worktree / path).write_bytes(text)
        gitops.git(worktree, "add", "--", *chosen)
        return True, "; ".join(notes)

    def rebuild(self, base: str) -> list[tuple[str, str]]:
        """Start again on a new base and replay every merged task; returns the ones that now conflict."""
        previous = list(self.merged)
        self.start(base)
        failed: list[tuple[str, str]] = []
        for task, commit in previous:
            added = self.add(task, commit)
            if not added.clean:
                failed.append((task, added.reason))
        return failed

    def head(self) -> str:
        head = gitops.rev_parse(self.path, "HEAD")
        assert head is not None  # a worktree made from a commit always has a HEAD
        return head

    def gate(self, cmd: str, timeout: float | None, log_path: Path) -> tuple[bool, str]:
        """Run the gate on the combined tree, importing that tree's code."""
        env = worktrees.isolated_env(self.path, {"SMARTMERGE_RUN": self.run, "SMARTMERGE_TASK": "gate"})
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as out:
            out.write(f"--- gate: {cmd} on {self.head()}\n".encode())
            out.flush()
            # a pid file, so that a resume or gc after a crash finds and stops an orphaned gate
            pid_file = self.home.pid_file(self.run, "gate")
            outcome = run_process(Command(cmd, self.path, env, timeout, pid_file, crash_at="gate_running"), out)
        if outcome.timed_out:
            return False, f"gate timed out after {timeout:g} s"
        if outcome.returncode != 0:
            return False, f"gate failed (exit {outcome.returncode}); see {log_path}"
        return True, "gate passed"

    def close(self) -> None:
        worktrees.remove_worktree(self.repo, self.path)


@dataclass(frozen=True)
class Landing:
    """How a landing went."""

    landed: bool
    # target moved under us: the caller may integrate again on top of ``current``
    moved: bool = False
    current: str | None = None
    ref: str = ""
    message: str = ""


def land(repo: Path, target: str, new: str, old: str, run: str) -> Landing:
    """Move the target to ``new`` if it still is ``old``, keeping the user's checkout whole.

    - target not checked out anywhere: compare-and-swap the branch.
    - checked out and the move is a clean fast-forward of it: compare-and-swap, then
      fast-forward that checkout's index and files from ``old`` to ``new`` (otherwise it
      would show the landed work reversed as local changes).
    - checked out with local changes, or with untracked files where the work adds files:
      land on ``smartmerge/landed/<run>`` and say what brings it in (docs/runner.md).
    """
    ref = f"refs/heads/{target}"
    message = f"smartmerge run {run}: land"
    current = gitops.rev_parse(repo, ref)
    if current != old:
        # moved already: integrate again (a checkout that followed it would otherwise look
        # blocked, since its files are no longer those of ``old``)
        return Landing(False, moved=True, current=current, message=f"{target} moved to {current} during the run")
    checkout = gitops.checkout_of_branch(repo, target)
    blocker = gitops.checkout_blocker(checkout, old, new) if checkout is not None else None
    if checkout is not None and blocker is not None:
        return _land_aside(repo, target, new, run, checkout, blocker)
    if not gitops.update_ref_cas(repo, ref, new, old, message):
        current = gitops.rev_parse(repo, ref)
        return Landing(False, moved=True, current=current, message=f"{target} moved to {current} during the run")
    crash_point("swapped")
    if checkout is not None:
        failed = gitops.fast_forward_checkout(checkout, old, new)
        if failed is not None:
            # the checkout changed since the check: put the target back (only if nobody moved it
            # on since) rather than leave the checkout showing the whole run reversed
            if gitops.update_ref_cas(repo, ref, old, new, f"smartmerge run {run}: undo landing"):
                return _land_aside(repo, target, new, run, checkout, failed)
            return Landing(
                True, ref=ref,
                message=(
                    f"landed on {target}, but the checkout at {checkout} was not updated ({failed}); "
                    f"move those files away, then run: git -C {checkout} read-tree -m -u {old} {new}"
                ),
            )
    return Landing(True, ref=ref, message=f"landed on {target} at {new[:12]}")


def _land_aside(repo: Path, target: str, new: str, run: str, checkout: Path, blocker: str) -> Landing:
    """Land on ``smartmerge/landed/<run>``, leaving the target and its checkout as they are."""
    side = worktrees.landed_ref(run)
    if not gitops.update_ref_cas(repo, side, new, gitops.rev_parse(repo, side), f"smartmerge run {run}: land"):
        return Landing(False, message=f"could not write {side}")
    short = side.removeprefix("refs/heads/")
    first = "move them away (or delete them), then " if blocker.startswith("untracked") else ""
    return Landing(
        True, ref=side,
        message=(
            f"{target} is checked out at {checkout} with {blocker}, so the work landed on {short} "
            f"and {target} was not moved; {first}bring it in with: git -C {checkout} merge {short}"
        ),
    )


def complete_interrupted_landing(repo: Path, ref: str, new: str, old: str) -> str | None:
    """Finish a landing that a crash cut short between the compare-and-swap and the
    fast-forward of a clean checkout, which then shows the landed work reversed.

    Only a checkout whose index and files are exactly ``old`` is touched (that is
    the state the crash left; anything else is the user's own work). Returns what
    was done, or None when there was nothing to do.
    """
    if gitops.rev_parse(repo, ref) != new:
        return None  # the swap never happened: the resumed run lands normally
    checkout = gitops.checkout_of_branch(repo, ref.removeprefix("refs/heads/"))
    if checkout is None:
        return None
    untouched = (
        gitops.git(checkout, "diff", "--cached", "--quiet", old, check=False).ok
        and gitops.git(checkout, "diff", "--quiet", check=False).ok
    )
    if not untouched or gitops.fast_forward_checkout(checkout, old, new) is not None:
        return None
    return f"fast-forwarded the checkout at {checkout} to {new[:12]} (the landing was interrupted)"
