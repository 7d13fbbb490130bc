"""``smartmerge merge`` (and its short form ``smartmerge BASE LEFT RIGHT``) without typer.

git starts the merge driver once per file it merges, so start-up is most of a driver
call: typer (with pydantic and rich underneath) cost more than a typical merge. This
module reads exactly the arguments of the merge command with argparse and imports the
engine only when a merge needs it. ``python -m smartmerge`` (``__main__``) hands it
every command line first; what it does not take as a well-formed merge (help, the
other commands, bad usage) goes to typer's app in cli.py, which prints the help or
its usage error, so those messages have one source. cli.py's ``merge`` command runs
``run_merge`` too: one body for both ways in.

Exit status: 0 clean merge, 1 conflicts, 2 bad usage or unusable input.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from smartmerge.errors import SmartmergeError
from smartmerge.options import DEFAULT_MARKER_SIZE, DEFAULT_TIMEOUT_SECONDS, MergeOptions

EXIT_CLEAN, EXIT_CONFLICTS, EXIT_USAGE = 0, 1, 2

# The commands of cli.py's app (tests/test_merge_command.py keeps this in step): a
# first word that names none of them starts a merge, as DefaultToMerge routes it.
COMMANDS = frozenset({
    "merge", "install", "uninstall", "doctor", "solve", "review", "replay", "run", "runs",
    "status", "logs", "pause", "unpause", "kill", "gc", "languages",
})
_ROOT_OPTIONS = frozenset({"--help", "--version"})
# the lower bounds typer's merge command enforces (min=...)
MIN_MARKER_SIZE = 1
MIN_TIMEOUT = 0.1


@dataclass(frozen=True)
class MergeRequest:
    """The merge command's arguments, as the user (or git) gave them."""

    base: Path
    left: Path
    right: Path
    output: Path | None = None
    base_label: str = "base"
    left_label: str = "left"
    right_label: str = "right"
    marker_size: int = DEFAULT_MARKER_SIZE
    path: str | None = None
    language: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    line_merge: bool = False
    verbose: bool = False
    git: bool = False


class _NotOurs(Exception):
    """The arguments are not a well-formed merge: typer's app answers instead."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _NotOurs(message)


def _parser() -> _Parser:
    # the options of cli.merge_command, no more: anything else is typer's to refuse
    parser = _Parser(prog="smartmerge merge", add_help=False, allow_abbrev=False)
    parser.add_argument("base")
    parser.add_argument("left")
    parser.add_argument("right")
    parser.add_argument("-o", "--output")
    parser.add_argument("-s", "--base-label", default="base")
    parser.add_argument("-x", "--left-label", default="left")
    parser.add_argument("-y", "--right-label", default="right")
    parser.add_argument("-l", "--marker-size", type=int, default=DEFAULT_MARKER_SIZE)
    parser.add_argument("-p", "--path")
    parser.add_argument("--language")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_SECONDS)
    parser.add_argument("--line-merge", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--git", action="store_true")
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
    try:
        ns = _parser().parse_args(list(argv))
    except _NotOurs:
        return None
    if not (ns.marker_size >= MIN_MARKER_SIZE and ns.timeout >= MIN_TIMEOUT):
        return None
    return MergeRequest(
        base=Path(ns.base),
        left=Path(ns.left),
        right=Path(ns.right),
        output=None if ns.output is None else Path(ns.output),
        base_label=ns.base_label,
        left_label=ns.left_label,
        right_label=ns.right_label,
        marker_size=ns.marker_size,
        path=ns.path,
        language=ns.language,
        timeout=ns.timeout,
        line_merge=ns.line_merge,
        verbose=ns.verbose,
        git=ns.git,
    )


class _Failed(Exception):
    """Bad input: one line on stderr, exit status 2."""


def run_merge(request: MergeRequest) -> int:
    """Run one merge command; the exit status."""
    try:
        return _run(request)
    except _Failed as exc:
        _say(f"smartmerge: error: {exc}")
    except SmartmergeError as exc:
        _say(f"smartmerge: error: {exc}")
    return EXIT_USAGE


def _run(request: MergeRequest) -> int:
    if request.verbose:
        logging.basicConfig(level=logging.DEBUG, format="smartmerge: %(name)s: %(message)s")
    if request.git:
        return _git_driver_merge(request)
    options = MergeOptions(
        base_label=request.base_label,
        left_label=request.left_label,
        right_label=request.right_label,
        marker_size=request.marker_size,
        timeout=request.timeout,
        language=request.language,
        line_merge=request.line_merge,
    )
    texts = [read_input(p, role) for p, role in ((request.base, "base"), (request.left, "left"), (request.right, "right"))]
    from smartmerge.pipeline import merge_texts  # the engine, imported once a merge needs it

    result = merge_texts(*texts, path=request.path or str(request.left), options=options)
    if request.verbose:
        _say(f"smartmerge: {result.method.value} merge, {result.outcome.value}: {result.reason}")
    if request.output is None:
        sys.stdout.buffer.write(result.text)
        sys.stdout.buffer.flush()
    else:
        try:
            write_atomically(request.output, result.text)
        except OSError as exc:
            raise _Failed(f"output file {request.output}: cannot write: {exc.strerror}") from None
    return EXIT_CLEAN if result.clean else EXIT_CONFLICTS


def _git_driver_merge(request: MergeRequest) -> int:
    """Driver mode: write the merge into %A (ours), or leave ours in place; exit 0 clean, 1 conflicts."""
    from smartmerge.git.driver import DriverRequest, drive, label_or_default

    options = MergeOptions(
        base_label=label_or_default(request.base_label, "base"),
        left_label=label_or_default(request.left_label, "left"),
        right_label=label_or_default(request.right_label, "right"),
        marker_size=request.marker_size,
        timeout=request.timeout,
        language=request.language,
        line_merge=request.line_merge,
    )
    path = label_or_default(request.path or "", "") or None
    ours = request.left
    shown = path or str(ours)
    outcome = drive(DriverRequest(base=request.base, ours=ours, theirs=request.right, path=path, options=options))
    text, clean, messages = outcome.text, outcome.clean, list(outcome.messages)
    if text is not None:
        try:
            write_atomically(ours, text)
        except OSError as exc:
            messages.append(f"smartmerge: {shown}: cannot write the result ({exc.strerror}); ours left in place")
            clean = False
    for message in messages:
        _say(message)
    return EXIT_CLEAN if clean else EXIT_CONFLICTS


def read_input(path: Path, role: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _Failed(f"{role} file {path}: no such file") from None
    except IsADirectoryError:
        raise _Failed(f"{role} file {path}: is a directory") from None
    except OSError as exc:
        raise _Failed(f"{role} file {path}: cannot read: {exc.strerror}") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and rename: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".smartmerge", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
