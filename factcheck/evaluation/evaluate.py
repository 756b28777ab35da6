"""Score a report against a gold file, in the two modes of ``factcheck eval``.

- ``evaluate_verify``: the report checked the gold claim texts, in order (``check_claims``), so
  report claim *i* is gold claim *i*; every scored gold cell is compared with its verdict.
- ``evaluate_end_to_end``: the report is a full run; its claims are aligned to the gold claims
  (``align.py``, many to one) and each gold claim's cells are scored on its best predicted
  claim. An article that states a predicted claim (one of its ``sources``) is predicted
  ``supported``. Claim recall, duplicates, claims per fact and boilerplate quotes
  (``noise_violations``) are scored too.
- ``detect_mode``: which of the two a saved report is.

Both also score the report's disputes against the gold's (``disputes.py``), count contradicted
cells outside every dispute, and give 95% bootstrap intervals (``intervals.py``). Cell scores
follow the rules in ``scoring.py``. A scored cell the report has no verdict for is predicted
``unresolved``: it counts as wrong, never as a label. ``run.py`` makes or reads the report
first; these functions score a report however it was made.
"""

from __future__ import annotations

from typing import Literal

from factcheck.errors import InputError
from factcheck.evaluation.align import Alignment
from factcheck.evaluation.disputes import contradicted_outside_disputes, score_disputes
from factcheck.evaluation.gold import Gold, GoldClaim
from factcheck.evaluation.intervals import ClaimCells, bootstrap
from factcheck.evaluation.result import CellMiss, ClaimRef, EvalResult, NoiseHit, NoiseViolation
from factcheck.evaluation.scoring import score_cells
from factcheck.models import Article, CanonicalClaim, Label, Report, Verdict

NO_VERDICT = "the report has no verdict for this cell"
Mode = Literal["verify", "end-to-end"]


def detect_mode(report: Report, gold: Gold) -> Mode:
    """``verify`` when the report's claims are exactly the gold claim texts, in gold order.

    That is what ``check_claims(cluster, gold.texts)`` makes; any other report is a full run.
    """
    texts = [claim.text for claim in report.claims]
    return "verify" if texts == gold.texts else "end-to-end"


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
    claim_cells, worst = _score(report, pairs)
    aligned = {g.id: [c.id] for g, c in pairs}
    result = EvalResult(
        mode="verify",
        cluster=gold.cluster,
        model=report.model,
        prompts=dict(report.prompts),
        scores=score_cells(cell for claim in claim_cells for cell in claim.cells),
        worst_cells=worst,
        gold_claims=len(gold.claims),
        claim_cells=claim_cells,
        ci=bootstrap([claim_cells], with_recall=False),
    )
    return _with_disputes(result, report, gold, aligned)


def evaluate_end_to_end(
    report: Report, gold: Gold, alignment: Alignment, *, judge_noise: bool = True
) -> EvalResult:
    """Score a full run through ``alignment`` (from ``align_lexical`` or ``align_with_llm``).

    ``judge_noise=False`` leaves ``noise_violations`` out (None): a saved report read without
    its cluster folder has no article text to judge quotes against.
    """
    gold_by_id = {c.id: c for c in gold.claims}
    predicted_by_id = {c.id: c for c in report.claims}
    links = alignment.links()
    for gold_id, predicted_id in sorted(links):
        if gold_id not in gold_by_id or predicted_id not in predicted_by_id:
            raise ValueError(
                f"the alignment pairs {gold_id} with {predicted_id}, "
                "which are not a gold claim and a claim of this report"
            )
    pairs = [(gold_by_id[p.gold_id], predicted_by_id[p.predicted_id]) for p in alignment.pairs]
    scored, worst = _score(report, pairs, end_to_end=True)
    by_gold = {claim.gold_id: claim for claim in scored}
    claim_cells = [
        by_gold.get(g.id) or ClaimCells(gold_id=g.id, aligned=False) for g in gold.claims
    ]
    paired = {p.predicted_id for p in alignment.pairs}
    on_facts = {predicted_id for _, predicted_id in links}
    prompts = dict(report.prompts)
    if alignment.prompt:
        prompts["align"] = alignment.prompt
    result = EvalResult(
        mode="end-to-end",
        cluster=gold.cluster,
        model=report.model,
        prompts=prompts,
        scores=score_cells(cell for claim in claim_cells for cell in claim.cells),
        worst_cells=worst,
        gold_claims=len(gold.claims),
        claim_recall=len(pairs) / len(gold.claims) if gold.claims else 0.0,
        claims_predicted=len(report.claims),
        noise=find_noise(report.claims, report.articles, gold.noise) if judge_noise else None,
        alignment=alignment,
        unaligned_predicted=[
            ClaimRef(id=c.id, text=c.text) for c in report.claims if c.id not in on_facts
        ],
        unaligned_gold=[ClaimRef(id=c.id, text=c.text) for c in gold.claims if c.id not in by_gold],
        claim_cells=claim_cells,
        ci=bootstrap([claim_cells], with_recall=True),
        facts_paired=len(pairs),
        claims_on_facts=len(on_facts),
        duplicate_claims=[
            ClaimRef(id=c.id, text=c.text)
            for c in report.claims
            if c.id in on_facts and c.id not in paired
        ],
    )
    aligned = {g.id: alignment.aligned_to(g.id) for g in gold.claims}
    return _with_disputes(result, report, gold, aligned)


def _with_disputes(
    result: EvalResult, report: Report, gold: Gold, aligned: dict[str, list[str]]
) -> EvalResult:
    contradicted, outside = contradicted_outside_disputes(report)
    result.disputes_predicted = len(report.disputes)
    result.contradicted_cells = contradicted
    result.contradicted_outside = outside
    if gold.disputes_listed:
        result.disputes = score_disputes(gold.disputes, report.disputes, aligned)
    return result


def _score(
    report: Report, pairs: list[tuple[GoldClaim, CanonicalClaim]], end_to_end: bool = False
) -> tuple[list[ClaimCells], list[CellMiss]]:
    verdicts = {(v.claim_id, v.article_id): v for v in report.verdicts}
    article_order = {a.id: n for n, a in enumerate(report.articles)}
    claims: list[ClaimCells] = []
    misses: list[tuple[int, CellMiss]] = []
    for n, (gold_claim, claim) in enumerate(pairs):
        cells: list[tuple[tuple[Label, ...], Label]] = []
        for article_id, accepted in gold_claim.scored().items():
            predicted, evidence, rationale = _prediction(claim, article_id, verdicts)
            cells.append((accepted, predicted))
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
        claims.append(ClaimCells(gold_id=gold_claim.id, cells=cells))
    misses.sort(
        key=lambda m: (
            not m[1].involves_contradiction,
            m[0],
            article_order.get(m[1].article_id, len(article_order)),
        )
    )
    return claims, [miss for _, miss in misses]


def _prediction(
    claim: CanonicalClaim, article_id: str, verdicts: dict[tuple[str, str], Verdict]
) -> tuple[Label, str | None, str]:
    if article_id in claim.sources:
        quote = claim.quotes.get(article_id)
        verdict = verdicts.get((claim.id, article_id))
        evidence = quote.text if quote else verdict.evidence if verdict else None
        return Label.SUPPORTED, evidence, "the article states the claim"
    verdict = verdicts.get((claim.id, article_id))
    if verdict is None:
        return Label.UNRESOLVED, None, NO_VERDICT
    return verdict.label, verdict.evidence, verdict.rationale


def find_noise(
    claims: list[CanonicalClaim], articles: list[Article], noise: list[str]
) -> list[NoiseViolation]:
    """Predicted claims with a quote on a line of its article holding a ``noise`` string.

    A quote spanning several lines counts when any of them holds one. Matching is exact
    (case-sensitive substrings), as the gold file gives them. A quote from the headline is
    never boilerplate (its span is an offset into the title, not the body).
    """
    texts = {a.id: a.text for a in articles}
    violations = []
    for claim in claims:
        hits = []
        for article_id, quote in claim.quotes.items():
            text = texts.get(article_id)
            if text is None or quote.in_title:
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
