"""The orchestrator: load → extract → merge → check → disputes → report, as three waves of calls.

Calls for a cluster of N articles: N extractions, one merge, N checks: 2N+1, never one call per
(claim, article) pair. A request over the request budget is split (``stages/chunks.py``): a
long article goes in parts, many claims in groups, a large merge in chunks; the calls then
grow with the text and the claims, still never with their product.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from factcheck.baseline.checker import lexical_report
from factcheck.errors import FactcheckError, MissingAnswers
from factcheck.llm.config import ModelConfig, model_configured, resolve_config
from factcheck.models import (
    CanonicalClaim,
    Cluster,
    ExtractionStatus,
    Report,
    Usage,
    Verdict,
    stated_verdict,
)
from factcheck.stages.load import load_cluster

# The model stack (openai, instructor, the transports and their failures, the tokenizer) loads
# with the gateway and the LLM stages, which are imported where a model is used: a run of the
# baseline never pays for them.
if TYPE_CHECKING:
    from factcheck.llm.gateway import LLM
    from factcheck.llm.transport import StoreMiss

T = TypeVar("T")
Backend = Literal["auto", "llm", "lexical"]


class ProgressListener(Protocol):
    """What the pipeline tells about a run while it goes (the CLI shows it on a terminal)."""

    def stage_started(self, stage: str, total: int) -> None:
        """``total`` calls of ``stage`` are about to run."""

    def call_finished(self, stage: str, usage: Usage) -> None:
        """One call of ``stage`` finished; ``usage`` is the run's ledger so far."""


def choose_backend(
    backend: Backend = "auto",
    *,
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    model: str | None = None,
) -> Literal["llm", "lexical"]:
    """The backend a run uses.

    ``auto`` means the LLM when a model is given or configured (``llm``, ``config``, ``model``
    or ``FACTCHECK_MODEL``), and the lexical baseline otherwise.
    """
    if backend != "auto":
        return backend
    if llm is not None or config is not None or model_configured(model):
        return "llm"
    return "lexical"


def gateway(llm: LLM | None, config: ModelConfig | None) -> LLM:
    """The given gateway, else one for ``config`` (or the environment) on the default store."""
    if llm is not None:
        return llm
    from factcheck.llm.gateway import LLM
    from factcheck.llm.store import ResponseStore

    return LLM(config or resolve_config(), store=ResponseStore.open_default())


class _Stopped(Exception):
    """Raised inside the baseline's thread when the run awaiting it was cancelled."""


async def _lexical(
    cluster: Cluster,
    claims: Sequence[CanonicalClaim] | None,
    progress: ProgressListener | None,
) -> Report:
    """The baseline in a worker thread, so that the event loop stays free.

    Progress is shown as it goes, and a cancelled run (Ctrl-C) stops the thread at its next
    step instead of waiting for it to finish.
    """
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    ledger = Usage()
    told_last: dict[str, int] = {}

    def told(stage: str, done: int, total: int) -> None:
        if stop.is_set():
            raise _Stopped
        if progress is None or told_last.get(stage) == done:
            return  # a heartbeat: only a chance to stop
        told_last[stage] = done
        if done == 0:
            loop.call_soon_threadsafe(progress.stage_started, stage, total)
        else:
            loop.call_soon_threadsafe(progress.call_finished, stage, ledger)

    try:
        return await asyncio.to_thread(lexical_report, cluster, claims, None, told)
    finally:
        stop.set()


def _as_cluster(cluster: Cluster | str | Path) -> Cluster:
    return cluster if isinstance(cluster, Cluster) else load_cluster(cluster)


@dataclass
class _Run:
    """One run's gateway, ledger and progress listener, handed to every wave."""

    llm: LLM
    usage: Usage = field(default_factory=Usage)
    progress: ProgressListener | None = None


async def _settle(run: _Run, stage: str, call: Awaitable[T]) -> T | StoreMiss:
    from factcheck.llm.transport import StoreMiss

    try:
        return await call
    except StoreMiss as miss:
        return miss
    finally:
        if run.progress is not None:
            run.progress.call_finished(stage, run.usage)


async def _wave(run: _Run, stage: str, calls: Iterable[Awaitable[T]]) -> list[T]:
    """Run one stage's calls concurrently.

    The first fatal error cancels the rest and is raised as itself. Answers missing from the
    store (offline) do not cancel anything: every call of the wave gets to name what it lacks,
    and they are raised together, so one export fetches the whole stage.
    """
    from factcheck.llm.transport import StoreMiss

    calls = list(calls)
    if run.progress is not None:
        run.progress.stage_started(stage, len(calls))
    tasks: list[asyncio.Task[T | StoreMiss]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_settle(run, stage, call)) for call in calls]
    except* FactcheckError as errors:  # a failed endpoint, or a store that cannot be read
        raise errors.exceptions[0] from None
    results = [task.result() for task in tasks]
    missing = [m for r in results if isinstance(r, StoreMiss) for m in r.requests]
    if missing:
        raise MissingAnswers(stage, missing)
    return results  # type: ignore[return-value]


async def _check_wave(
    run: _Run, cluster: Cluster, claims: list[CanonicalClaim]
) -> tuple[list[Verdict], list[str]]:
    from factcheck.stages.check import check_article

    warnings: list[str] = []
    jobs = [
        (article, [c for c in claims if article.id not in c.sources])
        for article in cluster.articles
    ]
    results = await _wave(
        run, "check", (check_article(run.llm, article, todo, run.usage) for article, todo in jobs)
    )
    checked: dict[tuple[str, str], Verdict] = {}
    for verdicts, notes in results:
        warnings.extend(notes)
        checked.update({(v.claim_id, v.article_id): v for v in verdicts})
    verdicts = [
        stated_verdict(claim, article.id) if article.id in claim.sources
        else checked[(claim.id, article.id)]
        for claim in claims
        for article in cluster.articles
    ]  # fmt: skip
    return verdicts, warnings


async def acheck_cluster(
    cluster: Cluster | str | Path,
    *,
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    progress: ProgressListener | None = None,
    backend: Backend = "auto",
) -> Report:
    """Extract, merge and cross-check every claim of a cluster; the async twin of check_cluster."""
    cluster = _as_cluster(cluster)
    if choose_backend(backend, llm=llm, config=config) == "lexical":
        return await _lexical(cluster, None, progress)
    from factcheck.stages.disputes import assemble_disputes
    from factcheck.stages.extract import extract_article
    from factcheck.stages.merge import merge_claims
    from factcheck.stages.prompts import prompt_versions

    run = _Run(gateway(llm, config), progress=progress)
    llm, usage = run.llm, run.usage
    warnings: list[str] = list(cluster.warnings)
    extracted_per_article = await _wave(
        run, "extract", (extract_article(llm, article, usage) for article in cluster.articles)
    )
    extracted = []
    extraction: dict[str, ExtractionStatus] = {}
    for article, (claims, notes, status) in zip(
        cluster.articles, extracted_per_article, strict=True
    ):
        extracted.extend(claims)
        warnings.extend(notes)
        extraction[article.id] = status
    (merged,) = await _wave(run, "merge", [merge_claims(llm, cluster.articles, extracted, usage)])
    warnings.extend(merged.warnings)
    verdicts, notes = await _check_wave(run, cluster, merged.claims)
    warnings.extend(notes)
    disputes, notes = assemble_disputes(cluster.articles, merged.claims, verdicts, merged.disputes)
    warnings.extend(notes)
    llm.settle(usage)
    return Report(
        cluster=cluster.id,
        cluster_name=cluster.name,
        model=llm.config.model,
        prompts=prompt_versions(),
        articles=cluster.articles,
        claims=merged.claims,
        verdicts=verdicts,
        disputes=disputes,
        usage=usage,
        warnings=warnings + _usage_warnings(usage),
        extraction=extraction,
    )


async def acheck_claims(
    cluster: Cluster | str | Path,
    claims: Sequence[str],
    *,
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    progress: ProgressListener | None = None,
    backend: Backend = "auto",
) -> Report:
    """Check claims an editor brings against every article; the async twin of check_claims.

    No extraction or merge: one call per article, and every article is checked for every claim.
    """
    cluster = _as_cluster(cluster)
    width = max(2, len(str(len(claims))))
    canonical = [
        CanonicalClaim(id=f"c{n:0{width}d}", text=text, sources=[])
        for n, text in enumerate(claims, 1)
        if text.strip()
    ]
    if choose_backend(backend, llm=llm, config=config) == "lexical":
        return await _lexical(cluster, canonical, progress)
    from factcheck.stages.disputes import assemble_disputes
    from factcheck.stages.prompts import prompt_versions

    run = _Run(gateway(llm, config), progress=progress)
    llm, usage = run.llm, run.usage
    verdicts, notes = await _check_wave(run, cluster, canonical)
    warnings = [*cluster.warnings, *notes]
    # No merge proposed anything here: disputes come from the contradicted cells alone.
    disputes, notes = assemble_disputes(cluster.articles, canonical, verdicts)
    llm.settle(usage)
    return Report(
        cluster=cluster.id,
        cluster_name=cluster.name,
        model=llm.config.model,
        prompts=prompt_versions(("check",)),
        articles=cluster.articles,
        claims=canonical,
        verdicts=verdicts,
        disputes=disputes,
        usage=usage,
        warnings=[*warnings, *notes, *_usage_warnings(usage)],
    )


def _usage_warnings(usage: Usage) -> list[str]:
    warnings = []
    if usage.unmetered:
        warnings.append(
            f"{usage.unmetered} answer(s) came with token counts that are not numbers: their "
            "tokens are not counted, so the usage and cost shown are too low"
        )
    if usage.cut_off:
        warnings.append(
            f"{usage.cut_off} answer(s) were cut off at their output budget: their cells are "
            "unresolved or their claims salvaged (see above); max_output_tokens=... raises it"
        )
    if usage.too_long:
        warnings.append(
            f"{usage.too_long} request(s) were refused as longer than the model's context "
            "window: their cells are unresolved or their claims missing (see above); a smaller "
            "request_tokens=... splits them"
        )
    return warnings


def check_cluster(
    cluster: Cluster | str | Path,
    *,
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    progress: ProgressListener | None = None,
    backend: Backend = "auto",
) -> Report:
    """Extract, merge and cross-check every claim of a cluster (a folder path or a Cluster).

    ``backend``: ``llm`` asks a model; ``lexical`` runs the model-free baseline; ``auto`` (the
    default) takes the model when one is given or ``FACTCHECK_MODEL`` names one, else the
    baseline. With neither ``llm`` nor ``config``, the model is configured from the
    environment. Without ``llm``, answers are kept in (and served from) the default response
    store. Call :func:`acheck_cluster` instead from inside a running event loop.
    """
    return run_sync(
        acheck_cluster(cluster, llm=llm, config=config, progress=progress, backend=backend)
    )


def check_claims(
    cluster: Cluster | str | Path,
    claims: Sequence[str],
    *,
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    progress: ProgressListener | None = None,
    backend: Backend = "auto",
) -> Report:
    """Check the given claim texts against every article (``backend`` as in check_cluster)."""
    return run_sync(
        acheck_claims(cluster, claims, llm=llm, config=config, progress=progress, backend=backend)
    )


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, with the result kept off the event loop's main task.

    asyncio.run points SIGINT at a handler holding its main task, and putting the default
    handler back makes the signal module format the old one, the task's result included: a
    report's repr, some 100 ms for 50 articles, on every call. The result travels beside.
    """
    result: list[T] = []

    async def main() -> None:
        result.append(await coroutine)

    asyncio.run(main())
    return result[0]
