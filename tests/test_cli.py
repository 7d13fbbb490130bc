"""The command line, run as a real subprocess."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
