"""Align a run's canonical claims with a gold file's claims, one to one.

Two matchers give the same ``Alignment``:

- ``align_lexical`` (the default, free and deterministic): the similarity of two claims is the
  Dice coefficient of their content-word sets, ``2·|A∩B| / (|A| + |B|)``, after lower-casing and
  dropping a short list of function words. Pairs are taken best-first: every (gold, predicted)
  pair at or above ``threshold`` is sorted by score (highest first), then gold order, then
  predicted order, and a pair is kept when neither side is taken yet. Greedy best-first rather
  than an optimal assignment: it is what a reader does by eye, it is easy to audit, and the
  tie-break makes it deterministic.
- ``align_with_llm`` (an option): one call that pairs claims stating the same fact, which also
  catches paraphrases that share few words. Validated like merge answers: unknown ids and ids
  used twice are sent back to the model.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.baseline.words import STOPWORDS
from factcheck.evaluation.gold import GoldClaim
from factcheck.llm.gateway import LLM
from factcheck.models import CanonicalClaim, Usage
from factcheck.stages.prompts import load_prompt, messages_for

STAGE = "align"
# Two claims that share half of their content words (Dice 0.5) usually state the same fact;
# below that, shared names and places alone tend to make a pair.
DEFAULT_THRESHOLD = 0.5
_WORD = re.compile(r"[^\W_]+")


class AlignedPair(BaseModel):
    """One gold claim and the predicted claim it was matched with."""

    gold_id: str
    predicted_id: str
    score: float | None = Field(default=None, description="Lexical similarity; None for llm.")


class Alignment(BaseModel):
    """A one-to-one alignment of predicted claims to gold claims."""

    method: Literal["lexical", "llm"]
    threshold: float | None = None
    prompt: str | None = Field(default=None, description="The align prompt's version (llm).")
    pairs: list[AlignedPair] = Field(description="In gold order.")
    unaligned_gold: list[str] = Field(default_factory=list)
    unaligned_predicted: list[str] = Field(default_factory=list)


def content_words(text: str) -> frozenset[str]:
    """The lower-cased words of ``text`` that carry content (function words dropped)."""
    # Any apostrophe, straight or typographic, splits a word: "council's" gives council, s.
    words = _WORD.findall(text.lower())
    return frozenset(w for w in words if w not in STOPWORDS)


def similarity(a: str, b: str) -> float:
    """Dice coefficient of the content-word sets of ``a`` and ``b``; 0.0 if either has none."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return 0.0
    return 2 * len(wa & wb) / (len(wa) + len(wb))


def align_lexical(
    predicted: list[CanonicalClaim], gold: list[GoldClaim], threshold: float = DEFAULT_THRESHOLD
) -> Alignment:
    """Pair claims best-first by ``similarity``; pairs below ``threshold`` are never made."""
    candidates = [
        (similarity(g.text, p.text), gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(predicted)
    ]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    chosen: dict[int, tuple[int, float]] = {}
    taken: set[int] = set()
    for score, gi, pi in candidates:
        if score < threshold:
            break
        if gi not in chosen and pi not in taken:
            chosen[gi] = (pi, score)
            taken.add(pi)
    pairs = [
        AlignedPair(gold_id=gold[gi].id, predicted_id=predicted[pi].id, score=score)
        for gi, (pi, score) in sorted(chosen.items())
    ]
    return _alignment("lexical", pairs, predicted, gold, threshold=threshold)


class MatchedPair(BaseModel):
    """One pair in the model's answer."""

    reference_id: str = Field(description="An id of the reference claims, such as G3.")
    found_id: str = Field(description="An id of the found claims, such as P7.")


class AlignAnswer(BaseModel):
    """The align answer: pairs of claims stating the same fact; each id at most once."""

    pairs: list[MatchedPair]

    @model_validator(mode="after")
    def _one_to_one(self, info: ValidationInfo) -> AlignAnswer:
        context = info.context or {}
        references, found = context.get("reference_ids"), context.get("found_ids")
        if references is None or found is None:
            return self
        problems = _pairing_problems(self.pairs, references, found)
        if problems:
            raise ValueError(
                "; ".join(problems[:10]) + ". Pair each id at most once, using listed ids only."
            )
        return self


def _pairing_problems(pairs: list[MatchedPair], references: set[str], found: set[str]) -> list[str]:
    problems: list[str] = []
    used_reference: set[str] = set()
    used_found: set[str] = set()
    for pair in pairs:
        if pair.reference_id not in references:
            problems.append(f"unknown reference id {pair.reference_id}")
        elif pair.reference_id in used_reference:
            problems.append(f"reference id {pair.reference_id} is in more than one pair")
        if pair.found_id not in found:
            problems.append(f"unknown found id {pair.found_id}")
        elif pair.found_id in used_found:
            problems.append(f"found id {pair.found_id} is in more than one pair")
        used_reference.add(pair.reference_id)
        used_found.add(pair.found_id)
    return problems


async def align_with_llm(
    llm: LLM, predicted: list[CanonicalClaim], gold: list[GoldClaim], usage: Usage
) -> Alignment:
    """Ask the model which predicted claim states the same fact as each gold claim.

    One call (none when either side is empty), counted under the ``align`` stage of ``usage``.
    Raises ``AnswerError`` when no valid pairing comes back after re-asks: a partial alignment
    would quietly lower claim recall, so the caller decides (``align_lexical`` is the fallback).
    """
    prompt = load_prompt(STAGE).label
    if not predicted or not gold:
        return _alignment("llm", [], predicted, gold, prompt=prompt)
    # Positional ids: gold and predicted claim ids both look like c01 and would be confused.
    references = {f"G{n}": claim for n, claim in enumerate(gold, 1)}
    found = {f"P{n}": claim for n, claim in enumerate(predicted, 1)}
    answer = await llm.structured(
        stage=STAGE,
        response_model=AlignAnswer,
        messages=messages_for(STAGE),
        context={
            "gold": [{"ref": ref, "text": c.text} for ref, c in references.items()],
            "predicted": [{"ref": ref, "text": c.text} for ref, c in found.items()],
            "reference_ids": set(references),
            "found_ids": set(found),
        },
        usage=usage,
    )
    order = {claim.id: n for n, claim in enumerate(gold)}
    pairs = sorted(
        (
            AlignedPair(gold_id=references[p.reference_id].id, predicted_id=found[p.found_id].id)
            for p in answer.pairs
        ),
        key=lambda pair: order[pair.gold_id],
    )
    return _alignment("llm", pairs, predicted, gold, prompt=prompt)


def _alignment(
    method: Literal["lexical", "llm"],
    pairs: list[AlignedPair],
    predicted: list[CanonicalClaim],
    gold: list[GoldClaim],
    threshold: float | None = None,
    prompt: str | None = None,
) -> Alignment:
    aligned_gold = {p.gold_id for p in pairs}
    aligned_predicted = {p.predicted_id for p in pairs}
    return Alignment(
        method=method,
        threshold=threshold,
        prompt=prompt,
        pairs=pairs,
        unaligned_gold=[g.id for g in gold if g.id not in aligned_gold],
        unaligned_predicted=[p.id for p in predicted if p.id not in aligned_predicted],
    )
