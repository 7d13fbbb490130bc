"""Which candidate the tests chose, or why the conflict stays.

Joint plan (every combination was run):

1. Only candidates that *pass* are eligible: no time-out, and the command exited 0
   (or every test that failed flipped between the two runs, i.e. is flaky).
2. No candidate passes: the conflict stays.
3. Among passing candidates the one with the most passed tests wins (flaky tests
   count for neither side; a candidate that skips or fails to collect tests loses).
4. Still tied: the conflict stays, naming the tied candidates. Time never decides: it
   measures the machine as much as the code.

Per-symbol plan (too many combinations; one symbol varied at a time, the others held
at left's version): for each symbol the variant with the fewest failed tests, then the
most passed, wins; a tie (or only time-outs) leaves that symbol undecided and the
conflict stays. The winners are combined into one final candidate, which must pass on
its own (rule 1) to be chosen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smartmerge.ranking.candidates import Variant, symbol_label
from smartmerge.ranking.running import Evaluation


@dataclass(frozen=True)
class Choice:
    chosen: Evaluation | None
    # why this candidate won, or why the conflict stays
    reason: str


def choose_joint(evaluations: Sequence[Evaluation]) -> Choice:
    passing = [e for e in evaluations if e.ok]
    if not passing:
        return Choice(None, "no candidate passes the tests")
    best = max(e.passed for e in passing)
    top = [e for e in passing if e.passed == best]
    if len(top) > 1:
        names = "; ".join(e.candidate.name for e in top)
        return Choice(None, f"tie: {len(top)} candidates pass with {best} tests passed each ({names})")
    if len(passing) == 1:
        return Choice(top[0], "the only candidate that passes the tests")
    return Choice(top[0], f"passes the most tests ({best}) of the {len(passing)} candidates that pass")


def _score(evaluation: Evaluation) -> tuple[int, int, int]:
    """Higher is better: no time-out, then fewer failed tests, then more passed."""
    return (0 if evaluation.timed_out else 1, -evaluation.failed - (0 if evaluation.ok else 1), evaluation.passed)


def choose_per_symbol(
    evaluations: Sequence[Evaluation], held: Mapping[str, Variant]
) -> tuple[dict[str, Variant], list[str]]:
    """Each symbol's winning variant, and a reason for each symbol left undecided."""
    winners: dict[str, Variant] = {}
    undecided: list[str] = []
    for symbol in held:
        group = [
            e for e in evaluations
            if all(v == held[v.symbol] for v in e.candidate.variants if v.symbol != symbol)
        ]
        by_variant = {next(v for v in e.candidate.variants if v.symbol == symbol): e for e in group}
        if not by_variant:
            undecided.append(f"{symbol_label(symbol)}: no variant could be run")
            continue
        best = max(_score(e) for e in by_variant.values())
        top = [v for v, e in by_variant.items() if _score(e) == best]
        if best[0] == 0:
            undecided.append(f"{symbol_label(symbol)}: every variant timed out")
        elif len(top) > 1:
            undecided.append(f"{symbol_label(symbol)}: tie between {', '.join(v.label for v in top)}")
        else:
            winners[symbol] = top[0]
    return winners, undecided
