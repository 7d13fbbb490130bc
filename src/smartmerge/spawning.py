"""A program's exit status and standard output, without ``subprocess``.

git starts the merge driver once per file, and ``import subprocess`` (with selectors,
threading and locale) cost a clean driver call more than its ``git merge-file``. Both
places that run git on the driver's path use this: merging/line_merge.py and, with
``SMARTMERGE=0``, git/off_switch.py. ``os.posix_spawn`` where there is one;
``subprocess`` only where it is missing (Windows).
"""

from __future__ import annotations

import os
import signal
from contextlib import suppress

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from collections.abc import Mapping

# Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across exec:
# the program gets their default actions back, as subprocess (restore_signals) gives them
_DEFAULT_IN_CHILD = tuple(getattr(signal, name) for name in ("SIGPIPE", "SIGXFSZ") if hasattr(signal, name))


def output_of(args: list[str], env: Mapping[str, str]) -> tuple[int, bytes]:
    """The exit status and standard output of ``args`` run with ``env`` in this folder
    (standard error dropped). The program is looked up on the PATH of ``env``, as
    subprocess looks it up; FileNotFoundError when it is not there. Whatever interrupts
    the wait (the driver's hard time limit) kills and reaps the program first, as
    ``subprocess.run`` does."""
    if not hasattr(os, "posix_spawn"):
        import subprocess  # imported here: only where posix_spawn is missing (Windows)

        proc = subprocess.run(args, capture_output=True, env=env, check=False)
        return proc.returncode, proc.stdout
    read, write = os.pipe()
    try:
        pid = os.posix_spawn(_executable(args[0], env), args, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, write, 1),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ], setsigdef=_DEFAULT_IN_CHILD)
    except BaseException:
        os.close(read)
        os.close(write)
        raise
    # from here on the program runs: an interruption at any point up to its reaping
    # must not leave it behind
    try:
        os.close(write)
        with os.fdopen(read, "rb") as stream:
            out = stream.read()
        _, wait_status = os.waitpid(pid, 0)
    except BaseException:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with suppress(ChildProcessError):  # reaped already, just before the interruption
            os.waitpid(pid, 0)
        raise
    return os.waitstatus_to_exitcode(wait_status), out


def _executable(name: str, env: Mapping[str, str]) -> str:
    """``name`` on the PATH of ``env``, as subprocess finds it; FileNotFoundError if absent."""
    for folder in os.get_exec_path(env):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(2, "No such file or directory", name)
