"""``preview`` and the conflicts as data of ``--json`` (docs/json.md), on real repositories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from git_helpers import BASE, Repo, add_function, edit, smartmerge

from smartmerge.pipeline import merge_texts
from smartmerge.reporting import SCHEMA, result_records

CLASS_BASE = """class Parser:
    def parse(self, text):
        return text.split()

    def name(self):
        return "parser"


def helper():
    return 1
"""


def _json(proc: Any) -> dict[str, Any]:
    assert proc.stdout, proc.stderr
    document: dict[str, Any] = json.loads(proc.stdout)
    assert document["schema"] == SCHEMA
    return document


def _state(repo: Repo) -> tuple[str, str, bytes, str]:
    return (
        repo.git("rev-parse", "HEAD").stdout,
        repo.git("status", "--porcelain", "--ignored").stdout,
        (repo.root / ".git" / "index").read_bytes(),
        repo.git("for-each-ref").stdout,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.commit("base", {"app.py": BASE, "parser.py": CLASS_BASE, "gone.py": "x = 1\n", "notes.txt": "a\n"})
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("feature", {
        "app.py": add_function(edit(BASE, "one", "10"), "five"),
        "parser.py": CLASS_BASE.replace("text.split()", "text.split(',')"),
        "gone.py": "x = 2\n",
        "new.txt": "new\n",
    })
    repo.git("checkout", "-q", "main")
    (repo.root / "gone.py").unlink()
    repo.commit("main", {
        "app.py": add_function(edit(BASE, "two", "20"), "six"),
        "parser.py": CLASS_BASE.replace("text.split()", "text.split(';')"),
    })
    return repo


def test_preview_says_what_each_file_would_become_and_touches_nothing(repo: Repo) -> None:
    (repo.root / "untracked.py").write_text("pass\n")
    before = _state(repo)
    proc = smartmerge("preview", "feature", "--json", cwd=repo.root)
    assert proc.returncode == 1, proc.stderr
    assert _state(repo) == before
    doc = _json(proc)
    assert doc["command"] == "preview" and doc["clean"] is False
    files = {entry["path"]: entry for entry in doc["files"]}
    assert set(files) == {"app.py", "parser.py", "gone.py", "new.txt"}
    # both added a function at the end: git's line merge conflicts, smartmerge does not
    assert files["app.py"]["status"] == "merged" and files["app.py"]["by"] == "smartmerge"
    assert files["new.txt"] == {**files["new.txt"], "status": "merged", "by": "one_side"}
    conflict = files["parser.py"]["conflicts"]
    assert files["parser.py"]["status"] == "conflict" and len(conflict) == 1
    assert conflict[0]["symbol"] == "Parser.parse" and conflict[0]["kind"] == "both_changed"
    assert conflict[0]["left"] == "        return text.split(';')\n"  # left is HEAD
    assert conflict[0]["right"] == "        return text.split(',')\n"
    assert conflict[0]["base"] == "        return text.split()\n"
    assert conflict[0]["why"]
    gone = files["gone.py"]["conflicts"]
    assert [c["kind"] for c in gone] == ["delete_against_change"]
    assert gone[0]["lines"] == {"start": 0, "end": 0} and gone[0]["right"] == "x = 2\n"


def test_preview_line_ranges_point_at_the_markers_git_merge_writes(repo: Repo) -> None:
    doc = _json(smartmerge("preview", "feature", "--json", cwd=repo.root))
    record = next(e for e in doc["files"] if e["path"] == "parser.py")["conflicts"][0]
    repo.install()
    repo.git("merge", "-q", "feature", check=False)
    lines = repo.read("parser.py").splitlines()
    start, end = record["lines"]["start"], record["lines"]["end"]
    assert lines[start - 1].startswith("<<<<<<<") and lines[end - 1].startswith(">>>>>>>")


def test_preview_into_another_ref_and_its_text_form(repo: Repo) -> None:
    repo.git("branch", "other", "HEAD~1")  # the base: merging feature into it is one-sided
    proc = smartmerge("preview", "feature", "--into", "other", cwd=repo.root)
    assert proc.returncode == 0, proc.stderr
    assert "merged    parser.py by one side (changed on the right only)" in proc.stdout
    text = smartmerge("preview", "feature", cwd=repo.root)
    assert "conflict both_changed in Parser.parse (lines" in text.stdout
    assert "merged    app.py by smartmerge" in text.stdout
    missing = smartmerge("preview", "no-such-branch", cwd=repo.root)
    assert missing.returncode == 2 and "no-such-branch: no such branch or commit" in missing.stderr


def test_preview_reports_changes_to_symbols_others_claimed(repo: Repo) -> None:
    assert smartmerge("claim", "parser.py::Parser", "--by", "alice", cwd=repo.root).returncode == 0
    assert smartmerge("claim", "app.py::two", "--by", "bob", cwd=repo.root).returncode == 0
    assert smartmerge("claim", "app.py::three", "--by", "carol", cwd=repo.root).returncode == 0
    doc = _json(smartmerge("preview", "feature", "--json", "--by", "bob", cwd=repo.root))
    claimed = {e["path"]: [(c["symbol"], c["side"], c["claim"]["by"]) for c in e["claimed"]] for e in doc["files"]}
    # bob's own claim is not reported, nobody changed three
    assert claimed["app.py"] == []
    assert ("Parser.parse", "right", "alice") in claimed["parser.py"]
    assert ("Parser.parse", "left", "alice") in claimed["parser.py"]
    text = smartmerge("preview", "feature", cwd=repo.root).stdout
    assert "claimed: left changes two, claimed by bob (app.py::two)" in text


CASES = {
    "both_changed": (CLASS_BASE, CLASS_BASE.replace("split()", "split(',')"), CLASS_BASE.replace("split()", "split(';')"), "Parser.parse"),
    "delete_against_change": (
        CLASS_BASE,
        CLASS_BASE.replace('    def name(self):\n        return "parser"\n', ""),
        CLASS_BASE.replace('"parser"', '"the parser"'),
        "Parser.name",
    ),
    "both_added_differently": (
        CLASS_BASE, CLASS_BASE + "\n\ndef extra():\n    return 1\n", CLASS_BASE + "\n\ndef extra():\n    return 2\n", "extra",
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_merge_json_names_the_symbol_kind_and_sides(tmp_path: Path, kind: str) -> None:
    base, left, right, symbol = CASES[kind]
    for name, text in (("base.py", base), ("left.py", left), ("right.py", right)):
        (tmp_path / name).write_text(text)
    proc = smartmerge("merge", "base.py", "left.py", "right.py", "--json", "-p", "m.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    entry = _json(proc)["files"][0]
    assert entry["path"] == "m.py" and entry["status"] == "conflict"
    [record] = entry["conflicts"]
    assert (record["kind"], record["symbol"]) == (kind, symbol)
    lines = entry["text"].splitlines(keepends=True)
    block = "".join(lines[record["lines"]["start"] - 1 : record["lines"]["end"]])
    assert block.startswith("<<<<<<< left") and block.rstrip().endswith(">>>>>>> right")
    assert record["left"] in block and record["right"] in block


def test_an_insertion_clash_and_a_line_merge_say_so() -> None:
    base = "items = [\n    1,\n]\n"
    left = "items = [\n    1,\n    2,\n]\n"
    right = "items = [\n    1,\n    3,\n]\n"
    result = merge_texts(base, left, right, path="l.py")
    [record] = result_records(result, 7, base.encode())
    assert record.kind == "insertion_clash" and record.base == ""
    broken = merge_texts("a = 1\n", "a = (\n", "a = 3\n", path="b.py")
    [line_record] = result_records(broken, 7)
    assert line_record.kind == "both_changed" and "merged line by line" in line_record.why


def test_merge_json_with_output_file_and_clean_merge(tmp_path: Path) -> None:
    base, left, right = BASE, edit(BASE, "one", "10"), edit(BASE, "four", "40")
    for name, text in (("base.py", base), ("left.py", left), ("right.py", right)):
        (tmp_path / name).write_text(text)
    proc = smartmerge("merge", "base.py", "left.py", "right.py", "--json", "-o", "out.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = _json(proc)
    assert doc["clean"] is True and doc["files"][0]["conflicts"] == [] and "text" not in doc["files"][0]
    assert (tmp_path / "out.py").read_text() == edit(edit(BASE, "one", "10"), "four", "40")


def test_solve_review_and_replay_speak_the_same_schema(repo: Repo) -> None:
    # without the driver git leaves both files conflicted; solve re-merges them
    repo.git("merge", "-q", "feature", check=False)
    proc = smartmerge("solve", "app.py", "parser.py", "--json", "--no-backup", cwd=repo.root)
    assert proc.returncode == 1, proc.stderr
    solved = {e["path"]: e for e in _json(proc)["files"]}
    assert solved["app.py"]["status"] == "merged" and solved["app.py"]["source"] == "index stages 1/2/3"
    assert [c["symbol"] for c in solved["parser.py"]["conflicts"]] == ["Parser.parse"]
    repo.git("merge", "--abort")
    # with the driver, app.py is resolved and recorded for review
    repo.install()
    repo.git("merge", "-q", "feature", check=False)
    review = _json(smartmerge("review", "--json", cwd=repo.root))
    [entry] = review["files"]
    assert entry["path"] == "app.py" and entry["by"] == "smartmerge" and entry["resolved"] >= 1
    assert entry["conflicts"] and all(c["resolved"] for c in entry["conflicts"])
    repo.git("checkout", "-q", "--theirs", "gone.py")
    repo.git("checkout", "-q", "--ours", "parser.py")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "merged")
    replay = _json(smartmerge("replay", str(repo.root), "--json", cwd=repo.root))
    assert replay["merges"] == 1
    assert {e["path"] for e in replay["files"]} == {"app.py", "parser.py"}
    assert {e["path"]: e["status"] for e in replay["files"]} == {"app.py": "merged", "parser.py": "conflict"}


def test_a_class_counts_as_changed_only_for_its_own_lines() -> None:
    from smartmerge.reporting import changed_symbols

    added_method = CLASS_BASE.replace('        return "parser"\n', '        return "parser"\n\n    def more(self):\n        return 2\n')
    assert changed_symbols(CLASS_BASE, added_method) == {"Parser.more"}
    edited = CLASS_BASE.replace("text.split()", "text.split(',')")
    assert changed_symbols(CLASS_BASE, edited) == {"Parser.parse"}
    decorated = CLASS_BASE.replace("class Parser:", "@final\nclass Parser:")
    assert changed_symbols(CLASS_BASE, decorated) == {"Parser"}
    assert changed_symbols(CLASS_BASE, "def broken(:\n") is None
