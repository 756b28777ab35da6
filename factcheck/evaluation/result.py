"""What an eval found: the scores, the wrong cells, and the ``eval --json`` contract document.

``missed_thresholds`` turns a result into the lines a CI gate fails on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from factcheck.evaluation.align import Alignment
from factcheck.evaluation.scoring import CellScores
from factcheck.models import Label, Usage


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
