"""Score a report's disputes against the gold's, and count what an editor must still read.

A gold dispute lists the gold claims that are its competing versions. A predicted dispute lists
versions, each a canonical claim of the report. Through the alignment each gold claim has the
predicted claims that state it (its pair and its duplicates); with those:

- A predicted dispute **finds** a gold dispute when two of its versions hold claims aligned to
  two different versions of the gold dispute, through two different predicted claims. In an
  ``attribution`` dispute one predicted claim may stand for both gold versions (one statement,
  credited to two speakers: the predicted versions share the claim and differ by article), so
  there two predicted versions of one claim are enough; a dispute that merely holds that claim
  once does not find it.
- **Dispute recall**: gold disputes found by some predicted dispute ÷ gold disputes. A dispute
  split over two predicted disputes (each holding one version) is not found, and neither of
  them matches; a dispute that vanished is not found.
- **Dispute precision**: predicted disputes that find some gold dispute ÷ predicted disputes.
- **Kind accuracy**: over the found gold disputes, the share whose best predicted dispute (the
  one holding most of its versions, then the first) has the gold kind.

Scores that cannot be computed are ``None``: recall and precision when the gold file lists no
disputes (a gold file without a ``disputes:`` key has not been labelled for them), precision
when the report has no disputes, kind accuracy when nothing was found.

``contradicted_outside_disputes`` counts the contradicted cells an editor meets outside any
dispute: cell (claim X, article Y) is inside when X is a version of a dispute and Y carries
some version of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from pydantic import BaseModel, Field

from factcheck.evaluation.gold import GoldDispute
from factcheck.models import Dispute, DisputeKind, Label, Report


class DisputeMatch(BaseModel):
    """A gold dispute and the predicted dispute that found it."""

    gold_id: str
    predicted_id: str
    gold_kind: DisputeKind
    predicted_kind: DisputeKind
    versions: list[str] = Field(description="The gold claims (versions) the prediction holds.")

    @property
    def kind_right(self) -> bool:
        """The predicted dispute has the gold kind."""
        return self.gold_kind == self.predicted_kind


class DisputeScores(BaseModel):
    """How the report's disputes compare with the gold's."""

    gold: int
    predicted: int
    found: list[DisputeMatch] = Field(description="One per found gold dispute, in gold order.")
    missed: list[str] = Field(description="Gold disputes no predicted dispute found.")
    spurious: list[str] = Field(description="Predicted disputes that found no gold dispute.")

    @property
    def recall(self) -> float | None:
        """Found gold disputes ÷ gold disputes."""
        return len(self.found) / self.gold if self.gold else None

    @property
    def precision(self) -> float | None:
        """Predicted disputes that found a gold dispute ÷ predicted disputes."""
        if not self.predicted:
            return None
        return (self.predicted - len(self.spurious)) / self.predicted

    @property
    def kind_accuracy(self) -> float | None:
        """Found disputes whose predicted kind is the gold kind ÷ found disputes."""
        if not self.found:
            return None
        return sum(m.kind_right for m in self.found) / len(self.found)


def versions_found(
    gold: GoldDispute, predicted: Dispute, aligned: Mapping[str, Sequence[str]]
) -> list[str]:
    """The gold versions ``predicted`` holds, if it finds ``gold``; else an empty list."""
    # Which predicted versions (by position) hold a claim stating each gold version.
    holders = {
        g: {
            n
            for n, v in enumerate(predicted.versions)
            if any(c in aligned.get(g, ()) for c in v.claim_ids)
        }
        for g in gold.claims
    }
    covered = [g for g in gold.claims if holders[g]]
    for first, second in combinations(covered, 2):
        for a in holders[first]:
            for b in holders[second] - {a}:
                one_claim = predicted.versions[a].claim_id == predicted.versions[b].claim_id
                if not one_claim or gold.kind == "attribution":
                    return covered
    return []


def score_disputes(
    gold: Sequence[GoldDispute],
    predicted: Sequence[Dispute],
    aligned: Mapping[str, Sequence[str]],
) -> DisputeScores:
    """Match predicted disputes to gold ones; ``aligned`` is gold claim id -> predicted ids."""
    found: list[DisputeMatch] = []
    matched: set[str] = set()
    for g in gold:
        best: DisputeMatch | None = None
        for p in predicted:
            versions = versions_found(g, p, aligned)
            if not versions:
                continue
            matched.add(p.id)
            candidate = DisputeMatch(
                gold_id=g.id, predicted_id=p.id, gold_kind=g.kind, predicted_kind=p.kind,
                versions=versions,
            )  # fmt: skip
            if best is None or _better(candidate, best):
                best = candidate
        if best is not None:
            found.append(best)
    found_ids = {m.gold_id for m in found}
    return DisputeScores(
        gold=len(gold),
        predicted=len(predicted),
        found=found,
        missed=[g.id for g in gold if g.id not in found_ids],
        spurious=[p.id for p in predicted if p.id not in matched],
    )


def _better(candidate: DisputeMatch, best: DisputeMatch) -> bool:
    # More versions held, then the right kind; on a tie the earlier prediction stays.
    return (len(candidate.versions), candidate.kind_right) > (len(best.versions), best.kind_right)


class CellRef(BaseModel):
    """One cell of a report: a claim and an article."""

    claim_id: str
    article_id: str


def contradicted_outside_disputes(report: Report) -> tuple[int, list[CellRef]]:
    """All contradicted cells of the report, and those outside every dispute."""
    inside: set[tuple[str, str]] = set()
    for dispute in report.disputes:
        carriers = {a for version in dispute.versions for a in version.articles}
        for version in dispute.versions:
            inside |= {(c, article) for c in version.claim_ids for article in carriers}
    contradicted = [v for v in report.verdicts if v.label is Label.CONTRADICTED]
    outside = [
        CellRef(claim_id=v.claim_id, article_id=v.article_id)
        for v in contradicted
        if (v.claim_id, v.article_id) not in inside
    ]
    return len(contradicted), outside
