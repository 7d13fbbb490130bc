"""``SMARTMERGE=0`` in driver mode, where the driver line has not answered it already.

With the switch off the driver is git's line merge and nothing else (docs/git.md).
The driver line that ``smartmerge install`` writes merges a clean file in the shell,
before Python starts (install.off_switch_case). What reaches Python with the switch
off is the rest: conflicts and binary files, values the shell's pattern does not catch
(``" 0"``), and driver lines of older versions. This module imports only ``os``,
``time``, ``signal`` and ``contextlib`` (with driver_log.py, output.py, spawning.py)
before it runs git, so that a clean merge here costs little more than the interpreter. It takes the common case whole: a driver line it
can read, three readable text files, a clean merge, ``%A`` a regular file, the git
directory plain to see. Anything else (conflicts, which need git's labels and the
user's conflict style; binary files; odd arguments) returns None and the full driver
(git/driver.py, which also honours the switch) answers, so the messages and the labels
stay in one place.
"""

from __future__ import annotations

import os
import time
from contextlib import suppress

from smartmerge.git.driver_log import append_log, log_line, plain_git_dir
from smartmerge.git.output import write_result
from smartmerge.spawning import output_of

TYPE_CHECKING = False  # typing and collections.abc cost start-up; mypy reads the name as true
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

OFF_SWITCH = "SMARTMERGE"
OFF_VALUES = frozenset({"0", "off", "false", "no"})
# the reason the full driver gives a line merge it was asked for (driver.made_by_choice)
REQUESTED = "line merge requested"
# options of the driver line that take a value: option -> (the merge request's field, its
# type), for merge_command's reading of the line without argparse; here only the names count
LINE_OPTIONS: dict[str, tuple[str, type[str] | type[int] | type[float]]] = {
    "-s": ("base_label", str), "--base-label": ("base_label", str),
    "-x": ("left_label", str), "--left-label": ("left_label", str),
    "-y": ("right_label", str), "--right-label": ("right_label", str),
    "-l": ("marker_size", int), "--marker-size": ("marker_size", int),
    "-p": ("path", str), "--path": ("path", str),
    "--language": ("language", str),
    "--timeout": ("timeout", float),
    "--conflict-style": ("conflict_style", str),
}
VALUED_OPTIONS = frozenset(LINE_OPTIONS)
# the driver line's flags, which change nothing here
_FLAGS = frozenset({"--git", "--line-merge"})
# git's own test for binary content: a NUL byte in the first 8000 bytes (xdiff's
# buffer_is_binary; driver.is_binary too)
BINARY_SNIFF_BYTES = 8000
# placeholders that a git older than 2.44 passes through unexpanded (driver.py too)
UNEXPANDED = frozenset({"%S", "%X", "%Y", "%P", "%L"})


def turned_off(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(OFF_SWITCH, "").strip().lower() in OFF_VALUES


def merge_off(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> int | None:
    """The exit status of a clean ``SMARTMERGE=0`` driver call, its result written
    into %A; None when the full driver must answer (and nothing was written)."""
    if not turned_off(environ):
        return None
    parsed = driver_arguments(argv)
    if parsed is None:
        return None
    (base, ours, theirs), pairs, _flags = parsed
    values = dict(pairs)
    marker_size = values.get("-l", values.get("--marker-size", "7"))
    if not marker_size.isdigit() or int(marker_size) < 1:
        return None
    started = time.perf_counter()
    try:
        if not os.path.isfile(ours) or os.path.islink(ours):
            return None
        for name in (base, ours, theirs):
            with open(name, "rb") as handle:
                if b"\0" in handle.read(BINARY_SNIFF_BYTES):
                    return None
        merged = _git_merge_file(base, ours, theirs, marker_size, environ)
        if merged is None:
            return None
        write_result(ours, merged)
    except OSError:
        return None
    path = values.get("-p", values.get("--path", ""))
    git_dir = plain_git_dir(os.getcwd(), environ)
    if path and path not in UNEXPANDED and git_dir is not None:
        with suppress(OSError):  # the log is a trace: the merge is done and written
            append_log(git_dir, log_line(path, "line", "clean", 0, time.perf_counter() - started, REQUESTED))
    return 0


def driver_arguments(argv: Sequence[str]) -> tuple[tuple[str, str, str], list[tuple[str, str]], frozenset[str]] | None:
    """A driver call's %O %A %B, its valued options in order and its flags (``[merge]
    --git ...``, the options git's driver line passes); None for anything else, or where
    argparse might read something else (a value that starts with ``-``). The one reader
    of the driver line without argparse: here and in merge_command."""
    args = list(argv[1:] if argv and argv[0] == "merge" else argv)
    files: list[str] = []
    values: list[tuple[str, str]] = []
    flags: set[str] = set()
    index = 0
    while index < len(args):
        word = args[index]
        if word in VALUED_OPTIONS:
            if index + 1 == len(args) or args[index + 1].startswith("-"):
                return None
            values.append((word, args[index + 1]))
            index += 2
            continue
        if word in _FLAGS:
            flags.add(word)
        elif word.startswith("-") or len(files) == 3:
            return None  # -v, --json, -o, --help, a fourth file: the full command's business
        else:
            files.append(word)
        index += 1
    if "--git" not in flags or len(files) != 3:
        return None
    return (files[0], files[1], files[2]), values, frozenset(flags)

def _git_merge_file(base: str, ours: str, theirs: str, marker_size: str, environ: Mapping[str, str]) -> bytes | None:
    """git's clean merge of the three files (as merging/line_merge.py runs it: no user
    or system config), or None when it has conflicts, fails or git cannot start."""
    env = {**environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}
    args = ["git", "merge-file", "-p", "--diff3", f"--marker-size={marker_size}", "-L", "ours", "-L", "base", "-L", "theirs",
            os.path.abspath(ours), os.path.abspath(base), os.path.abspath(theirs)]
    try:
        status, merged = output_of(args, env)
    except OSError:
        return None
    return merged if status == 0 else None
