"""smartmerge install / uninstall / doctor, on real repositories."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from git_helpers import Repo, smartmerge

from smartmerge.git.gitcmd import supports_label_placeholders

DRIVER = f'"{sys.executable}" -m smartmerge merge --git %O %A %B -p %P -l %L'
# what install adds to an attributes file it creates
MARKED_LINE = "# added by smartmerge install (smartmerge uninstall removes this and the next line)\n*.py merge=smartmerge\n"


def config(repo: Repo, key: str, *scope: str) -> str:
    return repo.git("config", *scope, "--get", key, check=False).stdout.strip()


def test_install_writes_an_absolute_driver_and_the_attributes_line(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    driver = config(repo, "merge.smartmerge.driver")
    assert driver == (DRIVER + " -s %S -x %X -y %Y" if supports_label_placeholders() else DRIVER)
    assert Path(sys.executable).is_absolute()
    assert repo.read(".gitattributes") == MARKED_LINE
    assert repo.git("check-attr", "merge", "--", "pkg/mod.py").stdout.strip() == "pkg/mod.py: merge: smartmerge"
    assert repo.git("check-attr", "merge", "--", "notes.txt").stdout.strip() == "notes.txt: merge: unspecified"


@pytest.mark.skipif(supports_label_placeholders(), reason="this git expands %S %X %Y")
def test_install_passes_no_label_placeholders_to_a_git_older_than_2_44(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    assert config(repo, "merge.smartmerge.driver") == DRIVER


@pytest.mark.skipif(not supports_label_placeholders(), reason="git < 2.44 passes %S %X %Y literally")
def test_install_passes_the_label_placeholders_when_git_expands_them(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    assert config(repo, "merge.smartmerge.driver") == DRIVER + " -s %S -x %X -y %Y"


def test_installing_twice_changes_nothing(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    before = [(repo.root / name).read_bytes() for name in (".git/config", ".gitattributes")]
    proc = smartmerge("install", cwd=repo.root)
    assert proc.returncode == 0
    assert proc.stdout == f"smartmerge: already installed (repository {repo.root})\n"
    assert [(repo.root / name).read_bytes() for name in (".git/config", ".gitattributes")] == before


def test_uninstall_removes_exactly_what_install_added(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write(".gitattributes", "*.txt text\n*.png binary")  # no final newline on purpose
    repo.git("config", "merge.other.driver", "cat %A")
    before = [(repo.root / name).read_bytes() for name in (".git/config", ".gitattributes")]
    assert smartmerge("install", cwd=repo.root).returncode == 0
    assert (repo.root / ".gitattributes").read_bytes() != before[1]
    proc = smartmerge("uninstall", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "smartmerge: removed merge.smartmerge.driver",
        "smartmerge: removed merge.smartmerge.name",
        f"smartmerge: removed 1 attribute line(s) from {repo.root / '.gitattributes'}",
    ]
    after = [(repo.root / name).read_bytes() for name in (".git/config", ".gitattributes")]
    # the attributes file gains the final newline it lacked; nothing else differs
    assert after[1] == before[1] + b"\n"
    assert after[0] == before[0]
    again = smartmerge("uninstall", cwd=repo.root)
    assert again.returncode == 0
    assert again.stdout == f"smartmerge: nothing to remove (repository {repo.root})\n"


def test_uninstall_deletes_an_attributes_file_it_created(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    smartmerge("uninstall", cwd=repo.root)
    assert not (repo.root / ".gitattributes").exists()
    assert config(repo, "merge.smartmerge.driver") == ""
    assert "smartmerge" not in repo.read(".git/config")


def test_a_line_the_user_wrote_survives_install_and_uninstall(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.write(".gitattributes", "*.py merge=smartmerge\n")
    assert smartmerge("install", cwd=repo.root).returncode == 0
    assert repo.read(".gitattributes") == "*.py merge=smartmerge\n"
    assert smartmerge("uninstall", cwd=repo.root).returncode == 0
    assert repo.read(".gitattributes") == "*.py merge=smartmerge\n"


def test_local_only_writes_the_attributes_into_the_git_dir(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", "--local-only", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert not (repo.root / ".gitattributes").exists()
    assert repo.read(".git/info/attributes") == MARKED_LINE
    assert repo.git("check-attr", "merge", "--", "a.py").stdout.strip() == "a.py: merge: smartmerge"
    assert smartmerge("uninstall", "--local-only", cwd=repo.root).returncode == 0
    assert repo.git("check-attr", "merge", "--", "a.py").stdout.strip() == "a.py: merge: unspecified"


def test_global_install_uses_the_user_config_and_core_attributes_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", "--global", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert (home / ".config" / "git" / "attributes").read_text() == MARKED_LINE
    assert config(repo, "merge.smartmerge.driver", "--global").startswith(f'"{sys.executable}"')
    assert config(repo, "merge.smartmerge.driver", "--local") == ""
    other = Repo(tmp_path / "other")
    assert other.git("check-attr", "merge", "--", "a.py").stdout.strip() == "a.py: merge: smartmerge"
    assert smartmerge("uninstall", "--global", cwd=repo.root).returncode == 0
    assert other.git("check-attr", "merge", "--", "a.py").stdout.strip() == "a.py: merge: unspecified"
    assert not (home / ".config" / "git" / "attributes").exists()


def test_global_install_honours_core_attributes_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    (home / ".gitconfig").write_text("[core]\n\tattributesFile = ~/my-attributes\n")
    proc = smartmerge("install", "--global", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (home / "my-attributes").read_text() == MARKED_LINE


def test_doctor_proves_that_git_runs_the_driver(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    missing = smartmerge("doctor", cwd=repo.root)
    assert missing.returncode == 1
    assert "driver: not configured (merge.smartmerge.driver is unset); run: smartmerge install" in missing.stdout.splitlines()
    assert smartmerge("install", cwd=repo.root).returncode == 0
    proc = smartmerge("doctor", cwd=repo.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert "test merge: git ran the smartmerge driver and the result is right" in lines
    assert "attributes: *.py files in this repository use the smartmerge driver" in lines
    assert not [line for line in lines if line.startswith("problem:")]


def test_doctor_reports_a_driver_whose_interpreter_is_gone(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    repo.git("config", "merge.smartmerge.driver", '"/nonexistent/python" -m smartmerge merge --git %O %A %B -p %P -l %L')
    proc = smartmerge("doctor", cwd=repo.root)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert "problem: the driver's interpreter '/nonexistent/python' is not an executable file" in lines
    # the test merge runs the missing interpreter: git cannot run the driver at all
    assert [line for line in lines if line.startswith("problem: git did not run the smartmerge driver in a test merge")]
    assert not [line for line in lines if line.startswith("test merge:")]


def test_global_and_local_only_exclude_each_other(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", "--global", "--local-only", cwd=repo.root)
    assert proc.returncode == 2
    assert proc.stderr == "smartmerge: error: --global and --local-only exclude each other\n"
    assert config(repo, "merge.smartmerge.driver") == ""


def test_install_languages_adds_every_supported_pattern_and_uninstall_removes_them(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", "--languages", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    attributes = repo.read(".gitattributes")
    assert "*.py merge=smartmerge\n" in attributes
    assert "*.json merge=smartmerge\n" in attributes
    assert repo.git("check-attr", "merge", "--", "src/lib.rs").stdout.strip() == "src/lib.rs: merge: smartmerge"
    assert smartmerge("uninstall", cwd=repo.root).returncode == 0
    assert not (repo.root / ".gitattributes").exists()
