"""LanguageProfile, loaded from ``grammars/*.toml``; ``detect_language(path)``.

Everything that differs between languages lives in those files. A difference that
the schema cannot say is a reason to add a field here, never an
``if language == ...`` in a stage.
"""

from __future__ import annotations

import os
import sys
from contextlib import suppress
from functools import cache

from smartmerge.errors import ConfigError
from smartmerge.records import field, record

TYPE_CHECKING = False  # typing costs start-up; mypy reads the name as true
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from os import PathLike
    from typing import Any

    StrPath = str | PathLike[str]

# a str: git starts the driver per file, and pathlib costs its start-up
GRAMMARS_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "grammars")

# Top-level keys a profile may have; anything else is a typo and is rejected.
_KNOWN_KEYS = frozenset(
    {
        "name",
        "parser",
        "extensions",
        "file_names",
        "comment_prefix",
        "newline_ends_statement",
        "identity",
        "unordered",
        "sorting",
        # tree-sitter profiles: the grammar wheel's module and the function in it that
        # returns the language (tree_sitter_typescript has two), the kinds that are
        # comments, kinds never split, whether inputs with ERROR nodes may merge
        "grammar",
        "grammar_function",
        "comment_kinds",
        "leading_kinds",
        "atomic_kinds",
        "tolerate_errors",
        "separators",
        "tokens",
    }
)
# Keys of the sub-tables; a typo there is rejected too.
_KNOWN_SUBKEYS = {
    "identity": frozenset(
        {"named_bodies", "sequence_bodies", "signatures", "line_name", "renamable_kinds", "repeatable_kinds", "insertion_conflict_bodies",
         "placed_definition_bodies"}
    ),
    "unordered": frozenset(
        {
            "list_assignments",
            "import_names",
            "item_list_paths",
            "item_list_kinds",
            "commutative_operators",
            "commutative_parents",
            "exclusive_items",
            "order_sensitive_items",
            "set_kinds",
            "sets",
        }
    ),
    "sorting": frozenset({"keep_sorted_imports", "first_statements"}),
    "tokens": frozenset({"list_brackets", "call_brackets", "not_callers", "list_statements", "clause_separators", "index_brackets"}),
}
# The parsers a profile may name: Python's own (ast + libcst), a tree-sitter grammar
# wheel, or one record per line (requirements.txt: no grammar needed).
PARSERS = frozenset({"python", "tree-sitter", "lines"})


@record
class SetRule:
    """``[[unordered.sets]]``: a tree-sitter query whose ``@set`` capture is a list of
    items in any order: its children captured ``@item`` when the query has that
    capture, else the runs of children between ``separator`` tokens. ``joiner`` joins
    a new item when no revision has two items to copy the spacing from; ``keyed``
    names an item by its first word (``a: b`` is ``a``), so one item changed on both
    sides, or changed on one and deleted on the other, is a conflict."""

    query: str
    separator: str
    joiner: str
    keyed: bool = False


_SET_RULE_KEYS = frozenset({"query", "separator", "joiner", "keyed"})


@record
class TokenLists:
    """``[tokens]``: the brackets whose comma-separated contents are lists of items
    (``list_brackets``, and ``call_brackets`` after a name or a closing bracket, unless
    that name is one of ``not_callers``, the keywords after which such a bracket is a
    tuple or a grouping), and statements whose names outside brackets are a list
    (``list_statements``: ``import a, b``), and the tokens between two clauses of one
    statement (``clause_separators``: ``=``, ``and``, ``for``, ``in``)."""

    list_brackets: frozenset[str]
    call_brackets: frozenset[str]
    not_callers: frozenset[str]
    list_statements: frozenset[str] = frozenset()
    clause_separators: frozenset[str] = frozenset()
    # list brackets that, after a name or a closing bracket, hold one index (``m[i, j]``)
    index_brackets: frozenset[str] = frozenset()


@record
class LanguageProfile:
    name: str
    parser: str
    extensions: tuple[str, ...]
    file_names: tuple[str, ...] = ()
    comment_prefix: str = "#"
    # a line break outside brackets ends a statement (Python): the token merge turns a
    # break one side wrote inside brackets the other side removed into a space
    newline_ends_statement: bool = False
    identity: Mapping[str, Any] = field(default_factory=dict)
    unordered: Mapping[str, Any] = field(default_factory=dict)
    sorting: Mapping[str, Any] = field(default_factory=dict)
    grammar: str = ""
    grammar_function: str = "language"
    comment_kinds: tuple[str, ...] = ()
    # kinds that belong to the member below them, like comments (Rust's attributes)
    leading_kinds: tuple[str, ...] = ()
    atomic_kinds: tuple[str, ...] = ()
    tolerate_errors: bool = False
    # body kind -> the token between its members ("," in a JSON object): when both
    # sides append members, the separators are put back where the grammar wants them
    separators: Mapping[str, str] = field(default_factory=dict)
    # where two edits of one statement may merge token by token (see ``token_lists``)
    tokens: Mapping[str, Any] = field(default_factory=dict)

    @property
    def token_lists(self) -> TokenLists | None:
        """Where the token merge may combine one edit per side inside one statement:
        only in different items of a list, None where the profile does not say (any
        two edits with a stable token between them merge)."""
        if not self.tokens:
            return None
        return TokenLists(
            frozenset(self.tokens.get("list_brackets", ())),
            frozenset(self.tokens.get("call_brackets", ())),
            frozenset(self.tokens.get("not_callers", ())),
            frozenset(self.tokens.get("list_statements", ())),
            frozenset(self.tokens.get("clause_separators", ())),
            frozenset(self.tokens.get("index_brackets", ())),
        )

    @property
    def named_bodies(self) -> frozenset[str]:
        return frozenset(self.identity.get("named_bodies", ()))

    @property
    def sequence_bodies(self) -> frozenset[str]:
        return frozenset(self.identity.get("sequence_bodies", ()))

    @property
    def renamable_kinds(self) -> frozenset[str]:
        """Named kinds whose renames are followed (matched by body similarity)."""
        return frozenset(self.identity.get("renamable_kinds", ("def", "class")))

    @property
    def signatures(self) -> Mapping[str, str | list[str]]:
        """Member kind -> where its name is: a field or child kind, ``/`` for a path,
        a list for several parts (an ``impl`` block's trait and type)."""
        return dict(self.identity.get("signatures", {}))

    @property
    def placed_definition_bodies(self) -> frozenset[str]:
        """Named bodies that run in order (a Python module or class): a definition's
        place in them matters, so one both sides add at different places conflicts."""
        return frozenset(self.identity.get("placed_definition_bodies", ()))

    @property
    def insertion_conflict_bodies(self) -> frozenset[str]:
        """Sequence bodies (statement blocks) where both sides inserting different
        children at one spot is a conflict: the order of statements is their meaning."""
        return frozenset(self.identity.get("insertion_conflict_bodies", ()))

    @property
    def commutative_parents(self) -> Mapping[str, str]:
        """Node kind -> the token between its items, for lists whose order means
        nothing (``implements A, B``, ``throws X, Y``, modifiers, JSX attributes):
        items both sides added all land, inside one line."""
        return dict(self.unordered.get("commutative_parents", {}))

    @property
    def exclusive_items(self) -> tuple[frozenset[str], ...]:
        """Groups of commutative items of which a list holds one at most
        (``public``, ``protected``, ``private``): two changes within one group clash."""
        return tuple(frozenset(group) for group in self.unordered.get("exclusive_items", ()))

    @property
    def order_sensitive_items(self) -> frozenset[str]:
        """Item kinds that make a commutative list's order matter (a JSX spread
        ``{...props}`` overrides the attributes before it): such a list is not merged."""
        return frozenset(self.unordered.get("order_sensitive_items", ()))

    @property
    def set_kinds(self) -> frozenset[str]:
        """Member kinds that form a set in their body (Java imports): a member a side
        added that repeats one already there is the same member, kept once."""
        return frozenset(self.unordered.get("set_kinds", ()))

    @property
    def unordered_list_assignments(self) -> frozenset[str]:
        return frozenset(self.unordered.get("list_assignments", ()))

    @property
    def commutative_operators(self) -> tuple[str, ...]:
        """Operator tokens whose operands may be added in any order (``|`` of union types)."""
        return tuple(self.unordered.get("commutative_operators", ()))

    @property
    def unordered_item_list_kinds(self) -> frozenset[str]:
        """Leaf kinds whose bracketed lists are sets (Rust's ``use a::{b, c}``)."""
        return frozenset(self.unordered.get("item_list_kinds", ()))

    @property
    def unordered_item_list_paths(self) -> tuple[str, ...]:
        """Symbol paths (glob patterns) of values whose bracketed lists are sets
        (pyproject's ``build-system.requires``, ``project.dependencies``)."""
        return tuple(self.unordered.get("item_list_paths", ()))

    @property
    def set_rules(self) -> tuple[SetRule, ...]:
        """Lists on one line that are sets, found by tree-sitter queries (a Rust
        derive list, trait bounds): two items added at one spot both land."""
        return tuple(
            SetRule(
                str(rule["query"]),
                str(rule.get("separator", "")),
                str(rule.get("joiner", f"{rule.get('separator', '')} ")),
                bool(rule.get("keyed", False)),
            )
            for rule in self.unordered.get("sets", ())
        )

    @property
    def keep_sorted_imports(self) -> bool:
        return bool(self.sorting.get("keep_sorted_imports", False))


def load_profile(path: StrPath) -> LanguageProfile:
    """Read one profile file, rejecting unknown keys with the file's name."""
    return _profile(_checked_data(path))


def _checked_data(path: StrPath) -> dict[str, Any]:
    """One profile file's tables, checked: unknown keys and missing ones are refused."""
    import tomllib  # imported here: the profiles usually come from the cache (cached_data)

    try:
        with open(path, encoding="utf-8") as handle:
            data = tomllib.loads(handle.read())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read language profile: {exc}") from exc
    unknown = sorted(set(data) - _KNOWN_KEYS)
    for table, known in _KNOWN_SUBKEYS.items():
        unknown += [f"{table}.{key}" for key in sorted(set(data.get(table, {})) - known)]
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}")
    for required in ("name", "parser", "extensions"):
        if required not in data:
            raise ConfigError(f"{path}: missing required key {required!r}")
    for rule in data.get("unordered", {}).get("sets", ()):
        if not isinstance(rule, dict) or "query" not in rule or set(rule) - _SET_RULE_KEYS:
            raise ConfigError(f"{path}: each unordered.sets entry needs query (and may have separator, joiner, keyed)")
        if not rule.get("separator") and "@item" not in str(rule["query"]):
            raise ConfigError(f"{path}: an unordered.sets entry needs a separator or an @item capture")
        if "@set" not in str(rule["query"]):
            raise ConfigError(f"{path}: an unordered.sets query must capture @set")
    if data["parser"] not in PARSERS:
        raise ConfigError(f"{path}: parser must be one of {', '.join(sorted(PARSERS))}")
    if data["parser"] == "tree-sitter" and not data.get("grammar"):
        raise ConfigError(f"{path}: a tree-sitter profile needs `grammar` (the wheel's module)")
    _check_unordered(path, data.get("unordered", {}))
    return data


def _profile(data: Mapping[str, Any]) -> LanguageProfile:
    return LanguageProfile(
        name=str(data["name"]),
        parser=str(data["parser"]),
        extensions=tuple(data["extensions"]),
        file_names=tuple(data.get("file_names", ())),
        comment_prefix=str(data.get("comment_prefix", "#")),
        newline_ends_statement=bool(data.get("newline_ends_statement", False)),
        identity=dict(data.get("identity", {})),
        unordered=dict(data.get("unordered", {})),
        sorting=dict(data.get("sorting", {})),
        grammar=str(data.get("grammar", "")),
        grammar_function=str(data.get("grammar_function", "language")),
        comment_kinds=tuple(data.get("comment_kinds", ())),
        leading_kinds=tuple(data.get("leading_kinds", ())),
        atomic_kinds=tuple(data.get("atomic_kinds", ())),
        tolerate_errors=bool(data.get("tolerate_errors", False)),
        separators=dict(data.get("separators", {})),
        tokens=dict(data.get("tokens", {})),
    )


def _check_unordered(path: StrPath, unordered: Mapping[str, Any]) -> None:
    """The shapes of the ``[unordered]`` tables a stage reads without looking."""
    parents = unordered.get("commutative_parents", {})
    if not isinstance(parents, dict) or not all(isinstance(v, str) and v for v in parents.values()):
        raise ConfigError(f"{path}: unordered.commutative_parents maps a node kind to its separator token (\" \" for white space)")
    groups = unordered.get("exclusive_items", [])
    if not isinstance(groups, list) or not all(isinstance(g, list) and all(isinstance(i, str) for i in g) for g in groups):
        raise ConfigError(f"{path}: unordered.exclusive_items is a list of lists of item texts")


@cache
def all_profiles() -> tuple[LanguageProfile, ...]:
    cache_file = os.path.join(GRAMMARS_DIR, "__pycache__", f"profiles.{sys.implementation.cache_tag}.marshal")
    paths = sorted(os.path.join(GRAMMARS_DIR, name) for name in os.listdir(GRAMMARS_DIR) if name.endswith(".toml"))
    return tuple(_profile(data) for data in cached_data(paths, cache_file))


def cached_data(paths: Sequence[StrPath], cache_file: StrPath) -> list[dict[str, Any]]:
    """The checked tables of ``paths``, from a marshal cache beside them when it was made
    from these very files (names, sizes, modification times), as Python keeps its .pyc
    files: git starts the driver once per file, and reading twelve TOML files (and
    importing tomllib, which imports datetime) was a tenth of its start-up. The cache
    is written like a .pyc, atomically, when bytecode may be written; any trouble with
    it only means reading the TOML files."""
    import marshal

    try:
        # this module too: it checks the tables before they are cached
        stamp = [(os.path.basename(p), st.st_size, st.st_mtime_ns) for p in (*paths, __file__) for st in (os.stat(p),)]
    except OSError:
        stamp = []
    try:
        with open(cache_file, "rb") as handle:
            cached_stamp, cached = marshal.loads(handle.read())
        if stamp and cached_stamp == stamp:
            return list(cached)
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = [_checked_data(p) for p in paths]
    if stamp and not sys.dont_write_bytecode:
        with suppress(OSError, ValueError):  # a read-only install, a value marshal cannot hold
            _write_cache(cache_file, marshal.dumps((stamp, data)))
    return data


def _write_cache(cache_file: StrPath, payload: bytes) -> None:
    temporary = f"{os.fspath(cache_file)}.{os.getpid()}"
    with suppress(FileExistsError):
        os.mkdir(os.path.dirname(temporary))
    try:
        with open(temporary, "wb") as handle:
            handle.write(payload)
        os.replace(temporary, cache_file)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)


def profile_named(name: str) -> LanguageProfile:
    for profile in all_profiles():
        if profile.name == name:
            return profile
    known = ", ".join(p.name for p in all_profiles())
    raise ConfigError(f"unknown language {name!r} (known: {known})")


def detect_language(path: str | None) -> LanguageProfile | None:
    """The profile for a repository path, by file name first, then extension."""
    if not path:
        return None
    name, suffix = name_and_suffix(path)
    for profile in all_profiles():
        if name in profile.file_names:
            return profile
    suffix = suffix.lower()
    for profile in all_profiles():
        if suffix and suffix in profile.extensions:
            return profile
    return None


def name_and_suffix(path: str) -> tuple[str, str]:
    """``PurePosixPath(path)``'s name and suffix, a backslash read as a slash, without
    pathlib (the driver detects the language of every file git hands it)."""
    name = next((part for part in reversed(path.replace("\\", "/").split("/")) if part and part != "."), "")
    dot = name.rfind(".")
    return name, name[dot:] if 0 < dot < len(name) - 1 else ""


def attribute_lines(profiles: tuple[LanguageProfile, ...] | None = None) -> list[str]:
    """The ``.gitattributes`` lines that send every supported file to the driver."""
    lines: list[str] = []
    for profile in profiles if profiles is not None else all_profiles():
        patterns = [f"*{ext}" for ext in profile.extensions] + list(profile.file_names)
        lines += [f"{pattern} merge=smartmerge" for pattern in patterns]
    return list(dict.fromkeys(lines))
