"""merging/line_merge.py: git merge-file on three files in a private scratch folder,
spawned without subprocess; the internal diff3 when git is missing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from git_helpers import BASE, Repo, edit

from smartmerge.merging.line_merge import line_merge
from smartmerge.options import MergeOptions

CONFLICT = "<<<<<<< left\n    return 20\n||||||| base\n    return 2\n=======\n    return 22\n>>>>>>> right\n"


def merged_in_a_child(tmp_path: Path, env: dict[str, str], value: str = "2") -> tuple[int, str]:
    """line_merge in a fresh interpreter (its git environment is read at import)."""
    code = (
        "import json, sys\n"
        "from smartmerge.merging.line_merge import line_merge\n"
        "from smartmerge.options import MergeOptions\n"
        "base, left, right = (t.encode() for t in json.loads(sys.argv[1]))\n"
        "merged = line_merge(base, left, right, MergeOptions())\n"
        "print(json.dumps([merged.conflicts, merged.text.decode()]))\n"
    )
    texts = [edit(BASE, "two", value), edit(BASE, "two", "20"), edit(BASE, "two", "22")]
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(texts)], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    conflicts, text = json.loads(proc.stdout)
    return conflicts, text


def test_the_folder_it_runs_in_configures_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a repository's merge.conflictStyle must not turn the diff3 markers into merge markers
    repo = Repo(tmp_path / "repo")
    repo.git("config", "merge.conflictStyle", "merge")
    monkeypatch.chdir(repo.root)
    merged = line_merge(BASE.encode(), edit(BASE, "two", "20").encode(), edit(BASE, "two", "22").encode(), MergeOptions())
    assert merged.conflicts == 1
    assert CONFLICT in merged.text.decode()


def test_without_git_on_path_the_internal_diff3_gives_gits_answer(tmp_path: Path) -> None:
    empty = tmp_path / "no-git"
    empty.mkdir()
    with_git = merged_in_a_child(tmp_path, {})
    without = merged_in_a_child(tmp_path, {"PATH": str(empty)})
    assert without == with_git
    assert without[0] == 1 and CONFLICT in without[1]


def test_the_scratch_folder_is_private_and_removed(tmp_path: Path) -> None:
    # a git on PATH that notes the mode of the folder it is run in (-C FOLDER), then runs git
    scratch_root, bin_dir, noted = tmp_path / "tmp", tmp_path / "bin", tmp_path / "modes"
    scratch_root.mkdir()
    bin_dir.mkdir()
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True, check=True).stdout.strip()
    (bin_dir / "git").write_text(
        f"#!{sys.executable}\nimport os, sys\n"
        f"open({str(noted)!r}, 'a').write(oct(os.stat(sys.argv[2]).st_mode & 0o777) + '\\n')\n"
        f"os.execv({real!r}, [{real!r}, *sys.argv[1:]])\n"
    )
    (bin_dir / "git").chmod(0o755)
    conflicts, text = merged_in_a_child(tmp_path, {"TMPDIR": str(scratch_root), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert conflicts == 1 and CONFLICT in text
    assert noted.read_text() == "0o700\n"
    assert list(scratch_root.iterdir()) == []


def test_an_unusable_temporary_folder_leaves_the_choice_to_tempfile(tmp_path: Path) -> None:
    conflicts, text = merged_in_a_child(tmp_path, {"TMPDIR": str(tmp_path / "missing")}, value="3")
    assert conflicts == 1 and "||||||| base\n    return 3\n" in text


def test_a_merge_interrupted_by_the_hard_time_limit_leaves_no_git_behind(tmp_path: Path) -> None:
    # the driver's hard limit raises in the main thread while git runs: git must be
    # killed and reaped, as subprocess.run does, not left running after the driver
    from smartmerge.git.driver import _hard_limit, _HardTimeout
    from smartmerge.spawning import output_of

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("the hard limit is a signal: it reaches the main thread only")
    pid_file = tmp_path / "pid"
    stuck_git = tmp_path / "git"
    stuck_git.write_text(f"#!/bin/sh\necho $$ > {pid_file}.part && mv {pid_file}.part {pid_file}\nexec sleep 600\n")
    stuck_git.chmod(0o755)

    def expire_once_git_runs() -> None:
        for _ in range(6000):  # waits on the file git writes first, for a minute at most
            if pid_file.exists():
                break
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGALRM)  # what the limit's timer sends

    trigger = threading.Thread(target=expire_once_git_runs)
    trigger.start()
    try:
        with pytest.raises(_HardTimeout), _hard_limit(600):
            output_of([str(stuck_git), "merge-file"], os.environ)
    finally:
        trigger.join()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # killed and reaped


def test_git_runs_with_the_signals_python_ignores_at_their_default(tmp_path: Path) -> None:
    # Python ignores SIGPIPE; an ignored signal stays ignored across exec unless the spawn
    # resets it, as subprocess does (a git writing into a closed pipe must die of it)
    from smartmerge.spawning import output_of

    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("reads the child's ignored signals from /proc")
    noted = tmp_path / "ignored"
    fake_git = tmp_path / "git"
    fake_git.write_text(f"#!/bin/sh\ngrep '^SigIgn:' /proc/$$/status > {noted}\n")
    fake_git.chmod(0o755)
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN  # the parent's, as every Python's
    assert output_of([str(fake_git), "merge-file"], os.environ) == (0, b"")
    ignored = int(noted.read_text().split()[1], 16)
    assert not ignored & (1 << (signal.SIGPIPE - 1))
