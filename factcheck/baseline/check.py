"""The baseline's check: how each article stands towards each claim it did not state.

For every claim, each article's sentences are ranked by how much of the claim's weighted words
they hold, and by how much of its shape (its words besides numbers, dates and names). A close
sentence that disagrees on a number, weekday, month, name in the same role, speaker or negation
makes the claim contradicted, with that sentence as evidence; a sentence covering ``supported``
of the claim makes it supported; otherwise the article does not mention it. Rationales say it
as an editor would: "different number: four (A) vs seven (B)".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from factcheck.baseline.conflicts import Conflict
from factcheck.baseline.index import ClusterIndex
from factcheck.baseline.sentences import attribution
from factcheck.baseline.words import Phrase
from factcheck.models import CanonicalClaim, Label, Verdict, article_aliases, stated_verdict

# Strongly matching sentences examined for a disagreement, best first.
CONTRADICTION_CANDIDATES = 3
NOT_FOUND = "not found: no sentence of this article shares enough of the claim's key words"


@dataclass(frozen=True)
class Cell:
    """A verdict, and for a contradiction what differs and which sentence says it."""

    verdict: Verdict
    conflict: Conflict | None = None
    sentence: int | None = None  # the evidence's sentence number in the target article


@dataclass(frozen=True)
class _Match:
    """How well one sentence of an article matches a claim."""

    n: int
    coverage: float
    shape: float


def check_claims(
    index: ClusterIndex,
    claims: Sequence[CanonicalClaim],
    *,
    supported: float,
    contradicted: float,
    step: Callable[[], None] | None = None,
) -> list[Cell]:
    """A cell for every claim and article, claims in order, articles in cluster order.

    ``supported`` is the weighted coverage a sentence needs to support a claim, ``contradicted``
    the coverage of the claim's shape at which a disagreement in it contradicts the claim.
    """
    letters = article_aliases([a.id for a in index.cluster.articles])
    cells = []
    for claim in claims:
        unit = Phrase.of(claim.text)
        for article in index.cluster.articles:
            if article.id in claim.sources:
                cells.append(Cell(stated_verdict(claim, article.id)))
                continue
            ranked = _rank_sentences(index, unit, article.id, supported, contradicted)
            cells.append(
                _cell(index, claim, unit, article.id, ranked, supported, contradicted, letters)
            )
        if step is not None:
            step()
    return cells


def _rank_sentences(
    index: ClusterIndex, unit: Phrase, article_id: str, supported: float, contradicted: float
) -> list[_Match]:
    """The article's sentences close enough to decide on, closest in shape first."""
    stems = index.by_stem[article_id]
    frame = index.frame(unit)
    candidates = index.candidates(unit.stems, stems, supported)
    if frame:
        candidates |= index.candidates(frame, stems, contradicted)
    ranked = []
    for n in candidates:
        sentence = index.phrases[article_id][n].stems
        match = _Match(
            n=n,
            coverage=index.weights.coverage(unit.stems, sentence),
            shape=index.weights.coverage(frame, sentence) if frame else 0.0,
        )
        if match.coverage >= supported or match.shape >= contradicted:
            ranked.append(match)
    ranked.sort(key=lambda m: (-m.shape, -m.coverage, m.n))
    return ranked


def _cell(
    index: ClusterIndex,
    claim: CanonicalClaim,
    unit: Phrase,
    article_id: str,
    ranked: list[_Match],
    supported: float,
    contradicted: float,
    letters: dict[str, str],
) -> Cell:
    for match in ranked[:CONTRADICTION_CANDIDATES]:
        sentence = index.phrases[article_id][match.n]
        # Whatever would count as support is first searched for a disagreement.
        close = match.shape >= contradicted or match.coverage >= supported
        conflict = (
            index.conflict(unit, sentence, (claim.sources, article_id)) if close else None
        )
        if conflict is not None and not conflict.certain:
            continue  # a different figure, maybe of another event: neither side of it
        if conflict is not None:
            sides = claim_side(claim, letters), letters[article_id]
            verdict = _found(index, claim.id, article_id, Label.CONTRADICTED, match.n,
                             explain(conflict, *sides))  # fmt: skip
            return Cell(verdict, conflict, match.n)
        if match.coverage >= supported:
            rationale = (
                f"says the same: shares {match.coverage:.0%} of the claim's key words, and no "
                "number, date, name, speaker or negation differs"
            )
            return Cell(
                _found(index, claim.id, article_id, Label.SUPPORTED, match.n, rationale)
            )
    return Cell(
        Verdict(
            claim_id=claim.id,
            article_id=article_id,
            label=Label.NOT_MENTIONED,
            rationale=NOT_FOUND,
        )
    )


def claim_side(claim: CanonicalClaim, letters: dict[str, str]) -> str:
    """The letters of the articles stating ``claim``, or "the claim" for one given to check."""
    return ", ".join(letters[a] for a in claim.sources if a in letters) or "the claim"


_WHAT_DIFFERS = {
    "number": "different number",
    "weekday": "different day",
    "date": "different date",
    "name": "different name",
    "speaker": "different speaker",
    "negation": "opposite",
}


def explain(conflict: Conflict, claim_side: str, sentence_side: str) -> str:
    """What differs, as an editor would say it: "different number: four (A) vs seven (B)"."""
    what = "different place" if conflict.place else _WHAT_DIFFERS[conflict.kind]
    return (
        f"{what}: {conflict.claim_words} ({claim_side}) vs "
        f"{conflict.sentence_words} ({sentence_side})"
    )


def _found(
    index: ClusterIndex, claim_id: str, article_id: str, label: Label, n: int, rationale: str
) -> Verdict:
    sentence = index.sentences[article_id][n]
    return Verdict(
        claim_id=claim_id,
        article_id=article_id,
        label=label,
        evidence=sentence.quote,
        evidence_span=sentence.span,
        rationale=rationale,
        attributed_to=attribution(sentence.quote),
    )
