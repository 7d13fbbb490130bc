"""merge_texts(): the stages in order, the time limit and the fallback.

    decode -> detect language -> parse x3 -> match -> merge -> render -> check
    (undecodable, markers, parse failure, failed check, time-out) -> line merge
"""

from __future__ import annotations

import re
import time
from collections import Counter

from smartmerge import lazy_logging
from smartmerge.checking import check_counts, check_merge, soundness_fault
from smartmerge.checking_semantics import semantic_warnings
from smartmerge.deadline import in_time, time_limit
from smartmerge.errors import CheckFailed, MergeTimeout, ParseFailed
from smartmerge.gc_pause import collection_paused
from smartmerge.languages import LanguageProfile, detect_language, profile_named
from smartmerge.merging.diff3 import contains_changes
from smartmerge.merging.line_merge import LineMerge, line_merge, line_merge_refusing
from smartmerge.options import MergeOptions
from smartmerge.parsing import parse, shared_parses
from smartmerge.parsing.python_scopes import compiler_refuses
from smartmerge.records import replace
from smartmerge.result import GIT_CLEAN_AND_SOUND, MergeResult, Method, Outcome
from smartmerge.textlines import has_conflict_markers, newline_of, split_lines
from smartmerge.tree import Node

log = lazy_logging.getLogger(__name__)  # logging is imported only if a record can be seen

_BOM = b"\xef\xbb\xbf"
_ROLES = ("base", "left", "right")


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


# After the structured merge, checking git's clean line merge may take 0.1 T more:
# issue 15's target for --timeout T is 1.1 T + 0.2 s for the whole command, and the
# 0.2 s are the interpreter's start, reading the inputs and writing the result.
FALLBACK_GRACE, FALLBACK_GRACE_SECONDS = 0.1, 0.0


def _line_result(
    base: bytes, left: bytes, right: bytes, options: MergeOptions, reason: str, profile: LanguageProfile | None = None
) -> MergeResult:
    """git's line merge; with ``profile`` (the inputs may parse), a clean one only if
    it is sound (``_refuse_unsound``)."""
    t0 = time.perf_counter()
    merged = line_merge(base, left, right, options)
    if profile is not None and not merged.conflicts:
        try:
            refused = _refuse_unsound((base, left, right), merged.text, profile, options)
        except MergeTimeout:
            # the structured merge spent the time limit: holding the user for a check
            # that may take longer than the merge did would break the limit (issue 15);
            # git's result stands, as it did before the check existed, and says so
            refused = None
            reason = f"{reason}; no time was left to check git's clean line merge, which stands unchecked"
        if refused is not None:
            text, conflicts, why = refused
            merged = LineMerge(text, conflicts)
            reason = f"{reason}; git's clean line merge refused: {why}"
    outcome = Outcome.CONFLICTED if merged.conflicts else Outcome.CLEAN
    log.debug("line merge: %s (%.1f ms)", reason, (time.perf_counter() - t0) * 1e3)
    return MergeResult(
        text=merged.text,
        outcome=outcome,
        method=Method.LINE,
        reason=reason,
        timings={"line_merge": time.perf_counter() - t0},
    )


def _refuse_unsound(
    raw: tuple[bytes, bytes, bytes], merged: bytes, profile: LanguageProfile, options: MergeOptions
) -> tuple[bytes, int, str] | None:
    """When all three inputs parse, a clean line merge that is unsound (does not parse,
    compile, reads a name no input left unbound, defines a name twice: see
    ``checking.soundness_fault``) becomes a conflict at its fault; None when it may
    stand. Inputs that do not parse leave git's result as it is."""
    try:
        texts = tuple(_decode(data) for data in raw)
        # strictly: a profile that tolerates syntax errors in inputs has no parsing
        # version to hold the result to when one of them has some
        trees = [parse(text, profile, strict=True) for text in texts]
        out = _decode(merged)
    except (ParseFailed, UnicodeDecodeError, RecursionError):
        return None
    base, left, right = texts
    fault = soundness_fault(base, left, right, out, profile)
    if fault is None:
        return None
    regions, line = [], 1
    for child in trees[0].children:
        size = len(split_lines(child.text))
        regions.append((line, line + size - 1))
        line += size
    text, conflicts = line_merge_refusing((base, left, right), options, regions, fault.out_lines, fault.base_lines)
    bom = _BOM if raw[1].startswith(_BOM) else b""
    return bom + text.encode("utf-8"), conflicts, fault.reason


def _profile_for(path: str | None, options: MergeOptions) -> LanguageProfile | None:
    if options.language:
        return profile_named(options.language)
    return detect_language(path)


@collection_paused()  # the trees of a big file are many objects for the cyclic collector to re-scan
@shared_parses()  # each text parsed once: the structured merge, the checks of git's merge, the warnings
def merge_texts(
    base: bytes | str,
    left: bytes | str,
    right: bytes | str,
    *,
    path: str | None = None,
    options: MergeOptions | None = None,
) -> MergeResult:
    """Merge three versions of one file; never raises for bad content.

    ``path`` (the file's path in the repository) picks the language unless
    ``options.language`` names one. Content that cannot be merged structurally
    gets the line merge, and ``result.reason`` says why.
    """
    options = options or MergeOptions()
    base_b, left_b, right_b = _as_bytes(base), _as_bytes(left), _as_bytes(right)
    if left_b == right_b or base_b == right_b:
        return MergeResult(left_b, Outcome.CLEAN, Method.TRIVIAL, reason="one side has no changes of its own")
    if base_b == left_b:
        return MergeResult(right_b, Outcome.CLEAN, Method.TRIVIAL, reason="left has no changes")
    if options.line_merge:
        return _line_result(base_b, left_b, right_b, options, "line merge requested")
    profile = _profile_for(path, options)
    if profile is None:
        return _line_result(base_b, left_b, right_b, options, f"no language profile for {path or 'this file'}")
    try:
        texts = tuple(_decode(b) for b in (base_b, left_b, right_b))
    except UnicodeDecodeError as exc:
        role = _ROLES[[_decodes(b) for b in (base_b, left_b, right_b)].index(False)]
        return _line_result(base_b, left_b, right_b, options, f"{role} is not UTF-8 ({exc.reason} at byte {exc.start})")
    marked = [role for role, t in zip(_ROLES, texts, strict=True) if has_conflict_markers(t)]
    if marked:
        return _line_result(base_b, left_b, right_b, options, f"{' and '.join(marked)} already contains conflict markers")
    # adding or removing the BOM is an edit like any other: the side that made it wins
    base_bom, left_bom, right_bom = (b.startswith(_BOM) for b in (base_b, left_b, right_b))
    bom = _BOM if (left_bom if left_bom != base_bom else right_bom) else b""
    deadline = time.monotonic() + options.timeout
    try:
        with time_limit(deadline):  # every stage below stops when the time is up (deadline.py)
            try:
                fast = _git_clean_and_sound((base_b, left_b, right_b), profile, options)
            except MergeTimeout:
                # checking git's clean merge used the whole limit: checking it again in the
                # fallback's grace would only overrun it (a 100,000-line file, --timeout 1)
                return _line_result(
                    base_b, left_b, right_b, options,
                    f"checking git's clean line merge ran past {options.timeout:g} s; no time was left to check it, "
                    "so it stands unchecked",
                )
            if fast is not None:
                return _with_warnings(fast, texts, profile)
            result = _structured(texts[0], texts[1], texts[2], profile, options, bom=bom, deadline=deadline)
            return _with_warnings(_in_gits_layout(result, (base_b, left_b, right_b), profile, options), texts, profile)
    except ParseFailed as exc:
        return _line_result(base_b, left_b, right_b, options, f"parse failed: {exc}")
    except Exception as exc:
        why = _fallback_reason(exc, options)
        if why is None:  # a bug of ours must cost a conflict, never the user's merge
            log.warning("structured merge failed, using the line merge: %r", exc, exc_info=True)
            why = f"internal error in the structured merge: {exc!r}"
        # checking git's result gets what is left of the limit and a small grace, so that
        # --timeout T holds within FALLBACK_GRACE (docs/architecture.md)
        with time_limit(deadline + FALLBACK_GRACE * options.timeout + FALLBACK_GRACE_SECONDS):
            return _line_result(base_b, left_b, right_b, options, why, profile)


def _fallback_reason(exc: Exception, options: MergeOptions) -> str | None:
    """Why the structured merge gave way to the line merge, for the exceptions it
    raises on purpose; None for any other (a bug of ours)."""
    if isinstance(exc, CheckFailed):
        return f"structured result failed the check: {exc}"
    if isinstance(exc, MergeTimeout):
        return f"structured merge ran past {options.timeout:g} s"
    if isinstance(exc, RecursionError):
        return "input nested too deeply for the structured merge"
    return None


def _git_clean_and_sound(raw: tuple[bytes, bytes, bytes], profile: LanguageProfile, options: MergeOptions) -> MergeResult | None:
    """git's clean line merge of a Python file, when it parses, compiles and passes the
    soundness checks of a clean line merge (``_is_sound``: no name read that nothing
    binds, none defined twice in one body, no call that stops fitting its function, no
    line more often than both sides' changes give); None otherwise, and the structured
    merge decides. Most files git merges cleanly are merged right by it; checking its
    result needs none of the structured merge's modules (a driver call's start-up), nor
    its matching, nor libcst."""
    if profile.parser != "python":
        return None
    t0 = time.perf_counter()
    merged = line_merge(*raw, options)
    if merged.conflicts:
        return None
    try:
        if not _is_sound(raw, merged.text, profile):
            return None
    except (SyntaxError, ValueError):
        return None  # an input the interpreter cannot parse: the structured merge's (python_grammar.py)
    return MergeResult(merged.text, Outcome.CLEAN, Method.LINE, (), GIT_CLEAN_AND_SOUND, {"fast_path": time.perf_counter() - t0})


def _in_gits_layout(
    result: MergeResult, raw: tuple[bytes, bytes, bytes], profile: LanguageProfile, options: MergeOptions
) -> MergeResult:
    """git's own clean line merge, when it says what the structured result says.

    Where both merges are clean they can still differ in layout: an insertion that
    sits between two blank lines, or an import both sides added at different places
    (git keeps both copies; a second import of the same name changes nothing).
    Users compare with git and people commit git's result, so it is returned as
    long as its other lines are ours and it parses (and, for Python, compiles).
    """
    if result.method is not Method.STRUCTURED:
        return result
    merged = line_merge(*raw, options)
    if merged.conflicts or merged.text == result.text:
        return result
    in_time("comparing with git's line merge")  # what follows re-checks the result: never skipped
    if result.outcome is not Outcome.CLEAN:
        # git merged what the structure could not (a docstring line edited on one side
        # and moved into another class on the other): its clean merge holds every line
        # change of both sides, and stands when it is sound and repeats nothing
        if _is_sound(raw, merged.text, profile):
            return MergeResult(
                merged.text, Outcome.CLEAN, Method.LINE, (),
                f"{result.reason}; git's clean line merge is sound and is used", result.timings,
            )
        return result
    if not _same_but_layout(result.text, merged.text):
        if _lost_a_line_change(raw, result.text, merged.text, profile.comment_prefix) and _passes_check(raw, merged.text, profile):
            return MergeResult(
                merged.text, Outcome.CLEAN, Method.LINE, (),
                "the structured result lost a line change that git's clean line merge keeps; git's line merge used",
                result.timings,
            )
        return result
    try:
        git_text = _decode(merged.text)
        parse(git_text, profile, strict=True)
    except (ParseFailed, UnicodeDecodeError):
        return result
    if profile.parser == "python" and compiler_refuses(git_text):
        return result
    return MergeResult(merged.text, Outcome.CLEAN, Method.STRUCTURED, (), f"{result.reason}; git's layout kept", result.timings)


def _is_sound(raw: tuple[bytes, bytes, bytes], merged: bytes, profile: LanguageProfile) -> bool:
    """git's clean merge is sound (``checking.soundness_fault``) and holds no statement
    or comment line more often than both sides' changes give. For Python the cheapest
    refusal comes first: ``soundness_fault`` reads the interpreter's own syntax tree
    (before the four Node trees are built), and raises SyntaxError or ValueError when an
    input is Python the interpreter cannot parse (Python 2, `async` as a name, newer syntax)."""
    try:
        base, left, right, out = texts = [_decode(data) for data in (*raw, merged)]
    except UnicodeDecodeError:
        return False
    python = profile.parser == "python"
    try:
        if python and soundness_fault(base, left, right, out, profile) is not None:
            return False
        trees = [parse(text, profile) for text in texts]
    except (ParseFailed, RecursionError):
        return False
    if not python:
        return soundness_fault(base, left, right, out, profile) is None
    try:
        check_counts(*trees)
    except CheckFailed:
        return False
    return True


def _with_warnings(result: MergeResult, texts: tuple[str, ...], profile: LanguageProfile) -> MergeResult:
    """A clean Python result, with what the semantic cross-check has to say about it
    (advice only: the outcome stays clean)."""
    if result.outcome is not Outcome.CLEAN or profile.parser != "python":
        return result
    t0 = time.perf_counter()
    try:
        warnings = semantic_warnings(texts[0], texts[1], texts[2], _decode(result.text))
    except MergeTimeout:
        # advice must not cost the checked merge, nor hold the user past the time limit
        log.debug("semantic cross-check skipped: the time limit is up")
        return result
    timings = {**result.timings, "semantics": time.perf_counter() - t0}
    log.debug("semantic cross-check %.1f ms, %d warning(s)", 1e3 * timings["semantics"], len(warnings))
    return replace(result, warnings=warnings, timings=timings)


def _passes_check(raw: tuple[bytes, bytes, bytes], merged: bytes, profile: LanguageProfile) -> bool:
    """git's merge passes the check a structured result must pass (no key or
    definition written twice, every change kept, for Python: it compiles)."""
    try:
        base, left, right = (parse(_decode(data), profile) for data in raw)
        check_merge(base, left, right, _decode(merged), profile)
    except (ParseFailed, CheckFailed, UnicodeDecodeError):
        return False
    return True


def _lost_a_line_change(raw: tuple[bytes, bytes, bytes], ours: bytes, gits: bytes, comment: str) -> bool:
    """git merged the sides cleanly, our result says something else (not only in
    layout), and it does not hold every changed line of a side: the structured merge
    paired the wrong statements (a deleted line whose blank line and comments moved to
    its neighbour) and dropped a change. Lines are compared without blank ones and
    trailing white space, since the two merges may place blank lines differently."""
    # imported here: a file git merges cleanly never gets here
    from smartmerge.merging.tokens import token_keys

    if token_keys(_decode(ours), comment) == token_keys(_decode(gits), comment):
        return False

    def lines(data: bytes) -> list[bytes]:
        return [line.rstrip() for line in data.removeprefix(_BOM).splitlines() if line.strip()]

    base, left, right = (lines(data) for data in raw)
    out, git = lines(ours), lines(gits)
    if not Counter(out) - Counter(git) and all(line in out for line in Counter(git) - Counter(out)):
        return False  # git only repeats lines we wrote once (a set's member added twice)
    return not (contains_changes(base, left, out) and contains_changes(base, right, out))


_TOP_LEVEL_IMPORT = re.compile(rb"(import|from) [\w., ]+(import [\w., ]+)?\s*$")


def _same_but_layout(ours: bytes, gits: bytes) -> bool:
    """The same non-blank lines, except that git may repeat a one-line top-level
    import that the structured merge wrote once."""
    mine = [line for line in ours.splitlines() if line.strip()]
    theirs = [line for line in gits.splitlines() if line.strip()]
    if mine == theirs:
        return True
    extra = Counter(theirs) - Counter(mine)
    if Counter(mine) - Counter(theirs) or not all(_TOP_LEVEL_IMPORT.match(line) and line in mine for line in extra):
        return False
    repeated = set(extra)
    return [line for line in theirs if line not in repeated] == [line for line in mine if line not in repeated]


def _decode(data: bytes) -> str:
    return data.removeprefix(_BOM).decode("utf-8")


def _decodes(data: bytes) -> bool:
    try:
        _decode(data)
    except UnicodeDecodeError:
        return False
    return True


def _parse_side(text: str, profile: LanguageProfile, role: str) -> Node:
    # the fallback's reason names the revision that did not parse
    try:
        return parse(text, profile)
    except ParseFailed as exc:
        raise ParseFailed(f"{role}: {exc}") from None


def _structured(
    base: str, left: str, right: str, profile: LanguageProfile, options: MergeOptions, bom: bytes, deadline: float
) -> MergeResult:
    # imported here: a file git merges cleanly and soundly never needs them (a driver call's start-up)
    from smartmerge.merging.structured import merge_trees
    from smartmerge.rendering import render

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    base_tree, left_tree, right_tree = (_parse_side(text, profile, role) for text, role in zip((base, left, right), _ROLES, strict=True))
    t1 = time.perf_counter()
    pieces = merge_trees(base_tree, left_tree, right_tree, profile, deadline)
    rendered = render(pieces, options, newline_of(left))
    t2 = time.perf_counter()
    if not rendered.conflicts:
        check_merge(base_tree, left_tree, right_tree, rendered.text, profile)
    t3 = time.perf_counter()
    timings.update(parse=t1 - t0, merge=t2 - t1, check=t3 - t2)
    log.debug("parse %.1f ms, merge %.1f ms, check %.1f ms", *(1e3 * timings[k] for k in ("parse", "merge", "check")))
    if time.monotonic() > deadline:
        raise MergeTimeout("structured merge ran out of time")
    text = bom + rendered.text.encode("utf-8")
    outcome = Outcome.CONFLICTED if rendered.conflicts else Outcome.CLEAN
    reason = "structured merge, checked" if not rendered.conflicts else f"{len(rendered.conflicts)} conflict(s) the structure could not resolve"
    return MergeResult(text, outcome, Method.STRUCTURED, rendered.conflicts, reason, timings)
