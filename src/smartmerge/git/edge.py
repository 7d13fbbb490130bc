"""What ``smartmerge merge`` does once its arguments are parsed, for every front end.

The typer command line (``cli.py``) and the lean entry point that skips typer call
the same two functions:

- ``merge_files(request)``: ``smartmerge BASE LEFT RIGHT [-o OUT]``. Returns the exit
  status (0 clean, 1 conflicts); raises ``InputError`` for bad input (the caller
  prints its one line and exits 2). Binary inputs are refused as
  ``git merge-file`` refuses them; a fallback to the line merge is said on stderr.
- ``merge_as_driver(call)``: ``--git %O %A %B``. Writes into %A and returns 0 or 1;
  never raises for anything the files hold.
"""

from __future__ import annotations

import os
import sys

from smartmerge.errors import InputError
from smartmerge.git.driver import DriverRequest, drive, is_binary, made_by_choice
from smartmerge.git.labels import driver_options, stand_in_options
from smartmerge.git.output import write_result
from smartmerge.options import MergeOptions
from smartmerge.records import field, record
from smartmerge.result import GIT_CLEAN_AND_SOUND, MergeResult, Method

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from collections.abc import Mapping
    from os import PathLike
    from typing import TextIO

    # the files: a str from merge_command (pathlib costs start-up), a Path from cli.py
    StrPath = str | PathLike[str]

EXIT_CLEAN, EXIT_CONFLICTS = 0, 1
# The driver line sets this to the exit status it expects for conflicts, so that it can
# tell "smartmerge ran and left conflicts" from a Python that failed to start (exit 1).
CONFLICT_STATUS_VARIABLE = "SMARTMERGE_CONFLICT_STATUS"


@record
class MergeFiles:
    """The arguments of one ``smartmerge merge``, parsed."""

    base: StrPath
    left: StrPath
    right: StrPath
    output: StrPath | None = None
    # the file's path in the repository (picks the language); default: LEFT's name
    path: str | None = None
    options: MergeOptions = field(default_factory=MergeOptions)
    verbose: bool = False
    # print the merge as data (docs/json.md): the file's conflicts, and the text unless -o
    as_json: bool = False


def read_input(path: StrPath, role: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(f"{role} file {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{role} file {path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{role} file {path}: cannot read: {exc.strerror}") from None


def refuse_binary(named: list[tuple[str, StrPath, bytes]]) -> None:
    """git merge-file's rule: a NUL byte in the first 8000 bytes makes a file binary."""
    for role, path, data in named:
        if is_binary(data):
            raise InputError(f"cannot merge binary files: {role} file {path} (a NUL byte in its first 8000 bytes)")


def describe(result: MergeResult) -> str:
    """The ``-v`` line: which method, how it ended, and why."""
    conflicts = len(result.conflicts)
    if result.method is Method.TRIVIAL:
        return f"no merge needed: {result.reason}"
    if result.method is Method.STRUCTURED:
        if result.clean:
            return "merged structurally: the result parses and keeps every change of both sides"
        where = ", ".join(sorted({c.symbol or "module level" for c in result.conflicts}))
        return f"merged structurally with {conflicts} conflict{'s' * (conflicts != 1)} left (in {where})"
    if result.reason == GIT_CLEAN_AND_SOUND:
        return (
            "merged by git's line merge, clean and checked: it parses, compiles, reads no name that nothing binds, "
            "defines none twice and repeats no line"
        )
    outcome = "clean" if result.clean else "conflicts left"
    return f"merged with git's line merge, {outcome}: {result.reason}"


def fallback_note(result: MergeResult) -> str | None:
    """Why the structured merge was not used, when that was not the user's choice."""
    if result.method is not Method.LINE or made_by_choice(result.reason):
        return None
    return f"used git's line merge instead of the structured merge: {result.reason}"


def merge_files(request: MergeFiles, stderr: TextIO | None = None) -> int:
    """Merge BASE, LEFT and RIGHT; write to ``-o`` or stdout; the exit status."""
    err = stderr or sys.stderr
    named = [(role, path, read_input(path, role)) for role, path in
             (("base", request.base), ("left", request.left), ("right", request.right))]
    refuse_binary(named)
    # the engine, imported once the inputs are known to be usable
    from smartmerge.pipeline import merge_texts

    shown = request.path or str(request.left)
    result = merge_texts(*(data for _, _, data in named), path=shown, options=request.options)
    note = fallback_note(result)
    if request.verbose:
        print(f"smartmerge: {shown}: {describe(result)}", file=err)
    elif note:
        print(f"smartmerge: {shown}: {note}", file=err)
    for warning in result.warnings:  # advice on a clean merge (checking_semantics.py); the status stays
        print(f"smartmerge: warning: {shown}: {warning}", file=err)
    if request.as_json:
        write_stdout(merge_json(shown, result, named[0][2], request.options.marker_size, request.output is None))
    elif request.output is None:
        write_stdout(result.text)
    if request.output is not None:
        try:
            write_result(request.output, result.text)
        except OSError as exc:
            raise InputError(f"output file {request.output}: cannot write: {exc.strerror or exc}") from None
    return EXIT_CLEAN if result.clean else EXIT_CONFLICTS


def merge_json(path: str, result: MergeResult, base: bytes, marker_size: int, with_text: bool) -> bytes:
    """``merge --json``: the one file's entry, with the merged text unless it went to -o."""
    import json

    from smartmerge import reporting

    status = "merged" if result.clean else "conflict"
    entry = reporting.file_json(path, status, "smartmerge" if result.clean else None, result, marker_size, base)
    if with_text:
        entry["text"] = result.text.decode("utf-8", "replace")
    return (json.dumps(reporting.document("merge", [entry]), indent=2, ensure_ascii=False) + "\n").encode()


def write_stdout(data: bytes) -> None:
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except OSError as exc:
        # stdout is gone or full; point it at /dev/null so the exit flush cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise InputError(f"cannot write to standard output: {exc.strerror or exc}") from None


@record
class DriverCall:
    """git's %O %A %B %P and the options from the driver line.

    A label git did not pass (``-s``/``-x``/``-y`` absent: give "", or left as a literal
    ``%S``, as git older than 2.44 does) is found from git's state (labels.py).
    """

    base: StrPath
    ours: StrPath
    theirs: StrPath
    path: str | None
    options: MergeOptions


def merge_as_driver(call: DriverCall, stderr: TextIO | None = None) -> int:
    """Driver mode: the merge into %A (ours), or ours left in place; exit 0 clean, 1 conflicts."""
    err = stderr or sys.stderr
    shown = call.path or str(call.ours)
    # git's labels and conflict style cost git processes: asked for only when a conflict needs them
    outcome = drive(DriverRequest(
        base=call.base, ours=call.ours, theirs=call.theirs, path=call.path, options=stand_in_options(call.options),
        conflict_options=lambda: driver_options(call.options),
    ))
    clean, messages = outcome.clean, list(outcome.messages)
    if outcome.text is not None:
        try:
            write_result(call.ours, outcome.text)
        except OSError as exc:
            messages.append(f"smartmerge: {shown}: cannot write the result ({exc.strerror}); ours left in place")
            clean = False
    for message in messages:
        print(message, file=err)
    return EXIT_CLEAN if clean else conflict_status()


def conflict_status(environ: Mapping[str, str] = os.environ) -> int:
    """The driver's exit status for conflicts: the driver line's choice, else 1."""
    value = environ.get(CONFLICT_STATUS_VARIABLE, "")
    return int(value) if value.isdigit() and 1 <= int(value) <= 125 else EXIT_CONFLICTS

