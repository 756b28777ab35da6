"""Bulk runs through the OpenAI Batch API, at half price, in rounds of one stage each.

A stage's requests depend on the previous stage's answers, so a batch can only carry what the
next stage needs. The loop, repeated until export finds nothing missing:

    export   run the pipeline offline; write the requests the store cannot answer (JSONL)
    submit   upload the file and create a batch
    collect  poll the batch; import its results into the store
    import   (instead of submit/collect) load a results file downloaded some other way

The ``custom_id`` of each line is the request's store key, so a result goes back exactly where
a live run would look for it. Then ``factcheck report --offline`` prints the report.

An export larger than one Batch input file may be (``FileLimits``) is split into numbered
parts, each a complete Batch file: the unit of work for the OpenAI Batch API, or for
``vllm run-batch`` on machines of one's own, whose output files ``import`` reads alike.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import openai
from pydantic import BaseModel, Field

from factcheck.errors import (
    ConfigError,
    InputError,
    MissedRequest,
    MissingAnswers,
    ModelCallError,
    StoreError,
)
from factcheck.llm.failures import chat_completion_problem
from factcheck.llm.gateway import LLM
from factcheck.llm.store import ResponseStore
from factcheck.models import Cluster
from factcheck.pipeline import acheck_claims, acheck_cluster

KEY_PATTERN = re.compile(r"[0-9a-f]{64}")
# The OpenAI Batch API's limits on one input file: 50,000 requests and 200 MB (read as 200e6
# bytes, the smaller of its two possible meanings).
MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 200_000_000
FINISHED = ("completed", "failed", "expired", "cancelled")
# Statuses after which a batch's files hold everything it will ever produce.
COLLECTABLE = ("completed", "expired", "cancelled")


class ClusterNeeds(BaseModel):
    """What one cluster still lacks: the next stage and its request count (0 = complete)."""

    cluster: str
    stage: str | None
    requests: int


class FileLimits(BaseModel):
    """The most one Batch input file may hold; an export past either is split into parts."""

    max_requests: int = Field(default=MAX_REQUESTS_PER_FILE, ge=1)
    max_bytes: int = Field(default=MAX_BYTES_PER_FILE, ge=1)


class ExportedFile(BaseModel):
    """One Batch input file written by ``batch export``."""

    path: str
    requests: int
    bytes: int


class ExportResult(BaseModel):
    """What ``batch export`` wrote: one file, or numbered parts when one would be too big."""

    files: list[ExportedFile]
    requests: int = Field(description="Lines written (requests shared by clusters once).")
    clusters: list[ClusterNeeds]
    removed: list[str] = Field(
        default_factory=list, description="Files an earlier export to the same path left."
    )

    @property
    def paths(self) -> list[str]:
        """The files written, in order."""
        return [f.path for f in self.files]


class ImportResult(BaseModel):
    """What ``batch import`` (or ``collect``) stored, and the lines it could not use."""

    stored: int = 0
    already_stored: int = 0
    errors: list[str] = Field(default_factory=list)


async def amissing_requests(
    cluster: Cluster, llm: LLM, claims: Sequence[str] | None = None
) -> tuple[str | None, list[MissedRequest]]:
    """The next stage the store cannot answer for ``cluster``, and its requests.

    Runs the pipeline offline: every stored answer is replayed, the first incomplete stage
    names what it lacks. ``(None, [])`` means the store holds the whole run. With ``claims``,
    the run is a check of those claims (what ``eval --mode verify`` makes).
    """
    # Like a live run: an answer whose call failed is asked for again (exported), and so are
    # the stages the gateway refreshes.
    offline = LLM(llm.config, store=llm.store, offline=True, prices=llm.prices,
                  refresh=llm.refresh, reask_failed=True)  # fmt: skip
    try:
        if claims is None:
            await acheck_cluster(cluster, llm=offline)
        else:
            await acheck_claims(cluster, claims, llm=offline)
    except MissingAnswers as missing:
        return missing.stage, list(missing.requests)
    return None, []


def batch_line(request: MissedRequest) -> dict[str, Any]:
    """One line of a Batch API input file."""
    return {
        "custom_id": request.key,
        "method": "POST",
        "url": urlparse(request.endpoint).path or "/v1/chat/completions",
        "body": request.body,
    }


async def aexport(
    clusters: Sequence[Cluster],
    llm: LLM,
    out: Path | str,
    claims: Mapping[str, Sequence[str]] | None = None,
    limits: FileLimits | None = None,
) -> ExportResult:
    """Write the requests each cluster's next stage needs as Batch input files.

    One file, ``out``, when it stays within ``limits`` (default: the OpenAI Batch API's);
    else numbered parts named by ``part_paths``. Files an earlier export to ``out`` left
    (``out`` itself or parts) are removed, so the files named ``out`` are this export's alone.
    ``claims`` maps a cluster id to claim texts to check instead of a full run (for example a
    gold file's, so ``eval --mode verify --offline`` can follow).
    """
    if llm.store is None:
        raise InputError("batch export needs a response store")
    if llm.config.output_mode().name == "json_object_schema":
        # llama-cpp-python's own way to send a schema: neither Batch runner documents it.
        raise ConfigError(
            'mode="json_object_schema" is for llama.cpp servers, which run no batches: '
            'export with mode="json_schema" for the Batch API or vllm run-batch'
        )
    out = Path(out)
    needs: list[ClusterNeeds] = []
    requests: dict[str, MissedRequest] = {}
    for cluster in clusters:
        stage, missed = await amissing_requests(cluster, llm, (claims or {}).get(cluster.id))
        needs.append(ClusterNeeds(cluster=cluster.id, stage=stage, requests=len(missed)))
        requests.update((m.key, m) for m in missed)
    lines = [
        (json.dumps(batch_line(r), ensure_ascii=False) + "\n").encode("utf-8")
        for r in requests.values()
    ]
    parts = split_lines(lines, limits or FileLimits())
    paths = part_paths(out, len(parts))
    removed = [p for p in _earlier_exports(out) if p not in paths]
    files = []
    try:
        for stale in removed:
            stale.unlink()
        for path, part in zip(paths, parts, strict=True):
            path.write_bytes(b"".join(part))
            files.append(ExportedFile(path=str(path), requests=len(part),
                                      bytes=sum(map(len, part))))  # fmt: skip
    except OSError as exc:
        raise InputError(f"cannot write {exc.filename or out}: {exc.strerror}") from None
    llm.store.mark_exported(list(requests.values()))
    return ExportResult(files=files, requests=len(lines), clusters=needs,
                        removed=[str(p) for p in removed])  # fmt: skip


def split_lines(lines: Sequence[bytes], limits: FileLimits) -> list[list[bytes]]:
    """Group Batch lines, in order, into as few files as ``limits`` allow (one, when empty)."""
    parts: list[list[bytes]] = [[]]
    size = 0
    for line in lines:
        if len(line) > limits.max_bytes:
            raise InputError(
                f"one request is {len(line):,} bytes, more than the {limits.max_bytes:,} "
                "bytes one Batch file may hold: it cannot be sent through a Batch"
            )
        if parts[-1] and (len(parts[-1]) >= limits.max_requests
                          or size + len(line) > limits.max_bytes):  # fmt: skip
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += len(line)
    return parts


def part_paths(out: Path, parts: int) -> list[Path]:
    """Where the parts of an export to ``out`` go: ``out`` alone, else numbered from 001.

    ``requests.jsonl`` splits into ``requests.001.jsonl``, ``requests.002.jsonl``, ...; the
    numbers have as many digits as the count needs (at least three), so names sort in order.
    """
    if parts == 1:
        return [out]
    width = max(3, len(str(parts)))
    return [out.with_name(f"{out.stem}.{n:0{width}d}{out.suffix}") for n in range(1, parts + 1)]


def _earlier_exports(out: Path) -> list[Path]:
    """``out`` and the numbered parts of an export to it, as far as they exist."""
    pattern = re.compile(re.escape(out.stem) + r"\.\d{3,}" + re.escape(out.suffix))
    try:
        found = [p for p in out.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        found = []
    return sorted([out, *found] if out.exists() else found)


def import_lines(store: ResponseStore, lines: Iterable[str], source: str) -> ImportResult:
    """Store every successful result line; name each line that failed (it is not stored)."""
    result = ImportResult()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            entry = json.loads(line)
        except ValueError:
            result.errors.append(f"{where}: not JSON")
            continue
        problem, key, document = _result_of(entry)
        if problem:
            result.errors.append(f"{where}: {problem}")
            continue
        assert key is not None and document is not None
        stored = store.lookup(key)
        if stored is not None and stored.outcome != "failed":
            result.already_stored += 1
            continue
        endpoint, model, stage = store.exported(key) or (
            "batch-import",
            str(document.get("model", "")),
            None,
        )
        # An answer whose call failed was exported again: the new one takes its place.
        kept = store.put(key, endpoint=endpoint, model=model, stage=stage, document=document,
                         origin="batch", replace=stored is not None)  # fmt: skip
        if not kept:
            raise StoreError(f"cannot import into the response store {store.path}: "
                             f"{store.read_only or 'writing to it failed'}")  # fmt: skip
        result.stored += 1
    return result


def _result_of(entry: Any) -> tuple[str | None, str | None, dict[str, Any] | None]:
    """(problem, key, chat completion) of one Batch output line."""
    if not isinstance(entry, dict):
        return "not a Batch result object", None, None
    key = entry.get("custom_id")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        return "custom_id is not a factcheck request key", None, None
    error = entry.get("error")
    if error:
        return f"request {key[:12]} failed: {_error_message(error)}", None, None
    response = entry.get("response") or {}
    status = response.get("status_code")
    body = response.get("body")
    if status != 200:
        message = (body or {}).get("error", {}).get("message", "") if isinstance(body, dict) else ""
        return f"request {key[:12]} failed with HTTP {status}: {message}".rstrip(": "), None, None
    problem = chat_completion_problem(json.dumps(body).encode(), "application/json")
    if problem:
        return f"request {key[:12]} has no chat completion in its response: {problem}", None, None
    return None, key, body


def _error_message(error: Any) -> str:
    """An error line's message, whoever wrote it.

    OpenAI writes ``{code, message}``; vLLM's batch runner an error response
    (``{"error": {message, ...}}``, or ``{message, ...}`` in older versions) or a plain string.
    """
    if isinstance(error, dict):
        inner = error.get("error")
        found = inner if isinstance(inner, dict) else error
        return str(found.get("message") or found.get("code") or error)
    return str(error)


def import_file(store: ResponseStore, path: Path) -> ImportResult:
    """Load a Batch API output (or error) file into the store."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a UTF-8 JSONL file") from None
    return import_lines(store, text.splitlines(), path.name)


class BatchInput(BaseModel):
    """A Batch input file checked before upload: its request count and endpoint."""

    path: Path
    requests: int
    endpoint: str


def read_batch_input(path: Path, limits: FileLimits | None = None) -> BatchInput:
    """Check that ``path`` is a non-empty Batch input file within ``limits``."""
    limits = limits or FileLimits()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    lines = [line for line in data.splitlines() if line.strip()]
    if not lines:
        raise InputError(f"{path} holds no requests: nothing to submit")
    try:
        endpoint = json.loads(lines[0])["url"]
    except (ValueError, TypeError, KeyError):
        raise InputError(
            f"{path} is not a Batch input file from `factcheck batch export`"
        ) from None
    if len(lines) > limits.max_requests or len(data) > limits.max_bytes:
        raise InputError(
            f"{path} holds {len(lines):,} requests in {len(data):,} bytes; a Batch file may "
            f"hold {limits.max_requests:,} and {limits.max_bytes:,}: export again, and "
            "`batch export` splits it"
        )
    return BatchInput(path=path, requests=len(lines), endpoint=endpoint)


async def asubmit(llm: LLM, path: Path, limits: FileLimits | None = None) -> str:
    """Upload a Batch input file, create the batch, remember it in the store; its id."""
    return await _asubmit(llm, read_batch_input(path, limits))


async def asubmit_files(
    llm: LLM,
    paths: Sequence[Path],
    limits: FileLimits | None = None,
    on_submitted: Callable[[Path, str], None] | None = None,
) -> list[str]:
    """Submit several Batch input files (an export's parts), one batch each; their ids.

    Every file is checked before the first upload. ``on_submitted`` hears of each batch as it
    is created, so a failure part way leaves a record of what did start.
    """
    inputs = [read_batch_input(path, limits) for path in paths]
    ids = []
    for batch_input in inputs:
        ids.append(await _asubmit(llm, batch_input))
        if on_submitted is not None:
            on_submitted(batch_input.path, ids[-1])
    return ids


async def _asubmit(llm: LLM, batch_input: BatchInput) -> str:
    if llm.store is None:
        raise InputError("batch submit needs a response store")
    sdk = llm.sdk()
    try:
        with batch_input.path.open("rb") as handle:
            uploaded = await sdk.files.create(file=handle, purpose="batch")
        batch = await sdk.batches.create(
            input_file_id=uploaded.id,
            endpoint=batch_input.endpoint,
            completion_window="24h",
            metadata={"created_by": "factcheck"},
        )
    except openai.NotFoundError as exc:
        raise ModelCallError(
            f"{llm.config.endpoint} does not offer the Batch API (404): use `factcheck batch "
            "export` and import the results, or run online"
        ) from exc
    except openai.APIError as exc:
        raise llm.call_error(exc) from exc
    llm.store.add_batch(batch.id, llm.config.endpoint, batch_input.requests, batch.status)
    return batch.id


class BatchStatus(BaseModel):
    """Where one batch stands after ``collect``."""

    id: str
    status: str
    imported: ImportResult | None = None


async def acollect(
    llm: LLM,
    batch_ids: Sequence[str] | None = None,
    *,
    wait: bool = False,
    poll_seconds: float = 30.0,
    on_poll: Callable[[list[BatchStatus]], None] | None = None,
) -> list[BatchStatus]:
    """Check batches (default: every open one the store knows); import the finished ones.

    With ``wait``, poll until every batch has finished.
    """
    store = llm.store
    if store is None:
        raise InputError("batch collect needs a response store")
    pending = list(batch_ids) if batch_ids else store.open_batches()
    done: list[BatchStatus] = []
    sdk = llm.sdk()
    while True:
        still: list[BatchStatus] = []
        for batch_id in pending:
            try:
                batch = await sdk.batches.retrieve(batch_id)
            except openai.NotFoundError as exc:
                raise ModelCallError(f"{llm.config.endpoint} knows no batch {batch_id}") from exc
            except openai.APIError as exc:
                raise llm.call_error(exc) from exc
            status = BatchStatus(id=batch_id, status=batch.status)
            if batch.status in COLLECTABLE:
                status.imported = ImportResult()
                for file_id in (batch.output_file_id, batch.error_file_id):
                    if file_id:
                        _merge(status.imported, await _import_remote(llm, store, file_id))
                store.set_batch_status(batch_id, "collected")
                done.append(status)
            elif batch.status in FINISHED:
                store.set_batch_status(batch_id, batch.status)
                done.append(status)
            else:
                store.set_batch_status(batch_id, batch.status)
                still.append(status)
        if on_poll is not None:
            on_poll(still)
        if not still or not wait:
            return done + still
        pending = [s.id for s in still]
        await asyncio.sleep(poll_seconds)


async def _import_remote(llm: LLM, store: ResponseStore, file_id: str) -> ImportResult:
    try:
        content = await llm.sdk().files.content(file_id)
    except openai.APIError as exc:
        raise llm.call_error(exc) from exc
    return import_lines(store, content.text.splitlines(), file_id)


def _merge(total: ImportResult, part: ImportResult) -> None:
    total.stored += part.stored
    total.already_stored += part.already_stored
    total.errors.extend(part.errors)
