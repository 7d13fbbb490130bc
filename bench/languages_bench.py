"""Agreement with Mergiraf's working cases, per language, for smartmerge and git.

    python bench/languages_bench.py ../shared/corpus/mergiraf-examples [--suite json ...]

For each ``<suite>__working__<case>`` folder of the selected suites, smartmerge
(``merge_texts`` of this checkout, Mergiraf's labels LEFT/BASE/RIGHT) and
``git merge-file -p --diff3`` merge Left/Base/Right. A tool *agrees* when the
reference holds conflict markers and the tool conflicts, or when the tool is clean
and its output equals the reference ignoring white space. Also counted: conflicts
where the reference has none, clean results that differ, and clean smartmerge
output that does not re-parse with the language's parser (must stay 0).
Standard library and smartmerge only; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from smartmerge import MergeOptions, merge_texts
from smartmerge.errors import ParseFailed
from smartmerge.languages import detect_language
from smartmerge.parsing import parse
from smartmerge.textlines import has_conflict_markers

SUITES = ("javascript", "typescript", "go", "rust", "java", "json", "yaml", "toml", "pyproject.toml", "requirements.txt")
LABELS = MergeOptions(left_label="LEFT", base_label="BASE", right_label="RIGHT")
_SPACE = re.compile(rb"\s+")
GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin:/usr/local/bin"}


def _git(folder: Path, sfx: str) -> tuple[bool, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for name in ("Left", "Base", "Right"):
            dest = Path(tmp) / name
            dest.write_bytes((folder / f"{name}{sfx}").read_bytes())
            names.append(str(dest))
        labels = ["-L", "LEFT", "-L", "BASE", "-L", "RIGHT"]
        proc = subprocess.run(["git", "merge-file", "-p", "--diff3", *labels, *names], capture_output=True, env=GIT_ENV, check=False)
        return proc.returncode == 0, proc.stdout


def _outcome(clean: bool, output: bytes, expected: bytes, expected_conflict: bool) -> str:
    if not clean:
        return "agree" if expected_conflict else "conflict"
    if not expected_conflict and _SPACE.sub(b"", output) == _SPACE.sub(b"", expected):
        return "agree"
    return "different"


def run_case(folder: Path) -> dict[str, object]:
    meta = json.loads((folder / "meta.json").read_text())
    sfx = meta.get("suffix", "")
    path = meta.get("language_file") or f"file{sfx}"
    expected = (folder / meta.get("expected_file", f"Expected{sfx}")).read_bytes()
    expected_conflict = bool(meta.get("expected_has_conflict_markers", has_conflict_markers(expected.decode("utf-8", "replace"))))
    texts = [(folder / f"{n}{sfx}").read_bytes() for n in ("Base", "Left", "Right")]
    result = merge_texts(*texts, path=path, options=LABELS)
    unparsable = False
    profile = detect_language(path)
    if result.clean and profile is not None:
        try:
            parse(result.text.decode("utf-8"), profile, strict=True)
        except (ParseFailed, UnicodeDecodeError):
            unparsable = True
    git_clean, git_out = _git(folder, sfx)
    return {
        "case": folder.name,
        "smartmerge": _outcome(result.clean, result.text, expected, expected_conflict),
        "method": str(result.method),
        "reason": result.reason,
        "git": _outcome(git_clean, git_out, expected, expected_conflict),
        "unparsable": unparsable,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--suite", action="append", help="only these suites (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="one line per case that does not agree")
    args = parser.parse_args()
    rows = ["| language | n | smartmerge agrees | git agrees | sm conflict, expected clean | sm clean but different | sm clean output unparsable |", "|---|---|---|---|---|---|---|"]
    for suite in args.suite or SUITES:
        folders = sorted(args.corpus.glob(f"{suite}__working__*"))
        records = [run_case(f) for f in folders]
        n = len(records)
        if not n:
            continue

        def count(tool: str, outcome: str, records: list[dict[str, object]] = records) -> int:
            return sum(1 for r in records if r[tool] == outcome)

        sm, git = count("smartmerge", "agree"), count("git", "agree")
        unparsable = sum(1 for r in records if r["unparsable"])
        rows.append(f"| {suite} | {n} | {sm} ({100 * sm / n:.0f} %) | {git} ({100 * git / n:.0f} %) | {count('smartmerge', 'conflict')} | {count('smartmerge', 'different')} | {unparsable} |")
        if args.verbose:
            for r in records:
                if r["smartmerge"] != "agree":
                    print(f"  {r['case']}: {r['smartmerge']} ({r['method']}: {r['reason']})", file=sys.stderr)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
