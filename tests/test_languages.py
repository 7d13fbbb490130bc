"""Every profile in grammars/ loads, and names only kinds and fields its grammar has."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from smartmerge.errors import ConfigError
from smartmerge.languages import (
    GRAMMARS_DIR,
    all_profiles,
    cached_data,
    detect_language,
    load_profile,
    name_and_suffix,
)
from smartmerge.parsing import parse
from smartmerge.parsing.from_tree_sitter import kinds_and_fields, language_of, set_query

TREE_SITTER = [p for p in all_profiles() if p.parser == "tree-sitter"]


@pytest.mark.parametrize("path", [
    "a.py", "pkg/a.py", "pkg\\a.PY", "a.tar.gz", ".py", "a.", "..", "a/..", "dir/", "./a.py/.", "", "/", "Dockerfile",
    "a..py", "x/.gitignore",
])
def test_a_files_name_and_suffix_are_pathlibs(path: str) -> None:
    # the driver reads them without pathlib: the same answers
    from pathlib import PurePosixPath

    pure = PurePosixPath(path.replace("\\", "/"))
    assert name_and_suffix(path) == (pure.name, pure.suffix)


@pytest.mark.parametrize("profile", TREE_SITTER, ids=lambda p: p.name)
def test_profile_names_only_kinds_and_fields_of_its_grammar(profile) -> None:  # type: ignore[no-untyped-def]
    language = language_of(profile.grammar, profile.grammar_function)
    kinds, steps = kinds_and_fields(profile)
    unknown = [k for k in kinds if language.id_for_node_kind(k, True) is None]
    assert not unknown, f"{profile.name}: no such node kind(s) {unknown}"
    bad_steps = [s for s in steps if language.field_id_for_name(s) is None and language.id_for_node_kind(s, True) is None]
    assert not bad_steps, f"{profile.name}: no such field or kind(s) {bad_steps}"
    for rule in profile.set_rules:
        # compiling checks every kind and field the query names (QueryError otherwise)
        query = set_query(profile.grammar, profile.grammar_function, rule.query)
        captures = [query.capture_name(i) for i in range(query.capture_count)]
        assert "set" in captures, f"{profile.name}: unordered.sets query without @set: {rule.query}"


def test_unknown_keys_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('name = "x"\nparser = "tree-sitter"\ngrammar = "m"\nextensions = []\ncoment_kinds = []\n')
    with pytest.raises(ConfigError, match="coment_kinds"):
        load_profile(path)
    path.write_text('name = "x"\nparser = "lines"\nextensions = []\n[identity]\nnamed_body = []\n')
    with pytest.raises(ConfigError, match=r"identity\.named_body"):
        load_profile(path)
    path.write_text('name = "x"\nparser = "lines"\nextensions = []\n[[unordered.sets]]\nquery = "(a) @set"\n')
    with pytest.raises(ConfigError, match="separator"):
        load_profile(path)


def test_unordered_tables_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text('name = "x"\nparser = "lines"\nextensions = []\n[unordered]\ncommutative_parents = { throws = 1 }\n')
    with pytest.raises(ConfigError, match="commutative_parents"):
        load_profile(path)
    path.write_text('name = "x"\nparser = "lines"\nextensions = []\n[unordered]\nexclusive_items = ["public"]\n')
    with pytest.raises(ConfigError, match="exclusive_items"):
        load_profile(path)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("a/pyproject.toml", "pyproject.toml"),
        ("Cargo.toml", "toml"),
        ("requirements.txt", "requirements.txt"),
        ("x.json", "json"),
        ("x.yml", "yaml"),
        ("x.tsx", "tsx"),
        ("x.ts", "typescript"),
        ("x.mjs", "javascript"),
        ("main.go", "go"),
        ("lib.rs", "rust"),
        ("A.java", "java"),
    ],
)
def test_detection(path: str, name: str) -> None:
    profile = detect_language(path)
    assert profile is not None and profile.name == name


SAMPLES = {
    "json": '{\n  // c\n  "a": [1, 2],\n  "b": {\n    "c": 1\n  }\n}',
    "toml": '# top\na = 1\n\n[t]\nb = [\n  1,\n]\n\r\n[[arr]]\nx = "y"\n',
    "yaml": "# c\na: 1\nb:\n  c: [1]\n  d:\n    - x\n",
    "go": "package main\n\nimport (\n\t\"fmt\"\n)\n\n// F.\nfunc F() {\n\tfmt.Println(1)\n}\n",
    "rust": "#[derive(Debug)]\nstruct S {\n    a: i32,\n}\n\nimpl T for S {\n    fn f(&self) {}\n}\n",
    "java": "package a;\n\nclass A {\n    int x;\n    void f(int a) {\n        g();\n    }\n}\n",
    "javascript": "const a = {\n  b: 1,\n};\nfunction f() {\n  return 1;\n}\n",
    "typescript": "interface I {\n  a: number;\n}\nexport class C {\n  m(): void {}\n}\n",
    "requirements.txt": "# pins\nrequests==2.0\n-r base.txt\n\n",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_parse_is_lossless(name: str) -> None:
    profile = next(p for p in all_profiles() if p.name == name)
    text = SAMPLES[name]
    tree = parse(text, profile)
    assert tree.text == text
    assert tree.children, "the sample's top level should split into members"


def test_languages_command_lists_profiles_and_attribute_lines() -> None:
    from typer.testing import CliRunner

    from smartmerge.cli import app

    runner = CliRunner()
    listing = runner.invoke(app, ["languages"])
    assert listing.exit_code == 0
    assert "json" in listing.output and "tree_sitter_json" in listing.output
    lines = runner.invoke(app, ["languages", "--gitattributes"]).output.splitlines()
    assert "*.rs merge=smartmerge" in lines
    assert "pyproject.toml merge=smartmerge" in lines
    assert all(line.endswith(" merge=smartmerge") for line in lines)


def _fixture_inputs() -> list[tuple[Path, str]]:
    import tomllib

    from conftest import FIXTURES

    found = []
    for folder in sorted((FIXTURES / "merges").glob("*/*")):
        if folder.parent.name == "python":
            continue
        base = next(folder.glob("Base*"))
        ext = base.name[len("Base") :]
        config = tomllib.loads((folder / "case.toml").read_text()) if (folder / "case.toml").exists() else {}
        path = config.get("path", f"{folder.name}{ext}")
        found += [(folder / f"{name}{ext}", path) for name in ("Base", "Left", "Right")]
    return found


@pytest.mark.parametrize(("file", "path"), _fixture_inputs(), ids=lambda v: f"{v.parent.name}/{v.name}" if isinstance(v, Path) else "")
def test_fixture_inputs_parse_losslessly(file: Path, path: str) -> None:
    profile = detect_language(path)
    assert profile is not None
    text = file.read_text(encoding="utf-8")
    assert parse(text, profile).text == text


JSON_BASE = '{\n  "a": 1\n}\n'
JSON_LEFT = '{\n  "a": 1,\n  "b": 2\n}\n'
JSON_RIGHT = '{\n  "a": 1,\n  "c": 3\n}\n'


@pytest.mark.parametrize(
    ("merged", "why"),
    [
        ('{\n  "a": 1,\n  "b": 2\n  "c": 3\n}\n', "does not parse"),
        ('{\n  "a": 1,\n  "b": 2,\n  "c": 3,\n  "c": 3\n}\n', "repeats a key"),
        ('{\n  "a": 1,\n  "c": 3\n}\n', "left added"),
        ('{\n  "a": 1,\n  "b": 2,\n  "c": 4\n}\n', "right added"),
    ],
)
def test_check_rejects_bad_json_results(merged: str, why: str) -> None:
    from smartmerge.checking import check_merge
    from smartmerge.errors import CheckFailed

    profile = next(p for p in all_profiles() if p.name == "json")
    trees = [parse(t, profile) for t in (JSON_BASE, JSON_LEFT, JSON_RIGHT)]
    with pytest.raises(CheckFailed, match=why):
        check_merge(*trees, merged, profile)


def test_crlf_json_merges_and_stays_crlf() -> None:
    from smartmerge import merge_texts

    crlf = [t.replace("\n", "\r\n") for t in (JSON_BASE, JSON_LEFT, JSON_RIGHT)]
    result = merge_texts(*crlf, path="x.json")
    assert result.clean
    assert result.text == b'{\r\n  "a": 1,\r\n  "b": 2,\r\n  "c": 3\r\n}\r\n'


def test_the_profiles_cache_follows_the_toml_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the driver reads the profiles from a marshal cache; a changed TOML file must win over it
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    toml = tmp_path / "python.toml"
    toml.write_text((Path(GRAMMARS_DIR) / "python.toml").read_text())
    cache = tmp_path / "__pycache__" / "profiles.marshal"
    first = cached_data([toml], cache)
    assert cache.exists() and first[0]["comment_prefix"] == "#"
    assert cached_data([toml], cache) == first
    toml.write_text(toml.read_text().replace('comment_prefix = "#"', 'comment_prefix = "//"'))
    assert cached_data([toml], cache)[0]["comment_prefix"] == "//"
    cache.write_bytes(b"not marshal data")
    assert cached_data([toml], cache)[0]["comment_prefix"] == "//"
    toml.write_text(toml.read_text() + "\nnot_a_key = 1\n")
    with pytest.raises(ConfigError, match="not_a_key"):
        cached_data([toml], cache)
