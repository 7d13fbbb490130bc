"""Driver mode (`smartmerge merge --git %O %A %B ...`): the contract with git, and its faults."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from git_helpers import BASE, Repo, add_function, edit, smartmerge

from smartmerge.git.driver import DriverRequest, run_driver
from smartmerge.merging.line_merge import line_merge
from smartmerge.options import MergeOptions
from smartmerge.result import MergeResult


def files(folder: Path, base: str | bytes, ours: str | bytes, theirs: str | bytes) -> list[str]:
    names = []
    for name, text in (("O", base), ("A", ours), ("B", theirs)):
        (folder / name).write_bytes(text.encode() if isinstance(text, str) else text)
        names.append(str(folder / name))
    return names


def driver(repo: Repo, paths: list[str], *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return smartmerge("merge", "--git", *paths, *extra, cwd=repo.root, env=env)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


def test_a_clean_merge_is_written_into_ours_with_exit_0(repo: Repo, tmp_path: Path) -> None:
    paths = files(tmp_path, BASE, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    proc = driver(repo, paths, "-p", "app.py", "-l", "7")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert Path(paths[1]).read_text() == edit(edit(BASE, "one", "10"), "four", "40")
    assert repo.driver_runs("app.py") == 1


def test_conflicts_exit_1_with_markers_of_the_size_git_asks_for(repo: Repo, tmp_path: Path) -> None:
    paths = files(tmp_path, BASE, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    proc = driver(repo, paths, "-p", "app.py", "-l", "9", "-s", "base-rev", "-x", "HEAD", "-y", "topic")
    assert proc.returncode == 1
    text = Path(paths[1]).read_text()
    assert "<<<<<<<<< HEAD\n    return 20\n||||||||| base-rev\n    return 2\n=========\n    return 22\n>>>>>>>>> topic\n" in text
    assert "app.py" in proc.stderr


def test_unexpanded_label_placeholders_become_ours_base_theirs_outside_a_merge(repo: Repo, tmp_path: Path) -> None:
    # no git operation in progress says more (a merge or a rebase would: test_git_operations)
    paths = files(tmp_path, BASE, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    proc = driver(repo, paths, "-p", "app.py", "-l", "7", "-s", "%S", "-x", "%X", "-y", "%Y")
    assert proc.returncode == 1
    text = Path(paths[1]).read_text()
    assert "<<<<<<< ours\n" in text and "||||||| base\n" in text and ">>>>>>> theirs\n" in text
    assert "%" not in text


def test_the_driver_line_asks_for_a_conflict_status_of_its_own(repo: Repo, tmp_path: Path) -> None:
    # how the driver line tells smartmerge's conflicts from a Python that did not start (exit 1)
    paths = files(tmp_path, BASE, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    assert driver(repo, paths, "-p", "app.py", env={"SMARTMERGE_CONFLICT_STATUS": "9"}).returncode == 9
    paths = files(tmp_path, BASE, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    assert driver(repo, paths, "-p", "app.py", env={"SMARTMERGE_CONFLICT_STATUS": "9"}).returncode == 0


def test_a_line_merge_fallback_is_said_even_when_clean(repo: Repo, tmp_path: Path) -> None:
    broken = BASE.replace("def two():", "def two(:")
    paths = files(tmp_path, broken, edit(broken, "one", "10"), edit(broken, "four", "40"))
    proc = driver(repo, paths, "-p", "app.py")
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        "smartmerge: app.py: used git's line merge instead of the structured merge, clean: parse failed: base: "
        + proc.stderr.split("parse failed: base: ", 1)[1].strip()
    ]


def test_smartmerge_0_forces_the_line_merge(repo: Repo, tmp_path: Path) -> None:
    paths = files(tmp_path, BASE, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    proc = driver(repo, paths, "-p", "app.py", env={"SMARTMERGE": "0"})
    assert proc.returncode == 0, proc.stderr
    log = (repo.root / ".git" / "smartmerge" / "driver.log").read_text()
    assert "\tline\tclean\t" in log and "line merge requested" in log


def test_a_file_of_an_unknown_language_gets_gits_line_merge_unchanged(repo: Repo, tmp_path: Path) -> None:
    base, ours, theirs = "a\nb\nc\n", "a\nB\nc\n", "a\nb2\nc\n"
    paths = files(tmp_path, base, ours, theirs)
    (tmp_path / "ours-copy").write_text(ours)
    proc = driver(repo, paths, "-p", "notes.txt")
    git_proc = subprocess.run(
        ["git", "merge-file", "-p", "--diff3", "-L", "ours", "-L", "base", "-L", "theirs",
         str(tmp_path / "ours-copy"), paths[0], paths[2]],
        capture_output=True, check=False,
    )
    assert proc.returncode == 1 == git_proc.returncode
    assert Path(paths[1]).read_bytes() == git_proc.stdout
    assert proc.stderr == ""  # an unknown language is not a fault: nothing to say


def test_a_binary_file_keeps_ours_and_reports_a_conflict(repo: Repo, tmp_path: Path) -> None:
    ours = b"\x00\x01ours\n"
    paths = files(tmp_path, b"\x00\x01base\n", ours, b"\x00\x01theirs\n")
    proc = driver(repo, paths, "-p", "blob.py")
    assert proc.returncode == 1
    assert "binary file" in proc.stderr and "ours left in place" in proc.stderr
    assert Path(paths[1]).read_bytes() == ours


def test_a_missing_base_file_keeps_ours_and_says_so(repo: Repo, tmp_path: Path) -> None:
    paths = files(tmp_path, BASE, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    Path(paths[0]).unlink()
    proc = driver(repo, paths, "-p", "app.py")
    assert proc.returncode == 1
    assert "base (%O)" in proc.stderr and "is missing" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert Path(paths[1]).read_text() == edit(BASE, "one", "10")


def test_an_input_with_conflict_markers_gets_the_line_merge_and_a_message(repo: Repo, tmp_path: Path) -> None:
    marked = edit(BASE, "one", "10") + "<<<<<<< left\nx = 1\n=======\nx = 2\n>>>>>>> right\n"
    paths = files(tmp_path, BASE, marked, edit(BASE, "one", "11"))
    proc = driver(repo, paths, "-p", "app.py")
    assert proc.returncode == 1
    assert "left already contains conflict markers" in proc.stderr
    assert "<<<<<<< ours\n    return 10\n||||||| base\n    return 1\n" in Path(paths[1]).read_text()


def test_the_result_replaces_ours_atomically_and_keeps_its_mode(repo: Repo, tmp_path: Path) -> None:
    paths = files(tmp_path, BASE, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    os.chmod(paths[1], 0o640)
    inode = os.stat(paths[1]).st_ino
    assert driver(repo, paths, "-p", "app.py").returncode == 0
    assert os.stat(paths[1]).st_ino != inode  # renamed into place, never rewritten in place
    assert os.stat(paths[1]).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A", "B", "O", "repo"]  # no temp file left


def test_an_error_inside_the_merge_falls_back_without_a_traceback(repo: Repo, tmp_path: Path) -> None:
    # a real error in a real driver process: the language named does not exist
    ours, theirs = edit(BASE, "one", "10"), edit(BASE, "four", "40")
    paths = files(tmp_path, BASE, ours, theirs)
    proc = driver(repo, paths, "-p", "app.py", "--language", "klingon")
    assert proc.returncode == 0
    assert Path(paths[1]).read_text() == edit(ours, "four", "40")
    assert proc.stderr.startswith("smartmerge: app.py: the merge failed (ConfigError: unknown language 'klingon'")
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def _request(tmp_path: Path, timeout: float = 10.0, grace: float = 5.0) -> DriverRequest:
    paths = files(tmp_path, BASE, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    return DriverRequest(
        Path(paths[0]), Path(paths[1]), Path(paths[2]), "app.py", MergeOptions(timeout=timeout), grace
    )


def test_an_internal_error_falls_back_to_the_line_merge(tmp_path: Path) -> None:
    def broken(*args: object, **kwargs: object) -> MergeResult:
        raise RuntimeError("matcher exploded")

    request = _request(tmp_path)
    outcome = run_driver(request, merge=broken)
    expected = line_merge(BASE.encode(), edit(BASE, "two", "20").encode(), edit(BASE, "two", "22").encode(), MergeOptions())
    assert outcome.text == expected.text
    assert not outcome.clean
    assert any("the merge failed (RuntimeError: matcher exploded)" in m for m in outcome.messages)


def test_a_merge_past_the_time_limit_is_cut_off_and_falls_back(tmp_path: Path) -> None:
    def stuck(*args: object, **kwargs: object) -> MergeResult:
        time.sleep(30)
        raise AssertionError("not reached")

    request = _request(tmp_path, timeout=0.1, grace=0.2)
    started = time.monotonic()
    outcome = run_driver(request, merge=stuck)
    assert time.monotonic() - started < 5
    assert outcome.text is not None and b"<<<<<<< left" in outcome.text  # run_driver takes the labels it is given
    assert any("ran past its time limit" in m for m in outcome.messages)


def test_the_driver_merges_functions_added_on_both_sides(repo: Repo, tmp_path: Path) -> None:
    paths = files(tmp_path, BASE, add_function(BASE, "five"), add_function(BASE, "six"))
    proc = driver(repo, paths, "-p", "app.py")
    assert proc.returncode == 0, proc.stderr
    assert Path(paths[1]).read_text() == add_function(add_function(BASE, "five"), "six")
    assert "smartmerge: resolved 1 conflict in app.py; review with: smartmerge review app.py" in proc.stderr


def test_the_safety_net_still_merges_when_the_driver_itself_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the last line of defence, for failures outside the merge (say, in the review record)
    from smartmerge.git import driver as driver_module

    def failing(request: DriverRequest) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(driver_module, "run_driver", failing)
    request = _request(tmp_path)
    outcome = driver_module.drive(request)
    expected = line_merge(BASE.encode(), edit(BASE, "two", "20").encode(), edit(BASE, "two", "22").encode(), MergeOptions())
    assert outcome.text == expected.text and not outcome.clean
    assert outcome.messages == [
        "smartmerge: app.py: internal error (OSError: disk on fire)",
        "smartmerge: app.py: used git's line merge instead",
    ]
    Path(request.base).unlink()
    outcome = driver_module.drive(request)
    assert outcome.text is None and not outcome.clean
    assert outcome.messages[-1] == "smartmerge: app.py: ours left in place; git reports a conflict"


def test_in_a_linked_worktree_the_merge_is_recorded_under_its_own_git_dir(repo: Repo, tmp_path: Path) -> None:
    (repo.root / "app.py").write_text(BASE)
    repo.git("add", "app.py")
    repo.git("commit", "-qm", "base")
    repo.git("worktree", "add", "-q", str(tmp_path / "linked"))
    paths = files(tmp_path, BASE, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    proc = smartmerge("merge", "--git", *paths, "-p", "app.py", cwd=tmp_path / "linked")
    assert proc.returncode == 0, proc.stderr
    assert "app.py" in (repo.root / ".git" / "worktrees" / "linked" / "smartmerge" / "driver.log").read_text()
    assert not (repo.root / ".git" / "smartmerge" / "driver.log").exists()


def traced_git(folder: Path) -> tuple[dict[str, str], Path]:
    """PATH with a `git` that writes its command (after ``-C FOLDER``) to a file, then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    trace = folder / "git-calls"
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "git"
    wrapper.write_text(f'#!/bin/sh\ncommand=$1\n[ "$1" = -C ] && command=$3\necho "$command" >> "{trace}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, trace


def test_a_clean_merge_asks_git_for_no_labels(repo: Repo, tmp_path: Path) -> None:
    # labels and the conflict style show only in conflicts: a clean merge runs git's line merge, no more
    env, trace = traced_git(tmp_path)
    paths = files(tmp_path, BASE, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    head = repo.commit("base", {"app.py": BASE})
    proc = driver(repo, paths, "-p", "app.py", env={**env, f"GITHEAD_{head}": "topic"})
    assert proc.returncode == 0, proc.stderr
    assert set(trace.read_text().split()) == {"merge-file"}


def test_a_conflict_gets_gits_labels_and_style_when_it_is_written(repo: Repo, tmp_path: Path) -> None:
    env, trace = traced_git(tmp_path)
    repo.git("config", "merge.conflictStyle", "merge")
    head = repo.commit("base", {"app.py": BASE})
    paths = files(tmp_path, BASE, edit(BASE, "two", "20"), edit(BASE, "two", "22"))
    proc = driver(repo, paths, "-p", "app.py", "-l", "7", env={**env, f"GITHEAD_{head}": "topic"})
    assert proc.returncode == 1
    text = Path(paths[1]).read_text()
    # merge style (no base section), the labels of `git merge topic`, no stand-in left
    assert "<<<<<<< HEAD\n    return 20\n=======\n    return 22\n>>>>>>> topic\n" in text
    assert "smartmerge-" not in text and "|||||||" not in text
    assert {"config", "merge-base"} <= set(trace.read_text().split())
