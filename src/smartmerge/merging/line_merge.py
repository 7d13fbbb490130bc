"""The fallback: git's own line merge (``git merge-file -p --diff3``).

Used when the structured merge cannot be trusted (inputs that do not parse, a
failed self-check, a time-out) and for files of unknown languages. Running git
itself keeps its exact output and exit status, which is what users compare
against; without git on PATH the internal diff3 stands in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from smartmerge.markers import conflict_block
from smartmerge.merging.diff3 import diff3
from smartmerge.options import MergeOptions
from smartmerge.textlines import newline_of, split_lines

# git's environment for merge-file: no user or system config may change the result.
_GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


@dataclass(frozen=True)
class LineMerge:
    text: bytes
    conflicts: int


def line_merge(base: bytes, left: bytes, right: bytes, options: MergeOptions) -> LineMerge:
    """Merge three byte strings line by line, as ``git merge-file --diff3`` does."""
    if shutil.which("git") is None:
        return _internal_line_merge(base, left, right, options)
    with tempfile.TemporaryDirectory(prefix="smartmerge-") as tmp:
        paths = []
        for name, data in (("left", left), ("base", base), ("right", right)):
            path = Path(tmp) / name
            path.write_bytes(data)
            paths.append(str(path))
        style = {"diff3": ["--diff3"], "zdiff3": ["--zdiff3"], "merge": []}[options.conflict_style]
        args = ["git", "merge-file", "-p", *style, f"--marker-size={options.marker_size}"]
        for label in (options.left_label, options.base_label, options.right_label):
            args += ["-L", label]
        proc = subprocess.run(args + paths, capture_output=True, env=_GIT_ENV, cwd=tmp, check=False)
    if proc.returncode < 0 or proc.returncode > 127:
        # git refused (a binary file, say): the internal merge still gives an honest answer
        return _internal_line_merge(base, left, right, options)
    return LineMerge(proc.stdout, proc.returncode)


def _internal_line_merge(base: bytes, left: bytes, right: bytes, options: MergeOptions) -> LineMerge:
    texts = [b.decode("utf-8", "surrogateescape") for b in (base, left, right)]
    newline = newline_of(texts[1])
    out: list[str] = []
    conflicts = 0
    for chunk in diff3(*(split_lines(t) for t in texts)):
        if chunk.conflict:
            conflicts += 1
            out += conflict_block(chunk.base, chunk.left, chunk.right, options, newline)
        else:
            out += chunk.resolved()
    return LineMerge("".join(out).encode("utf-8", "surrogateescape"), conflicts)
