"""The command line, run as a real subprocess."""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import ROOT, SMARTMERGE

from smartmerge import __version__

EXAMPLES = ROOT / "examples"
# the shipped example merged: both sides added an import to one sorted block, left
# changed greet, right farewell, and each added a function at the end
EXAMPLE_MERGED = b'''import json
import os
import re
import sys


def greet(name):
    return "Hello, " + name + "!"


def farewell(name, polite=False):
    if polite:
        return "Goodbye, " + name
    return "Bye " + name


def wave(name):
    return "o/ " + name


def nod(name):
    return "*nods at* " + name
'''


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*SMARTMERGE, *args], capture_output=True, cwd=cwd, check=False)


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.decode() == f"smartmerge {__version__}\n"


def test_short_and_long_form_give_the_same_merge() -> None:
    files = [str(EXAMPLES / f"{n}.py") for n in ("Base", "Left", "Right")]
    short = run(*files)
    long = run("merge", *files)
    assert short.returncode == long.returncode == 0
    assert short.stdout == long.stdout == EXAMPLE_MERGED


def test_file_named_like_a_command_needs_the_long_form(tmp_path: Path) -> None:
    for name, text in (("merge", "x = 1\n\n\n\ny = 2\n"), ("left", "x = 10\n\n\n\ny = 2\n"), ("right", "x = 1\n\n\n\ny = 20\n")):
        (tmp_path / name).write_text(text)
    proc = run("merge", "merge", "left", "right", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"x = 10\n\n\n\ny = 20\n"


def test_missing_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text("x = 1\n")
    proc = run(str(tmp_path / "b.py"), str(tmp_path / "nope.py"), str(tmp_path / "b.py"))
    assert proc.returncode == 2
    err = proc.stderr.decode().strip()
    assert err == f"smartmerge: error: left file {tmp_path / 'nope.py'}: no such file"


def test_output_file_is_written_and_stdout_stays_empty(tmp_path: Path) -> None:
    files = [str(EXAMPLES / f"{n}.py") for n in ("Base", "Left", "Right")]
    out = tmp_path / "out.py"
    proc = run(*files, "-o", str(out))
    assert proc.stdout == b""
    assert out.read_bytes() == EXAMPLE_MERGED
    assert proc.returncode == 0


def test_help_mentions_the_long_form() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    assert b"smartmerge merge" in proc.stdout


# --- -o writes what the path names, and a failed write is one line, exit 2

def merge_into(out: Path, *extra: str, umask: int | None = None) -> subprocess.CompletedProcess[bytes]:
    files = [str(EXAMPLES / f"{n}.py") for n in ("Base", "Left", "Right")]
    setter = (lambda: os.umask(umask) and None) if umask is not None else None
    return subprocess.run([*SMARTMERGE, *files, "-o", str(out), *extra], capture_output=True, check=False, preexec_fn=setter)


MERGED_START = b"import json\nimport os\nimport re\nimport sys\n"


def test_output_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "target.py"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "link.py"
    link.symlink_to("target.py")
    proc = merge_into(link)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == "target.py"
    assert target.read_bytes().startswith(MERGED_START)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_a_new_output_file_gets_the_mode_the_umask_gives(tmp_path: Path, umask: int, mode: int) -> None:
    out = tmp_path / "new.py"
    assert merge_into(out, umask=umask).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_an_existing_output_file_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "script.py"
    out.write_text("old\n")
    os.chmod(out, 0o751)
    assert merge_into(out, umask=0o077).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o751
    assert out.read_bytes().startswith(MERGED_START)


def test_output_into_a_fifo_writes_through_it_and_leaves_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read)
    reader.start()
    proc = merge_into(fifo)
    reader.join()
    assert proc.returncode == 0, proc.stderr
    assert received[0].startswith(MERGED_START)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the pipe, not a regular file in its place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_write_failure_is_one_line_and_exit_2_and_the_device_stays() -> None:
    # writing *through* /dev/full is safe: the write fails; the node must still be a device
    proc = merge_into(Path("/dev/full"))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.splitlines() == ["smartmerge: error: output file /dev/full: cannot write: No space left on device"]
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_that_cannot_be_written_is_one_line_and_exit_2() -> None:
    files = [str(EXAMPLES / f"{n}.py") for n in ("Base", "Left", "Right")]
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([*SMARTMERGE, *files], stdout=full, stderr=subprocess.PIPE, check=False)
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == ["smartmerge: error: cannot write to standard output: No space left on device"]


def test_a_binary_input_is_refused_like_git_merge_file(tmp_path: Path) -> None:
    (tmp_path / "base.py").write_text("x = 1\n")
    (tmp_path / "left.py").write_bytes(b"x = 1\n\0\1\2")
    (tmp_path / "right.py").write_text("x = 2\n")
    out = tmp_path / "out.py"
    proc = run(*(str(tmp_path / n) for n in ("base.py", "left.py", "right.py")), "-o", str(out))
    assert proc.returncode == 2
    err = proc.stderr.decode().splitlines()
    assert len(err) == 1 and "cannot merge binary files: left file" in err[0] and "left.py" in err[0]
    assert not out.exists()
    git = subprocess.run(["git", "merge-file", "-p", *(str(tmp_path / n) for n in ("left.py", "base.py", "right.py"))],
                         capture_output=True, check=False)
    assert git.returncode != 0 and b"Cannot merge binary files" in git.stderr


# --- a fallback to the line merge is said, without -v, naming the input and the reason

def three(tmp_path: Path, base: bytes, left: bytes, right: bytes) -> list[str]:
    names = []
    for name, data in (("base.py", base), ("left.py", left), ("right.py", right)):
        (tmp_path / name).write_bytes(data)
        names.append(str(tmp_path / name))
    return names


BASE_TEXT = b"def one():\n    return 1\n\n\ndef two():\n    return 2\n"


@pytest.mark.parametrize(
    "left, right, said",
    [
        (BASE_TEXT.replace(b"1", b"10") + b"# caf\xe9\n", BASE_TEXT.replace(b"2", b"20"), "left is not UTF-8"),
        (BASE_TEXT.replace(b"1", b"10"), BASE_TEXT + b"<<<<<<< a\nx\n=======\ny\n>>>>>>> b\n", "right already contains conflict markers"),
        (BASE_TEXT.replace(b"1", b"10"), BASE_TEXT.replace(b"return 2", b"return (2"), "parse failed: right: "),
    ],
    ids=["not-utf8", "markers", "parse-failure"],
)
def test_a_fallback_to_the_line_merge_is_one_line_naming_the_input(tmp_path: Path, left: bytes, right: bytes, said: str) -> None:
    proc = run(*three(tmp_path, BASE_TEXT, left, right))
    err = proc.stderr.decode().splitlines()
    assert len(err) == 1, err
    assert "used git's line merge instead of the structured merge" in err[0] and said in err[0]


def test_a_structured_merge_says_nothing_and_verbose_reads_naturally(tmp_path: Path) -> None:
    # both sides append a function: git conflicts, the structure merges
    files = three(tmp_path, BASE_TEXT, BASE_TEXT + b"\n\ndef three():\n    return 3\n", BASE_TEXT + b"\n\ndef four():\n    return 4\n")
    assert run(*files).stderr == b""
    err = run(*files, "-v").stderr.decode().splitlines()
    assert err[-1] == (
        f"smartmerge: {files[1]}: merged structurally: the result parses and keeps every change of both sides"
    )


def test_gits_clean_merge_that_is_sound_says_nothing_and_verbose_says_it_was_checked(tmp_path: Path) -> None:
    # each side edits another function: git's line merge, checked, is the result (no fallback to tell)
    files = three(tmp_path, BASE_TEXT, BASE_TEXT.replace(b"1", b"10"), BASE_TEXT.replace(b"2", b"20"))
    assert run(*files).stderr == b""
    err = run(*files, "-v").stderr.decode().splitlines()
    assert err[-1] == (
        f"smartmerge: {files[1]}: merged by git's line merge, clean and checked: it parses, compiles, reads no "
        "name that nothing binds, defines none twice and repeats no line"
    )


def test_an_unknown_language_is_no_fault_and_says_nothing(tmp_path: Path) -> None:
    names = []
    for name, text in (("b.txt", "a\nb\nc\n"), ("l.txt", "A\nb\nc\n"), ("r.txt", "a\nb\nC\n")):
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    proc = run(*names)
    assert proc.returncode == 0 and proc.stderr == b"" and proc.stdout == b"A\nb\nC\n"


@pytest.mark.parametrize(
    "style, expected",
    [
        ("diff3", "<<<<<<< left\n    x = 1\n    return 10\n||||||| base\n    return 1\n=======\n    x = 1\n    return 11\n>>>>>>> right\n"),
        # git's merge style, as git merge-file writes it, also leaves shared lines out
        ("merge", "    x = 1\n<<<<<<< left\n    return 10\n=======\n    return 11\n>>>>>>> right\n"),
        ("zdiff3", "    x = 1\n<<<<<<< left\n    return 10\n||||||| base\n    return 1\n=======\n    return 11\n>>>>>>> right\n"),
    ],
)
def test_conflict_styles(tmp_path: Path, style: str, expected: str) -> None:
    left = BASE_TEXT.replace(b"    return 1\n", b"    x = 1\n    return 10\n")
    right = BASE_TEXT.replace(b"    return 1\n", b"    x = 1\n    return 11\n")
    # git's diff3 keeps the shared line inside the conflict; zdiff3 moves it out
    proc = run(*three(tmp_path, BASE_TEXT, left, right), "--conflict-style", style, "--line-merge")
    assert proc.returncode == 1
    assert expected in proc.stdout.decode()


def test_the_structured_merge_writes_the_conflict_style_too(tmp_path: Path) -> None:
    files = three(tmp_path, BASE_TEXT, BASE_TEXT.replace(b"return 1", b"return 10"), BASE_TEXT.replace(b"return 1", b"return 11"))
    merge_style = run(*files, "--conflict-style", "merge").stdout.decode()
    assert "<<<<<<< left\n    return 10\n=======\n    return 11\n>>>>>>> right\n" in merge_style
    assert "|||||||" not in merge_style
    assert "||||||| base\n    return 1\n" in run(*files).stdout.decode()
    bad = run(*files, "--conflict-style", "fancy")
    assert bad.returncode == 2 and "--conflict-style: expected one of diff3, merge, zdiff3" in bad.stderr.decode()


# --- help

def test_help_is_conventional_for_every_command() -> None:
    import typer

    from smartmerge.cli import Command, app

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]  # a Group's
    assert {"merge", "install", "solve", "replay", "run"} <= set(commands)
    for name, command in commands.items():
        # a command joins with @app.command(NAME, cls=Command, rich_help_panel=GROUP)
        assert isinstance(command, Command), name
        assert getattr(command, "rich_help_panel", None), name
    for command in ("", *commands):
        proc = run(*([command] if command else []), "--help")
        assert proc.returncode == 0, command
        text = proc.stdout.decode()
        for typer_metavar in ("<bool>", "<str>", "<path>", "<int", "<float", "list[", "{"):
            assert typer_metavar not in text, (command, typer_metavar)
    merge = run("merge", "--help").stdout.decode()
    assert "Usage: smartmerge merge [OPTIONS] BASE LEFT RIGHT" in merge
    assert "-o, --output FILE" in merge and "-v, --verbose  " in merge and "--line-merge  " in merge
    assert "Usage: smartmerge solve [OPTIONS] FILES..." in run("solve", "--help").stdout.decode()


def test_help_groups_merge_commands_apart_from_the_runner_and_names_the_languages() -> None:
    text = run("--help").stdout.decode()
    assert "Python, JavaScript, TypeScript, Go, Rust" in " ".join(text.split())
    merging, runner = text.index("Merging:"), text.index("Runner")
    assert merging < text.index("  merge ") < text.index("  solve ") < runner < text.index("  run ")
    assert text.index("  install ") < runner


def test_a_misspelt_command_is_named_with_a_suggestion(tmp_path: Path) -> None:
    proc = run("instal", cwd=tmp_path)
    assert proc.returncode == 2
    assert "No such command 'instal'. Did you mean 'install'?" in proc.stderr.decode()
    # a file of that name is a merge's base, as before
    (tmp_path / "instal").write_text("x = 1\n")
    proc = run("instal", "instal", "instal", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == b"x = 1\n"
