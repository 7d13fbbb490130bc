"""The merge driver contract: what git's %O %A %B %P %L %S %X %Y become.

git runs ``<python> -m smartmerge merge --git %O %A %B -p %P -l %L`` with ours in
%A and expects the merge written back into %A: exit 0 when clean, anything else
for conflicts. Inside, %A is the left side and %B the right side. Whatever goes
wrong here, the caller gets either a text to write into %A or an instruction to
leave %A as it is, and git then shows a conflict with all three stages in the
index: nothing is lost.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from smartmerge import lazy_logging
from smartmerge.git.driver_log import append_log, log_line
from smartmerge.git.gitcmd import driver_git_dir
from smartmerge.git.off_switch import BINARY_SNIFF_BYTES, UNEXPANDED, turned_off
from smartmerge.merging.line_merge import line_merge
from smartmerge.options import MergeOptions
from smartmerge.records import field, record, replace
from smartmerge.result import GIT_CLEAN_AND_SOUND, MergeResult, Method, Outcome

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from os import PathLike
    from types import FrameType

    # git's files: a str from the driver line (pathlib costs start-up), a Path from tests
    StrPath = str | PathLike[str]

log = lazy_logging.getLogger(__name__)  # logging is imported only if a record can be seen

# turned_off(): SMARTMERGE=0 (or off/false/no) in the environment asks for git's line merge;
# __main__ settles the clean ones in off_switch.py before this module loads

# The pipeline keeps its own time limit; this backstop fires only if it does not, after
# this many extra seconds (parsing and checking run outside the engine's clock).
HARD_LIMIT_GRACE_SECONDS = 5.0

MergeFunction = Callable[..., MergeResult]


@record
class DriverRequest:
    """One call from git: %O, %A, %B, %P and the merge options (%L and labels)."""

    base: StrPath
    ours: StrPath
    theirs: StrPath
    path: str | None
    options: MergeOptions
    hard_limit_grace: float = HARD_LIMIT_GRACE_SECONDS
    # git's labels and the user's conflict style (labels.driver_options), asked for only
    # when a conflict is written or a resolution kept for review: ``options`` then holds
    # stand-ins (labels.stand_in_options). None: ``options`` has the real ones.
    conflict_options: Callable[[], MergeOptions] | None = None


@record
class DriverOutcome:
    """What to write into %A (None: leave ours in place) and what to tell the user."""

    text: bytes | None
    clean: bool
    messages: list[str] = field(default_factory=list)


class _HardTimeout(BaseException):
    # a BaseException so that a broad `except Exception` inside the engine cannot swallow it
    pass


def label_or_default(label: str, default: str) -> str:
    """A label git did not expand (git < 2.44 passes ``%S`` literally) becomes the default."""
    return default if not label or label in UNEXPANDED else label


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def run_driver(request: DriverRequest, merge: MergeFunction | None = None) -> DriverOutcome:
    """Merge the three files git handed over; never raises for anything the files hold."""
    shown = request.path or str(request.ours)
    try:
        base, ours, theirs = (_read(p, role) for p, role in (
            (request.base, "base (%O)"), (request.ours, "ours (%A)"), (request.theirs, "theirs (%B)")))
    except _Unreadable as exc:
        return DriverOutcome(None, False, [f"smartmerge: {shown}: {exc}; ours left in place, git reports a conflict"])
    if any(is_binary(data) for data in (base, ours, theirs)):
        return DriverOutcome(None, False, [f"smartmerge: {shown}: binary file; ours left in place, git reports a conflict"])
    options = request.options
    if turned_off():
        # git's line merge and nothing else: not even the engine is imported
        options = replace(options, line_merge=True)
        merge = _line_only
    if merge is None:
        from smartmerge.pipeline import merge_texts  # the engine: most of a driver call's start-up

        merge = merge_texts
    started = time.perf_counter()
    messages: list[str] = []
    try:
        with _hard_limit(options.timeout + request.hard_limit_grace):
            result = merge(base, ours, theirs, path=request.path, options=options)
    except _HardTimeout:
        result = _fallback(base, ours, theirs, options, f"merge ran past {options.timeout:g} s")
        messages.append(f"smartmerge: {shown}: the merge ran past its time limit; used git's line merge instead")
    except Exception as exc:
        log.debug("the merge raised", exc_info=True)
        result = _fallback(base, ours, theirs, options, f"the merge failed: {type(exc).__name__}: {exc}")
        messages.append(
            f"smartmerge: {shown}: the merge failed ({type(exc).__name__}: {exc}); used git's line merge instead"
        )
    resolved = 0
    line_text = b""
    if result.method is Method.STRUCTURED:
        line = line_merge(base, ours, theirs, options)
        line_text = line.text
        # what git's line merge would have left conflicted and the structured merge resolved
        resolved = max(0, line.conflicts - len(result.conflicts))
    if request.conflict_options is not None and (resolved or not result.clean):
        result, line_text = _with_real_labels(merge, request, options, (base, ours, theirs), result, line_text)
    elapsed = time.perf_counter() - started
    if resolved:
        noun = "conflict" if resolved == 1 else "conflicts"
        messages.append(f"smartmerge: resolved {resolved} {noun} in {shown}; review with: smartmerge review {shown}")
    elif result.method is Method.LINE and not made_by_choice(result.reason) and not messages:
        # a fallback is said even when the line merge came out clean: the user expected the structured merge
        outcome = "clean" if result.clean else "conflicts left"
        messages.append(f"smartmerge: {shown}: used git's line merge instead of the structured merge, {outcome}: {result.reason}")
    if not result.clean and result.method is Method.STRUCTURED:
        symbols = sorted({c.symbol or "module level" for c in result.conflicts})
        noun = "conflict" if len(result.conflicts) == 1 else "conflicts"
        messages.append(f"smartmerge: {shown}: {len(result.conflicts)} {noun} left in {', '.join(symbols)}")
    messages += [f"smartmerge: warning: {shown}: {warning}" for warning in result.warnings]
    messages += _record(request, result, resolved, (base, ours, theirs, line_text), elapsed)
    return DriverOutcome(result.text, result.clean, messages)


def drive(request: DriverRequest) -> DriverOutcome:
    """run_driver, and if even that fails (say, git is missing), the line merge or ours untouched."""
    shown = request.path or str(request.ours)
    try:
        return run_driver(request)
    except Exception as exc:
        log.debug("the driver failed", exc_info=True)
        messages = [f"smartmerge: {shown}: internal error ({type(exc).__name__}: {exc})"]
    try:
        base, ours, theirs = (_read_bytes(p) for p in (request.base, request.ours, request.theirs))
        options = request.options
        if request.conflict_options is not None:
            # git's labels if they can be had, else the ones git uses outside a merge
            options = replace(options, base_label="base", left_label="ours", right_label="theirs")
            with suppress(Exception):
                options = request.conflict_options()
        merged = line_merge(base, ours, theirs, options)
    except Exception:
        messages.append(f"smartmerge: {shown}: ours left in place; git reports a conflict")
        return DriverOutcome(None, False, messages)
    messages.append(f"smartmerge: {shown}: used git's line merge instead")
    return DriverOutcome(merged.text, merged.conflicts == 0, messages)


def _with_real_labels(
    merge: MergeFunction,
    request: DriverRequest,
    stand_in: MergeOptions,
    inputs: tuple[bytes, bytes, bytes],
    result: MergeResult,
    line_text: bytes,
) -> tuple[MergeResult, bytes]:
    """The result and git's line merge with git's labels in place of the stand-ins; a
    conflict in another style than the stand-ins' diff3 is merged again in that style."""
    from smartmerge.git.labels import with_labels  # labels.py imports this module

    assert request.conflict_options is not None
    real = replace(request.conflict_options(), line_merge=stand_in.line_merge)
    line_text = with_labels(line_text, stand_in, real)
    if real.conflict_style == stand_in.conflict_style or result.clean:
        return replace(result, text=with_labels(result.text, stand_in, real)), line_text
    try:
        with _hard_limit(real.timeout + request.hard_limit_grace):
            return merge(*inputs, path=request.path, options=real), line_text
    except (_HardTimeout, Exception):
        log.debug("merging again in the user's conflict style failed", exc_info=True)
        return _fallback(*inputs, real, result.reason), line_text


class _Unreadable(Exception):
    pass


def _read_bytes(path: StrPath) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _read(path: StrPath, role: str) -> bytes:
    try:
        return _read_bytes(path)
    except FileNotFoundError:
        raise _Unreadable(f"{role} file {path} is missing") from None
    except OSError as exc:
        raise _Unreadable(f"{role} file {path} cannot be read ({exc.strerror})") from None


def made_by_choice(reason: str) -> bool:
    """Unknown languages, an explicit line merge and git's clean merge that passed the
    checks (the structured merge was not needed) need no explanation."""
    return reason.startswith("no language profile") or reason in ("line merge requested", GIT_CLEAN_AND_SOUND)


def _line_only(
    base: bytes, ours: bytes, theirs: bytes, *, path: str | None, options: MergeOptions
) -> MergeResult:
    return _fallback(base, ours, theirs, options, "line merge requested")


def _fallback(base: bytes, ours: bytes, theirs: bytes, options: MergeOptions, reason: str) -> MergeResult:
    merged = line_merge(base, ours, theirs, options)
    outcome = Outcome.CONFLICTED if merged.conflicts else Outcome.CLEAN
    return MergeResult(merged.text, outcome, Method.LINE, reason=reason)


@contextmanager
def _hard_limit(seconds: float) -> Iterator[None]:
    """Raise _HardTimeout after ``seconds`` of wall time (main thread only: SIGALRM)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _HardTimeout

    try:
        previous = signal.signal(signal.SIGALRM, expire)
        main_thread = True
    except ValueError:
        # not the main thread, the only one signals reach (asking threading costs its import)
        main_thread = False
    if not main_thread:
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _record(
    request: DriverRequest,
    result: MergeResult,
    resolved: int,
    inputs: tuple[bytes, bytes, bytes, bytes],
    elapsed: float,
) -> list[str]:
    """Log the merge under the git dir and keep what `smartmerge review` needs."""
    path = request.path
    if not path:
        return []
    try:
        git_dir = driver_git_dir(os.getcwd())  # read from .git: no git process per file
        if git_dir is None:
            return []
        append_log(git_dir, log_line(path, result.method.value, result.outcome.value, resolved, elapsed, result.reason))
        if resolved:
            from smartmerge.git import review  # only a resolution is kept for review

            base, left, right, line_text = inputs
            review.save(
                git_dir,
                review.ReviewRecord(path, base, left, right, result.text, line_text, resolved, time.time()),
            )
    except Exception as exc:
        # the record is a convenience: the merge itself must not fail because of it
        log.debug("cannot record the merge", exc_info=True)
        return [f"smartmerge: {path}: merged, but could not record it for review ({exc})"]
    return []
