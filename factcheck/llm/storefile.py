"""The response store's SQLite file: its schema, what is (and is not) a store, opening it.

A store is opened for writing when it can be. When it cannot (no permission, a read-only file
system, a full disk), it is opened read-only and says why, so a run can still be served from
it. A file that is not a response store (another program's database, a damaged file) is
refused, and never written to.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from factcheck.errors import ConfigError, StoreError

# Long enough to wait out another process's commit, short enough to report a stuck lock.
BUSY_TIMEOUT_MS = 30_000

# Append-only: a store records in ``user_version`` how many of these it has run.
MIGRATIONS = (
    """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    stage TEXT,
    response TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    origin TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exported (
    key TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    stage TEXT,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    endpoint TEXT NOT NULL,
    requests INTEGER NOT NULL,
    status TEXT NOT NULL,
    created TEXT NOT NULL
);
""",
    # outcome: NULL until a structured call used the answer, then 'ok' or 'failed' (the call
    # ended without a valid answer); asks: how many answers the request has been given.
    """
ALTER TABLE answers ADD COLUMN outcome TEXT;
ALTER TABLE answers ADD COLUMN asks INTEGER NOT NULL DEFAULT 1;
""",
)
SCHEMA_VERSION = len(MIGRATIONS)
TABLES = frozenset({"answers", "exported", "batches"})
ANSWER_COLUMNS = frozenset({"key", "endpoint", "model", "stage", "response", "origin"})
# SQLite's names for "this file cannot be written (now)": permissions, a read-only file system,
# a full disk, or a -shm file that cannot be made.
_CANNOT_WRITE = ("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_PERM")
_NOT_A_STORE = ("SQLITE_NOTADB", "SQLITE_CORRUPT")


@dataclass(frozen=True)
class StoreFile:
    """An opened store file: how to connect, its schema version, and why it is read-only."""

    path: Path
    version: int
    uri: str | None = None
    read_only: str | None = None

    def connect(self) -> sqlite3.Connection:
        """A new connection (one per operation: usable from any thread or event loop)."""
        timeout = BUSY_TIMEOUT_MS / 1000
        if self.uri is not None:
            db = sqlite3.connect(self.uri, uri=True, timeout=timeout, isolation_level=None)
        else:
            db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # With WAL, NORMAL loses no commit to a killed process (only to a power cut, and even
        # then the file stays consistent), and spares an fsync per answer.
        db.execute("PRAGMA synchronous=NORMAL")
        return db


def open_store_file(path: Path) -> StoreFile:
    """Open (creating or migrating) the store at ``path``; read-only when it cannot be written.

    Raises ``StoreError`` for a file that is not a response store, ``ConfigError`` when the
    store cannot be created, and ``sqlite3.Error`` for anything else SQLite refuses.
    """
    existed = path.exists()
    if not existed:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the response store {path}: {exc.strerror}") from None
    opened = StoreFile(path, SCHEMA_VERSION)
    try:
        with closing(opened.connect()) as db:
            version = _check(db, path)
            if version < SCHEMA_VERSION:
                _migrate(db)
            else:  # can it be written at all? (takes the write lock, writes nothing)
                db.execute("BEGIN IMMEDIATE")
                db.execute("ROLLBACK")
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        if not (existed and errorname(exc).startswith(_CANNOT_WRITE)):
            raise
        return _open_read_only(path, f"cannot write: {exc}")
    return opened


def store_error(path: Path, exc: sqlite3.Error) -> StoreError | ConfigError:
    """The one-line error for an SQLite failure on the store at ``path``."""
    if errorname(exc).startswith(_NOT_A_STORE):
        return StoreError(
            f"the response store {path} is damaged or not a response store ({exc}): move it "
            "away, or pass another store=..."
        )
    return ConfigError(f"cannot use the response store {path}: {exc}")


def errorname(exc: sqlite3.Error) -> str:
    """SQLite's name for the error (``SQLITE_FULL``, ...), or ``""``."""
    return getattr(exc, "sqlite_errorname", "") or ""


def _check(db: sqlite3.Connection, path: Path) -> int:
    """The store's schema version; ``StoreError`` when the file is not a response store."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the response store {path} was written by a newer factcheck (store version "
            f"{version}, this one knows {SCHEMA_VERSION}): upgrade factcheck, or pass another "
            "store=..."
        )
    foreign = sorted(tables - TABLES)
    if "answers" in tables:
        columns = {row[1] for row in db.execute("PRAGMA table_info(answers)")}
        if not columns >= ANSWER_COLUMNS:
            foreign.append("an 'answers' table of other columns")
    if (version == 0 and foreign) or (version > 0 and ("answers" not in tables or foreign)):
        listed = ", ".join(foreign[:5]) or "none of its tables"
        raise StoreError(
            f"{path} is an SQLite database but not a factcheck response store (it has "
            f"{listed}): pass another store=..."
        )
    return version


def _migrate(db: sqlite3.Connection) -> None:
    with db:
        db.execute("BEGIN IMMEDIATE")
        # Another process may have migrated it while we waited for the lock.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for script in MIGRATIONS[version:]:
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def _open_read_only(path: Path, reason: str) -> StoreFile:
    # mode=ro still needs the WAL's -shm file; immutable=1 reads the main file alone, for a
    # folder where not even that can be made (a full disk, a read-only mount). Only when the
    # WAL is empty, though: then the main file holds every answer, and is whole.
    wal = Path(f"{path}-wal")
    modes = ["mode=ro"]
    if not wal.exists() or wal.stat().st_size == 0:
        modes.append("immutable=1")
    last: sqlite3.Error | None = None
    for flags in modes:
        uri = f"file:{quote(str(path))}?{flags}"
        try:
            with closing(sqlite3.connect(uri, uri=True)) as db:
                version = _check(db, path)
        except sqlite3.Error as exc:
            if errorname(exc).startswith(_NOT_A_STORE):
                raise
            last = exc
            continue
        return StoreFile(path, version, uri=uri, read_only=reason)
    assert last is not None
    raise last
