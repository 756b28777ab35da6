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
- **Macro-F1** is the plain mean of the F1 of the labels that occur in the scored cells: a label
  is scored (``labels_scored``) when at least one cell has it as gold (after the list-gold rule)
  or as prediction. A cluster with no contradictions, every cell right, scores 1.0; a label
  predicted where the gold never has it scores its F1 of 0. This is scikit-learn's default
  ``f1_score(gold, predicted, average="macro", zero_division=0)``, whose labels are those present
  in either list (``unresolved`` is never a label). ``CellScores.absent_labels`` names the
  labels left out, so renderers can say so.
- With no scored cells at all, every score is 0.0, ``cells`` is 0 and no label is scored.
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
    labels_scored: list[Label]
    per_label: dict[Label, LabelScores]
    confusion: dict[Label, dict[Label, int]]

    @property
    def absent_labels(self) -> list[Label]:
        """Labels with no gold cell and no prediction: left out of macro-F1."""
        return [label for label in self.per_label if label not in self.labels_scored and self.cells]


def effective_gold(accepted: Sequence[Label], predicted: Label) -> Label:
    """The single gold label a cell is scored against (see the list-gold rule above)."""
    if not accepted:
        raise ValueError("a scored gold cell needs at least one label")
    return predicted if predicted in accepted else accepted[0]


def empty_confusion() -> dict[Label, dict[Label, int]]:
    """A confusion matrix of zeros: three gold rows, four predicted columns."""
    return {g: dict.fromkeys(PREDICTED_LABELS, 0) for g in SCORED_LABELS}


def score_cells(pairs: Iterable[tuple[Sequence[Label], Label]]) -> CellScores:
    """Score ``(accepted gold labels, predicted label)`` pairs, one per scored cell."""
    confusion = empty_confusion()
    for accepted, predicted in pairs:
        gold = effective_gold(accepted, predicted)
        if gold not in confusion:
            raise ValueError(f"a gold label must be one of {', '.join(SCORED_LABELS)}, not {gold}")
        confusion[gold][predicted] += 1
    return scores_from_confusion(confusion)


def scores_from_confusion(confusion: dict[Label, dict[Label, int]]) -> CellScores:
    """Every cell-level score of a confusion matrix (rows gold, columns predicted)."""
    per_label = {label: _label_scores(label, confusion) for label in SCORED_LABELS}
    present = [label for label, s in per_label.items() if s.gold or s.predicted]
    cells = sum(n for row in confusion.values() for n in row.values())
    correct = sum(confusion[label][label] for label in SCORED_LABELS)
    return CellScores(
        cells=cells,
        correct=correct,
        unresolved=sum(row[Label.UNRESOLVED] for row in confusion.values()),
        accuracy=_ratio(correct, cells),
        macro_f1=sum(per_label[label].f1 for label in present) / len(present) if present else 0.0,
        labels_scored=present,
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
