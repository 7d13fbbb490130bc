#!/usr/bin/env python3
"""Replay a repository bundle's merge commits: clone it into a temporary folder and print
``smartmerge replay``'s tables (Markdown) on stdout, for bench/update_docs.py.

    python bench/replay_bench.py ../shared/repos/tornado.bundle --jobs 2

The bundle is read-only and not a work tree, so it is cloned first; the clone is removed
afterwards. The replay imports this checkout's src/. The last line says the bundle's commit,
the wall time and the load average before the run. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", type=Path, help="a git bundle (or repository) to clone and replay")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes of the replay (default 2)")
    args = parser.parse_args()
    if not args.bundle.exists():
        print(f"error: {args.bundle} does not exist", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="smartmerge-replay-bench-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "--quiet", str(args.bundle), str(clone)], check=True)
        head = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "smartmerge", "replay", str(clone), "--jobs", str(args.jobs)],
                              env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode if proc.returncode > 1 else 2
    # the temporary clone's path means nothing in a doc: name the bundle instead
    sys.stdout.write(proc.stdout.replace(str(clone), args.bundle.name).rstrip("\n") + "\n\n")
    print(f"Bundle at `{head}`; wall time of the replay {wall:.1f} s with `--jobs {args.jobs}`, "
          f"{os.cpu_count()} CPUs, load average {load:.1f} before it.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
