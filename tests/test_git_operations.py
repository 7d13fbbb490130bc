"""Every git operation that merges files, with the driver installed, in real repositories."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from git_helpers import BASE, Repo, add_function, edit, smartmerge

from smartmerge.git.gitcmd import supports_label_placeholders
from smartmerge.git.install import driver_command

BOTH = edit(edit(BASE, "one", "10"), "four", "40")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {"app.py": BASE})
    repo.install()
    return repo


def branch_pair(repo: Repo, left: str, right: str) -> None:
    """main gets ``left``, branch topic gets ``right``, both from the current commit."""
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("right", {"app.py": right})
    repo.git("checkout", "-q", "main")
    repo.commit("left", {"app.py": left})


def test_merge_runs_the_driver_and_commits_a_clean_result(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    proc = repo.git("merge", "--no-edit", "topic")
    assert proc.returncode == 0
    assert repo.read("app.py") == BOTH
    assert repo.driver_runs("app.py") == 1
    assert repo.git("status", "--porcelain").stdout == ""


def test_a_conflicted_merge_leaves_gits_conflict_state_and_the_drivers_markers(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    proc = repo.git("merge", "--no-edit", "topic", check=False)
    assert proc.returncode == 1
    assert "CONFLICT (content): Merge conflict in app.py" in proc.stdout
    assert repo.unmerged() == {"app.py": {1, 2, 3}}
    text = repo.read("app.py")
    # diff3 markers (git's default style is merge: these are smartmerge's) with git's labels
    base = short(repo, repo.git("merge-base", "main", "topic").stdout.strip())
    assert f"<<<<<<< HEAD\n    return 20\n||||||| {base}\n    return 2\n=======\n    return 22\n>>>>>>> topic\n" in text
    assert repo.driver_runs("app.py") == 1


@pytest.mark.skipif(not supports_label_placeholders(), reason="git < 2.44 passes no labels to drivers")
def test_markers_carry_gits_labels(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    repo.git("merge", "--no-edit", "topic", check=False)
    text = repo.read("app.py")
    assert "<<<<<<< HEAD\n" in text and ">>>>>>> topic\n" in text


def test_label_placeholders_that_git_leaves_unexpanded_become_gits_labels(repo: Repo) -> None:
    # the driver line that git 2.44+ gets, run by whatever git is installed
    repo.git("config", "merge.smartmerge.driver", driver_command(labels=True))
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    assert repo.git("merge", "--no-edit", "topic", check=False).returncode == 1
    text = repo.read("app.py")
    assert "%" not in text
    assert "<<<<<<< HEAD\n" in text and ">>>>>>> topic\n" in text


def short(repo: Repo, rev: str) -> str:
    return repo.git("rev-parse", "--short", rev).stdout.strip()


def test_a_rebase_conflict_is_labelled_as_git_labels_it_not_left_and_right(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    replayed = short(repo, "topic")
    repo.git("checkout", "-q", "topic")
    assert repo.git("rebase", "main", check=False).returncode != 0
    text = repo.read("app.py")
    # ours is the branch rebased onto (HEAD), theirs the commit being replayed
    assert (
        f"<<<<<<< HEAD\n    return 20\n||||||| parent of {replayed} (right)\n    return 2\n"
        f"=======\n    return 22\n>>>>>>> {replayed} (right)\n"
    ) in text
    repo.git("rebase", "--abort")


def test_a_rebase_in_a_linked_worktree_is_labelled_too(repo: Repo, tmp_path: Path) -> None:
    # there .git is a file naming the worktree's own git directory, where rebase-merge/ lives
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    replayed = short(repo, "topic")
    linked = tmp_path / "linked"
    repo.git("worktree", "add", "-q", str(linked), "topic")
    proc = subprocess.run(["git", "rebase", "main"], cwd=linked, capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert (linked / ".git").is_file()
    assert f">>>>>>> {replayed} (right)\n" in (linked / "app.py").read_text()


def test_a_cherry_pick_conflict_says_ours_and_theirs(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    assert repo.git("cherry-pick", "topic", check=False).returncode != 0
    text = repo.read("app.py")
    assert "<<<<<<< ours\n    return 20\n||||||| base\n" in text and ">>>>>>> theirs\n" in text


@pytest.mark.parametrize("style", ["merge", "zdiff3", "diff3"])
def test_the_driver_honours_merge_conflict_style(repo: Repo, style: str) -> None:
    repo.git("config", "merge.conflictStyle", style)
    left = BASE.replace("    return 2\n", "    x = 2\n    return 20\n")
    right = BASE.replace("    return 2\n", "    x = 2\n    return 22\n")
    branch_pair(repo, left, right)
    assert repo.git("merge", "--no-edit", "topic", check=False).returncode == 1
    text = repo.read("app.py")
    assert repo.driver_runs("app.py") == 1
    assert ("|||||||" in text) == (style != "merge")
    assert "=======\n    return 22\n>>>>>>> topic\n" in text


def driver_through(repo: Repo, interpreter: Path) -> None:
    repo.git("config", "merge.smartmerge.driver", driver_command(str(interpreter)))


def interpreter_wrapper(tmp_path: Path, *python_flags: str) -> Path:
    """An interpreter of its own path, as a virtual environment's python is: a script
    that runs this test's Python (with ``python_flags``)."""
    wrapper = tmp_path / "venv" / "bin" / "python"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" {" ".join(python_flags)} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def test_a_driver_whose_interpreter_is_gone_falls_back_to_gits_line_merge(repo: Repo, tmp_path: Path) -> None:
    python = interpreter_wrapper(tmp_path)
    driver_through(repo, python)
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    assert repo.git("merge", "--no-edit", "topic", check=False).returncode == 1
    assert repo.driver_runs("app.py") == 1  # the wrapper runs smartmerge while it exists
    repo.git("merge", "--abort")
    shutil.rmtree(python.parent.parent)  # the environment is recreated elsewhere, or deleted
    proc = repo.git("merge", "--no-edit", "topic", check=False)
    assert proc.returncode == 1
    assert repo.driver_runs("app.py") == 1  # smartmerge did not run this time
    assert f"smartmerge: {python} could not run smartmerge" in proc.stderr
    # git's own line merge: markers holding both sides, not ours alone under a conflict
    assert "<<<<<<< ours\n    return 20\n=======\n    return 22\n>>>>>>> theirs\n" in repo.read("app.py")
    assert repo.unmerged() == {"app.py": {1, 2, 3}}


def test_a_driver_whose_interpreter_lacks_smartmerge_merges_cleanly_by_lines(repo: Repo, tmp_path: Path) -> None:
    # -I -S: no site-packages and no PYTHONPATH, so this Python has no smartmerge (exit 1, as
    # a recreated environment where smartmerge is not installed yet)
    driver_through(repo, interpreter_wrapper(tmp_path, "-I", "-S"))
    branch_pair(repo, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    proc = repo.git("merge", "--no-edit", "topic", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No module named smartmerge" in proc.stderr and "could not run smartmerge (exit 1)" in proc.stderr
    assert repo.read("app.py") == BOTH  # both sides' changes, committed
    assert repo.driver_runs("app.py") == 0


def test_rebase_replays_commits_through_the_driver(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    repo.git("checkout", "-q", "topic")
    repo.git("rebase", "-q", "main")
    assert repo.read("app.py") == BOTH
    assert repo.driver_runs("app.py") == 1
    assert repo.git("log", "--format=%s", "-3").stdout.split("\n")[:3] == ["right", "left", "use smartmerge"]


def test_a_conflicting_rebase_stops_with_the_path_unmerged_and_aborts_cleanly(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    repo.git("checkout", "-q", "topic")
    proc = repo.git("rebase", "main", check=False)
    assert proc.returncode != 0
    assert repo.unmerged() == {"app.py": {1, 2, 3}}
    assert "||||||| parent of " in repo.read("app.py")
    repo.git("rebase", "--abort")
    assert repo.read("app.py") == edit(BASE, "two", "22")


def test_cherry_pick_runs_the_driver(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    repo.git("cherry-pick", "topic")
    assert repo.read("app.py") == BOTH
    assert repo.driver_runs("app.py") == 1


def test_a_conflicting_cherry_pick_leaves_the_path_unmerged(repo: Repo) -> None:
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    proc = repo.git("cherry-pick", "topic", check=False)
    assert proc.returncode != 0
    assert repo.unmerged() == {"app.py": {1, 2, 3}}
    assert repo.driver_runs("app.py") == 1


def test_revert_of_an_older_commit_runs_the_driver(repo: Repo) -> None:
    first = repo.commit("one", {"app.py": edit(BASE, "one", "10")})
    repo.commit("four", {"app.py": BOTH})
    repo.git("revert", "--no-edit", first)
    assert repo.read("app.py") == edit(BASE, "four", "40")
    assert repo.driver_runs("app.py") == 1


def test_stash_pop_merges_the_stashed_edit_through_the_driver(repo: Repo) -> None:
    repo.write("app.py", edit(BASE, "one", "10"))
    repo.git("stash", "-q")
    repo.commit("four", {"app.py": edit(BASE, "four", "40")})
    repo.git("stash", "pop", "-q")
    assert repo.read("app.py") == BOTH
    assert repo.driver_runs("app.py") == 1
    assert repo.git("stash", "list").stdout == ""


def test_a_conflicting_stash_pop_keeps_the_stash(repo: Repo) -> None:
    repo.write("app.py", edit(BASE, "two", "20"))
    repo.git("stash", "-q")
    repo.commit("two", {"app.py": edit(BASE, "two", "22")})
    proc = repo.git("stash", "pop", check=False)
    assert proc.returncode != 0
    assert repo.unmerged() == {"app.py": {1, 2, 3}}
    assert repo.git("stash", "list").stdout.count("\n") == 1  # nothing lost


def test_a_criss_cross_merge_runs_the_driver_for_the_virtual_base_too(repo: Repo) -> None:
    # both branches resolve the same conflict the same way in two cross merges, so
    # there are two merge bases and git first merges them into a virtual base
    branch_pair(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    resolved = edit(BASE, "two", "2022")
    repo.git("merge", "--no-edit", "topic", check=False)
    repo.commit("merge topic", {"app.py": resolved})
    repo.git("checkout", "-q", "topic")
    repo.git("merge", "--no-edit", "main~1", check=False)
    repo.commit("merge main", {"app.py": resolved})
    repo.commit("topic: four", {"app.py": edit(resolved, "four", "40")})
    repo.git("checkout", "-q", "main")
    repo.commit("main: one", {"app.py": edit(resolved, "one", "10")})
    assert len(repo.git("merge-base", "--all", "main", "topic").stdout.split()) == 2
    runs_before = repo.driver_runs("app.py")
    proc = repo.git("merge", "--no-edit", "topic", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("app.py") == edit(edit(resolved, "one", "10"), "four", "40")
    # one run to build the virtual base, one for the merge itself
    assert repo.driver_runs("app.py") - runs_before == 2


def test_sigkill_of_the_driver_leaves_ours_and_a_conflict_that_solve_recovers(repo: Repo, tmp_path: Path) -> None:
    # a wrapper that starts the real driver, kills it with SIGKILL while it is still
    # starting up, then dies the same way: git sees a driver killed by a signal
    wrapper = tmp_path / "killed_driver.py"
    wrapper.write_text(
        "import os, signal, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-m', 'smartmerge', 'merge', '--git', *sys.argv[1:]])\n"
        "time.sleep(0.02)\n"
        "child.kill()\n"
        "child.wait()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    repo.git("config", "merge.smartmerge.driver", f'"{sys.executable}" "{wrapper}" %O %A %B -p %P -l %L')
    ours = edit(BASE, "one", "10")
    branch_pair(repo, ours, edit(BASE, "four", "40"))
    proc = repo.git("merge", "--no-edit", "topic", check=False)
    assert proc.returncode != 0
    assert repo.unmerged() == {"app.py": {1, 2, 3}}
    assert repo.read("app.py") == ours  # never a truncated file
    assert list(repo.root.glob(".app.py.*")) == []
    solved = smartmerge("solve", "app.py", cwd=repo.root)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert repo.read("app.py") == BOTH


def test_a_python_file_that_the_engine_cannot_parse_still_merges_by_lines(repo: Repo) -> None:
    broken = BASE.replace("def two():", "def two(:")
    repo.commit("broken", {"app.py": broken})
    branch_pair(repo, edit(broken, "one", "10"), edit(broken, "four", "40"))
    proc = repo.git("merge", "--no-edit", "topic")
    assert proc.returncode == 0
    assert repo.read("app.py") == edit(edit(broken, "one", "10"), "four", "40")
    # not silent: git shows the driver's line saying which input and why
    assert "smartmerge: app.py: used git's line merge instead of the structured merge, clean: parse failed: base: " in proc.stderr


def test_a_binary_file_under_a_python_name_keeps_ours_and_conflicts(repo: Repo) -> None:
    repo.commit("blob", {"data.py": "x = 1\n"})
    (repo.root / "data.py").write_bytes(b"\0ours\n")
    repo.git("checkout", "-q", "-b", "topic")
    (repo.root / "data.py").write_bytes(b"\0theirs\n")
    repo.commit("right")
    repo.git("checkout", "-q", "main")
    (repo.root / "data.py").write_bytes(b"\0ours\n")
    repo.commit("left")
    proc = repo.git("merge", "--no-edit", "topic", check=False)
    assert proc.returncode == 1
    assert (repo.root / "data.py").read_bytes() == b"\0ours\n"  # never a file of NULs and markers
    assert "data.py: binary file; ours left in place" in proc.stderr
    assert repo.unmerged() == {"data.py": {1, 2, 3}}


def test_definitions_both_sides_add_to_a_new_empty_init_merge(repo: Repo) -> None:
    repo.commit("package", {"pkg/__init__.py": ""})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("right", {"pkg/__init__.py": "class Writer:\n    pass\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("left", {"pkg/__init__.py": "def read():\n    return 1\n"})
    proc = repo.git("merge", "--no-edit", "topic", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("pkg/__init__.py") == "def read():\n    return 1\nclass Writer:\n    pass\n"


def test_merge_resolves_functions_added_on_both_sides_where_git_conflicts(repo: Repo) -> None:
    branch_pair(repo, add_function(BASE, "five"), add_function(BASE, "six"))
    proc = repo.git("merge", "--no-edit", "topic", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("app.py") == add_function(add_function(BASE, "five"), "six")
    assert "smartmerge: resolved 1 conflict in app.py; review with: smartmerge review app.py" in proc.stderr
    review = smartmerge("review", "app.py", cwd=repo.root)
    assert review.returncode == 0
    # git's markers are what the review shows as replaced
    assert "-<<<<<<< HEAD\n" in review.stdout and "->>>>>>> topic\n" in review.stdout


def test_rebase_resolves_imports_added_on_both_sides(repo: Repo) -> None:
    branch_pair(repo, BASE.replace("import os\n", "import os\nimport re\n"),
                BASE.replace("import os\n", "import os\nimport sys\n"))
    repo.git("checkout", "-q", "topic")
    proc = repo.git("rebase", "main", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("app.py").startswith("import os\nimport re\nimport sys\n")
