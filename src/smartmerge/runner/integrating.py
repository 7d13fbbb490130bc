"""Bringing task branches together: start commits, the integration worktree, the gate, landing.

Nothing here touches the user's checkout until the very end, and then only by
a fast-forward of a clean checkout. The target branch moves by one
compare-and-swap ``update-ref``: either the whole combined tree lands or
nothing does.
"""

from __future__ import annotations

import ast
import functools
import logging
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from smartmerge.runner import gitops, worktrees
from smartmerge.runner.bisecting import first_failing
from smartmerge.runner.crashing import crash_point
from smartmerge.runner.executing import Command, run_process
from smartmerge.tree import Revision

if TYPE_CHECKING:
    from smartmerge.ranking.candidates import Variant

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
class Loss:
    """Work of a task that a gate-resolved clash discarded: the task is ``superseded``."""

    task: str
    # "path: symbol" of each clashing symbol whose version of this task was not kept
    symbols: tuple[str, ...]
    # the task (or tasks) whose version was kept
    kept: str


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
    # work of this task or of tasks merged before it that the gate's choice discarded
    losses: tuple[Loss, ...] = ()
    # left out because a task it needs left the integration (named here), not merged
    upstream_gone: str = ""


@dataclass(frozen=True)
class Link:
    """One task merged into the integration: the chain's heads before and after it."""

    task: str
    commit: str
    before: str
    head: str
    ranked: str = ""
    losses: tuple[Loss, ...] = ()


@dataclass(frozen=True)
class GateRun:
    """One run of the gate on one commit."""

    commit: str
    passed: bool
    reason: str
    # tests that failed, when the gate wrote JUnit XML (pytest does, see ``gate_run``)
    failing: tuple[str, ...] = ()


@dataclass
class Integration:
    """A detached worktree where finished task branches are merged, in dependency order.

    The merges form a chain on ``base``, the target's commit when the run started:
    clashes there are between tasks only, so the gate's ranking may settle them.
    When the target moves during the run, the chain's head is merged onto the new
    target (``onto``) by smartmerge alone, never ranked: a clash with work that is
    already on the target is a conflict for the task, which keeps that work whole.
    """

    repo: Path
    home: worktrees.RunnerHome
    run: str
    base: str = ""
    # the target commit the landing goes on: ``base`` until the target moves
    onto: str = ""
    links: list[Link] = field(default_factory=list)
    # the run's gate: when a task's merge clashes, it ranks the candidate resolutions
    rank_by: str | None = None
    rank_timeout: float | None = None
    # True while the gate ranks a clash's candidate resolutions (the "ranking" phase)
    ranking: bool = False
    # task -> every task it needs, directly or not: a task whose upstream left the
    # chain leaves with it (its branch holds that upstream's work)
    upstream: dict[str, set[str]] = field(default_factory=dict)
    # tasks taken out of the chain (they broke the gate, or clash with the moved target)
    left_out: set[str] = field(default_factory=set)
    # called when a gate decision (a variant, a clash) found nothing that passes: the
    # integration so far may be what breaks the gate; True when it took a culprit out
    on_no_pass: Callable[[], bool] | None = None
    # merging tasks again (replay_without): no culprit search from inside it
    _replaying: bool = False
    # what the worktree has checked out, and whether a gate ran there since (untracked files)
    _at: str = ""
    _gated: bool = False
    # (onto, chain commit) -> that commit merged onto ``onto`` (None: it conflicts)
    _onto_merges: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.home.integration(self.run)

    @property
    def merged(self) -> list[tuple[str, str]]:
        """(task, commit) merged so far, in order."""
        return [(link.task, link.commit) for link in self.links]

    def start(self, base: str) -> None:
        self.base = self.onto = self._at = base
        self.links = []
        worktrees.add_worktree(self.repo, worktrees.Checkout(self.path, base, None, self.run, "integration"))

    def head_of(self, task: str) -> str | None:
        """The chain's head right after ``task`` (None when it is not in the chain)."""
        return next((link.head for link in list(self.links) if link.task == task), None)

    def chain_head(self) -> str:
        return self.links[-1].head if self.links else self.base

    def checkout(self, commit: str) -> None:
        """Put the worktree on ``commit``, without anything a gate left behind.

        Only this class moves the worktree, so ``_at`` says where it is: a merge in a
        row of merges costs no extra git command."""
        if self._at != commit or self._gated:
            # (a gate may also have changed tracked files)
            gitops.git(self.path, "reset", "-q", "--hard", commit)
            self._at = commit
        if self._gated:
            gitops.git(self.path, "clean", "-q", "-ffd")
            self._gated = False

    def add(self, task: str, commit: str) -> Added:
        """Merge one task's branch head onto the chain; on a conflict nothing changes and
        the reason names files and symbols."""
        before = self.chain_head()
        self.checkout(before)
        gone = self._upstream_gone(task)
        if gone:
            return Added(task, False, f"upstream {gone} left the integration", head=before, upstream_gone=gone)
        if gitops.is_ancestor(self.path, commit, "HEAD"):
            self.links.append(Link(task, commit, before, before))
            return Added(task, True, head=before)
        t0 = time.perf_counter()
        decisions: list[tuple[str, tuple[Variant, ...]]] = []
        nothing_passed: list[str] = []
        attempt = gitops.merge_with_smartmerge(
            self.path, self.home.root, [commit], f"smartmerge run {self.run}: land task {task}",
            resolve=functools.partial(self._ranking, functools.partial(self._rank_clash, decisions, nothing_passed))
                if self.rank_by else None,
        )
        log.debug("integrate %s: %s in %.0f ms", task, "clean" if attempt.clean else "conflict",
                  (time.perf_counter() - t0) * 1e3)
        head = self.head()
        self._at = head
        if not attempt.clean:
            if nothing_passed and self._culprit_taken_out():
                # the ranking ran on a tree that fails the gate anyway: rank again without the culprit
                return self.add(task, commit)
            return Added(task, False, _conflict_reason(attempt), head=head)
        losses = self._losses(task, before, head, decisions) if decisions else ()
        self.links.append(Link(task, commit, before, head, attempt.ranked, losses))
        return Added(task, True, head=head, ranked=attempt.ranked, losses=losses)

    def _upstream_gone(self, task: str) -> str:
        """A task ``task`` needs that was taken out of the chain ("" when none was)."""
        return min(self.left_out & self.upstream.get(task, set()), default="")

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
        before = self.chain_head()
        results: list[tuple[str, bool, str]] = []
        commits = dict(candidates)
        for variant, commit in candidates:
            added = self.add(task, commit)
            if added.upstream_gone:
                return added
            if added.clean:
                self.links.pop()
                passed, why = self.gate(gate, timeout, log_path)
            else:
                passed, why = False, added.reason
            results.append((variant, passed, why))
            # back to the integration before this task, without anything the gate left behind
            self.checkout(before)
        summary = "; ".join(f"{v}: {why}" for v, _, why in results)
        passing = [v for v, passed, _ in results if passed]
        if not passing and self._culprit_taken_out():
            # every variant failed on a tree that fails the gate anyway: choose again without the culprit
            return self.add_variants(task, candidates, gate, timeout, log_path)
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

    def _ranking(
        self, rank: Callable[[Path, tuple[str, ...]], tuple[bool, str]], worktree: Path, files: tuple[str, ...],
    ) -> tuple[bool, str]:
        # read by the coordinator's thread to show the "ranking" phase
        self.ranking = True
        try:
            return rank(worktree, files)
        finally:
            self.ranking = False

    def _culprit_taken_out(self) -> bool:
        """A gate decision found nothing passing: if the integration so far fails the gate,
        take out the task that breaks it (True), so the decision is taken again without it."""
        if self.on_no_pass is None or self._replaying or not self.links:
            return False
        return self.on_no_pass()

    def _rank_clash(
        self, decisions: list[tuple[str, tuple[Variant, ...]]], nothing_passed: list[str],
        worktree: Path, files: tuple[str, ...],
    ) -> tuple[bool, str]:
        """Let the gate choose among the candidate resolutions of each conflicted file
        (docs/ranking.md); write and stage the chosen ones. All files or nothing.
        ``decisions`` receives each file's chosen variants, to tell whose work lost;
        ``nothing_passed`` the files where no candidate passed the gate."""
        # imported here: only runs with a gate and a clash pay for the ranking
        from smartmerge.git.solve import from_index
        from smartmerge.ranking import DEFAULT_RANK_TIMEOUT
        from smartmerge.ranking.resolving import rank_file
        from smartmerge.ranking.running import RunSettings

        assert self.rank_by is not None  # only called when the run has a gate
        settings = RunSettings(self.rank_by, timeout=self.rank_timeout or DEFAULT_RANK_TIMEOUT)
        chosen: dict[str, bytes] = {}
        notes: list[str] = []
        variants: list[tuple[str, tuple[Variant, ...]]] = []
        for path in files:
            revisions = from_index(worktree, path)
            if revisions is None:
                return False, f"{path}: no index stages to rank"
            ranking = rank_file(worktree, path, revisions.base, revisions.left, revisions.right, settings)
            log.info("%s", ranking.report())
            if ranking.chosen is None or ranking.text is None:
                if ranking.evaluations and not any(e.ok for e in ranking.evaluations):
                    nothing_passed.append(path)
                return False, f"{path}: {ranking.reason}"
            chosen[path] = ranking.text
            notes.append(f"{path}: {ranking.chosen.candidate.name} ({ranking.reason})")
            variants.append((path, ranking.chosen.candidate.variants))
        for path, text in chosen.items():
            (worktree / path).write_bytes(text)
        gitops.git(worktree, "add", "--", *chosen)
        decisions.extend(variants)
        return True, "; ".join(notes)

    def _losses(
        self, task: str, before: str, head: str, decisions: list[tuple[str, tuple[Variant, ...]]]
    ) -> tuple[Loss, ...]:
        """Whose work the gate's choice discarded (docs/runner.md, "Superseded tasks").

        Right is ``task``; left is the chain so far, and its version of a symbol is the
        work of the tasks merged earlier that changed that symbol. A symbol resolved
        with left's whole definition, or any hunk taken from left, discards some of
        ``task``'s edits to it, and the other way round.
        """
        right_lost: list[str] = []
        left_lost: dict[str, list[str]] = {}
        right_kept_by: list[str] = []
        for path, variants in decisions:
            for variant in variants:
                where = f"{path}: {variant.symbol or '<module>'}"
                authors = self._authors(path, variant.symbol)
                if _discards(variant, Revision.RIGHT):
                    right_lost.append(where)
                    right_kept_by += [a for a in authors if a not in right_kept_by]
                if _discards(variant, Revision.LEFT):
                    for author in authors:
                        left_lost.setdefault(author, []).append(where)
        losses = [Loss(author, tuple(symbols), task) for author, symbols in left_lost.items()]
        if right_lost:
            losses.append(Loss(task, tuple(right_lost), ", ".join(right_kept_by) or "the work merged before it"))
        return tuple(losses)

    def _authors(self, path: str, symbol: str) -> list[str]:
        """The tasks in the chain whose merge changed ``symbol`` of ``path``
        (the whole file when the symbol cannot be found)."""
        found = []
        for link in self.links:
            if link.before == link.head:
                continue
            old = _symbol_source(self.path, link.before, path, symbol)
            new = _symbol_source(self.path, link.head, path, symbol)
            if old != new:
                found.append(link.task)
        return found

    def replay_without(self, drop: set[str]) -> list[Added]:
        """Take ``drop`` (and the tasks that need them) out of the chain: the chain goes
        back to just before the first of them and the tasks after it are merged again,
        clashes ranked again. Returns the outcome of each task merged again."""
        self.left_out.update(drop)
        position = next((i for i, link in enumerate(self.links) if link.task in drop), None)
        if position is None:
            return []
        later = self.links[position + 1:]
        self.links = self.links[:position]
        outcomes: list[Added] = []
        self._replaying = True
        try:
            for link in later:
                if link.task in drop:
                    continue
                added = self.add(link.task, link.commit)
                if not added.clean:
                    self.left_out.add(link.task)
                outcomes.append(added)
        finally:
            self._replaying = False
        self.checkout(self.chain_head())
        return outcomes

    def landing_commit(self) -> tuple[str | None, gitops.MergeAttempt | None]:
        """The commit to land: the chain's head, merged onto the target when it moved
        (smartmerge alone, no ranking). None and the failed merge when that conflicts."""
        return self._onto(len(self.links))

    def prefix(self, length: int) -> str | None:
        """The chain's first ``length`` tasks as a commit on the target (None: that conflicts)."""
        return self._onto(length)[0]

    def _onto(self, length: int) -> tuple[str | None, gitops.MergeAttempt | None]:
        chain = self.links[length - 1].head if length else self.base
        if self.onto == self.base or chain == self.base:
            self.checkout(chain if self.onto == self.base else self.onto)
            return self._at, None
        key = (self.onto, chain)
        if key in self._onto_merges and self._onto_merges[key] is not None:
            commit = self._onto_merges[key]
            assert commit is not None  # checked just above
            self.checkout(commit)
            return commit, None
        self.checkout(self.onto)
        attempt = gitops.merge_with_smartmerge(
            self.path, self.home.root, [chain], f"smartmerge run {self.run}: land onto the moved target"
        )
        if not attempt.clean:
            self._onto_merges[key] = None
            self.checkout(self.onto)
            return None, attempt
        self._at = self.head()
        self._onto_merges[key] = self._at
        return self._at, None

    def first_clash_with_target(self) -> tuple[int, str]:
        """The task whose merge first clashes with the moved target, and the conflict.

        Prefixes are merged onto the target with smartmerge alone; the search is the
        bisection of ``bisecting`` (the whole chain conflicts, the empty one does not).
        """
        found = first_failing(0, len(self.links), lambda k: self.prefix(k) is not None)
        _, attempt = self._onto(found)
        reason = _conflict_reason(attempt) if attempt is not None else "conflict"
        return found - 1, reason

    def head(self) -> str:
        head = gitops.rev_parse(self.path, "HEAD")
        assert head is not None  # a worktree made from a commit always has a HEAD
        return head

    def gate(self, cmd: str, timeout: float | None, log_path: Path) -> tuple[bool, str]:
        """Run the gate on the worktree's tree, importing that tree's code."""
        run = self.gate_run(self.head(), cmd, timeout, log_path)
        return run.passed, run.reason

    def gate_run(self, commit: str, cmd: str, timeout: float | None, log_path: Path) -> GateRun:
        """Run the gate on ``commit`` (checked out in the integration worktree).

        pytest, if the gate runs it, also writes JUnit XML (through ``PYTEST_ADDOPTS``),
        so a failing run can name its failing tests.
        """
        from smartmerge.ranking.running import FAILED, read_junit

        self.checkout(commit)
        self._gated = True
        junit = self.home.run_dir(self.run) / "gate-junit.xml"
        junit.unlink(missing_ok=True)
        env = worktrees.isolated_env(self.path, {"SMARTMERGE_RUN": self.run, "SMARTMERGE_TASK": "gate"})
        env["PYTEST_ADDOPTS"] = f"{env.get('PYTEST_ADDOPTS', '')} --junitxml={shlex.quote(str(junit))}".strip()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as out:
            out.write(f"--- gate: {cmd} on {commit}\n".encode())
            out.flush()
            # a pid file, so that a resume or gc after a crash finds and stops an orphaned gate
            pid_file = self.home.pid_file(self.run, "gate")
            outcome = run_process(Command(cmd, self.path, env, timeout, pid_file, crash_at="gate_running"), out)
        failing = tuple(sorted(t for t, result in read_junit(junit).items() if result == FAILED))
        junit.unlink(missing_ok=True)
        if outcome.timed_out:
            return GateRun(commit, False, f"gate timed out after {timeout:g} s", failing)
        if outcome.returncode != 0:
            tests = f"; failing: {', '.join(failing[:5])}{' ...' if len(failing) > 5 else ''}" if failing else ""
            return GateRun(commit, False, f"gate failed (exit {outcome.returncode}){tests}; see {log_path}", failing)
        return GateRun(commit, True, "gate passed")

    def close(self) -> None:
        worktrees.remove_worktree(self.repo, self.path)


def _conflict_reason(attempt: gitops.MergeAttempt) -> str:
    if not attempt.files:
        return f"merge failed: {attempt.detail}"
    where = "; ".join(attempt.symbols) if attempt.symbols else ", ".join(attempt.files)
    reason = f"conflict smartmerge cannot resolve in {', '.join(attempt.files)} ({where})"
    if attempt.ranked:
        reason += f"; ranked by the gate: {attempt.ranked}"
    return reason


def _discards(variant: Variant, side: Revision) -> bool:
    """Whether resolving a symbol with ``variant`` leaves out some of ``side``'s edits."""
    if variant.whole is not None:
        return variant.whole != side
    return any(choice != side for choice in variant.choices)


def _symbol_source(worktree: Path, rev: str, path: str, symbol: str) -> str | None:
    """The text of ``symbol`` ("Cart.total") in ``path`` at ``rev``: its definition's
    lines, decorators included; the whole file for the module level, a file that is
    not Python or does not parse. None when the file does not exist."""
    shown = gitops.git(worktree, "show", f"{rev}:{path}", check=False)
    if not shown.ok:
        return None
    text = shown.stdout
    if not symbol or not path.endswith(".py"):
        return text
    try:
        body: list[ast.stmt] = ast.parse(text).body
    except (SyntaxError, ValueError):
        return text
    node: ast.stmt | None = None
    for name in symbol.split("."):
        node = next(
            (n for n in body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == name),
            None,
        )
        if node is None:
            return None
        body = node.body
    assert node is not None  # a symbol has at least one name
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    lines = text.splitlines(keepends=True)
    return "".join(lines[first - 1: node.end_lineno])


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
