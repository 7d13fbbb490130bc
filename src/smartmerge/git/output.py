"""Writing a result where the user pointed (``-o FILE``, git's ``%A``, ``solve FILE``).

A regular file is replaced atomically (a temporary file in the same folder, then a
rename), so it is always either the old file or the whole result. What the path
names is what gets written:

- a symbolic link is written through: its target changes, the link stays a link;
- a special file (a FIFO, a device such as ``/dev/null``) is opened and written in
  place; replacing the node with a regular file would break it for every program;
- an existing file keeps its permission bits; a new file gets what the umask allows
  (0666 minus the umask, as ``open()`` and the shell's ``>`` give), not mkstemp's 0600.

Failures are OSError; the command line turns them into one line and exit 2.
"""

from __future__ import annotations

import os
import stat
from contextlib import suppress

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from os import PathLike

# tempfile.mkstemp's flags: a new file only, not inherited by child processes
_NEW_FILE = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOINHERIT", 0) | getattr(os, "O_BINARY", 0)
)
# tempfile.mkstemp's tries before it gives up on free names
_NAME_TRIES = 100


def write_result(path: str | PathLike[str], data: bytes) -> None:
    """Write ``data`` to what ``path`` names, atomically when that is a regular file."""
    # realpath follows every link in the chain, a dangling one included: its target is created
    target = os.path.realpath(path)
    try:
        mode: int | None = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "Is a directory", str(path))
    if mode is not None and not stat.S_ISREG(mode):
        _write_in_place(target, data)
        return
    _replace(target, data, 0o666 & ~current_umask() if mode is None else stat.S_IMODE(mode))


def current_umask() -> int:
    """The process umask (reading it means setting it; set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_in_place(target: str, data: bytes) -> None:
    # no O_CREAT, no O_TRUNC: the node exists and stays what it is
    fd = os.open(target, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def _replace(target: str, data: bytes, mode: int) -> None:
    tmp, fd = _new_file(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _new_file(target: str) -> tuple[str, int]:
    """A new file beside ``target`` (mode 0600, a random name), as tempfile.mkstemp
    makes it, without its import (random, shutil...): git starts the driver per file."""
    folder, name = os.path.split(target)
    for _ in range(_NAME_TRIES):
        tmp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.smartmerge")
        try:
            return tmp, os.open(tmp, _NEW_FILE, 0o600)
        except FileExistsError:
            continue
    raise FileExistsError(17, "No usable temporary file name found", folder)
