"""The merge command without typer: same answers as typer's merge command, fewer imports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SMARTMERGE
from git_helpers import BASE, Repo, add_function, edit

from smartmerge.cli import app
from smartmerge.merge_command import COMMANDS, MergeRequest, merge_request, pathlib_form

EXAMPLES = ROOT / "examples"
# typer's own merge command, the reference the lean path must match
TYPER = [sys.executable, "-c", "import sys; from smartmerge.cli import main; main(sys.argv[1:])"]


def run(command: list[str], *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*command, *args], capture_output=True, cwd=cwd, check=False, env={**os.environ, **(env or {})})


def test_the_lean_path_knows_every_command_of_the_app() -> None:
    import typer.main

    group = typer.main.get_command(app)
    assert set(group.commands) == COMMANDS  # type: ignore[attr-defined]  # a TyperGroup has commands


@pytest.mark.parametrize(
    "argv",
    [
        ["merge", "b", "l"],  # a side missing
        ["merge", "b", "l", "r", "extra"],
        ["merge", "b", "l", "r", "-l", "0"],  # typer's min=1
        ["merge", "b", "l", "r", "--timeout", "0.01"],  # typer's min=0.1
        ["merge", "b", "l", "r", "--timeout", "soon"],
        ["merge", "b", "l", "r", "--no-such-option"],
        ["merge", "b", "l", "r", "--line"],  # no abbreviations: click takes none
        ["merge", "b", "l", "r", "--git=yes"],
        ["merge", "--help"],
        ["--help"],
        ["--version"],
        ["install"],
        ["languages", "--gitattributes"],
        [],
    ],
)
def test_what_is_not_a_well_formed_merge_goes_to_typer(argv: list[str]) -> None:
    assert merge_request(argv) is None


def test_every_option_is_read_as_typer_reads_it() -> None:
    argv = ["merge", "b", "-o", "out", "l", "r", "-s", "S", "-x", "X", "-y", "Y", "-l9", "-p", "a/b.py",
            "--language", "python", "--timeout", "3", "--conflict-style", "zdiff3", "--line-merge", "-v", "--git",
            "--json"]
    assert merge_request(argv) == MergeRequest(
        "b", "l", "r", "out", "S", "X", "Y", 9, "a/b.py", "python", 3.0, "zdiff3", True, True, True, True,
    )
    assert merge_request(["merge", "merge", "left", "right"]) == MergeRequest("merge", "left", "right")


@pytest.mark.parametrize("path", ["a.py", "./a.py", "dir//sub/./a.py", "dir/", "/abs/a.py", "//net/a.py", "///a.py", ".", "", "a/.."])
def test_the_files_are_named_as_pathlib_names_them(path: str) -> None:
    # messages, --json and the language name the files as they did when the request held Paths
    assert pathlib_form(path) == str(Path(path))


def test_the_short_form_is_taken_when_its_first_word_is_a_file_or_an_option(tmp_path: Path) -> None:
    base = tmp_path / "b.py"
    base.write_text("x = 1\n")
    assert merge_request([str(base), "l", "r"]) == MergeRequest(str(base), "l", "r")
    assert merge_request(["-v", str(base), "l", "r"]) == MergeRequest(str(base), "l", "r", verbose=True)
    # no such file: typer answers (a misspelt command gets its "did you mean")
    assert merge_request([str(tmp_path / "instal"), "l", "r"]) is None


@pytest.mark.parametrize(
    "args",
    [
        [],  # a clean merge on stdout
        ["--line-merge", "-v"],
        ["-l", "9", "-s", "B", "-x", "L", "-y", "R", "--timeout", "2"],
        ["--language", "no-such-language"],  # bad input: exit 2, one line
        ["-l", "0"],  # bad usage: typer's message
        ["--conflict-style", "zdiff3", "--json"],
        ["--conflict-style", "fancy"],  # refused by run_merge, in one place for both
    ],
)
def test_python_m_smartmerge_answers_as_typers_merge_command(args: list[str]) -> None:
    files = [str(EXAMPLES / f"{n}.py") for n in ("Base", "Left", "Right")]
    lean = run(SMARTMERGE, "merge", *files, *args)
    reference = run(TYPER, "merge", *files, *args)
    assert (lean.returncode, lean.stdout) == (reference.returncode, reference.stdout)
    # -v logs stage times: the same lines, other numbers
    assert re.sub(rb"[0-9.]+ ms", b"", lean.stderr) == re.sub(rb"[0-9.]+ ms", b"", reference.stderr)


def test_a_conflict_and_a_missing_file_answer_as_typer_does(tmp_path: Path) -> None:
    paths = []
    for name, text in (("O.py", BASE), ("A.py", edit(BASE, "two", "20")), ("B.py", edit(BASE, "two", "22"))):
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    for args in (paths, [paths[0], paths[1], str(tmp_path / "nope.py")], [paths[0], paths[1], str(tmp_path)]):
        lean, reference = run(SMARTMERGE, *args), run(TYPER, *args)
        assert (lean.returncode, lean.stdout, lean.stderr) == (reference.returncode, reference.stdout, reference.stderr)
    assert run(SMARTMERGE, *paths).returncode == 1


def test_help_is_typers(tmp_path: Path) -> None:
    for args in (["--help"], ["merge", "--help"]):
        proc = run(SMARTMERGE, *args)
        assert proc.returncode == 0
        assert b"Usage: smartmerge" in proc.stdout
    assert b"--marker-size" in run(SMARTMERGE, "merge", "--help").stdout


def imported(*args: str, cwd: Path, env: dict[str, str] | None = None) -> set[str]:
    proc = run([sys.executable, "-X", "importtime", "-m", "smartmerge"], *args, cwd=cwd, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    lines = [line for line in proc.stderr.decode().splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines}


def test_a_merge_imports_neither_typer_nor_rich_nor_gitpython(tmp_path: Path) -> None:
    files = [str(EXAMPLES / f"{n}.py") for n in ("Base", "Left", "Right")]
    modules = imported("merge", *files, cwd=tmp_path)
    assert "smartmerge.pipeline" in modules
    assert not {"typer", "rich", "git", "pydantic", "smartmerge.cli", "smartmerge.runner"} & modules


# what a driver call's start-up must not pay for (issue 15): logging (lazy_logging.py),
# pathlib, typing, tempfile and shutil of the standard library, libcst and rapidfuzz
NOT_AT_START_UP = {"logging", "pathlib", "typing", "tempfile", "shutil", "libcst", "rapidfuzz"}


def driver_call(tmp_path: Path, left: str, right: str) -> tuple[set[str], str]:
    """The modules a driver call imported, and what it wrote into ours."""
    repo = Repo(tmp_path / "repo")
    names = []
    for name, text in (("O", BASE), ("A", left), ("B", right)):
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    argv = ("merge", "--git", *names, "-p", "app.py", "-l", "7")
    # the language profiles come from a cache written like a .pyc (languages.cached_data):
    # the first call may write it (reading the TOML files imports tomllib, which imports typing)
    warm = run(SMARTMERGE, *argv, cwd=repo.root, env={"PYTHONDONTWRITEBYTECODE": ""})
    assert warm.returncode == 0, warm.stderr
    (tmp_path / "A").write_text(left)
    return imported(*argv, cwd=repo.root, env={"PYTHONDONTWRITEBYTECODE": ""}), (tmp_path / "A").read_text()


def test_a_driver_call_git_merges_cleanly_imports_only_what_checking_gits_merge_needs(tmp_path: Path) -> None:
    modules, merged = driver_call(tmp_path, edit(BASE, "one", "10"), edit(BASE, "four", "40"))
    assert merged == edit(edit(BASE, "one", "10"), "four", "40")
    assert "smartmerge.pipeline" in modules and "smartmerge.checking" in modules
    assert not (NOT_AT_START_UP | {"smartmerge.merging.structured", "smartmerge.merging.tokens"}) & modules


def test_a_structured_driver_call_imports_none_of_what_start_up_must_not_pay_for(tmp_path: Path) -> None:
    modules, merged = driver_call(tmp_path, add_function(BASE, "five"), add_function(BASE, "six"))
    assert merged == add_function(add_function(BASE, "five"), "six")  # git's line merge conflicts here
    assert "smartmerge.merging.structured" in modules and "smartmerge.git.review" in modules
    assert not NOT_AT_START_UP & modules


def test_the_short_form_imports_none_of_what_start_up_must_not_pay_for(tmp_path: Path) -> None:
    files = []
    for name, text in (("base.py", BASE), ("left.py", add_function(BASE, "five")), ("right.py", add_function(BASE, "six"))):
        (tmp_path / name).write_text(text)
        files.append(name)
    run(SMARTMERGE, *files, cwd=tmp_path, env={"PYTHONDONTWRITEBYTECODE": ""})  # the profiles' cache
    modules = imported(*files, cwd=tmp_path, env={"PYTHONDONTWRITEBYTECODE": ""})
    assert "smartmerge.merging.structured" in modules
    assert not NOT_AT_START_UP & modules


def test_verbose_still_logs_each_stages_time(tmp_path: Path) -> None:
    # lazy_logging imports logging once -v configured it: the debug lines are logging's
    files = []
    for name, text in (("base.py", BASE), ("left.py", add_function(BASE, "five")), ("right.py", add_function(BASE, "six"))):
        (tmp_path / name).write_text(text)
        files.append(name)
    proc = run(SMARTMERGE, "-v", *files, cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.decode() == add_function(add_function(BASE, "five"), "six")
    err = proc.stderr.decode()
    assert re.search(r"^smartmerge: smartmerge\.pipeline: parse [0-9.]+ ms, merge [0-9.]+ ms, check [0-9.]+ ms$", err, re.M), err
    assert re.search(r"^smartmerge: smartmerge\.pipeline: semantic cross-check [0-9.]+ ms, 0 warning\(s\)$", err, re.M), err


def test_the_driver_turned_off_runs_gits_line_merge_without_the_engine(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    names = []
    for name, text in (("O", BASE), ("A", edit(BASE, "one", "10")), ("B", edit(BASE, "four", "40"))):
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    modules = imported("merge", "--git", *names, "-p", "app.py", cwd=repo.root, env={"SMARTMERGE": "0"})
    assert (tmp_path / "A").read_text() == edit(edit(BASE, "one", "10"), "four", "40")
    # a clean line merge is git/off_switch.py's alone: not even the driver, dataclasses or subprocess
    assert "smartmerge.git.off_switch" in modules
    assert not {
        "smartmerge.git.driver", "smartmerge.pipeline", "smartmerge.checking", "smartmerge.options", "rapidfuzz",
        "libcst", "tree_sitter", "typer", "dataclasses", "subprocess", "typing", "logging", "pathlib",
    } & modules
    assert "\tline\tclean\tresolved=0\t" in (repo.root / ".git" / "smartmerge" / "driver.log").read_text()


def test_the_driver_turned_off_leaves_conflicts_to_the_full_driver(tmp_path: Path) -> None:
    # conflicts need git's labels and the user's conflict style: the full driver writes them
    repo = Repo(tmp_path / "repo")
    names = []
    for name, text in (("O", BASE), ("A", edit(BASE, "two", "20")), ("B", edit(BASE, "two", "22"))):
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    modules = imported("merge", "--git", *names, "-p", "app.py", "-l", "9", "-x", "HEAD", "-s", "%S", "-y", "topic",
                       cwd=repo.root, env={"SMARTMERGE": "0"})
    assert "smartmerge.git.driver" in modules and "smartmerge.pipeline" not in modules
    text = (tmp_path / "A").read_text()
    assert "<<<<<<<<< HEAD\n    return 20\n||||||||| base\n    return 2\n=========\n    return 22\n>>>>>>>>> topic\n" in text


@pytest.mark.parametrize(("left", "right", "method"), [
    (edit(BASE, "one", "10"), edit(BASE, "four", "40"), "line"),  # git merges it cleanly: the fast path
    (add_function(BASE, "five"), add_function(BASE, "six"), "structured"),  # both sides append a function
])
def test_a_driver_call_makes_its_records_without_dataclasses(tmp_path: Path, left: str, right: str, method: str) -> None:
    # import dataclasses costs a driver call about 11 ms (with inspect, dis, tokenize) and
    # each frozen dataclass 0.3 ms more: the merge path's records are records.py's
    repo = Repo(tmp_path / "repo")
    names = []
    for name, text in (("O", BASE), ("A", left), ("B", right)):
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    modules = imported("merge", "--git", *names, "-p", "app.py", "-l", "7", cwd=repo.root)
    assert f"\t{method}\tclean\t" in (repo.root / ".git" / "smartmerge" / "driver.log").read_text()
    assert {"smartmerge.pipeline", "smartmerge.records"} <= modules
    assert not {"dataclasses", "inspect"} & modules


@pytest.mark.parametrize("extra", [["-v"], ["-o", "out.py"], ["--json"]])
def test_the_driver_turned_off_leaves_options_it_does_not_know_to_the_full_command(tmp_path: Path, extra: list[str]) -> None:
    repo = Repo(tmp_path / "repo")
    names = []
    for name, text in (("O", BASE), ("A", edit(BASE, "one", "10")), ("B", edit(BASE, "four", "40"))):
        (tmp_path / name).write_text(text)
        names.append(str(tmp_path / name))
    proc = run([sys.executable, "-X", "importtime", "-m", "smartmerge"], "merge", "--git", *names, "-p", "app.py", *extra,
               cwd=repo.root, env={"SMARTMERGE": "0"})
    assert b"smartmerge.merge_command" in proc.stderr  # the full command answered


@pytest.mark.parametrize("argv", [
    ["--git", "O", "A", "B"],
    ["--git", "O", "A", "B", "-p", "app.py", "-l", "9"],
    ["--git", "O", "A", "B", "-p", "app.py", "-l", "7", "-s", "%S", "-x", "HEAD", "-y", "topic (fix)"],
    ["O", "--git", "A", "-l", "3", "B", "--timeout", "2.5", "--conflict-style", "zdiff3", "--language", "python"],
    ["--git", "O", "A", "B", "--line-merge", "--base-label", "b", "--left-label", "l", "--right-label", "r", "--path", "p"],
    # the short form, and merge lines with no more than the driver line's options
    ["O", "A", "B"],
    ["O", "A", "B", "-p", "pkg/app.py"],
    ["O", "A", "-l", "9", "B", "--line-merge", "--timeout", "3", "--conflict-style", "zdiff3", "-s", "b"],
])
def test_a_merge_line_is_read_as_argparse_reads_it(argv: list[str]) -> None:
    from smartmerge.merge_command import _merge_arguments, _parser

    fast = _merge_arguments(argv)
    assert fast is not None
    # what the hand reader leaves out, MergeRequest's defaults fill in: all must be argparse's
    assert MergeRequest(**fast) == MergeRequest(**vars(_parser().parse_args(argv)))


@pytest.mark.parametrize("argv", [
    ["--git", "O", "A", "B", "-v"],
    ["O", "A", "B", "-v"],
    ["O", "A", "B", "-o", "out"],
    ["O", "A", "B", "--json"],
    ["O", "A"],
    ["--git", "O", "A", "B", "-o", "out"],
    ["--git", "O", "A", "B", "-s", "-x"],  # argparse reads -x as an option, not as -s's value
    ["--git", "O", "A", "B", "-l", "seven"],
    ["--git", "O", "A", "B", "C"],
    ["--git", "O", "A"],
    ["--git", "O", "A", "B", "--marker-size=9"],
    ["--git", "O", "A", "B", "-p"],
])
def test_other_command_lines_are_left_to_argparse(argv: list[str]) -> None:
    from smartmerge.merge_command import _merge_arguments

    assert _merge_arguments(argv) is None
