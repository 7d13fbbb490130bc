"""smartmerge replay: merge commits replayed read-only through smartmerge and git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from git_helpers import BASE, Repo, edit, smartmerge


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    import os

    from conftest import GIT_ENV

    os.environ.update(GIT_ENV)  # a module fixture runs before the per-test environment
    repo = Repo(tmp_path_factory.mktemp("history") / "repo")
    repo.commit("base", {"app.py": BASE, "notes.txt": "a\nb\nc\n"})
    # 1: a clean merge, committed as git made it
    repo.git("checkout", "-q", "-b", "t1")
    repo.commit("t1", {"app.py": edit(BASE, "four", "40")})
    repo.git("checkout", "-q", "main")
    repo.commit("m1", {"app.py": edit(BASE, "one", "10")})
    repo.git("merge", "-q", "--no-edit", "t1")
    # 2: a conflict resolved by hand in the merge commit
    current = repo.read("app.py")
    repo.git("checkout", "-q", "-b", "t2")
    repo.commit("t2", {"app.py": edit(current, "two", "22"), "notes.txt": "a\nb\nc2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("m2", {"app.py": edit(current, "two", "20"), "notes.txt": "a0\nb\nc\n"})
    repo.git("merge", "-q", "--no-edit", "t2", check=False)
    repo.commit("merge t2", {"app.py": edit(current, "two", "2022")})
    # local work that replay must not touch
    repo.write("app.py", "uncommitted\n")
    repo.write("notes.txt", "staged\n")
    repo.git("add", "notes.txt")
    return repo


def test_replay_reports_each_file_of_each_merge_and_touches_nothing(history: Repo) -> None:
    status = history.git("status", "--porcelain").stdout
    index = (history.root / ".git" / "index").read_bytes()
    proc = smartmerge("replay", str(history.root))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "2 merges, 3 files changed on both sides" in out
    # merge 1: app.py clean and equal to the commit; merge 2: app.py conflicts (resolved by
    # hand), notes.txt merges clean and equal
    assert "| known language, git clean | git merge-file | 1 | 1 (100.0%) | 1 (100.0%) | 0 (0.0%) | 0 (0.0%) | 0 (0.0%) |" in out
    assert "| known language, git conflict | git merge-file | 1 | 0 (0.0%) | 0 (0.0%) | 0 (0.0%) | 1 (100.0%) | 0 (0.0%) |" in out
    assert "| other, git clean | smartmerge | 1 | 1 (100.0%) | 1 (100.0%) |" in out
    assert "| all | smartmerge | 3 |" in out
    assert history.git("status", "--porcelain").stdout == status
    assert (history.root / ".git" / "index").read_bytes() == index
    assert history.read("app.py") == "uncommitted\n"


def test_replay_limit_and_jobs(history: Repo) -> None:
    one = smartmerge("replay", "--limit", "1", str(history.root))
    assert "1 merges, 2 files" in one.stdout
    parallel = smartmerge("replay", "--jobs", "2", str(history.root))
    assert parallel.returncode == 0, parallel.stderr
    serial = smartmerge("replay", str(history.root))
    table = [line for line in serial.stdout.splitlines() if line.startswith("| ") and "git clean" in line]
    assert table and all(line in parallel.stdout for line in table)


def test_replay_since_a_future_date_finds_nothing(history: Repo) -> None:
    proc = smartmerge("replay", "--since", "2099-01-01", str(history.root))
    assert proc.returncode == 0
    assert "0 merges" in proc.stdout


def test_replay_of_a_folder_that_is_no_repository_fails_cleanly(tmp_path: Path) -> None:
    proc = smartmerge("replay", str(tmp_path))
    assert proc.returncode == 2
    assert "not a git repository" in proc.stderr


def test_replay_details_name_the_files_smartmerge_did_better_or_worse_on(history: Repo) -> None:
    proc = smartmerge("replay", "--details", str(history.root))
    assert proc.returncode == 0, proc.stderr
    # every file here ends the same both ways: git's clean merges are equal, and the
    # hand-resolved conflict is a conflict for both tools
    assert "smartmerge did better on 0 file(s), worse on 0, the same on 3" in proc.stdout


def test_replay_json_has_one_record_per_file_with_a_verdict(history: Repo) -> None:
    proc = smartmerge("replay", "--json", str(history.root))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["merges"] == 2
    records = {(r["path"], r["git"]["clean"]) for r in report["files"]}
    assert records == {("app.py", True), ("app.py", False), ("notes.txt", True)}
    assert all(r["verdict"] == "same" for r in report["files"])
    assert all(len(r["commit"]) == 40 for r in report["files"])


def test_verdict_orders_equal_over_clean_over_conflict_and_a_crash_last() -> None:
    from smartmerge.git.replay import FileReplay, verdict

    def record(smart: tuple[bool, bool], git: tuple[bool, bool], crash: str = "") -> FileReplay:
        return FileReplay("c", "a.py", True, git[0], git[1], 0.0, smart[0], smart[1], 0.0, "structured", crash)

    assert verdict(record((True, True), (False, False))) == "better"
    assert verdict(record((True, False), (True, True))) == "worse"
    assert verdict(record((False, False), (True, False))) == "worse"
    assert verdict(record((False, False), (False, False), crash="boom")) == "worse"
    assert verdict(record((True, True), (True, True))) == "same"


def test_replay_of_a_missing_folder_says_so(tmp_path: Path) -> None:
    proc = smartmerge("replay", str(tmp_path / "nonexistent"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"smartmerge: error: {tmp_path / 'nonexistent'}: no such directory"
