"""Plain ``git`` subprocesses: the only place the runner speaks to git.

GitPython is not used here on purpose: every step is one git command whose
exit status decides, which keeps the crash-safety reasoning about git's own
atomic operations (``update-ref`` with an old value, ``worktree add``).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from smartmerge.errors import SmartmergeError

# The runner's own commits say who made them, whatever the machine's git config is.
RUNNER_IDENTITY = ("-c", "user.name=smartmerge-runner", "-c", "user.email=runner@smartmerge.invalid")
# the merge driver's name in the runner's git config (merge.<name>.*) and attributes (merge=<name>)
DRIVER = "smartmerge"
_ATTRIBUTES_LINE = f"* merge={DRIVER}\n"


class GitError(SmartmergeError):
    """A git command failed where the runner cannot go on."""


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def git(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> GitResult:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    result = GitResult(proc.returncode, proc.stdout, proc.stderr)
    if check and not result.ok:
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr.strip() or proc.stdout.strip()}")
    return result


def git_bytes(cwd: Path, *args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> bytes:
    """A git command whose input or output is bytes (paths with ``-z``, blobs); it must succeed."""
    proc = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False, env=env)
    if proc.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def common_dir(repo: Path) -> Path:
    """The repository's shared git folder (the same for every worktree)."""
    out = git(repo, "rev-parse", "--path-format=absolute", "--git-common-dir").stdout.strip()
    return Path(out)


def toplevel(path: Path) -> Path:
    return Path(git(path, "rev-parse", "--show-toplevel").stdout.strip())


def rev_parse(repo: Path, rev: str) -> str | None:
    result = git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    return result.stdout.strip() if result.ok else None


def is_ancestor(repo: Path, older: str, newer: str) -> bool:
    return git(repo, "merge-base", "--is-ancestor", older, newer, check=False).ok


def update_ref_cas(repo: Path, ref: str, new: str, old: str | None, message: str) -> bool:
    """Move ``ref`` to ``new`` only if it still points at ``old`` (None: only if it does not exist)."""
    expected = old if old is not None else "0" * 40
    return git(repo, "update-ref", "-m", message, ref, new, expected, check=False).ok


def checkout_of_branch(repo: Path, branch: str) -> Path | None:
    """The worktree (the user's checkout or another) that has ``branch`` checked out, if any."""
    out = git(repo, "worktree", "list", "--porcelain").stdout
    current: Path | None = None
    for line in out.splitlines():
        if line.startswith("worktree "):
            current = Path(line[len("worktree "):])
        elif line == f"branch refs/heads/{branch}" and current is not None:
            return current
    return None


def has_local_changes(checkout: Path) -> bool:
    """Tracked files changed in the index or the working tree (untracked files do not count)."""
    git(checkout, "update-index", "-q", "--refresh", check=False)
    return bool(git(checkout, "status", "--porcelain", "--untracked-files=no").stdout.strip())


def commit_all(worktree: Path, message: str, exclude: tuple[str, ...] = ()) -> bool:
    """Commit everything a command left behind, as the runner. True when a commit was made.

    ``exclude`` names folders never committed (the worktree's own ``.venv``).
    """
    git(worktree, "add", "-A", "--", ".", *(f":(exclude){e}" for e in exclude))
    if git(worktree, "diff", "--cached", "--quiet", check=False).ok:
        return False
    git(worktree, *RUNNER_IDENTITY, "commit", "-q", "--no-verify", "-m", message)
    return True


def attributes_file(home: Path) -> Path:
    """A runner-owned attributes file routing every path through the smartmerge driver.

    Kept out of the repository so a run never edits the user's ``.gitattributes``;
    smartmerge itself falls back to the line merge for files it has no profile for.
    """
    path = home / "merge.gitattributes"
    if not path.exists() or path.read_text() != _ATTRIBUTES_LINE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_ATTRIBUTES_LINE)
    return path


def merge_driver_config(home: Path, driver: str | None = None) -> list[str]:
    """``git -c`` options that make ``git merge`` call smartmerge for each file.

    This is the one place that spells the driver line, so it can switch to the
    git/ module's driver (``merge --git``) once that exists. The driver pins
    this very smartmerge (its interpreter and package folder) so the merger a
    run uses never depends on what a worktree or the cwd would import.
    ``driver`` replaces the line (the in-process merge gives ``false``: every file
    the driver would get is left unmerged, for the runner to merge itself).
    """
    if driver is None:
        package_root = Path(__file__).resolve().parents[2]
        driver = (
            f"PYTHONPATH={shlex.quote(str(package_root))} {shlex.quote(sys.executable)} -m smartmerge merge "
            "%O %A %B -o %A -p %P -l %L"
        )
    return [
        "-c", f"merge.{DRIVER}.name=smartmerge",
        "-c", f"merge.{DRIVER}.driver={driver}",
        "-c", f"core.attributesFile={attributes_file(home)}",
    ]


@dataclass(frozen=True)
class MergeAttempt:
    clean: bool
    # files git left conflicted (empty when clean)
    files: tuple[str, ...] = ()
    # "path: symbol" for each conflict region smartmerge could place inside a def or class
    symbols: tuple[str, ...] = ()
    detail: str = ""
    # why the gate's ranking chose the resolution of a clash ("" when none was ranked),
    # or, on a conflict, why the ranking kept it
    ranked: str = ""


# Resolves the files a merge left conflicted in a worktree (and stages them):
# (all resolved, what was decided and why)
Resolver = Callable[[Path, tuple[str, ...]], tuple[bool, str]]


def merge_with_smartmerge(
    worktree: Path, home: Path, revs: list[str], message: str, resolve: Resolver | None = None
) -> MergeAttempt:
    """Merge ``revs`` into the worktree's HEAD with smartmerge as the file merger.

    On a conflict ``resolve`` (the gate's ranking) may settle every conflicted file,
    and the merge is committed; otherwise the merge is aborted, so the worktree is
    back where it was.

    A merge of one branch merges the files in this process (``contents.py``); what
    that path does not take (an octopus, several merge bases, a conflict git found
    beyond two versions of a file's text) goes through ``git merge`` with the driver.
    """
    if len(revs) == 1:
        # imported here: the merge engine is loaded only by a run that merges
        from smartmerge.runner import contents

        attempt = contents.merge_in_process(worktree, home, revs[0], message, resolve)
        if attempt is not None:
            return attempt
    return merge_with_driver(worktree, home, revs, message, resolve)


def merge_with_driver(
    worktree: Path, home: Path, revs: list[str], message: str, resolve: Resolver | None = None
) -> MergeAttempt:
    """``merge_with_smartmerge`` through ``git merge``, smartmerge as git's merge driver
    (one process per file git cannot merge itself)."""
    result = git(
        worktree, *RUNNER_IDENTITY, *merge_driver_config(home),
        "merge", "--no-ff", "--no-edit", "-q", "-m", message, *revs, check=False,
    )
    if result.ok:
        return MergeAttempt(clean=True)
    files = tuple(
        f for f in git(worktree, "diff", "--name-only", "--diff-filter=U", check=False).stdout.splitlines() if f
    )
    return settle_conflicts(
        worktree, files, (result.stdout + result.stderr).strip(), resolve,
        abort=lambda tree: git(tree, "merge", "--abort", check=False),
    )


def settle_conflicts(
    worktree: Path, files: tuple[str, ...], detail: str, resolve: Resolver | None, abort: Callable[[Path], object]
) -> MergeAttempt:
    """After a merge left ``files`` conflicted (``detail``: what git said): the gate's
    ranking (``resolve``) may settle every one, and the merge is committed; otherwise
    ``abort`` takes the worktree back to HEAD and the attempt says what clashed."""
    symbols = tuple(s for f in files for s in conflict_symbols(worktree / f, f))
    ranked = ""
    if resolve is not None and files:
        resolved, ranked = resolve(worktree, files)
        if resolved and git(worktree, *RUNNER_IDENTITY, "commit", "--no-edit", "-q", check=False).ok:
            return MergeAttempt(clean=True, ranked=ranked)
    abort(worktree)
    return MergeAttempt(clean=False, files=files, symbols=symbols, detail=detail, ranked=ranked)


def conflict_symbols(path: Path, name: str) -> list[str]:
    """The innermost ``def``/``class`` around each conflict region, read from the markers.

    A light reading of the text (indentation and keywords), enough to point a
    person at the right function; the engine's own conflict report is richer.
    A region is placed by its first line: inside the scopes indented less than
    it, or named by the ``def``/``class`` it starts with.
    """
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found: list[str] = []
    scopes: list[tuple[int, str]] = []
    pending = False
    for line in lines:
        if line.startswith(("<<<<<<<", "|||||||", "=======", ">>>>>>>")):
            pending = pending or line.startswith("<<<<<<<")
            continue
        stripped = line.lstrip()
        if not stripped:
            continue
        indent = len(line) - len(stripped)
        keyword = next((k for k in ("def ", "async def ", "class ") if stripped.startswith(k)), None)
        if keyword is not None or pending:
            while scopes and scopes[-1][0] >= indent:
                scopes.pop()
        if keyword is not None:
            ident = stripped[len(keyword):].split("(")[0].split(":")[0].strip()
            scopes.append((indent, ident))
        if pending:
            found.append(f"{name}: {'.'.join(n for _, n in scopes) or '<module>'}")
            pending = False
    return sorted(set(found), key=found.index)


def checkout_blocker(checkout: Path, old: str, new: str) -> str | None:
    """Why moving ``checkout`` (on the target branch) from ``old`` to ``new`` would not be a clean
    fast-forward, or None when it would.

    Local changes to tracked files are the user's work in progress; an untracked file at a path
    the landing adds is the user's too, and git would refuse to overwrite it (a dry run of the
    very two-tree ``read-tree`` that does the fast-forward tells).
    """
    if has_local_changes(checkout):
        return "local changes"
    return fast_forward_checkout(checkout, old, new, dry_run=True)


def fast_forward_checkout(checkout: Path, old: str, new: str, dry_run: bool = False) -> str | None:
    """Bring a checkout's index and files from ``old`` to ``new`` (what a fast-forward checkout does);
    None when done (or, with ``dry_run``, when it would work), else why not (nothing was changed
    then: read-tree checks before it writes)."""
    result = git(checkout, "read-tree", *(["-n"] if dry_run else []), "-m", "-u", old, new, check=False)
    return None if result.ok else _in_the_way(result.stderr)


def _in_the_way(stderr: str) -> str:
    # git names each file in quotes: "Untracked working tree file 'a.txt' would be overwritten"
    files = [line.split("'")[1] for line in stderr.splitlines() if line.count("'") >= 2]
    if files:
        return "untracked files in the way: " + ", ".join(dict.fromkeys(files))
    return stderr.strip() or "git read-tree failed"
