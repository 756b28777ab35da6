"""Run the checker on a cluster as ``factcheck eval`` asks, then score it against the gold."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from factcheck.evaluation.align import align_lexical, align_with_llm
from factcheck.evaluation.evaluate import evaluate_end_to_end, evaluate_verify
from factcheck.evaluation.gold import Gold
from factcheck.evaluation.result import EvalResult
from factcheck.llm.config import ModelConfig
from factcheck.llm.gateway import LLM
from factcheck.models import Cluster
from factcheck.pipeline import (
    Backend,
    ProgressListener,
    acheck_claims,
    acheck_cluster,
    choose_backend,
    gateway,
)

Mode = Literal["verify", "end-to-end"]
Matcher = Literal["lexical", "llm"]


async def aevaluate_cluster(
    cluster: Cluster | str | Path,
    gold: Gold,
    *,
    mode: Mode = "verify",
    matcher: Matcher = "lexical",
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    progress: ProgressListener | None = None,
    backend: Backend = "auto",
) -> EvalResult:
    """Run the checker on ``cluster`` as ``mode`` asks and score it against ``gold``.

    ``verify`` checks the gold claim texts (one call per article); ``end-to-end`` runs the
    whole pipeline, then aligns with ``matcher`` (``llm`` adds one call). ``backend`` picks
    the checker as in :func:`factcheck.check_cluster`.
    """
    chosen = choose_backend(backend, llm=llm, config=config)
    if mode == "verify":
        report = await acheck_claims(
            cluster, gold.texts, llm=llm, config=config, progress=progress, backend=chosen
        )
        result = evaluate_verify(report, gold)
    else:
        run_llm = gateway(llm, config) if chosen == "llm" or matcher == "llm" else None
        report = await acheck_cluster(cluster, llm=run_llm, progress=progress, backend=chosen)
        if run_llm is not None and matcher == "llm":
            alignment = await align_with_llm(run_llm, report.claims, gold.claims, report.usage)
            run_llm.settle(report.usage)
        else:
            alignment = align_lexical(report.claims, gold.claims)
        result = evaluate_end_to_end(report, gold, alignment)
    result.usage = report.usage
    return result


def evaluate_cluster(
    cluster: Cluster | str | Path,
    gold: Gold,
    *,
    mode: Mode = "verify",
    matcher: Matcher = "lexical",
    llm: LLM | None = None,
    config: ModelConfig | None = None,
    progress: ProgressListener | None = None,
    backend: Backend = "auto",
) -> EvalResult:
    """Run and score one cluster against its gold; see :func:`aevaluate_cluster`."""
    return asyncio.run(
        aevaluate_cluster(
            cluster,
            gold,
            mode=mode,
            matcher=matcher,
            llm=llm,
            config=config,
            progress=progress,
            backend=backend,
        )
    )
