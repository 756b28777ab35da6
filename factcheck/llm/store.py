"""The response store: every model answer, paid for once, kept in an embedded SQLite file.

``StoreTransport`` (in ``transport.py``) puts it under the OpenAI SDK, outermost, so every
request passes through it (instructor's re-asks included) and a stored answer is served before
any retry or network.

A request's key is a hash of its endpoint and its canonical JSON body (model, messages, schema,
sampling settings). Headers never enter it, so neither does the key; the query string is left
out too, since some proxies carry credentials there. Each answer is committed on its own the
moment it arrives: a killed run keeps everything it was sent, and SQLite's atomic commits mean
no half-written answer can be read back. WAL lets two processes share one store.
``storefile.py`` opens the file: its schema, what is a store, the read-only fallback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
import platformdirs
from pydantic import BaseModel

from factcheck.errors import FactcheckError, MissedRequest, StoreError
from factcheck.llm.failures import usage_tokens
from factcheck.llm.storefile import open_store_file, store_error

STORE_ENV = "FACTCHECK_STORE"
# An answer whose call ended without a valid answer is asked for again until the request has
# been answered this many times; then it is served like any other (``--refresh`` asks again).
ASK_LIMIT = 2

log = logging.getLogger(__name__)


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
    """Prompt and completion tokens of a chat completion (0 when unsaid or not a number)."""
    input_tokens, output_tokens, _ = usage_tokens(document)
    return input_tokens, output_tokens


@dataclass(frozen=True)
class StoredAnswer:
    """One stored answer: its body, how its call ended (``None``: not yet used), times asked."""

    body: bytes
    outcome: str | None = None
    asks: int = 1


Notify = Callable[[str], None]


class ResponseStore:
    """One SQLite file of answers; open one per process (each call opens its own connection).

    A connection per operation keeps the store usable from any thread or event loop, and costs
    well under a millisecond next to a model call.

    A store that cannot be written (no permission, a read-only file system, a full disk) is
    opened read-only: its answers are served, and ``read_only`` says why. When writing fails
    during a run, the answers are kept in memory until the process ends, so the run still
    finishes. Either is said at once, through ``notify`` (by default a logged warning).
    A file that is not a response store, or a damaged one, raises ``StoreError``.
    """

    def __init__(self, path: str | Path, *, notify: Notify | None = None) -> None:
        self.path = Path(path).expanduser()
        self._notify = notify or log.warning
        self._memory: dict[str, StoredAnswer] = {}
        self._write_failure: str | None = None
        try:
            self._file = open_store_file(self.path)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        self.read_only = self._file.read_only
        if self.read_only is not None:
            self._notify(
                f"the response store {self.path} is read-only ({self.read_only}): its answers "
                "are served, and new answers are not kept"
            )

    @classmethod
    def open_default(cls, *, notify: Notify | None = None) -> ResponseStore:
        """The store at ``$FACTCHECK_STORE`` or in the user's cache folder."""
        return cls(default_store_path(), notify=notify)

    def _connect(self) -> sqlite3.Connection:
        return self._file.connect()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(self._connect()) as db:
                yield db
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    # answers -------------------------------------------------------------------------------

    def lookup(self, key: str) -> StoredAnswer | None:
        """The stored answer for ``key`` (kept in memory when it could not be written), if any."""
        if key in self._memory:
            return self._memory[key]
        columns = "response, outcome, asks" if self._file.version >= 2 else "response, NULL, 1"
        with self._reading() as db:
            row = db.execute(f"SELECT {columns} FROM answers WHERE key = ?", (key,)).fetchone()
        return StoredAnswer(row[0].encode("utf-8"), row[1], row[2]) if row else None

    def get(self, key: str) -> bytes | None:
        """The stored answer body for ``key``, if there is one."""
        stored = self.lookup(key)
        return stored.body if stored else None

    def has(self, key: str) -> bool:
        """Whether an answer for ``key`` is stored."""
        return self.lookup(key) is not None

    def put(
        self,
        key: str,
        *,
        endpoint: str,
        model: str,
        stage: str | None,
        document: dict[str, Any],
        origin: str = "live",
        replace: bool = False,
    ) -> bool:
        """Keep one answer (a chat completion document); whether it reached the file.

        A second answer for a key is ignored, unless ``replace`` (a request asked again): then
        it takes the old one's place, its outcome unknown again. An answer that cannot be
        written is kept in memory for the rest of the process, and the first such failure is
        said at once.
        """
        input_tokens, output_tokens = completion_tokens(document)
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        if self.read_only is None:
            try:
                with closing(self._connect()) as db, db:
                    if replace:
                        db.execute(
                            "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1) "
                            "ON CONFLICT(key) DO UPDATE SET response = excluded.response, "
                            "input_tokens = excluded.input_tokens, output_tokens = "
                            "excluded.output_tokens, origin = excluded.origin, created = "
                            "excluded.created, outcome = NULL, asks = answers.asks + 1",
                            (key, endpoint, model, stage, text, input_tokens, output_tokens,
                             origin, _now()),
                        )  # fmt: skip
                    else:
                        db.execute(
                            "INSERT OR IGNORE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                            "NULL, 1)",
                            (key, endpoint, model, stage, text, input_tokens, output_tokens,
                             origin, _now()),
                        )  # fmt: skip
                    db.execute("DELETE FROM exported WHERE key = ?", (key,))
                self._memory.pop(key, None)
                return True
            except sqlite3.Error as exc:
                self._cannot_keep(exc)
        try:
            previous = self.lookup(key)
        except FactcheckError:
            previous = None
        if previous is None or replace:
            asks = previous.asks + 1 if previous and replace else 1
            self._memory[key] = StoredAnswer(text.encode("utf-8"), None, asks)
        return False

    def set_outcome(self, keys: Iterable[str], outcome: str) -> None:
        """Record how the call that used these answers ended: ``ok`` or ``failed``."""
        keys = list(dict.fromkeys(keys))
        for key in keys:
            if key in self._memory:
                self._memory[key] = replace(self._memory[key], outcome=outcome)
        if not keys or self.read_only is not None or self._file.version < 2:
            return
        try:
            with closing(self._connect()) as db, db:
                db.executemany(
                    "UPDATE answers SET outcome = ? WHERE key = ?", [(outcome, k) for k in keys]
                )
        except sqlite3.Error as exc:
            # Bookkeeping only: kept in memory for this run, said only if an answer is lost.
            log.info("cannot record outcomes in %s: %s", self.path, exc)
            for key in keys:
                stored = self.lookup(key)
                if stored is not None:
                    self._memory[key] = replace(stored, outcome=outcome)

    def _cannot_keep(self, exc: sqlite3.Error) -> None:
        if self._write_failure is None:
            self._write_failure = str(exc)
            self._notify(
                f"cannot keep answers in the response store {self.path} ({exc}): this run "
                "keeps them in memory to finish; make room, or the next run pays for them again"
            )

    # Batch bookkeeping ----------------------------------------------------------------------

    def _writing(self) -> sqlite3.Connection:
        if self.read_only is not None:
            raise StoreError(f"the response store {self.path} is read-only ({self.read_only})")
        return self._connect()

    def mark_exported(self, missed: list[MissedRequest]) -> None:
        """Remember requests written to a Batch file, for import to name their stage."""
        rows = [(m.key, m.endpoint, str(m.body.get("model", "")), m.stage, _now()) for m in missed]
        try:
            with closing(self._writing()) as db, db:
                db.executemany("INSERT OR REPLACE INTO exported VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def exported(self, key: str) -> tuple[str, str, str | None] | None:
        """(endpoint, model, stage) of an exported request, if this store exported it."""
        with self._reading() as db:
            row = db.execute(
                "SELECT endpoint, model, stage FROM exported WHERE key = ?", (key,)
            ).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def add_batch(self, batch_id: str, endpoint: str, requests: int, status: str) -> None:
        """Remember a submitted batch so ``collect`` can find it."""
        try:
            with closing(self._writing()) as db, db:
                db.execute(
                    "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?)",
                    (batch_id, endpoint, requests, status, _now()),
                )
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def set_batch_status(self, batch_id: str, status: str) -> None:
        """Record a batch's latest status."""
        try:
            with closing(self._writing()) as db, db:
                db.execute("UPDATE batches SET status = ? WHERE id = ?", (status, batch_id))
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def open_batches(self) -> list[str]:
        """Ids of submitted batches not yet collected, oldest first."""
        with self._reading() as db:
            rows = db.execute(
                "SELECT id FROM batches WHERE status NOT IN "
                "('collected', 'failed', 'expired', 'cancelled') ORDER BY created, id"
            ).fetchall()
        return [row[0] for row in rows]

    def keys(self) -> Iterator[str]:
        """Every stored key."""
        with self._reading() as db:
            yield from (row[0] for row in db.execute("SELECT key FROM answers ORDER BY key"))

    def stats(self) -> StoreStats:
        """Counts per endpoint, model and stage."""
        with self._reading() as db:
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

