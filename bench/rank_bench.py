"""Ranking benchmark: a generated project whose merge leaves 20 clashing functions.

    python bench/rank_bench.py [--symbols 20] [--trials 3] [--parallel 2] [--serial-trials 1]

Each trial generates a project (seeded): a module ``pricing.py`` with N functions and a
test suite, one test per function in base. Both sides change every function differently:
for each function one side (chosen at random) makes a *good* change (keeps behaviour and
adds a feature, with a new test for it in a test file of its own) and the other a *bad*
one (an off-by-one the base test catches). The only file that passes all tests takes the
good side of every function. ``rank_file`` ranks the candidates (N = 20 is past the
joint plan's bound, so the per-symbol plan runs); the trial counts as right when the
chosen file is exactly that file, and per function when that function's winner is the
good side.

Reports: how often the passing candidate is chosen, the wall time with candidates run
in parallel against one at a time, and the overhead per candidate: the copy of the
project, and the run of a candidate against a bare run of the same command in the
project folder.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge.ranking.resolving import rank_file
from smartmerge.ranking.running import RunSettings

COMMAND = f"{sys.executable} -m pytest -q"


def function(i: int, body: str) -> str:
    return f"def f{i}(x):\n    {body}\n\n\n"


def generate(root: Path, symbols: int, seed: int) -> tuple[bytes, bytes, bytes, bytes, list[str]]:
    """Write the project (base's code, both sides' new tests); return base, left, right,
    the expected file and, per function, the good side."""
    rng = random.Random(seed)
    good_sides = [rng.choice(["left", "right"]) for _ in range(symbols)]
    base = left = right = expected = ""
    (root / "tests").mkdir(parents=True)
    base_tests = "from pricing import *\n\n\n"
    for i, good in enumerate(good_sides):
        plain = f"return x + {i}"
        # the good change keeps f(1) and accepts None; the bad one is off by one. Both
        # rewrite the same token (x), so no finer merge can take both
        good_body = f"return (x or 0) + {i}"
        bad_body = f"return (x + 1) + {i}"
        base += function(i, plain)
        left += function(i, good_body if good == "left" else bad_body)
        right += function(i, good_body if good == "right" else bad_body)
        expected += function(i, good_body)
        base_tests += f"def test_f{i}():\n    assert f{i}(1) == {1 + i}\n\n\n"
        # the good side's new test, in a file that side added
        (root / "tests" / f"test_new_{good}_{i}.py").write_text(
            f"from pricing import f{i}\n\n\ndef test_f{i}_none():\n    assert f{i}(None) == {i}\n"
        )
    (root / "tests" / "test_pricing.py").write_text(base_tests)
    # the work tree as git leaves it: the conflicted file holds base here (overwritten per candidate)
    (root / "pricing.py").write_text(base)
    return base.encode(), left.encode(), right.encode(), expected.encode(), good_sides


def bare_run(root: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(COMMAND, shell=True, cwd=root, capture_output=True, check=False, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--serial-trials", type=int, default=1, help="trials also run one candidate at a time")
    parser.add_argument("--max-candidates", type=int, default=32)
    parser.add_argument("--table", action="store_true",
                        help="print only the table, no heading (what bench/update_docs.py pastes into the docs)")
    args = parser.parse_args()

    right_files = right_symbols = 0
    walls: dict[str, list[float]] = {"parallel": [], "serial": []}
    runs_per_trial: list[int] = []
    test_runs: list[int] = []
    setup: list[float] = []
    run_overhead: dict[str, list[float]] = {"parallel": [], "serial": []}
    loads: list[float] = []
    for trial in range(args.trials):
        loads.append(os.getloadavg()[0])
        with tempfile.TemporaryDirectory(prefix="smartmerge-rank-bench-") as scratch:
            root = Path(scratch) / "project"
            base, left, right, expected, good_sides = generate(root, args.symbols, seed=trial)
            bare = statistics.median(bare_run(root) for _ in range(3))
            modes = ["parallel"] + (["serial"] if trial < args.serial_trials else [])
            for mode in modes:
                settings = RunSettings(COMMAND, timeout=120, parallel=args.parallel if mode == "parallel" else 1)
                t0 = time.perf_counter()
                ranking = rank_file(root, "pricing.py", base, left, right, settings, max_candidates=args.max_candidates)
                walls[mode].append(time.perf_counter() - t0)
                run_overhead[mode] += [run.seconds - bare for e in ranking.evaluations for run in e.runs]
                if mode != "parallel":
                    continue
                runs_per_trial.append(len(ranking.evaluations))
                test_runs.append(sum(len(e.runs) for e in ranking.evaluations))
                right_files += ranking.text == expected
                if ranking.chosen is not None:
                    chosen = {v.symbol: v.label for v in ranking.chosen.candidate.variants}
                    right_symbols += sum(chosen.get(f"f{i}") == good for i, good in enumerate(good_sides))
                setup += [e.setup_seconds for e in ranking.evaluations]
                print(f"trial {trial}: {ranking.mode} plan, {len(ranking.evaluations)} candidates, "
                      f"chosen right: {ranking.text == expected}; {ranking.reason}", file=sys.stderr)
            print(f"trial {trial}: bare `pytest -q` in the project: {bare:.2f} s", file=sys.stderr)

    ms = 1e3
    if not args.table:
        print(f"## ranking benchmark: {args.symbols} clashing functions, {args.trials} trials, parallel {args.parallel}\n")
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| passing file chosen | {right_files} / {args.trials} trials |")
    print(f"| good side chosen per function | {right_symbols} / {args.symbols * args.trials} |")
    print(f"| candidates run per trial | {', '.join(map(str, runs_per_trial))} |")
    print(f"| test runs per trial (a failing run is repeated once) | {', '.join(map(str, test_runs))} |")
    print(f"| load average (1 min) before each trial | {', '.join(f'{x:.1f}' for x in loads)} |")
    print(f"| wall time per trial, {args.parallel} candidates at once | {', '.join(f'{w:.1f} s' for w in walls['parallel'])} |")
    if walls["serial"]:
        pairs = list(zip(walls["parallel"], walls["serial"], strict=False))
        print(f"| wall time per trial, one at a time (first {len(pairs)} trials) | {', '.join(f'{s:.1f} s' for _, s in pairs)} |")
        print(f"| speed-up on those trials | {', '.join(f'x{s / p:.2f}' for p, s in pairs)} |")
    print(f"| copy of the project + writing the candidate, median / max | {statistics.median(setup) * ms:.0f} / {max(setup) * ms:.0f} ms |")
    for mode, values in run_overhead.items():
        if values:
            print(f"| one test run of a candidate minus a bare run ({mode}), median | {statistics.median(values) * ms:.0f} ms |")


if __name__ == "__main__":
    main()
