"""The runner merges file contents in its own process (runner/contents.py), with the
outcome ``git merge`` with the smartmerge driver gives: real repositories, real git.

Each scenario builds a branch ``theirs`` against ``main`` and merges it both ways into
the same checkout: through the driver (one smartmerge process per file, the reference)
and in-process. Clean or not, files, symbols, the conflicted files' text and the merged
tree must be the same; what the in-process path does not take it hands back (None).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from runner_repo import FUNCS, git, make_repo, module_with_functions, sed, show

from smartmerge.runner import contents, gitops, start_run
from smartmerge.runner.worktrees import RunnerHome

Edit = Callable[[Path], None]


def writes(**files: str | bytes | None) -> Edit:
    """An edit writing (None: deleting) files; a keyword's ``__`` stands for ``/``, ``_dot_`` for ``.``."""

    def edit(repo: Path) -> None:
        for key, text in files.items():
            path = repo / key.replace("__", "/").replace("_dot_", ".")
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text)

    return edit


def appends(name: str, path: str = "mod.py") -> Edit:
    def edit(repo: Path) -> None:
        with (repo / path).open("a") as out:
            out.write(f"\n\ndef {name}():\n    return {name!r}\n")

    return edit


def both(*edits: Edit) -> Edit:
    def edit(repo: Path) -> None:
        for one in edits:
            one(repo)

    return edit


def scenario(tmp_path: Path, files: dict[str, str], ours: Edit, theirs: Edit) -> Path:
    """A repository on ``main`` (``ours`` committed on top of ``files``) and a branch
    ``theirs`` (``theirs`` committed on top of ``files``)."""
    repo = make_repo(tmp_path, files, "")
    git(repo, "checkout", "-q", "-b", "theirs")
    theirs(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "theirs")
    git(repo, "checkout", "-q", "main")
    ours(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "ours")
    return repo


@dataclass
class Outcome:
    attempt: gitops.MergeAttempt | None
    # each conflicted file's text as the merge left it (read before the abort)
    texts: dict[str, bytes]
    # the merged tree (clean merges)
    tree: str


def merge(repo: Path, in_process: bool) -> Outcome:
    home = RunnerHome.of(repo).root
    head = git(repo, "rev-parse", "HEAD")
    texts: dict[str, bytes] = {}

    def capture(worktree: Path, files: tuple[str, ...]) -> tuple[bool, str]:
        texts.update({f: (worktree / f).read_bytes() for f in files if (worktree / f).is_file()})
        return False, "kept"

    if in_process:
        attempt = contents.merge_in_process(repo, home, "theirs", "merge theirs", capture)
    else:
        attempt = gitops.merge_with_driver(repo, home, ["theirs"], "merge theirs", capture)
    tree = git(repo, "rev-parse", "HEAD^{tree}") if attempt is not None and attempt.clean else ""
    # both ways leave the checkout on a commit with nothing in progress
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert not (repo / ".git" / "MERGE_HEAD").exists()
    git(repo, "reset", "-q", "--hard", head)
    return Outcome(attempt, texts, tree)


def same_both_ways(repo: Path) -> Outcome:
    """Merge ``theirs`` through the driver and in-process; the in-process outcome, which
    must equal the driver's (when the in-process path took the merge)."""
    driver = merge(repo, in_process=False)
    mine = merge(repo, in_process=True)
    assert driver.attempt is not None
    if mine.attempt is None:
        return mine
    assert (mine.attempt.clean, mine.attempt.files, mine.attempt.symbols) == (
        driver.attempt.clean, driver.attempt.files, driver.attempt.symbols)
    assert mine.texts == driver.texts
    assert mine.tree == driver.tree
    return mine


def test_both_sides_appending_a_function_merges_structurally_in_process(tmp_path: Path) -> None:
    repo = scenario(tmp_path, {"mod.py": module_with_functions(FUNCS), "README.md": "one\ntwo\nthree\n"},
                    both(appends("left"), writes(README_dot_md="ONE\ntwo\nthree\n")),
                    both(appends("right"), writes(README_dot_md="one\ntwo\nTHREE\n")))
    outcome = same_both_ways(repo)
    assert outcome.attempt is not None and outcome.attempt.clean
    merged = git(repo, "cat-file", "-p", f"{outcome.tree}:mod.py")
    assert "def left" in merged and "def right" in merged
    assert git(repo, "cat-file", "-p", f"{outcome.tree}:README.md") == "ONE\ntwo\nTHREE"


def test_a_true_conflict_is_the_drivers_conflict(tmp_path: Path) -> None:
    files = {"mod.py": module_with_functions(FUNCS)}
    repo = scenario(tmp_path, files, writes(mod_dot_py=files["mod.py"].replace("return 1", "return 11")),
                    writes(mod_dot_py=files["mod.py"].replace("return 1", "return 22")))
    outcome = same_both_ways(repo)
    assert outcome.attempt is not None and not outcome.attempt.clean
    assert outcome.attempt.files == ("mod.py",)
    assert outcome.attempt.symbols == ("mod.py: beta",)
    text = outcome.texts["mod.py"].decode()
    assert "<<<<<<< left\n" in text and "||||||| base\n" in text and ">>>>>>> right\n" in text


def test_a_conflict_in_one_file_leaves_the_others_merged_and_the_ranking_sees_only_it(tmp_path: Path) -> None:
    files = {"mod.py": module_with_functions(FUNCS), "other.py": module_with_functions(FUNCS)}
    repo = scenario(tmp_path, files,
                    both(appends("left", "other.py"), writes(mod_dot_py=files["mod.py"].replace("return 1", "return 11"))),
                    both(appends("right", "other.py"), writes(mod_dot_py=files["mod.py"].replace("return 1", "return 22"))))
    outcome = same_both_ways(repo)
    assert outcome.attempt is not None and outcome.attempt.files == ("mod.py",)


def test_a_resolver_that_settles_the_conflict_commits_the_whole_merge(tmp_path: Path) -> None:
    files = {"mod.py": module_with_functions(FUNCS), "other.py": module_with_functions(FUNCS)}
    repo = scenario(tmp_path, files,
                    both(appends("left", "other.py"), writes(mod_dot_py=files["mod.py"].replace("return 1", "return 11"))),
                    both(appends("right", "other.py"), writes(mod_dot_py=files["mod.py"].replace("return 1", "return 22"))))

    def choose_ours(worktree: Path, conflicted: tuple[str, ...]) -> tuple[bool, str]:
        for path in conflicted:
            git(worktree, "checkout", "--ours", "--", path)
        git(worktree, "add", "--", *conflicted)
        return True, "ours"

    attempt = contents.merge_in_process(repo, RunnerHome.of(repo).root, "theirs", "merge theirs", choose_ours)
    assert attempt is not None and attempt.clean and attempt.ranked == "ours"
    assert git(repo, "rev-list", "--parents", "-1", "HEAD").count(" ") == 2  # a merge commit
    assert "return 11" in show(repo, "HEAD", "mod.py")
    assert "def right" in show(repo, "HEAD", "other.py") and "def left" in show(repo, "HEAD", "other.py")
    # MERGE_MSG listed only the file left conflicted, as after the driver
    message = git(repo, "log", "-1", "--format=%B")
    assert "mod.py" in message and "other.py" not in message


def test_a_renamed_file_is_merged_at_its_new_path(tmp_path: Path) -> None:
    files = {"mod.py": module_with_functions(FUNCS)}

    def rename_and_append(repo: Path) -> None:
        git(repo, "mv", "mod.py", "renamed.py")
        appends("left", "renamed.py")(repo)

    repo = scenario(tmp_path, files, rename_and_append, appends("right"))
    outcome = same_both_ways(repo)
    assert outcome.attempt is not None and outcome.attempt.clean
    merged = git(repo, "cat-file", "-p", f"{outcome.tree}:renamed.py")
    assert "def left" in merged and "def right" in merged


def test_a_file_both_sides_added_is_merged_without_a_base(tmp_path: Path) -> None:
    repo = scenario(tmp_path, {"mod.py": "x = 1\n"}, writes(new_dot_py="def a():\n    return 1\n"),
                    writes(new_dot_py="def b():\n    return 2\n"))
    outcome = same_both_ways(repo)
    assert outcome.attempt is not None


def test_a_changed_mode_is_kept_by_gits_rule(tmp_path: Path) -> None:
    repo = scenario(tmp_path, {"mod.py": module_with_functions(FUNCS)},
                    both(appends("left"), lambda r: (r / "mod.py").chmod(0o755)), appends("right"))
    outcome = same_both_ways(repo)
    assert outcome.attempt is not None and outcome.attempt.clean
    assert git(repo, "ls-tree", outcome.tree, "mod.py").startswith("100755 ")


def test_a_binary_file_both_sides_changed_stays_a_conflict_with_ours(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"mod.py": "x = 1\n"}, "")
    (repo / "data.bin").write_bytes(b"\0base")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "binary")
    git(repo, "checkout", "-q", "-b", "theirs")
    (repo / "data.bin").write_bytes(b"\0theirs")
    git(repo, "commit", "-q", "-am", "theirs")
    git(repo, "checkout", "-q", "main")
    (repo / "data.bin").write_bytes(b"\0ours")
    git(repo, "commit", "-q", "-am", "ours")
    outcome = same_both_ways(repo)
    assert outcome.attempt is not None and outcome.attempt.files == ("data.bin",)
    assert outcome.texts == {"data.bin": b"\0ours"}


def test_the_repositorys_own_merge_attribute_and_marker_size_are_honoured(tmp_path: Path) -> None:
    files = {
        ".gitattributes": "notes.txt merge=union\nmod.py conflict-marker-size=10\n",
        "notes.txt": "a\n",
        "mod.py": module_with_functions(FUNCS),
    }
    repo = scenario(tmp_path, files,
                    writes(notes_dot_txt="a\nours\n", mod_dot_py=files["mod.py"].replace("return 1", "return 11")),
                    writes(notes_dot_txt="a\ntheirs\n", mod_dot_py=files["mod.py"].replace("return 1", "return 22")))
    outcome = same_both_ways(repo)
    assert outcome.attempt is not None and outcome.attempt.files == ("mod.py",)
    assert b"<<<<<<<<<< left\n" in outcome.texts["mod.py"]


def test_a_modify_delete_conflict_is_handed_to_the_driver(tmp_path: Path) -> None:
    files = {"mod.py": module_with_functions(FUNCS), "gone.py": module_with_functions(FUNCS)}
    repo = scenario(tmp_path, files, both(appends("left"), writes(gone_dot_py=None)),
                    both(appends("right"), appends("right", "gone.py")))
    assert same_both_ways(repo).attempt is None
    # and the runner's merge, which falls back, is the driver's
    attempt = gitops.merge_with_smartmerge(repo, RunnerHome.of(repo).root, ["theirs"], "merge theirs")
    assert not attempt.clean and attempt.files == ("gone.py",)


def test_several_merge_bases_are_handed_to_the_driver(tmp_path: Path) -> None:
    repo = scenario(tmp_path, {"mod.py": module_with_functions(FUNCS)}, appends("left"), appends("right"))
    # a criss-cross: each side merges the other's commit, then both move on
    ours, theirs = git(repo, "rev-parse", "main"), git(repo, "rev-parse", "theirs")
    git(repo, "merge", "-q", "--no-edit", "-s", "ours", theirs)
    git(repo, "checkout", "-q", "theirs")
    git(repo, "merge", "-q", "--no-edit", "-s", "ours", ours)
    git(repo, "checkout", "-q", "main")
    assert len(git(repo, "merge-base", "--all", "main", "theirs").split()) == 2
    assert contents.merge_in_process(repo, RunnerHome.of(repo).root, "theirs", "m", None) is None
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_a_run_integrates_two_appends_in_process_and_still_reports_a_true_conflict(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    repo = make_repo(tmp_path, {"mod.py": module_with_functions(FUNCS)}, f"""
        [run]
        max_parallel = 1
        [tasks.left]
        cmd = "printf '\\n\\ndef left():\\n    return 1\\n' >> mod.py"
        [tasks.right]
        cmd = "printf '\\n\\ndef right():\\n    return 2\\n' >> mod.py"
        [tasks.first]
        cmd = "{sed('return 0', 'return 11')}"
        [tasks.second]
        cmd = "{sed('return 0', 'return 22')}"
        """)
    with caplog.at_level(logging.DEBUG, logger="smartmerge.runner.contents"):
        report = start_run(repo)
    tasks = report.state.tasks
    # whichever of first and second is merged later clashes with the other in alpha
    states = {name: t.state for name, t in tasks.items()}
    assert sorted(states.values()) == ["conflicted", "integrated", "integrated", "integrated"], states
    assert states["left"] == states["right"] == "integrated"
    lost = next(name for name, state in states.items() if state == "conflicted")
    assert "mod.py: alpha" in tasks[lost].reason
    text = show(repo, "main", "mod.py")
    assert "def left" in text and "def right" in text
    assert ("return 11" in text) == (lost == "second") and ("return 22" in text) == (lost == "first")
    merged_here = [r.getMessage() for r in caplog.records if r.name == "smartmerge.runner.contents"]
    assert any(m.startswith("merged mod.py in process: clean") for m in merged_here), merged_here
    assert any(m.startswith("merged mod.py in process: conflict") for m in merged_here), merged_here
