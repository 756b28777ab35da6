"""The baseline's check: how each article stands towards each claim it did not state.

For every claim, each article's sentences are ranked by how much of the claim's weighted words
they hold, and by how much of its shape (its words besides numbers, dates and names). A close
sentence that disagrees on a number, weekday, month, name in the same role, speaker or negation
makes the claim contradicted, with that sentence as evidence; a sentence covering ``supported``
of the claim makes it supported; otherwise the article does not mention it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from factcheck.baseline.index import ClusterIndex
from factcheck.baseline.sentences import Sentence
from factcheck.baseline.words import Phrase
from factcheck.models import CanonicalClaim, Label, Verdict, stated_verdict

# Strongly matching sentences examined for a disagreement, best first.
CONTRADICTION_CANDIDATES = 3


@dataclass(frozen=True)
class _Match:
    """How well one sentence of an article matches a claim."""

    n: int
    coverage: float
    shape: float
    claim: Phrase


def check_claims(
    index: ClusterIndex,
    claims: Sequence[CanonicalClaim],
    *,
    supported: float,
    contradicted: float,
) -> list[Verdict]:
    """A verdict for every claim and article, claims in order, articles in cluster order.

    ``supported`` is the weighted coverage a sentence needs to support a claim, ``contradicted``
    the coverage of the claim's shape at which a disagreement in it contradicts the claim.
    """
    verdicts = []
    for claim in claims:
        ranked = _rank_sentences(index, Phrase.of(claim.text), supported, contradicted)
        for article in index.cluster.articles:
            if article.id in claim.sources:
                verdicts.append(stated_verdict(claim, article.id))
            else:
                matches = ranked[article.id]
                verdicts.append(
                    _verdict(index, claim, article.id, matches, supported, contradicted)
                )
    return verdicts


def _rank_sentences(
    index: ClusterIndex, unit: Phrase, supported: float, contradicted: float
) -> dict[str, list[_Match]]:
    """Per article, the sentences close enough to decide on, closest in shape first."""
    frame = index.frame(unit)
    candidates = index.candidates(unit.stems, index.by_stem, supported)
    if frame:
        candidates |= index.candidates(frame, index.by_stem, contradicted)
    ranked: dict[str, list[_Match]] = defaultdict(list)
    for article_id, n in candidates:
        stems = index.phrases[article_id][n].stems
        match = _Match(
            n=n,
            coverage=index.weights.coverage(unit.stems, stems),
            shape=index.weights.coverage(frame, stems) if frame else 0.0,
            claim=unit,
        )
        if match.coverage >= supported or match.shape >= contradicted:
            ranked[article_id].append(match)
    for matches in ranked.values():
        matches.sort(key=lambda m: (-m.shape, -m.coverage, m.n))
    return ranked


def _verdict(
    index: ClusterIndex,
    claim: CanonicalClaim,
    article_id: str,
    ranked: list[_Match],
    supported: float,
    contradicted: float,
) -> Verdict:
    for match in ranked[:CONTRADICTION_CANDIDATES]:
        sentence = index.sentences[article_id][match.n]
        # Whatever would count as support is first searched for a disagreement.
        close = match.shape >= contradicted or match.coverage >= supported
        conflict = (
            index.conflict(match.claim, index.phrases[article_id][match.n]) if close else None
        )
        if conflict is not None:
            return _found(
                claim.id, article_id, Label.CONTRADICTED, sentence,
                f"This sentence holds {match.coverage:.0%} of the claim's weighted words "
                f"({match.shape:.0%} besides numbers, dates and names) but differs on the "
                f"{conflict.describe()}.",
            )  # fmt: skip
        if match.coverage >= supported:
            return _found(
                claim.id, article_id, Label.SUPPORTED, sentence,
                f"This sentence holds {match.coverage:.0%} of the claim's weighted words "
                "and disagrees on no number, date, name, speaker or negation.",
            )  # fmt: skip
    return Verdict(
        claim_id=claim.id,
        article_id=article_id,
        label=Label.NOT_MENTIONED,
        rationale="No sentence of the article holds enough of the claim's words.",
    )


def _found(
    claim_id: str, article_id: str, label: Label, sentence: Sentence, rationale: str
) -> Verdict:
    return Verdict(
        claim_id=claim_id,
        article_id=article_id,
        label=label,
        evidence=sentence.quote,
        evidence_span=sentence.span,
        rationale=rationale,
    )
