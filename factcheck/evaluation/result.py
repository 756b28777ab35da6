"""What an eval found: the scores, the wrong cells, and the ``eval --json`` contract document.

The CI gates on it live in ``thresholds.py``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from factcheck.evaluation.align import Alignment
from factcheck.evaluation.disputes import CellRef, DisputeScores
from factcheck.evaluation.intervals import ClaimCells, Intervals
from factcheck.evaluation.scoring import CellScores
from factcheck.models import Label
from factcheck.usage import Usage


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
    noise: list[NoiseViolation] | None = Field(
        default=None, description="end-to-end only, and only when the articles' text is known."
    )
    alignment: Alignment | None = None
    unaligned_predicted: list[ClaimRef] = Field(default_factory=list)
    unaligned_gold: list[ClaimRef] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage, description="What the run behind it cost.")
    source: str | None = Field(default=None, description="The saved report scored, if any.")
    claim_cells: list[ClaimCells] = Field(
        default_factory=list, description="The scored cells per gold claim (bootstrap, pooling)."
    )
    ci: Intervals | None = None
    facts_paired: int | None = Field(default=None, description="end-to-end: gold claims paired.")
    claims_on_facts: int | None = Field(
        default=None, description="end-to-end: predicted claims paired or duplicate."
    )
    duplicate_claims: list[ClaimRef] | None = Field(
        default=None,
        description="end-to-end: predicted claims that only repeat a gold fact another states.",
    )
    disputes: DisputeScores | None = Field(
        default=None, description="None when the gold file lists no disputes."
    )
    disputes_predicted: int = 0
    contradicted_cells: int = 0
    contradicted_outside: list[CellRef] = Field(
        default_factory=list, description="Contradicted cells outside every predicted dispute."
    )
    clusters: list[str] = Field(
        default_factory=list, description="A pooled result: the clusters pooled."
    )

    @property
    def noise_violations(self) -> int | None:
        """How many predicted claims quote boilerplate; None where it was not judged."""
        return None if self.noise is None else len(self.noise)

    @property
    def claims_per_fact(self) -> float | None:
        """Predicted claims paired or duplicate ÷ gold claims paired (end-to-end)."""
        if self.facts_paired is None or self.claims_on_facts is None:
            return None
        return self.claims_on_facts / self.facts_paired if self.facts_paired else None

    @property
    def duplicates(self) -> int | None:
        """Predicted claims that repeat a gold fact and are paired with no gold claim."""
        return None if self.duplicate_claims is None else len(self.duplicate_claims)

    def to_contract(self) -> dict:
        """The ``eval --json`` document: DESIGN.md's keys, then its 2026-11-29 additions.

        ``confusion`` is ``{gold label: {predicted label: cells}}``: three rows, four columns
        (the three labels and ``unresolved``), every count present.
        """
        s = self.scores
        disputes = self.disputes
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
            "cluster": self.cluster,
            "model": self.model,
            "labels_scored": [label.value for label in s.labels_scored],
            "claims_per_fact": self.claims_per_fact,
            "duplicates": self.duplicates,
            "ci": self.ci.to_contract() if self.ci else None,
            "dispute_recall": disputes.recall if disputes else None,
            "dispute_precision": disputes.precision if disputes else None,
            "dispute_kind_accuracy": disputes.kind_accuracy if disputes else None,
            "contradicted_cells_outside_disputes": len(self.contradicted_outside),
        }
