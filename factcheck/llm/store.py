"""The response store: every model answer, paid for once, kept in an embedded SQLite file.

``StoreTransport`` (in ``transport.py``) puts it under the OpenAI SDK, outermost, so every
request passes through it (instructor's re-asks included) and a stored answer is served before
any retry or network.

A request's key is a hash of its endpoint and its canonical JSON body (model, messages, schema,
sampling settings). Headers never enter it, so neither does the key; the query string is left
out too, since some proxies carry credentials there. Each answer is committed on its own the
moment it arrives: a killed run keeps everything it was sent, and SQLite's atomic commits mean
no half-written answer can be read back. WAL lets two processes share one store.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import platformdirs
from pydantic import BaseModel

from factcheck.errors import ConfigError, MissedRequest

STORE_ENV = "FACTCHECK_STORE"
SCHEMA_VERSION = 1
# Long enough to wait out another process's commit, short enough to report a stuck lock.
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
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
"""


def default_store_path() -> Path:
    """``$FACTCHECK_STORE``, else ``responses.sqlite3`` in the user's cache folder."""
    configured = os.environ.get(STORE_ENV)
    if configured:
        return Path(configured).expanduser()
    return platformdirs.user_cache_path("factcheck") / "responses.sqlite3"


def endpoint_of(url: httpx2.URL | str) -> str:
    """Scheme, host, port and path of a request URL: what the key depends on."""
    url = httpx2.URL(str(url))
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def canonical_body(body: bytes | dict[str, Any]) -> str:
    """The request body as sorted, compact JSON, so equal requests hash equally."""
    document = json.loads(body) if isinstance(body, bytes) else body
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(endpoint: str, body: bytes | dict[str, Any]) -> str:
    """The store key of a request: sha256 of its endpoint and canonical body."""
    material = f"{endpoint}\n{canonical_body(body)}".encode()
    return hashlib.sha256(material).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StageCount(BaseModel):
    """Stored answers of one model and stage."""

    endpoint: str
    model: str
    stage: str | None
    answers: int
    input_tokens: int
    output_tokens: int
    from_batch: int


class StoreStats(BaseModel):
    """What ``factcheck store stats`` shows."""

    path: str
    size_bytes: int
    answers: int
    exported_unanswered: int
    batches_open: int
    groups: list[StageCount]


def completion_tokens(document: dict[str, Any]) -> tuple[int, int]:
    """Prompt and completion tokens of a chat completion document (0 when it does not say)."""
    usage = document.get("usage") or {}
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


class ResponseStore:
    """One SQLite file of answers; open one per process (each call opens its own connection).

    A connection per operation keeps the store usable from any thread or event loop, and costs
    well under a millisecond next to a model call.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as db, db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the response store {self.path}: {exc}") from None

    @classmethod
    def open_default(cls) -> ResponseStore:
        """The store at ``$FACTCHECK_STORE`` or in the user's cache folder."""
        return cls(default_store_path())

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # With WAL, NORMAL loses no commit to a killed process (only to a power cut, and even
        # then the file stays consistent), and spares an fsync per answer.
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def get(self, key: str) -> bytes | None:
        """The stored answer body for ``key``, if there is one."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT response FROM answers WHERE key = ?", (key,)).fetchone()
        return row[0].encode("utf-8") if row else None

    def has(self, key: str) -> bool:
        """Whether an answer for ``key`` is stored."""
        with closing(self._connect()) as db:
            row = db.execute("SELECT 1 FROM answers WHERE key = ?", (key,)).fetchone()
        return row is not None

    def put(
        self,
        key: str,
        *,
        endpoint: str,
        model: str,
        stage: str | None,
        document: dict[str, Any],
        origin: str = "live",
    ) -> None:
        """Keep one answer (a chat completion document); a second answer for a key is ignored."""
        input_tokens, output_tokens = completion_tokens(document)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR IGNORE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, endpoint, model, stage, text, input_tokens, output_tokens, origin, _now()),
            )
            db.execute("DELETE FROM exported WHERE key = ?", (key,))

    def mark_exported(self, missed: list[MissedRequest]) -> None:
        """Remember requests written to a Batch file, for import to name their stage."""
        rows = [(m.key, m.endpoint, str(m.body.get("model", "")), m.stage, _now()) for m in missed]
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO exported VALUES (?, ?, ?, ?, ?)", rows)

    def exported(self, key: str) -> tuple[str, str, str | None] | None:
        """(endpoint, model, stage) of an exported request, if this store exported it."""
        with closing(self._connect()) as db:
            row = db.execute(
                "SELECT endpoint, model, stage FROM exported WHERE key = ?", (key,)
            ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def add_batch(self, batch_id: str, endpoint: str, requests: int, status: str) -> None:
        """Remember a submitted batch so ``collect`` can find it."""
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?)",
                (batch_id, endpoint, requests, status, _now()),
            )

    def set_batch_status(self, batch_id: str, status: str) -> None:
        """Record a batch's latest status."""
        with closing(self._connect()) as db, db:
            db.execute("UPDATE batches SET status = ? WHERE id = ?", (status, batch_id))

    def open_batches(self) -> list[str]:
        """Ids of submitted batches not yet collected, oldest first."""
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT id FROM batches WHERE status NOT IN "
                "('collected', 'failed', 'expired', 'cancelled') ORDER BY created, id"
            ).fetchall()
        return [row[0] for row in rows]

    def keys(self) -> Iterator[str]:
        """Every stored key."""
        with closing(self._connect()) as db:
            yield from (row[0] for row in db.execute("SELECT key FROM answers ORDER BY key"))

    def stats(self) -> StoreStats:
        """Counts per endpoint, model and stage."""
        with closing(self._connect()) as db:
            groups = [
                StageCount(
                    endpoint=row[0], model=row[1], stage=row[2], answers=row[3],
                    input_tokens=row[4], output_tokens=row[5], from_batch=row[6],
                )
                for row in db.execute(
                    "SELECT endpoint, model, stage, COUNT(*), SUM(input_tokens), "
                    "SUM(output_tokens), SUM(origin = 'batch') FROM answers "
                    "GROUP BY endpoint, model, stage ORDER BY endpoint, model, stage"
                )
            ]  # fmt: skip
            exported = db.execute("SELECT COUNT(*) FROM exported").fetchone()[0]
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return StoreStats(
            path=str(self.path),
            size_bytes=size,
            answers=sum(g.answers for g in groups),
            exported_unanswered=exported,
            batches_open=len(self.open_batches()),
            groups=groups,
        )
