"""rank_file(): a conflicted merge's candidates, run against the project's tests, one chosen.

    merge pieces -> candidates (candidates.py) -> test runs in throwaway copies
    (running.py) -> the choice and its reason (choosing.py) -> a Ranking to print and record

The API entry point: given a project folder (the rest of the project, already merged),
the file's path in it and the three versions of the file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from smartmerge.options import MergeOptions
from smartmerge.ranking import MAX_CANDIDATES
from smartmerge.ranking.candidates import combine, conflicted, plan
from smartmerge.ranking.choosing import choose_joint, choose_per_symbol
from smartmerge.ranking.running import Evaluation, RunSettings, evaluate, evaluate_all


@dataclass(frozen=True)
class Ranking:
    """The outcome of ranking one file's candidates by tests."""

    path: str
    command: str
    # "joint", "per symbol", or "" when nothing was run
    mode: str
    evaluations: tuple[Evaluation, ...]
    # the candidate the tests chose; None when the conflict stays
    chosen: Evaluation | None
    # why it was chosen, or why the conflict stays
    reason: str
    unparsable: tuple[str, ...] = ()
    wall_seconds: float = 0.0
    parallel: int = 1

    @property
    def text(self) -> bytes | None:
        return self.chosen.candidate.text if self.chosen else None

    def report(self) -> str:
        """The ranking as a table: candidate, result, tests passed/failed/flaky, time."""
        lines = [
            f"ranking {self.path} by `{self.command}`: {len(self.evaluations)} candidate run(s), "
            f"{self.mode or 'none'} plan, up to {self.parallel} at once, {self.wall_seconds:.1f} s"
        ]
        if self.evaluations:
            width = max(len("candidate"), *(len(e.candidate.name) for e in self.evaluations))
            lines.append(f"  {'candidate':<{width}}  result   passed  failed  flaky  time")
            for e in self.evaluations:
                result = "timeout" if e.timed_out else "pass" if e.ok else "FAIL"
                line = f"  {e.candidate.name:<{width}}  {result:<7}  {e.passed:>6}  {e.failed:>6}  {len(e.flaky):>5}  {e.seconds:.1f} s"
                if e.failed_tests:
                    line += f"  failed: {', '.join(e.failed_tests[:3])}{' ...' if len(e.failed_tests) > 3 else ''}"
                if e.flaky:
                    line += f"  flaky: {', '.join(e.flaky[:3])}"
                lines.append(line)
        for name in self.unparsable:
            lines.append(f"  {name}: does not parse, not run")
        if self.chosen is not None:
            lines.append(f"chosen: {self.chosen.candidate.name} ({self.reason})")
        else:
            lines.append(f"conflict kept: {self.reason}")
        return "\n".join(lines) + "\n"


def rank_file(
    project: Path,
    path: str,
    base: bytes,
    left: bytes,
    right: bytes,
    settings: RunSettings,
    *,
    max_candidates: int = MAX_CANDIDATES,
    options: MergeOptions | None = None,
    on_done: Callable[[Evaluation], None] | None = None,
) -> Ranking:
    """Rank the resolutions of ``path``'s conflicts by running ``settings.command`` in
    copies of ``project`` (never in ``project`` itself)."""
    t0 = time.perf_counter()
    conflict = conflicted(base, left, right, path, options or MergeOptions())
    if conflict is None:
        return Ranking(path, settings.command, "", (), None, "no structured conflicts to rank (the file merges clean, or it does not parse)")
    chosen_plan = plan(conflict, max_candidates)
    if chosen_plan.refusal:
        return Ranking(path, settings.command, chosen_plan.mode, (), None, chosen_plan.refusal)
    if not chosen_plan.candidates:
        return Ranking(path, settings.command, chosen_plan.mode, (), None, "no candidate parses", chosen_plan.unparsable)
    evaluations = evaluate_all(project, path, chosen_plan.candidates, settings, on_done)

    def ranking(chosen: Evaluation | None, reason: str, runs: list[Evaluation]) -> Ranking:
        return Ranking(
            path, settings.command, chosen_plan.mode, tuple(runs), chosen, reason,
            chosen_plan.unparsable, time.perf_counter() - t0, settings.parallel,
        )

    if chosen_plan.mode == "joint":
        choice = choose_joint(evaluations)
        return ranking(choice.chosen, choice.reason, evaluations)
    winners, undecided = choose_per_symbol(evaluations, chosen_plan.held)
    if undecided:
        return ranking(None, "per-symbol ranking left symbols undecided: " + "; ".join(undecided), evaluations)
    final = evaluate(project, path, combine(conflict, winners), settings)
    if on_done is not None:
        on_done(final)
    runs = [*evaluations, final]
    if not final.ok:
        return ranking(None, "the combination of each symbol's best variant does not pass the tests", runs)
    return ranking(final, "each symbol's variant won its own runs and the combination passes the tests", runs)
