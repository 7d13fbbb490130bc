"""smartmerge solve: re-merge a conflicted file from the index stages or from its markers."""

from __future__ import annotations

from pathlib import Path

import pytest
from git_helpers import BASE, Repo, add_function, edit, smartmerge


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    # no driver installed: git's own merge leaves the conflicts
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {"app.py": BASE})
    return repo


def conflicted_merge(repo: Repo, left: str, right: str) -> None:
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("right", {"app.py": right})
    repo.git("checkout", "-q", "main")
    repo.commit("left", {"app.py": left})
    assert repo.git("merge", "--no-edit", "topic", check=False).returncode == 1


def test_solve_re_merges_from_the_index_stages_and_keeps_a_backup(repo: Repo) -> None:
    conflicted_merge(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    gits_file = repo.read("app.py")
    assert "|||||||" not in gits_file  # git's default style has no base section
    proc = smartmerge("solve", "app.py", cwd=repo.root)
    assert proc.returncode == 1  # a real conflict remains
    assert "conflicts remain" in proc.stdout and "index stages" in proc.stdout
    text = repo.read("app.py")
    # re-merged from the stages: diff3 markers with the labels git had written
    assert "<<<<<<< HEAD\n    return 20\n||||||| base\n    return 2\n=======\n    return 22\n>>>>>>> topic\n" in text
    assert repo.read("app.py.orig") == gits_file


def test_solve_reads_diff3_markers_when_the_stages_are_gone(tmp_path: Path) -> None:
    # both sides made the same change in the conflict: nothing is left to decide
    conflicted = (
        "x = 1\n"
        "<<<<<<< mine\n"
        "y = 3\n"
        "||||||| base\n"
        "y = 2\n"
        "=======\n"
        "y = 3\n"
        ">>>>>>> yours\n"
        "z = 1\n"
    )
    target = tmp_path / "mod.py"
    target.write_text(conflicted)
    proc = smartmerge("solve", "--no-backup", str(target), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "conflict markers in the file" in proc.stdout
    assert target.read_text() == "x = 1\ny = 3\nz = 1\n"
    assert not (tmp_path / "mod.py.orig").exists()


def test_solve_keeps_the_conflict_when_markers_really_disagree(tmp_path: Path) -> None:
    conflicted = "a\n<<<<<<< ours\nb1\n||||||| base\nb\n=======\nb2\n>>>>>>> theirs\nc\n"
    target = tmp_path / "notes.txt"
    target.write_text(conflicted)
    proc = smartmerge("solve", str(target), cwd=tmp_path)
    assert proc.returncode == 1
    assert target.read_text() == conflicted  # the same conflict, written back with the same labels
    assert (tmp_path / "notes.txt.orig").read_text() == conflicted


def test_solve_asks_for_diff3_markers_when_the_base_section_is_missing(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("<<<<<<< ours\na = 1\n=======\na = 2\n>>>>>>> theirs\n")
    proc = smartmerge("solve", str(target), cwd=tmp_path)
    assert proc.returncode == 2
    assert "git checkout --conflict=diff3" in proc.stderr
    assert target.read_text().startswith("<<<<<<< ours")  # untouched


def test_solve_of_a_file_without_conflicts_is_an_error(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("a = 1\n")
    proc = smartmerge("solve", str(target), cwd=tmp_path)
    assert proc.returncode == 2
    assert "nothing to solve" in proc.stderr
    assert target.read_text() == "a = 1\n"


def test_solve_resolves_what_git_left_conflicted(repo: Repo) -> None:
    conflicted_merge(repo, add_function(BASE, "five"), add_function(BASE, "six"))
    proc = smartmerge("solve", "app.py", cwd=repo.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert repo.read("app.py") == add_function(add_function(BASE, "five"), "six")
    assert "git add" in proc.stdout


def test_solving_twice_keeps_the_first_backup_the_original_conflict(repo: Repo) -> None:
    conflicted_merge(repo, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    gits_file = repo.read("app.py")
    assert smartmerge("solve", "app.py", cwd=repo.root).returncode == 1
    first_output = repo.read("app.py")
    assert first_output != gits_file
    assert smartmerge("solve", "app.py", cwd=repo.root).returncode == 1
    assert repo.read("app.py.orig") == gits_file  # not the first solve's output
