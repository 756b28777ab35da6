"""Cell scores: how well predicted labels match gold labels, over (gold, predicted) pairs.

The rules, which every mode of the eval shares:

- **List-valued gold.** A gold cell may accept several labels. When the prediction is one of
  them the cell is right and its gold label is taken to be the prediction; otherwise its gold
  label is the first label of the list (the one the gold file names first).
- **Unresolved.** A cell whose answer could not be obtained is predicted ``unresolved``: it is
  wrong, counted in ``unresolved``, a false negative for its gold label and a false positive
  for no label (it has its own column in the confusion matrix).
- **Zero division.** Precision, recall and F1 follow scikit-learn with ``zero_division=0``:
  a ratio whose denominator is 0 is 0. F1 is ``2·TP / (2·TP + FP + FN)``.
- **Macro-F1** is the plain mean of the F1 of supported, contradicted and not_mentioned, always
  over all three, like ``f1_score(gold, predicted, labels=[S, C, N], average="macro",
  zero_division=0)``. A label that has neither gold cells nor predictions therefore counts as
  an F1 of 0; ``CellScores.absent_labels`` names such labels so renderers can say so.
- With no scored cells at all, every score is 0.0 and ``cells`` is 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from factcheck.models import Label

SCORED_LABELS: tuple[Label, ...] = (Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_MENTIONED)
# Columns of the confusion matrix: a prediction can also be "no answer".
PREDICTED_LABELS: tuple[Label, ...] = (*SCORED_LABELS, Label.UNRESOLVED)


class LabelScores(BaseModel):
    """Precision, recall and F1 of one label, with the counts they come from."""

    precision: float
    recall: float
    f1: float
    gold: int = 0
    predicted: int = 0
    true_positives: int = 0


class CellScores(BaseModel):
    """Every cell-level score of one comparison.

    ``confusion[gold][predicted]`` counts cells: rows are the three gold labels (after the
    list-gold rule), columns the three labels plus ``unresolved``; every count is present,
    zeros included.
    """

    cells: int
    correct: int
    unresolved: int
    accuracy: float
    macro_f1: float
    per_label: dict[Label, LabelScores]
    confusion: dict[Label, dict[Label, int]]

    @property
    def absent_labels(self) -> list[Label]:
        """Labels with no gold cell and no prediction: their F1 of 0 still enters macro-F1."""
        return [
            label
            for label, s in self.per_label.items()
            if s.gold == 0 and s.predicted == 0 and self.cells
        ]


def effective_gold(accepted: Sequence[Label], predicted: Label) -> Label:
    """The single gold label a cell is scored against (see the list-gold rule above)."""
    if not accepted:
        raise ValueError("a scored gold cell needs at least one label")
    return predicted if predicted in accepted else accepted[0]


def score_cells(pairs: Iterable[tuple[Sequence[Label], Label]]) -> CellScores:
    """Score ``(accepted gold labels, predicted label)`` pairs, one per scored cell."""
    confusion = {g: dict.fromkeys(PREDICTED_LABELS, 0) for g in SCORED_LABELS}
    cells = correct = 0
    for accepted, predicted in pairs:
        gold = effective_gold(accepted, predicted)
        if gold not in confusion:
            raise ValueError(f"a gold label must be one of {', '.join(SCORED_LABELS)}, not {gold}")
        confusion[gold][predicted] += 1
        cells += 1
        correct += gold == predicted
    per_label = {label: _label_scores(label, confusion) for label in SCORED_LABELS}
    return CellScores(
        cells=cells,
        correct=correct,
        unresolved=sum(row[Label.UNRESOLVED] for row in confusion.values()),
        accuracy=_ratio(correct, cells),
        macro_f1=sum(s.f1 for s in per_label.values()) / len(per_label),
        per_label=per_label,
        confusion=confusion,
    )


def _label_scores(label: Label, confusion: dict[Label, dict[Label, int]]) -> LabelScores:
    tp = confusion[label][label]
    gold = sum(confusion[label].values())
    predicted = sum(row[label] for row in confusion.values())
    fp, fn = predicted - tp, gold - tp
    return LabelScores(
        precision=_ratio(tp, predicted),
        recall=_ratio(tp, gold),
        f1=_ratio(2 * tp, 2 * tp + fp + fn),
        gold=gold,
        predicted=predicted,
        true_positives=tp,
    )


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0
