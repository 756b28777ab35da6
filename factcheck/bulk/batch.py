"""Bulk runs through the OpenAI Batch API, at half price, in rounds of one stage each.

A stage's requests depend on the previous stage's answers, so a batch can only carry what the
next stage needs. The loop, repeated until export finds nothing missing:

    export   run the pipeline offline; write the requests the store cannot answer (JSONL)
    submit   upload the file and create a batch
    collect  poll the batch; import its results into the store
    import   (instead of submit/collect) load a results file downloaded some other way

The ``custom_id`` of each line is the request's store key, so a result goes back exactly where
a live run would look for it. Then ``factcheck report --offline`` prints the report.

This module holds submit and collect, the calls to a remote Batch API; ``export`` writes the
input files (split into numbered parts when one would pass ``FileLimits``: each part the unit
of work for the OpenAI Batch API, or for ``vllm run-batch`` on machines of one's own), and
``results`` reads the output files, whoever made them, into the store.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import openai
from pydantic import BaseModel

from factcheck.bulk.export import FileLimits
from factcheck.bulk.results import ImportResult, import_lines
from factcheck.errors import InputError, ModelCallError
from factcheck.llm.gateway import LLM
from factcheck.llm.store import ResponseStore

FINISHED = ("completed", "failed", "expired", "cancelled")
# Statuses after which a batch's files hold everything it will ever produce.
COLLECTABLE = ("completed", "expired", "cancelled")


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
