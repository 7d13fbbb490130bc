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
import tempfile
from pathlib import Path


def write_result(path: Path, data: bytes) -> None:
    """Write ``data`` to what ``path`` names, atomically when that is a regular file."""
    # realpath follows every link in the chain, a dangling one included: its target is created
    target = Path(os.path.realpath(path))
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


def _write_in_place(target: Path, data: bytes) -> None:
    # no O_CREAT, no O_TRUNC: the node exists and stays what it is
    fd = os.open(target, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def _replace(target: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".smartmerge", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
