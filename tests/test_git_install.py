"""smartmerge install / uninstall / doctor, on real repositories."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
from git_helpers import Repo, smartmerge

from smartmerge.git.gitcmd import supports_label_placeholders
from smartmerge.git.install import driver_interpreter

SMARTMERGE_PART = f'"{sys.executable}" -m smartmerge merge --git %O %A %B -p %P -l %L'


def config(repo: Repo, key: str, *scope: str) -> str:
    return repo.git("config", *scope, "--get", key, check=False).stdout.strip()


def test_install_writes_an_absolute_driver_and_the_attributes_of_every_language(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    driver = config(repo, "merge.smartmerge.driver")
    assert SMARTMERGE_PART in driver
    assert driver_interpreter(driver) == sys.executable and Path(sys.executable).is_absolute()
    attributes = repo.read(".gitattributes")
    for pattern in ("*.py", "*.pyi", "*.pyw", "*.js", "*.ts", "*.go", "*.rs", "*.java", "*.json", "*.yaml", "*.toml",
                    "requirements.txt"):
        assert f"{pattern} merge=smartmerge\n" in attributes, pattern
    for path in ("pkg/mod.py", "stubs/mod.pyi", "src/lib.rs", "web/app.tsx", "package.json"):
        assert repo.git("check-attr", "merge", "--", path).stdout.strip() == f"{path}: merge: smartmerge"
    assert repo.git("check-attr", "merge", "--", "notes.txt").stdout.strip() == "notes.txt: merge: unspecified"
    # it says what it wrote, and that the attributes are for committing
    assert f"attribute line(s) to {repo.root / '.gitattributes'}: *.go" in proc.stdout
    assert "commit .gitattributes" in proc.stdout


def test_install_languages_narrows_to_the_languages_named(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    proc = smartmerge("install", "--languages", "python, go", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert "4 attribute line(s)" in proc.stdout
    assert repo.git("check-attr", "merge", "--", "a.pyi").stdout.strip() == "a.pyi: merge: smartmerge"
    assert repo.git("check-attr", "merge", "--", "main.go").stdout.strip() == "main.go: merge: smartmerge"
    assert repo.git("check-attr", "merge", "--", "lib.rs").stdout.strip() == "lib.rs: merge: unspecified"
    bad = smartmerge("install", "--languages", "klingon", cwd=repo.root)
    assert bad.returncode == 2 and "unknown language 'klingon'" in bad.stderr and "python" in bad.stderr


@pytest.mark.skipif(supports_label_placeholders(), reason="this git expands %S %X %Y")
def test_install_passes_no_label_placeholders_to_a_git_older_than_2_44(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    driver = config(repo, "merge.smartmerge.driver")
    assert "%S" not in driver and "%X" not in driver


@pytest.mark.skipif(not supports_label_placeholders(), reason="git < 2.44 passes %S %X %Y literally")
def test_install_passes_the_label_placeholders_when_git_expands_them(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    assert SMARTMERGE_PART + " -s %S -x %X -y %Y" in config(repo, "merge.smartmerge.driver")


def test_installing_twice_changes_nothing(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    before = [(repo.root / name).read_bytes() for name in (".git/config", ".gitattributes")]
    proc = smartmerge("install", cwd=repo.root)
    assert proc.returncode == 0
    assert "already installed" in proc.stdout
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
    assert "removed merge.smartmerge.driver" in proc.stdout
    after = [(repo.root / name).read_bytes() for name in (".git/config", ".gitattributes")]
    # the attributes file gains the final newline it lacked; nothing else differs
    assert after[1] == before[1] + b"\n"
    assert after[0] == before[0]
    assert "nothing to remove" in smartmerge("uninstall", cwd=repo.root).stdout


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
    smartmerge("install", cwd=repo.root)
    assert repo.read(".gitattributes").count("*.py merge=smartmerge") == 1
    assert "*.pyi merge=smartmerge" in repo.read(".gitattributes")
    smartmerge("uninstall", cwd=repo.root)
    assert repo.read(".gitattributes") == "*.py merge=smartmerge\n"


def test_uninstall_removes_the_lines_an_earlier_version_installed(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    old_comment = "# added by smartmerge install (smartmerge uninstall removes this and the next line)"
    repo.write(".gitattributes", f"*.txt text\n{old_comment}\n*.py merge=smartmerge\n{old_comment}\n*.json merge=smartmerge\n")
    repo.git("config", "merge.smartmerge.name", "smartmerge: structured merge of Python files")
    repo.git("config", "merge.smartmerge.driver", f"{SMARTMERGE_PART}")
    proc = smartmerge("uninstall", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert repo.read(".gitattributes") == "*.txt text\n"
    assert "smartmerge" not in repo.read(".git/config")


def test_local_only_writes_the_attributes_into_the_git_dir(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", "--local-only", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert not (repo.root / ".gitattributes").exists()
    assert "*.py merge=smartmerge" in repo.read(".git/info/attributes")
    assert repo.git("check-attr", "merge", "--", "a.py").stdout.strip() == "a.py: merge: smartmerge"
    smartmerge("uninstall", "--local-only", cwd=repo.root)
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
    assert "*.py merge=smartmerge" in (home / ".config" / "git" / "attributes").read_text()
    assert driver_interpreter(config(repo, "merge.smartmerge.driver", "--global")) == sys.executable
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
    assert "*.py merge=smartmerge" in (home / "my-attributes").read_text()


def test_doctor_proves_that_git_runs_the_driver(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    missing = smartmerge("doctor", cwd=repo.root)
    assert missing.returncode == 1
    assert "not configured" in missing.stdout
    smartmerge("install", cwd=repo.root)
    proc = smartmerge("doctor", cwd=repo.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "git ran the smartmerge driver" in proc.stdout
    assert "*.py files in this repository use the smartmerge driver" in proc.stdout


def test_doctor_reports_a_driver_whose_interpreter_is_gone(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    smartmerge("install", cwd=repo.root)
    repo.git("config", "merge.smartmerge.driver", '"/nonexistent/python" -m smartmerge merge --git %O %A %B -p %P -l %L')
    proc = smartmerge("doctor", cwd=repo.root)
    assert proc.returncode == 1
    assert "'/nonexistent/python' is not an executable file" in proc.stdout
    assert "git did not run the smartmerge driver" in proc.stdout or "wrong result" in proc.stdout


def test_global_and_local_only_exclude_each_other(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", "--global", "--local-only", cwd=repo.root)
    assert proc.returncode == 2
    assert "exclude each other" in proc.stderr
    assert config(repo, "merge.smartmerge.driver") == ""


def test_install_jj_writes_a_jujutsu_merge_tool_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("JJ_CONFIG", raising=False)
    jj_config = tmp_path / "xdg" / "jj" / "config.toml"
    jj_config.parent.mkdir(parents=True)
    jj_config.write_text('[user]\nname = "Someone"\n')
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", "--jj", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote [merge-tools.smartmerge] to {jj_config}" in proc.stdout
    parsed = tomllib.loads(jj_config.read_text())
    assert parsed["user"] == {"name": "Someone"}
    tool = parsed["merge-tools"]["smartmerge"]
    assert tool["program"] == sys.executable
    args = tool["merge-args"]
    assert args[:3] == ["-m", "smartmerge", "merge"]
    assert args[3:6] == ["$base", "$left", "$right"] and args[args.index("-o") + 1] == "$output"
    assert tool["merge-conflict-exit-codes"] == [1]
    before = jj_config.read_text()
    assert smartmerge("install", "--jj", cwd=repo.root).returncode == 0
    assert jj_config.read_text() == before
    assert smartmerge("uninstall", "--jj", cwd=repo.root).returncode == 0
    assert jj_config.read_text() == '[user]\nname = "Someone"\n'


def test_install_jj_refuses_a_tool_entry_it_did_not_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jj_config = tmp_path / "jj.toml"
    jj_config.write_text('[merge-tools.smartmerge]\nprogram = "mine"\n')
    monkeypatch.setenv("JJ_CONFIG", str(jj_config))
    repo = Repo(tmp_path / "repo")
    proc = smartmerge("install", "--jj", cwd=repo.root)
    assert proc.returncode == 2 and "already defines [merge-tools.smartmerge]" in proc.stderr
    assert jj_config.read_text() == '[merge-tools.smartmerge]\nprogram = "mine"\n'
