"""Score a report against a gold file, in the two modes of ``factcheck eval``.

- ``evaluate_verify``: the report checked the gold claim texts, in order (``check_claims``), so
  report claim *i* is gold claim *i*; every scored gold cell is compared with its verdict.
- ``evaluate_end_to_end``: the report is a full run; its claims are aligned to the gold claims
  (``align.py``) and cells are scored on aligned pairs only. An article that states a predicted
  claim (one of its ``sources``) is predicted ``supported``. Claim recall and boilerplate
  quotes (``noise_violations``) are scored too.

Cell scores follow the rules in ``scoring.py``. A scored cell the report has no verdict for is
predicted ``unresolved``: it counts as wrong, never as a label.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from factcheck.errors import InputError
from factcheck.evaluation.align import Alignment, align_lexical, align_with_llm
from factcheck.evaluation.gold import Gold, GoldClaim
from factcheck.evaluation.scoring import CellScores, score_cells
from factcheck.llm.config import ModelConfig
from factcheck.llm.gateway import LLM
from factcheck.models import Article, CanonicalClaim, Cluster, Label, Report, Usage, Verdict
from factcheck.pipeline import (
    Backend,
    ProgressListener,
    acheck_claims,
    acheck_cluster,
    choose_backend,
    gateway,
)

WORST_SHOWN = 10
NO_VERDICT = "the report has no verdict for this cell"


class ClaimRef(BaseModel):
    """A claim named in an eval result: its id and text."""

    id: str
    text: str


class CellMiss(BaseModel):
    """One wrong cell, with what an editor needs to see why."""

    claim_id: str = Field(description="The gold claim's id.")
    claim_text: str
    article_id: str
    gold: tuple[Label, ...] = Field(description="The accepted labels.")
    predicted: Label
    evidence: str | None = None
    rationale: str = ""
    predicted_claim_id: str | None = Field(default=None, description="end-to-end: aligned claim.")

    @property
    def involves_contradiction(self) -> bool:
        """Gold or prediction says contradicted: the costliest mistakes for a newsroom."""
        return Label.CONTRADICTED in self.gold or self.predicted is Label.CONTRADICTED


class NoiseHit(BaseModel):
    """A quote of a predicted claim lying on a line that holds a gold noise string."""

    article_id: str
    quote: str
    line: str
    noise: str


class NoiseViolation(BaseModel):
    """A predicted claim quoting boilerplate at least once."""

    claim_id: str
    claim_text: str
    hits: list[NoiseHit]


class EvalResult(BaseModel):
    """Everything one eval found; ``to_contract`` is the ``--json`` document."""

    mode: Literal["verify", "end-to-end"]
    cluster: str
    model: str
    prompts: dict[str, str]
    scores: CellScores
    worst_cells: list[CellMiss] = Field(description="Every wrong cell, contradictions first.")
    gold_claims: int
    claim_recall: float | None = None
    claims_predicted: int | None = None
    noise: list[NoiseViolation] | None = Field(default=None, description="end-to-end only.")
    alignment: Alignment | None = None
    unaligned_predicted: list[ClaimRef] = Field(default_factory=list)
    unaligned_gold: list[ClaimRef] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage, description="What the run behind it cost.")

    @property
    def noise_violations(self) -> int | None:
        """How many predicted claims quote boilerplate; None in verify mode."""
        return None if self.noise is None else len(self.noise)

    def to_contract(self) -> dict:
        """The ``eval --json`` document, with exactly the keys DESIGN.md fixes.

        ``confusion`` is ``{gold label: {predicted label: cells}}``: three rows, four columns
        (the three labels and ``unresolved``), every count present.
        """
        s = self.scores
        return {
            "mode": self.mode,
            "cells": s.cells,
            "unresolved": s.unresolved,
            "accuracy": s.accuracy,
            "macro_f1": s.macro_f1,
            "per_label": {
                label.value: {"precision": p.precision, "recall": p.recall, "f1": p.f1}
                for label, p in s.per_label.items()
            },
            "confusion": {
                gold.value: {predicted.value: n for predicted, n in row.items()}
                for gold, row in s.confusion.items()
            },
            "claim_recall": self.claim_recall,
            "claims_predicted": self.claims_predicted,
            "noise_violations": self.noise_violations,
        }


def evaluate_verify(report: Report, gold: Gold) -> EvalResult:
    """Score a report made by checking ``gold.texts`` in order; every scored cell counts.

    Raises ``InputError`` when the report's claims are not the gold claims in gold order.
    """
    if len(report.claims) != len(gold.claims):
        raise InputError(
            f"the report checked {len(report.claims)} claims and the gold file has "
            f"{len(gold.claims)}: verify needs a report of the gold claim texts, in order"
        )
    for claim, gold_claim in zip(report.claims, gold.claims, strict=True):
        if claim.text != gold_claim.text:
            raise InputError(
                f"report claim {claim.id} ({claim.text[:60]!r}) is not gold claim "
                f"{gold_claim.id} ({gold_claim.text[:60]!r}): verify needs a report of the "
                "gold claim texts, in order"
            )
    pairs = list(zip(gold.claims, report.claims, strict=True))
    scores, worst = _score(report, pairs)
    return EvalResult(
        mode="verify",
        cluster=gold.cluster,
        model=report.model,
        prompts=dict(report.prompts),
        scores=scores,
        worst_cells=worst,
        gold_claims=len(gold.claims),
    )


def evaluate_end_to_end(report: Report, gold: Gold, alignment: Alignment) -> EvalResult:
    """Score a full run through ``alignment`` (from ``align_lexical`` or ``align_with_llm``)."""
    gold_by_id = {c.id: c for c in gold.claims}
    predicted_by_id = {c.id: c for c in report.claims}
    for pair in alignment.pairs:
        if pair.gold_id not in gold_by_id or pair.predicted_id not in predicted_by_id:
            raise ValueError(
                f"the alignment pairs {pair.gold_id} with {pair.predicted_id}, "
                "which are not a gold claim and a claim of this report"
            )
    pairs = [(gold_by_id[p.gold_id], predicted_by_id[p.predicted_id]) for p in alignment.pairs]
    scores, worst = _score(report, pairs, end_to_end=True)
    aligned_gold = {p.gold_id for p in alignment.pairs}
    aligned_predicted = {p.predicted_id for p in alignment.pairs}
    prompts = dict(report.prompts)
    if alignment.prompt:
        prompts["align"] = alignment.prompt
    return EvalResult(
        mode="end-to-end",
        cluster=gold.cluster,
        model=report.model,
        prompts=prompts,
        scores=scores,
        worst_cells=worst,
        gold_claims=len(gold.claims),
        claim_recall=len(aligned_gold) / len(gold.claims) if gold.claims else 0.0,
        claims_predicted=len(report.claims),
        noise=find_noise(report.claims, report.articles, gold.noise),
        alignment=alignment,
        unaligned_predicted=[
            ClaimRef(id=c.id, text=c.text) for c in report.claims if c.id not in aligned_predicted
        ],
        unaligned_gold=[
            ClaimRef(id=c.id, text=c.text) for c in gold.claims if c.id not in aligned_gold
        ],
    )


def _score(
    report: Report, pairs: list[tuple[GoldClaim, CanonicalClaim]], end_to_end: bool = False
) -> tuple[CellScores, list[CellMiss]]:
    verdicts = {(v.claim_id, v.article_id): v for v in report.verdicts}
    article_order = {a.id: n for n, a in enumerate(report.articles)}
    scored: list[tuple[tuple[Label, ...], Label]] = []
    misses: list[tuple[int, CellMiss]] = []
    for n, (gold_claim, claim) in enumerate(pairs):
        for article_id, accepted in gold_claim.scored().items():
            predicted, evidence, rationale = _prediction(claim, article_id, verdicts)
            scored.append((accepted, predicted))
            if predicted not in accepted:
                miss = CellMiss(
                    claim_id=gold_claim.id,
                    claim_text=gold_claim.text,
                    article_id=article_id,
                    gold=accepted,
                    predicted=predicted,
                    evidence=evidence,
                    rationale=rationale,
                    predicted_claim_id=claim.id if end_to_end else None,
                )
                misses.append((n, miss))
    misses.sort(
        key=lambda m: (
            not m[1].involves_contradiction,
            m[0],
            article_order.get(m[1].article_id, len(article_order)),
        )
    )
    return score_cells(scored), [miss for _, miss in misses]


def _prediction(
    claim: CanonicalClaim, article_id: str, verdicts: dict[tuple[str, str], Verdict]
) -> tuple[Label, str | None, str]:
    if article_id in claim.sources:
        quote = claim.quotes.get(article_id)
        return Label.SUPPORTED, quote.text if quote else None, "the article states the claim"
    verdict = verdicts.get((claim.id, article_id))
    if verdict is None:
        return Label.UNRESOLVED, None, NO_VERDICT
    return verdict.label, verdict.evidence, verdict.rationale


def find_noise(
    claims: list[CanonicalClaim], articles: list[Article], noise: list[str]
) -> list[NoiseViolation]:
    """Predicted claims with a quote on a line of its article holding a ``noise`` string.

    A quote spanning several lines counts when any of them holds one. Matching is exact
    (case-sensitive substrings), as the gold file gives them.
    """
    texts = {a.id: a.text for a in articles}
    violations = []
    for claim in claims:
        hits = []
        for article_id, quote in claim.quotes.items():
            text = texts.get(article_id)
            if text is None:
                continue
            start = text.rfind("\n", 0, quote.span.start) + 1
            end = text.find("\n", max(quote.span.end, quote.span.start + 1) - 1)
            for line in text[start : end if end >= 0 else len(text)].split("\n"):
                found = next((s for s in noise if s in line), None)
                if found is not None:
                    hits.append(
                        NoiseHit(article_id=article_id, quote=quote.text, line=line, noise=found)
                    )
        if hits:
            violations.append(NoiseViolation(claim_id=claim.id, claim_text=claim.text, hits=hits))
    return violations


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


def missed_thresholds(
    result: EvalResult,
    *,
    min_macro_f1: float | None = None,
    min_claim_recall: float | None = None,
    max_noise: int | None = None,
) -> list[str]:
    """One line per threshold the result misses (a CI gate fails on any).

    A threshold on a metric the mode does not produce (claim recall in verify) is missed too:
    a gate that silently checks nothing would be worse.
    """
    missed = []
    if min_macro_f1 is not None and result.scores.macro_f1 < min_macro_f1:
        missed.append(f"macro_f1 {result.scores.macro_f1:.3f} < --min-macro-f1 {min_macro_f1}")
    if min_claim_recall is not None:
        recall = result.claim_recall
        if recall is None:
            missed.append("--min-claim-recall needs --mode end-to-end")
        elif recall < min_claim_recall:
            missed.append(f"claim_recall {recall:.3f} < --min-claim-recall {min_claim_recall}")
    if max_noise is not None:
        noise = result.noise_violations
        if noise is None:
            missed.append("--max-noise needs --mode end-to-end")
        elif noise > max_noise:
            missed.append(f"noise_violations {noise} > --max-noise {max_noise}")
    return missed
