"""Run the checker on a cluster as ``factcheck eval`` asks, or read a saved report; score it.

``evaluate_cluster`` makes the report (a model, or the baseline); ``evaluate_report`` scores
one made before, by anyone, from its JSON, with no model unless ``matcher="llm"``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from factcheck.errors import InputError
from factcheck.evaluation.align import Alignment, align_lexical, align_with_llm, report_attributions
from factcheck.evaluation.evaluate import (
    detect_mode,
    evaluate_end_to_end,
    evaluate_verify,
)
from factcheck.evaluation.gold import Gold
from factcheck.evaluation.result import EvalResult
from factcheck.evaluation.saved import load_report, report_from_contract
from factcheck.models import Cluster, Report
from factcheck.pipeline import (
    Backend,
    ProgressListener,
    acheck_claims,
    acheck_cluster,
    choose_backend,
    gateway,
)

# The model stack loads with the gateway, where a model is used (the pipeline's LLM backend,
# ``matcher="llm"``): an eval of the baseline with the lexical matcher never imports it.
if TYPE_CHECKING:
    from factcheck.llm.config import ModelConfig
    from factcheck.llm.gateway import LLM

Mode = Literal["verify", "end-to-end"]
Matcher = Literal["lexical", "llm"]


async def _align(report: Report, gold: Gold, matcher: Matcher, llm: LLM | None) -> Alignment:
    credits = report_attributions(report)
    if matcher == "llm" and llm is not None:
        alignment = await align_with_llm(llm, report.claims, gold.claims, report.usage, credits)
        llm.settle(report.usage)
        return alignment
    return align_lexical(report.claims, gold.claims, attributions=credits)


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
        alignment = await _align(report, gold, matcher, run_llm)
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


async def aevaluate_report(
    report: Report | dict | str | Path,
    gold: Gold,
    *,
    cluster: Cluster | None = None,
    mode: Mode | None = None,
    matcher: Matcher = "lexical",
    llm: LLM | None = None,
    config: ModelConfig | None = None,
) -> EvalResult:
    """Score a saved report against ``gold``: no model and no run, unless ``matcher="llm"``.

    ``report`` is a ``Report``, the parsed ``report --format json`` document, or the path of
    one; reports written before the 2026-11-29 additions (no disputes, no attributions) are
    read too. With ``cluster`` (the folder the report was made from), its article ids must be
    the folder's, and boilerplate quotes are judged (``noise_violations``; None without it).
    ``mode`` None detects it: ``verify`` when the report's claims are exactly the gold claim
    texts in gold order, else ``end-to-end``. Raises ``InputError`` for a report that does not
    fit the gold (a gold article the report lacks; ``verify`` on other claims).
    """
    source = str(report) if isinstance(report, str | Path) else None
    if isinstance(report, str | Path):
        report = load_report(report, cluster)
    elif isinstance(report, dict):
        report = report_from_contract(report, cluster)
    missing = [a for a in gold.aliases.values() if a not in {x.id for x in report.articles}]
    if missing:
        raise InputError(
            f"the gold file names article(s) {', '.join(missing)}, which the report "
            f"{source or report.cluster} does not have: is it the gold of another cluster?"
        )
    mode = mode or detect_mode(report, gold)
    if mode == "verify":
        result = evaluate_verify(report, gold)
    else:
        llm = gateway(llm, config) if matcher == "llm" else None
        alignment = await _align(report, gold, matcher, llm)
        judge = any(article.text for article in report.articles)
        result = evaluate_end_to_end(report, gold, alignment, judge_noise=judge)
    result.source = source
    result.usage = report.usage
    return result


def evaluate_report(
    report: Report | dict | str | Path,
    gold: Gold,
    *,
    cluster: Cluster | None = None,
    mode: Mode | None = None,
    matcher: Matcher = "lexical",
    llm: LLM | None = None,
    config: ModelConfig | None = None,
) -> EvalResult:
    """Score a saved report against its gold; see :func:`aevaluate_report`."""
    return asyncio.run(
        aevaluate_report(
            report, gold, cluster=cluster, mode=mode, matcher=matcher, llm=llm, config=config
        )
    )
