"""Batch export: the requests each cluster's next stage still needs, written as Batch input files.

The pipeline runs offline against the response store; the first stage it cannot answer names
its requests, and each becomes one line whose ``custom_id`` is the request's store key. An
export larger than one Batch input file may be (``FileLimits``) is split into numbered parts,
each a complete Batch file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, Field

from factcheck.errors import ConfigError, InputError, MissedRequest, MissingAnswers
from factcheck.llm.gateway import LLM
from factcheck.models import Cluster
from factcheck.pipeline import acheck_claims, acheck_cluster

# The OpenAI Batch API's limits on one input file: 50,000 requests and 200 MB (read as 200e6
# bytes, the smaller of its two possible meanings).
MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 200_000_000


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
