"""95% bootstrap intervals for accuracy, macro-F1 and claim recall, resampling gold claims.

The cells of one gold claim are not independent (one article's misreading of a fact shows in
every cell of that claim's row), so the unit resampled is the gold claim with all its scored
cells, not the cell. Each of ``DRAWS`` draws takes as many gold claims as the cluster has, with
replacement, and scores them exactly as the point estimate is scored (macro-F1 over the labels
that occur in the draw); the interval is the 2.5th to 97.5th percentile of the draws (linear
interpolation between order statistics, as numpy's default). Several clusters pooled are
resampled cluster by cluster (a stratified bootstrap), so a draw keeps each cluster's size.

The seed is fixed: the same result gives the same interval on every machine and every run.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from pydantic import BaseModel, Field

from factcheck.evaluation.scoring import PREDICTED_LABELS, SCORED_LABELS, effective_gold
from factcheck.models import Label

DRAWS = 1000
LEVEL = 0.95
SEED = 20261129
_COLUMNS = len(PREDICTED_LABELS)


class ClaimCells(BaseModel):
    """One gold claim as the eval scored it: the unit a bootstrap draw resamples."""

    gold_id: str
    aligned: bool = Field(default=True, description="end-to-end: paired with a predicted claim.")
    cells: list[tuple[tuple[Label, ...], Label]] = Field(
        default_factory=list, description="(accepted gold labels, predicted label) per cell."
    )


class Intervals(BaseModel):
    """Low and high ends of the 95% bootstrap interval of each score."""

    accuracy: tuple[float, float]
    macro_f1: tuple[float, float]
    claim_recall: tuple[float, float] | None = None
    draws: int = DRAWS
    seed: int = SEED

    def to_contract(self) -> dict:
        """``ci`` in ``eval --json``: ``{metric: [low, high]}``, null where it does not apply."""
        return {
            "accuracy": list(self.accuracy),
            "macro_f1": list(self.macro_f1),
            "claim_recall": None if self.claim_recall is None else list(self.claim_recall),
        }


# A claim's cells as sparse counts over the flattened confusion matrix (gold row, column).
_Sparse = tuple[tuple[int, int], ...]


def _sparse(claim: ClaimCells) -> _Sparse:
    counts: dict[int, int] = {}
    for accepted, predicted in claim.cells:
        gold = effective_gold(accepted, predicted)
        index = SCORED_LABELS.index(gold) * _COLUMNS + PREDICTED_LABELS.index(predicted)
        counts[index] = counts.get(index, 0) + 1
    return tuple(counts.items())


def _scores(flat: list[int]) -> tuple[float, float]:
    """Accuracy and macro-F1 (over the labels that occur) of a flattened confusion matrix."""
    cells = sum(flat)
    rows = len(SCORED_LABELS)
    right = sum(flat[i * _COLUMNS + i] for i in range(rows))
    f1s = []
    for i in range(rows):
        gold = sum(flat[i * _COLUMNS : (i + 1) * _COLUMNS])
        predicted = sum(flat[r * _COLUMNS + i] for r in range(rows))
        if gold or predicted:
            tp = flat[i * _COLUMNS + i]
            f1s.append(2 * tp / (gold + predicted))
    return (right / cells if cells else 0.0), (sum(f1s) / len(f1s) if f1s else 0.0)


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    ends = []
    for q in ((1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2):
        position = q * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        ends.append(ordered[low] + (ordered[high] - ordered[low]) * (position - low))
    return round(ends[0], 6), round(ends[1], 6)


def bootstrap(
    strata: Sequence[Sequence[ClaimCells]],
    *,
    with_recall: bool,
    draws: int = DRAWS,
    seed: int = SEED,
) -> Intervals:
    """Intervals from ``draws`` resamples of the gold claims of each stratum (cluster)."""
    if draws < 1:
        raise ValueError("a bootstrap needs at least one draw")
    rng = random.Random(seed)
    sparse = [[_sparse(claim) for claim in stratum] for stratum in strata]
    aligned = [[claim.aligned for claim in stratum] for stratum in strata]
    total = sum(len(stratum) for stratum in strata)
    accuracy: list[float] = []
    macro: list[float] = []
    recall: list[float] = []
    for _ in range(draws):
        flat = [0] * (len(SCORED_LABELS) * _COLUMNS)
        hits = 0
        for claims, flags in zip(sparse, aligned, strict=True):
            if not claims:
                continue
            for n in rng.choices(range(len(claims)), k=len(claims)):
                for index, count in claims[n]:
                    flat[index] += count
                hits += flags[n]
        acc, f1 = _scores(flat)
        accuracy.append(acc)
        macro.append(f1)
        recall.append(hits / total if total else 0.0)
    return Intervals(
        accuracy=_percentiles(accuracy),
        macro_f1=_percentiles(macro),
        claim_recall=_percentiles(recall) if with_recall else None,
        draws=draws,
        seed=seed,
    )
