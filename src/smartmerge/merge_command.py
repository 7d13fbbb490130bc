"""``smartmerge merge`` (and its short form ``smartmerge BASE LEFT RIGHT``) without typer.

git starts the merge driver once per file it merges, so start-up is most of a driver
call: typer (with pydantic and rich underneath) cost more than a typical merge. This
module reads exactly the arguments of the merge command (git's driver line and a plain
merge line by hand, anything else with argparse) and imports the engine only when a
merge needs it. ``python -m smartmerge`` (``__main__``) hands it
every command line first; what it does not take as a well-formed merge (help, the
other commands, bad usage) goes to typer's app in cli.py, which prints the help or
its usage error, so those messages have one source. cli.py's ``merge`` command runs
``run_merge`` too, and both hand the work to git/edge.py: one body for both ways in.

Exit status: 0 clean merge, 1 conflicts, 2 bad usage or unusable input.
"""

from __future__ import annotations

import os
import sys

from smartmerge.errors import SmartmergeError
from smartmerge.options import (
    CONFLICT_STYLES,
    DEFAULT_MARKER_SIZE,
    DEFAULT_TIMEOUT_SECONDS,
    MergeOptions,
)
from smartmerge.records import record

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from os import PathLike
    from typing import Any, NoReturn

    # the request's files: a str here (pathlib costs a driver call start-up), a Path from cli.py
    StrPath = str | PathLike[str]

EXIT_USAGE = 2  # bad usage or unusable input (0 clean and 1 conflicts come from git/edge.py)

# The commands of cli.py's app (tests/test_merge_command.py keeps this in step): a first
# word that names none of them and is a file (or an option) starts a merge here.
COMMANDS = frozenset({
    "merge", "install", "uninstall", "doctor", "solve", "review", "replay", "run", "runs",
    "status", "logs", "pause", "unpause", "kill", "gc", "languages",
    "preview", "claim", "release", "claims", "mcp",
})
_ROOT_OPTIONS = frozenset({"--help", "--version"})
# the lower bounds typer's merge command enforces (min=...)
MIN_MARKER_SIZE = 1
MIN_TIMEOUT = 0.1


@record
class MergeRequest:
    """The merge command's arguments, as the user (or git) gave them."""

    base: StrPath
    left: StrPath
    right: StrPath
    output: StrPath | None = None
    # None: not given (in driver mode the driver then finds git's own labels)
    base_label: str | None = None
    left_label: str | None = None
    right_label: str | None = None
    marker_size: int = DEFAULT_MARKER_SIZE
    path: str | None = None
    language: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    conflict_style: str = "diff3"
    line_merge: bool = False
    verbose: bool = False
    git: bool = False
    as_json: bool = False


class _NotOurs(Exception):
    """The arguments are not a well-formed merge: typer's app answers instead."""


def _parser() -> argparse.ArgumentParser:
    # imported here: a driver call and a plain merge line are read without it (_merge_arguments);
    # argparse imports shutil, gettext and locale, a tenth of a driver call's standard library
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise _NotOurs(message)

    # the options of cli.merge_command, no more: anything else is typer's to refuse
    parser = _Parser(prog="smartmerge merge", add_help=False, allow_abbrev=False)
    parser.add_argument("base")
    parser.add_argument("left")
    parser.add_argument("right")
    parser.add_argument("-o", "--output")
    parser.add_argument("-s", "--base-label")
    parser.add_argument("-x", "--left-label")
    parser.add_argument("-y", "--right-label")
    parser.add_argument("-l", "--marker-size", type=int, default=DEFAULT_MARKER_SIZE)
    parser.add_argument("-p", "--path")
    parser.add_argument("--language")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)
    parser.add_argument("--conflict-style", default="diff3")
    parser.add_argument("--line-merge", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--git", action="store_true")
    parser.add_argument("--json", action="store_true", dest="as_json")
    return parser


def merge_request(argv: Sequence[str]) -> MergeRequest | None:
    """The merge that ``argv`` asks for, or None when it asks for something else
    (or is malformed) and typer's app should answer."""
    if not argv or argv[0] in _ROOT_OPTIONS:
        return None
    if argv[0] == "merge":
        argv = argv[1:]
    elif argv[0] in COMMANDS or not (argv[0].startswith("-") or os.path.exists(argv[0])):
        # a command, or a first word that is no file: typer knows the commands (and
        # which one a misspelt word meant); a merge it routes comes back to run_merge
        return None
    if "--help" in argv:
        return None
    given: dict[str, Any] | None = _merge_arguments(argv)
    if given is None:
        try:
            given = vars(_parser().parse_args(list(argv)))
        except _NotOurs:
            return None
    files = {name: pathlib_form(given[name]) for name in ("base", "left", "right", "output") if given.get(name) is not None}
    request = MergeRequest(**{**given, **files})
    if not (request.marker_size >= MIN_MARKER_SIZE and request.timeout >= MIN_TIMEOUT):
        return None
    return request


def pathlib_form(path: str) -> str:
    """``str(Path(path))`` without importing pathlib: a file named in a message, in
    ``--json`` and (the left file) for the language reads as it did when these were Paths."""
    if os.name != "posix":
        import pathlib  # imported here: its Windows rules are not worth copying

        return str(pathlib.Path(path))
    # PurePosixPath: a root of "/" (exactly two slashes stay two), parts without "" and "."
    root = "//" if path.startswith("//") and not path.startswith("///") else "/" * path.startswith("/")
    parts = [part for part in path.split("/") if part and part != "."]
    return root + "/".join(parts) or "."


def _merge_arguments(argv: Sequence[str]) -> dict[str, Any] | None:
    """The arguments of a driver call (``--git``, three files, the options git's driver
    line passes; read by ``off_switch.driver_arguments``) or of a merge line with no more
    than those (``smartmerge BASE LEFT RIGHT -p PATH``) as argparse would read them, the
    given ones only (MergeRequest's defaults are argparse's for the rest); None for any
    other command line (``-o``, ``-v``, ``--json``: argparse reads those)."""
    # git's driver line and a plain merge line are read without argparse (its imports are a
    # few ms of every call): off_switch's reader, its table of the valued options
    from smartmerge.git.off_switch import LINE_OPTIONS, driver_arguments

    git = "--git" in argv
    # the driver line's reader: a line without --git reads as the same line with it
    parsed = driver_arguments(argv if git else [*argv, "--git"])
    if parsed is None:
        return None
    (base, left, right), values, flags = parsed
    given: dict[str, Any] = {"base": base, "left": left, "right": right}
    if git:
        given["git"] = True
    if "--line-merge" in flags:
        given["line_merge"] = True
    for option, value in values:
        name, kind = LINE_OPTIONS[option]
        try:
            given[name] = kind(value)
        except ValueError:
            return None
    return given

def run_merge(request: MergeRequest) -> int:
    """Run one merge command (git/edge.py does the work); the exit status."""
    if request.verbose:
        import logging

        logging.basicConfig(level=logging.DEBUG, format="smartmerge: %(name)s: %(message)s")
    if request.conflict_style not in CONFLICT_STYLES:
        return _failed(f"--conflict-style: expected one of {', '.join(CONFLICT_STYLES)}, got {request.conflict_style!r}")
    driver = request.git
    options = MergeOptions(
        # in driver mode a label not given is one git did not pass: the driver finds git's own
        base_label=request.base_label or ("" if driver else "base"),
        left_label=request.left_label or ("" if driver else "left"),
        right_label=request.right_label or ("" if driver else "right"),
        marker_size=request.marker_size,
        timeout=request.timeout,
        language=request.language,
        line_merge=request.line_merge,
        conflict_style=request.conflict_style,
    )
    if driver:
        from smartmerge.git.driver import label_or_default
        from smartmerge.git.edge import DriverCall, merge_as_driver

        path = label_or_default(request.path or "", "") or None
        return merge_as_driver(DriverCall(request.base, request.left, request.right, path, options))
    from smartmerge.git.edge import MergeFiles, merge_files

    try:
        return merge_files(MergeFiles(
            request.base, request.left, request.right, request.output, request.path, options, request.verbose,
            request.as_json,
        ))
    except SmartmergeError as exc:
        return _failed(str(exc))


def _failed(message: str) -> int:
    """One line on stderr, exit status 2: bad usage or unusable input."""
    print(f"smartmerge: error: {message}", file=sys.stderr, flush=True)
    return EXIT_USAGE
