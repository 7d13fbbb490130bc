"""Symbol claims: "I am editing ``app.py::Parser.parse`` for the next 30 minutes".

Claims are advisory: nothing stops an edit, but ``claim`` refuses a symbol someone
else holds, ``preview`` reports changes to symbols claimed by others, and the
runner's ``locks`` read the same store. They live in one SQLite database in WAL mode
in the repository's *common* git directory, so every worktree of the repository
(each agent's, each runner task's) sees the same claims.

A claim covers its symbol and everything inside it: ``Parser`` covers
``Parser.parse``; a claim with no symbol covers the whole file. An expired claim
blocks nobody and is deleted by the next write. Two processes claiming one symbol
at once: each write runs in a ``BEGIN IMMEDIATE`` transaction, which SQLite
serialises, so exactly one of them finds the symbol free.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from smartmerge.errors import InputError, SmartmergeError
from smartmerge.git.gitcmd import git

CLAIMS_FILE = Path("smartmerge") / "claims.sqlite"
DEFAULT_TTL_SECONDS = 30 * 60
# a writer waits this long for another writer's transaction before giving up
_BUSY_TIMEOUT_MS = 10_000
_TTL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    file TEXT NOT NULL,
    symbol TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (file, symbol)
)
"""


class ClaimHeld(SmartmergeError):
    """Someone else holds the symbol, or a symbol around or inside it."""


@dataclass(frozen=True)
class Claim:
    file: str  # path in the repository, with '/'
    symbol: str  # qualified name ("Parser.parse"); "" is the whole file
    owner: str
    claimed_at: float
    expires_at: float

    @property
    def target(self) -> str:
        return f"{self.file}::{self.symbol}" if self.symbol else self.file

    def covers(self, file: str, symbol: str) -> bool:
        """Whether this claim and one on ``file::symbol`` overlap (one holds the other)."""
        return self.file == file and symbols_overlap(self.symbol, symbol)

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "symbol": self.symbol,
            "by": self.owner,
            "claimed_at": self.claimed_at,
            "expires_at": self.expires_at,
        }


def symbols_overlap(a: str, b: str) -> bool:
    """``Parser`` and ``Parser.parse`` overlap, ``Parser`` and ``Parse`` do not; "" is everything."""
    return not a or not b or a == b or a.startswith(b + ".") or b.startswith(a + ".")


def parse_ttl(text: str) -> float:
    """``30m``, ``2h``, ``90s``, ``1d`` or plain seconds."""
    found = _TTL.match(text)
    if found is None or float(found[1]) <= 0:
        raise InputError(f"--ttl: expected a duration such as 30m, 2h or 90s, got {text!r}")
    return float(found[1]) * _UNIT_SECONDS[found[2]]


def split_target(target: str) -> tuple[str, str]:
    """``FILE::SYMBOL`` (or just ``FILE``) into its two parts."""
    file, _, symbol = target.partition("::")
    if not file.strip():
        raise InputError(f"expected FILE::SYMBOL, got {target!r}")
    if symbol and not all(part.isidentifier() for part in symbol.split(".")):
        raise InputError(f"{target!r}: the symbol must be a dotted Python name such as Parser.parse")
    return file, symbol


def _retry_while_locked(db: sqlite3.Connection, statement: str) -> None:
    """Run a set-up statement that SQLite may refuse at once with "database is locked".

    Switching the journal mode needs the database to itself, and when two processes
    open a new store at the same moment SQLite answers the loser at once instead of
    waiting out the busy timeout (seen in the two-process claim test on a loaded
    machine). WAL persists in the file, so only the first opening can meet this."""
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            db.execute(statement)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)  # a back-off, not a wait for an event: the other opener holds a lock for microseconds


class ClaimStore:
    """The claims of one repository (all its worktrees)."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        # the work tree that relative FILE arguments are resolved against
        self.root = root

    @classmethod
    def for_repo(cls, start: Path | str = ".") -> ClaimStore:
        run = git("rev-parse", "--path-format=absolute", "--git-common-dir", "--show-toplevel", cwd=start, check=False)
        lines = run.out.splitlines()
        if run.returncode != 0 or len(lines) < 2:
            raise InputError(f"{start}: not inside a git work tree (claims live in the repository)")
        return cls(Path(lines[0]) / CLAIMS_FILE, Path(lines[1]))

    def repo_path(self, file: str, cwd: Path | None = None) -> str:
        """A FILE argument as a path in the repository: relative to ``cwd`` (default:
        the work tree's top), or already absolute."""
        absolute = (cwd or self.root) / file
        try:
            return absolute.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            raise InputError(f"{file}: outside the repository at {self.root}") from None

    @contextmanager
    def _write(self, now: float) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are the explicit BEGIN IMMEDIATE below
        with closing(sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as db:
            _retry_while_locked(db, "PRAGMA journal_mode=WAL")
            _retry_while_locked(db, _SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM claims WHERE expires_at <= ?", (now,))
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def active(self, file: str | None = None, now: float | None = None) -> list[Claim]:
        """The claims that have not expired (at ``now``, default: the clock), of one
        file or of all, oldest first."""
        if not self.path.exists():
            return []
        with closing(sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_MS / 1000)) as db:
            db.execute(_SCHEMA)
            rows = db.execute(
                "SELECT file, symbol, owner, claimed_at, expires_at FROM claims "
                "WHERE expires_at > ? AND (? IS NULL OR file = ?) ORDER BY claimed_at, file, symbol",
                (time.time() if now is None else now, file, file),
            ).fetchall()
        return [Claim(*row) for row in rows]

    def claim(
        self, file: str, symbol: str, owner: str, ttl: float = DEFAULT_TTL_SECONDS, now: float | None = None
    ) -> Claim:
        """Claim ``file::symbol`` for ``owner``; claiming again renews. Raises ClaimHeld
        when someone else holds an overlapping claim. ``now`` defaults to the clock."""
        if not owner.strip():
            raise InputError("a claim needs an owner (--by NAME)")
        now = time.time() if now is None else now
        with self._write(now) as db:
            rows = db.execute(
                "SELECT file, symbol, owner, claimed_at, expires_at FROM claims WHERE file = ?", (file,)
            ).fetchall()
            for held in map(lambda row: Claim(*row), rows):
                if held.owner != owner and held.covers(file, symbol):
                    left = max(0, int(held.expires_at - now))
                    raise ClaimHeld(f"{held.target} is claimed by {held.owner} for {left // 60}m{left % 60:02d}s more")
            db.execute(
                "INSERT OR REPLACE INTO claims (file, symbol, owner, claimed_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (file, symbol, owner, now, now + ttl),
            )
        return Claim(file, symbol, owner, now, now + ttl)

    def release(self, file: str, symbol: str, owner: str | None) -> int:
        """Release ``owner``'s claim of ``file::symbol`` (any owner's when None); how many went."""
        with self._write(time.time()) as db:
            row = db.execute("SELECT owner FROM claims WHERE file = ? AND symbol = ?", (file, symbol)).fetchone()
            if row is not None and owner is not None and row[0] != owner:
                raise ClaimHeld(f"{file}::{symbol} is claimed by {row[0]}, not {owner} (release it with --force)")
            deleted = db.execute("DELETE FROM claims WHERE file = ? AND symbol = ?", (file, symbol)).rowcount
        return int(deleted)

    def release_all(self, owner: str) -> int:
        """Release every claim of ``owner``."""
        with self._write(time.time()) as db:
            return int(db.execute("DELETE FROM claims WHERE owner = ?", (owner,)).rowcount)
