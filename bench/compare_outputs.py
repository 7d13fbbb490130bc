"""Do two revisions merge a corpus the same? Outcome, method and output bytes per scenario.

    python bench/compare_outputs.py REV_A REV_B CORPUS [CORPUS ...] [--timeout S]

Exports ``src/`` and ``grammars/`` of each revision (``git archive``), merges every
scenario of the corpora in-process with each (one child process per revision, both at
once) and lists the scenarios whose outcome, method or output differ. Exit status 1 when
one does. A performance change should list none. The time limit defaults to 600 s so that
a loaded machine cannot turn a slow merge into a line merge in one run and not the other.
Standard library only (and each revision's smartmerge).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent

MERGE_ALL = """
import hashlib, json, sys
from pathlib import Path
from smartmerge.options import MergeOptions
from smartmerge.pipeline import merge_texts
timeout, corpora = float(sys.argv[1]), sys.argv[2:]
out = {}
for corpus in corpora:
    for folder in sorted(p.parent for p in Path(corpus).glob("*/Base.py")):
        meta = folder / "meta.json"
        path = json.loads(meta.read_text()).get("path") if meta.exists() else None
        texts = [(folder / n).read_bytes() for n in ("Base.py", "Left.py", "Right.py")]
        result = merge_texts(*texts, path=path or "Left.py", options=MergeOptions(timeout=timeout))
        out[f"{Path(corpus).name}/{folder.name}"] = [
            result.outcome.value, result.method.value, hashlib.sha256(result.text).hexdigest()[:16], result.reason
        ]
json.dump(out, sys.stdout)
"""


def export(rev: str, into: Path) -> Path:
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev, "src", "grammars"], cwd=CHECKOUT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "src"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rev_a")
    ap.add_argument("rev_b")
    ap.add_argument("corpora", nargs="+", type=Path)
    ap.add_argument("--timeout", type=float, default=600.0, help="MergeOptions.timeout of every merge (seconds)")
    args = ap.parse_args(argv)
    corpora = [str(c.resolve()) for c in args.corpora]
    with tempfile.TemporaryDirectory(prefix="compare-outputs-") as tmp:
        children = []
        for i, rev in enumerate((args.rev_a, args.rev_b)):
            src = export(rev, Path(tmp) / str(i))
            children.append(subprocess.Popen(
                [sys.executable, "-c", MERGE_ALL, str(args.timeout), *corpora],
                env={**os.environ, "PYTHONPATH": str(src), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
                stdout=subprocess.PIPE, text=True,
            ))
        results = []
        for child in children:
            stdout, _ = child.communicate()
            if child.returncode != 0:
                raise SystemExit(f"merging with one revision failed (exit {child.returncode})")
            results.append(json.loads(stdout))
    a, b = results
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k, [None])[:3] != b.get(k, [None])[:3])
    for key in differ:
        print(f"{key}: {args.rev_a} {a.get(key)} | {args.rev_b} {b.get(key)}")
    print(f"{len(a.keys() | b.keys()) - len(differ)} of {len(a.keys() | b.keys())} scenarios merge the same "
          f"(outcome, method, output bytes); {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
