"""The fallback: git's own line merge (``git merge-file -p --diff3``).

Used when the structured merge cannot be trusted (inputs that do not parse, a
failed self-check, a time-out) and for files of unknown languages. Running git
itself keeps its exact output and exit status, which is what users compare
against; without git on PATH the internal diff3 stands in.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import suppress
from functools import lru_cache

from smartmerge.markers import conflict_block
from smartmerge.merging.diff3 import diff3
from smartmerge.options import MergeOptions
from smartmerge.records import record
from smartmerge.spawning import output_of
from smartmerge.textlines import newline_of, split_lines

# git's environment for merge-file: no user or system config may change the result.
_GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"}


@record
class LineMerge:
    text: bytes
    conflicts: int


# The pipeline compares a clean structured result with git's merge, and the driver asks
# again for its count of resolved conflicts: the same inputs, one git process.
@lru_cache(maxsize=4)
def line_merge(base: bytes, left: bytes, right: bytes, options: MergeOptions) -> LineMerge:
    """Merge three byte strings line by line, as ``git merge-file --diff3`` does."""
    scratch = _scratch_folder()
    names = ("left", "base", "right")
    try:
        paths = []
        for name, data in zip(names, (left, base, right), strict=True):
            path = os.path.join(scratch, name)
            with open(path, "wb") as handle:
                handle.write(data)
            paths.append(path)
        style = {"diff3": ["--diff3"], "zdiff3": ["--zdiff3"], "merge": []}[options.conflict_style]
        args = ["git", "merge-file", "-p", *style, f"--marker-size={options.marker_size}"]
        for label in (options.left_label, options.base_label, options.right_label):
            args += ["-L", label]
        try:
            # git -C: git reads no repository config from the folder the merge runs in
            status, merged = output_of([args[0], "-C", scratch, *args[1:], *paths], _GIT_ENV)
        except FileNotFoundError:
            # no git on PATH: the internal diff3 stands in
            return _internal_line_merge(base, left, right, options)
    finally:
        _remove_scratch(scratch, names)
    if status < 0 or status > 127:
        # git refused (a binary file, say): the internal merge still gives an honest answer
        return _internal_line_merge(base, left, right, options)
    return LineMerge(merged, status)


def _scratch_folder() -> str:
    """A new private folder (mode 0700, a random name) for merge-file's three inputs.

    tempfile would pick the same folder (TMPDIR, TEMP, TMP, else the system's) but its
    import (random, shutil, bz2, lzma...) cost a clean driver call more than this; it
    answers only when that folder is unusable."""
    base = next((os.environ[v] for v in ("TMPDIR", "TEMP", "TMP") if os.environ.get(v)), None)
    if base is None and os.name == "posix":
        base = "/tmp"
    if base is not None:
        # absolute, as tempfile makes it: git runs inside the folder and is given these paths
        path = os.path.join(os.path.abspath(base), f"smartmerge-{os.urandom(8).hex()}")
        try:
            os.mkdir(path, 0o700)
        except OSError:
            pass
        else:
            return path
    import tempfile  # imported here: only when the usual temporary folder cannot be used

    return tempfile.mkdtemp(prefix="smartmerge-")


def _remove_scratch(folder: str, names: Sequence[str]) -> None:
    for name in names:
        with suppress(FileNotFoundError):  # the write of an input failed before it was made
            os.unlink(os.path.join(folder, name))
    try:
        os.rmdir(folder)
    except OSError:
        import shutil  # imported here: only if something else appeared in the folder

        shutil.rmtree(folder, ignore_errors=True)


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


def line_merge_refusing(
    texts: tuple[str, str, str],
    options: MergeOptions,
    regions: Sequence[tuple[int, int]],
    out_lines: frozenset[int],
    base_lines: frozenset[int],
) -> tuple[str, int]:
    """A clean line merge that must not stand (it does not parse, or reads a name a
    side unbound), with the changes at its faults turned into one conflict per region.

    ``regions`` are base's top-level statements as 1-based line ranges [start, end]: a
    fault's conflict takes in every change of its region, so both sides' edits of the
    statement that broke are shown together. Faults are lines of the clean output
    (``out_lines``) or of base (``base_lines``); without any that a change covers,
    every change both sides made to one region becomes a conflict, and failing that
    all changes form one. Returns the text and the number of conflicts."""
    newline = newline_of(texts[1])
    chunks = diff3(*(split_lines(t) for t in texts))
    spans: list[tuple[int, int, int, int]] = []  # per chunk: base start/end, output start/end (0-based)
    b = o = 0
    for chunk in chunks:
        size = len(chunk.resolved()) if not chunk.conflict else 0
        spans.append((b, b + len(chunk.base), o, o + size))
        b, o = b + len(chunk.base), o + size
    unstable = [k for k, chunk in enumerate(chunks) if not chunk.stable]

    def region(k: int) -> int:
        line = spans[k][0] + 1  # a pure insertion belongs to the statement it follows
        if not chunks[k].base and line > 1:
            line -= 1
        return next((r for r, (start, end) in enumerate(regions) if start <= line <= end), -1 - k)

    faulty: set[int] = set()
    for k in unstable:
        b0, b1, o0, o1 = spans[k]
        # a conflict: where the internal diff3 aligns otherwise than git did
        at_fault = any(o0 < line <= max(o1, o0 + 1) for line in out_lines) or any(b0 < line <= b1 for line in base_lines)
        if chunks[k].conflict or at_fault:
            faulty.add(k)
    for line in out_lines:
        if not any(spans[k][2] < line <= spans[k][3] for k in faulty):
            before = [k for k in unstable if spans[k][2] < line]
            if before:
                faulty.add(before[-1])
    if not faulty:
        def sides(k: int) -> set[str]:
            chunk = chunks[k]
            return {s for s, text in (("left", chunk.left), ("right", chunk.right)) if text != chunk.base}

        by_region: dict[int, set[str]] = {}
        for k in unstable:
            by_region.setdefault(region(k), set()).update(sides(k))
        faulty = {k for k in unstable if len(by_region[region(k)]) == 2} or set(unstable)
    groups: list[list[int]] = []
    for r in sorted({region(k) for k in faulty}, key=lambda r: min(k for k in unstable if region(k) == r)):
        members = [k for k in unstable if region(k) == r]
        groups.append(list(range(members[0], members[-1] + 1)))
    if not any(region(k) >= 0 for k in faulty):
        groups = [list(range(min(faulty), max(faulty) + 1))]
    starts = {group[0]: group for group in groups}
    inside = {k for group in groups for k in group}
    out: list[str] = []
    for k, chunk in enumerate(chunks):
        if k in starts:
            group = [chunks[i] for i in starts[k]]
            out += conflict_block(
                [line for c in group for line in c.base],
                [line for c in group for line in c.left],
                [line for c in group for line in c.right],
                options,
                newline,
            )
        elif k not in inside:
            out += chunk.resolved()
    return "".join(out), len(groups)
