"""The CI gates of ``factcheck eval``: ``--min-*`` and ``--max-*`` thresholds on a result.

A threshold on a score the run cannot produce is a usage error, found before anything runs
(``usage_problems``): claim recall, noise and claims per fact exist only end to end, and dispute
recall only when a gold file lists disputes. A gate that silently checks nothing would be worse
than none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import BaseModel

from factcheck.evaluation.result import EvalResult


def _dispute_recall(result: EvalResult) -> float | None:
    return result.disputes.recall if result.disputes else None


@dataclass(frozen=True)
class _Gate:
    option: str
    metric: str
    minimum: bool  # a floor (--min-*) or a ceiling (--max-*)
    end_to_end_only: bool
    read: Callable[[EvalResult], float | int | None]


GATES: dict[str, _Gate] = {
    gate.metric: gate
    for gate in (
        _Gate("--min-accuracy", "accuracy", True, False, lambda r: r.scores.accuracy),
        _Gate("--min-macro-f1", "macro_f1", True, False, lambda r: r.scores.macro_f1),
        _Gate("--min-claim-recall", "claim_recall", True, True, lambda r: r.claim_recall),
        _Gate("--max-noise", "noise_violations", False, True, lambda r: r.noise_violations),
        _Gate("--max-claims-per-fact", "claims_per_fact", False, True, lambda r: r.claims_per_fact),
        _Gate("--min-dispute-recall", "dispute_recall", True, False, _dispute_recall),
    )
}


class Thresholds(BaseModel):
    """The gates of one eval run; None leaves a score ungated."""

    min_accuracy: float | None = None
    min_macro_f1: float | None = None
    min_claim_recall: float | None = None
    max_noise: int | None = None
    max_claims_per_fact: float | None = None
    min_dispute_recall: float | None = None

    def _set(self) -> list[tuple[_Gate, float]]:
        values = {
            "accuracy": self.min_accuracy,
            "macro_f1": self.min_macro_f1,
            "claim_recall": self.min_claim_recall,
            "noise_violations": self.max_noise,
            "claims_per_fact": self.max_claims_per_fact,
            "dispute_recall": self.min_dispute_recall,
        }
        return [(GATES[metric], value) for metric, value in values.items() if value is not None]

    def usage_problems(self, modes: Iterable[str], disputes_listed: Iterable[bool]) -> list[str]:
        """Thresholds no evaluation of the run can check (modes and gold files given)."""
        modes = set(modes)
        listed = any(disputes_listed)
        problems = []
        for gate, _ in self._set():
            if gate.end_to_end_only and "end-to-end" not in modes:
                problems.append(f"{gate.option} applies only to --mode end-to-end")
            elif gate.metric == "dispute_recall" and not listed:
                problems.append(f"{gate.option} needs a gold file that lists disputes")
        return problems

    def missed(self, result: EvalResult, name: str | None = None) -> list[str]:
        """One line per threshold ``result`` misses; gates that do not apply to it are skipped."""
        where = f"{name}: " if name else ""
        lines = []
        for gate, limit in self._set():
            value = gate.read(result)
            if value is None:
                continue
            if (value < limit) if gate.minimum else (value > limit):
                shown = f"{value:.3f}" if isinstance(value, float) else str(value)
                sign = "<" if gate.minimum else ">"
                lines.append(f"{where}{gate.metric} {shown} {sign} {gate.option} {limit}")
        return lines
