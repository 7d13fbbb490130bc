"""smartmerge install / uninstall / doctor, on real repositories."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from git_helpers import BASE, Repo, edit, smartmerge

from smartmerge.git.gitcmd import supports_label_placeholders
from smartmerge.git.install import (
    DRIVER_SIGNATURE,
    driver_command,
    driver_interpreter,
    off_switch_case,
)
from smartmerge.git.off_switch import turned_off

SMARTMERGE_PART = f'"{sys.executable}" -m smartmerge merge --git %O %A %B -p %P -l %L'


def assert_marked_block(text: str) -> None:
    """What install writes into an attributes file it creates: one marked block, a line a pattern."""
    lines = text.splitlines()
    assert lines[0] == "# added by smartmerge install (smartmerge uninstall removes this block)"
    assert lines[-1] == "# end of smartmerge install"
    assert all(line.endswith(" merge=smartmerge") for line in lines[1:-1])
    assert {"*.py merge=smartmerge", "*.pyi merge=smartmerge", "*.pyw merge=smartmerge"} <= set(lines)


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
        f"smartmerge: removed smartmerge's attribute lines from {repo.root / '.gitattributes'}",
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
    assert repo.read(".gitattributes").count("*.py merge=smartmerge") == 1
    assert "*.pyi merge=smartmerge" in repo.read(".gitattributes")
    assert smartmerge("uninstall", cwd=repo.root).returncode == 0
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
    assert_marked_block(repo.read(".git/info/attributes"))
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
    assert_marked_block((home / "my-attributes").read_text())


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


# --- SMARTMERGE=0 in the driver line: git's line merge before Python starts


def recording_interpreter(tmp_path: Path) -> tuple[Path, Path]:
    """An interpreter that notes each run in a file, then runs this test's Python."""
    runs = tmp_path / "python-runs"
    wrapper = tmp_path / "bin" / "python"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{runs}"\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, runs


def runs_of(runs: Path) -> list[str]:
    return runs.read_text().splitlines() if runs.exists() else []


@pytest.fixture
def switch_repo(tmp_path: Path) -> tuple[Repo, Path]:
    """A repository with the driver line that ``smartmerge install`` writes, with a
    recording interpreter, and two branches: clean.py merges cleanly line by
    line, clash.py conflicts (both sides change one function)."""
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {"clean.py": BASE, "clash.py": BASE})
    repo.install()
    installed = config(repo, "merge.smartmerge.driver")
    assert installed == driver_command(sys.executable)
    wrapper, runs = recording_interpreter(tmp_path)
    repo.git("config", "merge.smartmerge.driver", driver_command(str(wrapper)))
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("right", {"clean.py": edit(BASE, "four", "40"), "clash.py": edit(BASE, "two", "22")})
    repo.git("checkout", "-q", "main")
    repo.commit("left", {"clean.py": edit(BASE, "one", "10"), "clash.py": edit(BASE, "two", "20")})
    return repo, runs


def git_merge(repo: Repo, switch: str | None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "SMARTMERGE"}
    if switch is not None:
        env["SMARTMERGE"] = switch
    return subprocess.run(["git", "merge", "--no-edit", "topic"], cwd=repo.root, env=env,
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("switch", ["0", "Off"])
def test_smartmerge_0_merges_a_clean_file_in_the_driver_line_without_python(
    switch_repo: tuple[Repo, Path], switch: str
) -> None:
    repo, runs = switch_repo
    proc = git_merge(repo, switch)
    assert proc.returncode == 1  # clash.py
    assert repo.read("clean.py") == edit(edit(BASE, "one", "10"), "four", "40")
    assert "clean.py" not in repo.unmerged()
    # Python ran for clash.py only (the conflict goes to the driver for its labels), never for clean.py
    ran = runs_of(runs)
    assert len(ran) == 1 and "-p clash.py" in ran[0], ran
    assert repo.driver_runs("clean.py") == 0
    assert repo.driver_runs("clash.py") == 1


def test_smartmerge_0_leaves_a_conflict_with_the_labels_of_the_python_off_switch(
    switch_repo: tuple[Repo, Path],
) -> None:
    repo, _ = switch_repo
    assert git_merge(repo, "0").returncode == 1
    with_switch = repo.read("clash.py")
    log = (repo.root / ".git" / "smartmerge" / "driver.log").read_text()
    assert "\tclash.py\tline\tconflicted\t" in log and "line merge requested" in log
    # the same merge with the line of the previous version, where Python's off switch answered
    repo.git("merge", "--abort")
    older = driver_command(sys.executable).removeprefix(off_switch_case() + "; ")
    repo.git("config", "merge.smartmerge.driver", older)
    assert git_merge(repo, "0").returncode == 1
    assert repo.read("clash.py") == with_switch
    base = repo.git("rev-parse", "--short", "main~1").stdout.strip()
    assert f"<<<<<<< HEAD\n    return 20\n||||||| {base}\n    return 2\n=======\n    return 22\n>>>>>>> topic\n" in with_switch


def test_without_smartmerge_0_the_driver_line_runs_smartmerge(switch_repo: tuple[Repo, Path]) -> None:
    repo, runs = switch_repo
    for switch in (None, "1", " 0"):
        ran_before = len(runs_of(runs))
        git_merge(repo, switch)
        ran = runs_of(runs)[ran_before:]
        # " 0" is off for Python's switch (it strips), which the shell's pattern leaves to it
        assert sorted(line.split(" -p ")[1].split()[0] for line in ran) == ["clash.py", "clean.py"], (switch, ran)
        assert repo.read("clean.py") == edit(edit(BASE, "one", "10"), "four", "40")
        repo.git("merge", "--abort")
    log = (repo.root / ".git" / "smartmerge" / "driver.log").read_text().splitlines()
    clean_lines = [line for line in log if line.split("\t")[1] == "clean.py"]
    assert len(clean_lines) == 3
    assert "line merge requested" not in clean_lines[0] and "line merge requested" in clean_lines[2]


OFF_SPELLINGS = ["0", "off", "OFF", "Off", "false", "False", "FALSE", "no", "No", "NO"]
ON_SPELLINGS = ["", "1", "on", "yes", "offf", "nope"]
# off for Python's switch, which strips: the shell's pattern leaves them to it
SPACED = ["0 ", " off"]


@pytest.mark.parametrize("switch", OFF_SPELLINGS + ON_SPELLINGS + SPACED)
def test_the_driver_lines_case_pattern_is_the_off_switchs_values(tmp_path: Path, switch: str) -> None:
    # the line run by sh as git runs it, %O %A %B replaced by files; the interpreter only
    # notes that it ran: the shell answered when it did not
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\necho ran > "{tmp_path / "ran"}"\nexit 0\n')
    wrapper.chmod(0o755)
    (tmp_path / "O").write_text(BASE)
    (tmp_path / "A").write_text(edit(BASE, "one", "10"))
    (tmp_path / "B").write_text(edit(BASE, "four", "40"))
    line = driver_command(str(wrapper), labels=False).replace("%O", "O").replace("%A", "A").replace("%B", "B")
    line = line.replace("%P", "app.py").replace("%L", "7")
    proc = subprocess.run(["sh", "-c", line], cwd=tmp_path, env={**os.environ, "SMARTMERGE": switch},
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    shell_answered = not (tmp_path / "ran").exists()
    assert shell_answered == (switch in OFF_SPELLINGS)
    assert turned_off({"SMARTMERGE": switch}) == (switch not in ON_SPELLINGS)
    expected = edit(edit(BASE, "one", "10"), "four", "40") if shell_answered else edit(BASE, "one", "10")
    assert (tmp_path / "A").read_text() == expected


def test_the_driver_line_leaves_a_conflict_or_a_binary_file_untouched_to_python(tmp_path: Path) -> None:
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\ncat A > "{tmp_path / "ours-seen"}"\nexit 9\n')
    wrapper.chmod(0o755)
    line = driver_command(str(wrapper), labels=False)
    for name, (base, ours, theirs) in {
        "conflict": (BASE, edit(BASE, "two", "20"), edit(BASE, "two", "22")),
        "binary": (BASE, edit(BASE, "one", "10") + "\0", edit(BASE, "four", "40")),
    }.items():
        for role, text in (("O", base), ("A", ours), ("B", theirs)):
            (tmp_path / role).write_text(text)
        run = line.replace("%O", "O").replace("%A", "A").replace("%B", "B").replace("%P", "app.py").replace("%L", "7")
        proc = subprocess.run(["sh", "-c", run], cwd=tmp_path, env={**os.environ, "SMARTMERGE": "0"},
                              capture_output=True, text=True, check=False)
        # exit 9 is smartmerge's conflict status, which the line turns into git's 1
        assert proc.returncode == 1, (name, proc.stderr)
        assert (tmp_path / "ours-seen").read_text() == ours, name
        assert (tmp_path / "A").read_text() == ours, name


def test_the_driver_line_starts_with_the_off_switch_and_keeps_its_signature() -> None:
    line = driver_command("/opt/my env/bin/python", labels=False)
    assert line.startswith(off_switch_case() + "; ")
    assert line.startswith('case "${SMARTMERGE-}" in ')
    assert DRIVER_SIGNATURE in line
    assert driver_interpreter(line) == "/opt/my env/bin/python"
    # the shell's part uses git's temporary files only, never %P (git quotes it for the shell)
    assert "%P" not in off_switch_case() and "%L" not in off_switch_case()
    assert off_switch_case().count("git merge-file") == 2 and off_switch_case().count("--diff3") == 2


def test_install_updates_a_driver_line_without_the_switch_and_doctor_says_so(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    assert smartmerge("install", cwd=repo.root).returncode == 0
    older = driver_command(sys.executable).removeprefix(off_switch_case() + "; ")
    repo.git("config", "merge.smartmerge.driver", older)
    proc = smartmerge("doctor", cwd=repo.root)
    note = ("note: the driver line is an older one, without the SMARTMERGE=0 switch in the line "
            "(each file then starts Python); run smartmerge install to update it")
    assert note in proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stdout  # an older line still merges right
    update = smartmerge("install", cwd=repo.root)
    assert update.returncode == 0, update.stderr
    assert "updated merge.smartmerge.driver" in update.stdout
    assert config(repo, "merge.smartmerge.driver") == driver_command(sys.executable)
    assert "note:" not in smartmerge("doctor", cwd=repo.root).stdout


def test_doctor_tests_smartmerge_even_with_smartmerge_0_set(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    assert smartmerge("install", cwd=repo.root).returncode == 0
    proc = smartmerge("doctor", cwd=repo.root, env={"SMARTMERGE": "0"})
    assert proc.returncode == 0, proc.stdout
    assert "test merge: git ran the smartmerge driver and the result is right" in proc.stdout.splitlines()


def test_docs_show_the_driver_line_install_writes() -> None:
    documented = next(line for line in (Path(__file__).parent.parent / "docs" / "git.md").read_text().splitlines()
                      if line.startswith("\tdriver = "))
    written = driver_command("/abs/path/to/python", labels=False)
    start, _, rest = written.partition('echo "')
    assert documented.removeprefix("\tdriver = ") == start + 'echo "..." >&2; ' + rest.split('" >&2; ', 1)[1]
