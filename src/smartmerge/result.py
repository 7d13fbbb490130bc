"""MergeResult, Conflict and Outcome: what a merge hands back."""

from __future__ import annotations

from enum import StrEnum

from smartmerge.records import field, record


class Outcome(StrEnum):
    """Whether the text is ready to commit."""

    CLEAN = "clean"
    CONFLICTED = "conflicted"


class Method(StrEnum):
    """How the text was produced."""

    # both sides identical to something trivial (one side unchanged, or both equal)
    TRIVIAL = "trivial"
    # the structured (syntax tree) merge, checked
    STRUCTURED = "structured"
    # the line merge (git merge-file --diff3 behaviour), used as fallback or on request
    LINE = "line"


# The reason of a LINE result that is git's own clean merge, checked and used by choice
# (pipeline._git_clean_and_sound): not a fallback, nothing to explain to the user.
GIT_CLEAN_AND_SOUND = "git's line merge is clean and sound"


@record
class Conflict:
    """One conflict region of the output, by 1-based line numbers of the output."""

    start_line: int
    end_line: int
    # what the region is about: a symbol path such as "Cls.method", or "" when unknown
    symbol: str = ""


@record
class MergeResult:
    """The merged text and how it came about."""

    text: bytes
    outcome: Outcome
    method: Method
    conflicts: tuple[Conflict, ...] = ()
    # one line on why this method was used (shown by `smartmerge -v`)
    reason: str = ""
    # seconds per stage, for logs and the benchmark
    timings: dict[str, float] = field(default_factory=dict)
    # advice on a clean result that stays clean: a call that no longer fits its function,
    # a change whose value nothing reads any more (checking_semantics.py); one line each
    warnings: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return self.outcome is Outcome.CLEAN
