"""smartmerge review: what the driver resolved, next to git's line merge."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from git_helpers import BASE, Repo, add_function, smartmerge

from smartmerge.git import review
from smartmerge.merging.line_merge import line_merge
from smartmerge.options import MergeOptions


def record(repo: Repo, path: str) -> None:
    base, left, right = BASE.encode(), add_function(BASE, "five").encode(), add_function(BASE, "six").encode()
    merged = add_function(add_function(BASE, "five"), "six").encode()
    line = line_merge(base, left, right, MergeOptions())
    assert line.conflicts == 1
    review.save(repo.root / ".git", review.ReviewRecord(path, base, left, right, merged, line.text, 1, time.time()))


@pytest.mark.parametrize("path", ["app.py", "pkg/app.py", "a b/c%d.py", "ünï/cödé.py", "~x_y-z.py", "a+b=c&d?.py", ""])
def test_a_records_folder_is_named_as_urllib_quotes_the_path(path: str) -> None:
    # records saved before the driver dropped urllib are found again
    from urllib.parse import quote

    assert review.folder_name(path) == quote(path, safe="")


def test_review_shows_the_resolution_against_the_line_merge(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    record(repo, "pkg/app.py")
    (repo.root / "pkg").mkdir()
    proc = smartmerge("review", "pkg/app.py", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert "resolved 1 conflict(s) in pkg/app.py" in proc.stdout
    assert "-<<<<<<< left\n" in proc.stdout and "-||||||| base\n" in proc.stdout and "->>>>>>> right\n" in proc.stdout
    # from inside a subfolder the path is still the repository path
    inside = smartmerge("review", "app.py", cwd=repo.root / "pkg")
    assert inside.stdout == proc.stdout


def test_review_lists_and_clears_the_records(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    record(repo, "a.py")
    record(repo, "pkg/b.py")
    assert smartmerge("review", cwd=repo.root).stdout.split() == ["a.py", "pkg/b.py"]
    assert "forgot 2" in smartmerge("review", "--clear", cwd=repo.root).stdout
    assert smartmerge("review", cwd=repo.root).stdout == ""


def test_review_of_a_file_without_a_record_says_so(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("review", "other.py", cwd=repo.root)
    assert proc.returncode == 2
    assert "recorded no resolutions" in proc.stderr


def test_the_driver_log_stays_bounded(tmp_path: Path) -> None:
    git_dir = tmp_path / ".git"
    line = "x" * 1000
    for _ in range(2 * review.DRIVER_LOG_MAX_BYTES // 1000):
        review.append_log(git_dir, line)
    size = (git_dir / review.DRIVER_LOG).stat().st_size
    assert size <= review.DRIVER_LOG_MAX_BYTES + 1001
    assert all(entry == line for entry in (git_dir / review.DRIVER_LOG).read_text().splitlines())
