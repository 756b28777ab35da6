"""Align a run's canonical claims with a gold file's claims: many predicted claims to one fact.

Every gold claim is paired with the predicted claim that states its fact best, and that pair is
what its cells are scored on. Two gold claims may share one predicted claim: under the claim
model one predicted statement credited to two speakers stands for two speech-act gold claims
(an attribution dispute), and a predicted claim that fuses two facts states both. Further
predicted claims stating the same gold fact are that gold claim's ``duplicates``: what an
editor reads twice, measured as ``claims_per_fact``.

Two matchers give the same ``Alignment``:

- ``align_lexical`` (the default, free and deterministic): a predicted claim states a gold claim
  when it covers at least ``threshold`` of the gold claim's weighted words besides its names
  and numbers, counting the words of whom its articles credit it to, with numbers, names and
  negation in agreement (``match.py``). The best is the highest coverage, then the predicted
  claim holding the least besides the gold fact, then the earlier one. The threshold was
  chosen on hand alignments of recorded runs (``eval/alignments/``,
  ``eval/alignment_quality.py``).
- ``align_with_llm`` (an option): one call that lists, for each gold claim, the predicted claims
  stating its fact, closest first; it also catches paraphrases that share few words. Unknown
  ids and ids listed twice are sent back to the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.evaluation.gold import GoldClaim
from factcheck.evaluation.match import CoverageMatcher, predicted_words
from factcheck.models import CanonicalClaim, Label, Report
from factcheck.stages.prompts import escape_text, load_prompt, messages_for
from factcheck.usage import Usage

if TYPE_CHECKING:
    from factcheck.llm.gateway import LLM  # the model stack: imported only where it is used

STAGE = "align"
# Chosen on the hand alignments of eval/alignments/ (eval/notes/alignment.md): the best F1 of
# links (pairs and duplicates); its pairs are right 0.93 of the time and find 0.91 of the facts.
DEFAULT_THRESHOLD = 0.6


class AlignedPair(BaseModel):
    """One gold claim and the predicted claim its cells are scored on."""

    gold_id: str
    predicted_id: str
    score: float | None = Field(default=None, description="Coverage; None for llm.")


class Alignment(BaseModel):
    """Each gold claim's best predicted claim, and the further ones stating the same fact."""

    method: Literal["lexical", "llm"]
    threshold: float | None = None
    prompt: str | None = Field(default=None, description="The align prompt's version (llm).")
    pairs: list[AlignedPair] = Field(description="At most one per gold claim, in gold order.")
    duplicates: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Gold id -> the other predicted claims that state its fact (best first).",
    )
    unaligned_gold: list[str] = Field(default_factory=list)
    unaligned_predicted: list[str] = Field(
        default_factory=list, description="Predicted claims stating no gold fact."
    )

    def aligned_to(self, gold_id: str) -> list[str]:
        """The predicted claims that state ``gold_id``'s fact: its pair first, then duplicates."""
        paired = [p.predicted_id for p in self.pairs if p.gold_id == gold_id]
        return paired + self.duplicates.get(gold_id, [])

    def links(self) -> set[tuple[str, str]]:
        """Every (gold id, predicted id) stating the same fact: pairs and duplicates."""
        found = {(p.gold_id, p.predicted_id) for p in self.pairs}
        found |= {(g, p) for g, ids in self.duplicates.items() for p in ids}
        return found


def report_attributions(report: Report) -> dict[str, list[str]]:
    """Claim id -> whom its articles credit it to: the sources' and supporting verdicts'."""
    credits: dict[str, list[str]] = {c.id: list(c.attributed_to.values()) for c in report.claims}
    for verdict in report.verdicts:
        if verdict.attributed_to and verdict.label is Label.SUPPORTED:
            credits.setdefault(verdict.claim_id, []).append(verdict.attributed_to)
    return {claim_id: list(dict.fromkeys(names)) for claim_id, names in credits.items()}


def align_lexical(
    predicted: list[CanonicalClaim],
    gold: list[GoldClaim],
    threshold: float = DEFAULT_THRESHOLD,
    attributions: Mapping[str, Iterable[str]] | None = None,
) -> Alignment:
    """Pair each gold claim with the predicted claim covering it best (at least ``threshold``).

    ``attributions`` (claim id -> names, see ``report_attributions``) count as the predicted
    claim's words: a statement credited to a speaker states "<speaker> said <statement>". So
    do the times its articles say it held (``as_of``): "£8,400 was raised" as of "by Monday
    lunchtime" states "£8,400 was raised by Monday lunchtime".
    """
    attributions = attributions or {}
    matcher = CoverageMatcher(g.text for g in gold)
    words = [
        predicted_words(p.text, [*attributions.get(p.id, ()), *p.as_of.values()])
        for p in predicted
    ]
    # Between equal coverages the closer claim holds less besides the gold fact.
    own = [predicted_words(p.text) for p in predicted]
    pairs: list[AlignedPair] = []
    duplicates: dict[str, list[str]] = {}
    for g in gold:
        found = []
        for n, p in enumerate(predicted):
            score = matcher.score(g.text, words[n])
            if score > 0 and score >= threshold:
                found.append((-score, -matcher.held_by_gold(g.text, own[n]), n, p.id))
        found.sort()
        if found:
            pairs.append(AlignedPair(gold_id=g.id, predicted_id=found[0][3], score=-found[0][0]))
            if len(found) > 1:
                duplicates[g.id] = [item[3] for item in found[1:]]
    return _alignment("lexical", pairs, duplicates, predicted, gold, threshold=threshold)


class Match(BaseModel):
    """One reference claim in the model's answer, and the found claims stating its fact."""

    reference_id: str = Field(description="An id of the reference claims, such as G3.")
    found_ids: list[str] = Field(
        description="Ids of the found claims stating the same fact, such as P7; closest first."
    )


class AlignAnswer(BaseModel):
    """The align answer: for each reference claim with a match, the found claims stating it."""

    matches: list[Match]

    @model_validator(mode="after")
    def _known_ids_once(self, info: ValidationInfo) -> AlignAnswer:
        context = info.context or {}
        references, found = context.get("reference_ids"), context.get("found_ids")
        if references is None or found is None:
            return self
        problems = _matching_problems(self.matches, references, found)
        if problems:
            raise ValueError(
                "; ".join(problems[:10])
                + ". List each reference id at most once, each found id at most once per "
                "reference, using listed ids only."
            )
        return self


def _matching_problems(matches: list[Match], references: set[str], found: set[str]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for match in matches:
        if match.reference_id not in references:
            problems.append(f"unknown reference id {match.reference_id}")
        elif match.reference_id in seen:
            problems.append(f"reference id {match.reference_id} is listed more than once")
        seen.add(match.reference_id)
        listed: set[str] = set()
        for found_id in match.found_ids:
            if found_id not in found:
                problems.append(f"unknown found id {found_id}")
            elif found_id in listed:
                problems.append(f"found id {found_id} is listed twice for {match.reference_id}")
            listed.add(found_id)
    return problems


async def align_with_llm(
    llm: LLM,
    predicted: list[CanonicalClaim],
    gold: list[GoldClaim],
    usage: Usage,
    attributions: Mapping[str, Iterable[str]] | None = None,
) -> Alignment:
    """Ask the model which predicted claims state each gold claim's fact, closest first.

    One call (none when either side is empty), counted under the ``align`` stage of ``usage``.
    ``attributions`` (see ``report_attributions``) are shown beside each predicted claim.
    Raises ``AnswerError`` when no valid answer comes back after re-asks: a partial alignment
    would quietly lower claim recall, so the caller decides (``align_lexical`` is the fallback).
    """
    prompt = load_prompt(STAGE).label
    if not predicted or not gold:
        return _alignment("llm", [], {}, predicted, gold, prompt=prompt)
    attributions = attributions or {}
    # Positional ids: gold and predicted claim ids both look like c01 and would be confused.
    references = {f"G{n}": claim for n, claim in enumerate(gold, 1)}
    found = {f"P{n}": claim for n, claim in enumerate(predicted, 1)}
    answer = await llm.structured(
        stage=STAGE,
        response_model=AlignAnswer,
        messages=messages_for(STAGE),
        context={
            # Escaped like every prompt's text: a claim holding "</claims>" must not end the
            # list early.
            "gold": [{"ref": ref, "text": escape_text(c.text)} for ref, c in references.items()],
            "predicted": [
                {
                    "ref": ref,
                    "text": escape_text(c.text),
                    "credit": escape_text("; ".join(attributions.get(c.id, ()))),
                }
                for ref, c in found.items()
            ],
            "reference_ids": set(references),
            "found_ids": set(found),
        },
        usage=usage,
    )
    listed = {m.reference_id: m.found_ids for m in answer.matches if m.found_ids}
    pairs: list[AlignedPair] = []
    duplicates: dict[str, list[str]] = {}
    for ref, claim in references.items():
        ids = [found[f].id for f in listed.get(ref, [])]
        if ids:
            pairs.append(AlignedPair(gold_id=claim.id, predicted_id=ids[0]))
            if len(ids) > 1:
                duplicates[claim.id] = ids[1:]
    return _alignment("llm", pairs, duplicates, predicted, gold, prompt=prompt)


def _alignment(
    method: Literal["lexical", "llm"],
    pairs: list[AlignedPair],
    duplicates: dict[str, list[str]],
    predicted: list[CanonicalClaim],
    gold: list[GoldClaim],
    threshold: float | None = None,
    prompt: str | None = None,
) -> Alignment:
    aligned_gold = {p.gold_id for p in pairs}
    aligned_predicted = {p.predicted_id for p in pairs} | {
        p for ids in duplicates.values() for p in ids
    }
    return Alignment(
        method=method,
        threshold=threshold,
        prompt=prompt,
        pairs=pairs,
        duplicates=duplicates,
        unaligned_gold=[g.id for g in gold if g.id not in aligned_gold],
        unaligned_predicted=[p.id for p in predicted if p.id not in aligned_predicted],
    )
