"""How well the eval's default matcher agrees with the hand alignments of eval/alignments/.

    python eval/alignment_quality.py            # precision and recall at the default threshold
    python eval/alignment_quality.py --sweep    # ... at every threshold from 0.30 to 0.90
    python eval/alignment_quality.py --held-out # threshold chosen on the other files, per file
    python eval/alignment_quality.py --skeleton REPORT.json GOLD.yaml > eval/alignments/X.yaml
                                                # a file to fill in by hand: every claim, no link

Two levels are measured, because the eval uses the alignment for two things:

- **Pairs** (what cells are scored on, and claim recall): each gold claim's best predicted
  claim. A pair is right when the hand links that predicted claim to that gold claim. Pair
  precision: right pairs ÷ pairs made; pair recall: right pairs ÷ gold claims the hand links
  to some predicted claim.
- **Links** (what duplicates and claims per fact count): every (gold claim, predicted claim)
  stating the same fact, pairs and duplicates (``Alignment.links``) against the files'
  ``links``. Link precision: matcher links the hand made too ÷ matcher links; link recall:
  hand links the matcher made too ÷ hand links.

Claim recall: gold claims with at least one link ÷ gold claims; claims per fact: predicted
claims with at least one link ÷ gold claims with one (the eval's ``claims_per_fact``); each by
hand and by the matcher.
No model is involved: these are measurements of the matcher on recorded runs.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from factcheck import load_gold, load_report
from factcheck.evaluation.align import DEFAULT_THRESHOLD, align_lexical, report_attributions

ROOT = Path(__file__).resolve().parent.parent
ALIGNMENTS = ROOT / "eval" / "alignments"
SWEEP = [round(0.30 + 0.05 * n, 2) for n in range(13)]

Link = tuple[str, str]


@dataclass
class HandAlignment:
    """One file of eval/alignments/: a recorded report, its gold, and the hand's links."""

    name: str
    report: Path
    gold: Path
    links: set[Link]
    predicted: list[str]


@dataclass
class Agreement:
    """The matcher against the hand on one or more files."""

    hand: int
    matcher: int
    both: int
    gold_claims: int
    hand_covered: int
    matcher_covered: int
    pairs: int
    right_pairs: int
    hand_claims: int
    matcher_claims: int

    @property
    def pair_precision(self) -> float:
        """Pairs whose predicted claim the hand links to their gold claim ÷ pairs made."""
        return self.right_pairs / self.pairs if self.pairs else 1.0

    @property
    def pair_recall(self) -> float:
        """Right pairs ÷ gold claims the hand links to some predicted claim."""
        return self.right_pairs / self.hand_covered if self.hand_covered else 1.0

    @property
    def precision(self) -> float:
        """Matcher links the hand made too ÷ matcher links."""
        return self.both / self.matcher if self.matcher else 1.0

    @property
    def recall(self) -> float:
        """Hand links the matcher made too ÷ hand links."""
        return self.both / self.hand if self.hand else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Agreement) -> Agreement:
        return Agreement(*(a + b for a, b in zip(self.counts(), other.counts(), strict=True)))

    def counts(self) -> tuple[int, ...]:
        """The raw counts, in field order."""
        return (self.hand, self.matcher, self.both, self.gold_claims, self.hand_covered,
                self.matcher_covered, self.pairs, self.right_pairs, self.hand_claims,
                self.matcher_claims)  # fmt: skip


def load_hand(path: Path) -> HandAlignment:
    """Read one hand alignment; paths in it are relative to its folder."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    links = {(g, p) for p, golds in data["links"].items() for g in golds or []}
    return HandAlignment(
        name=path.stem,
        report=path.parent / data["report"],
        gold=path.parent / data["gold"],
        links=links,
        predicted=list(data["links"]),
    )


def hand_alignments() -> list[HandAlignment]:
    """Every file of eval/alignments/."""
    return [load_hand(p) for p in sorted(ALIGNMENTS.glob("*.yaml"))]


def agreement(hand: HandAlignment, threshold: float = DEFAULT_THRESHOLD) -> Agreement:
    """Align the recorded report with the matcher and count against the hand's links."""
    report = load_report(hand.report)
    gold = load_gold(hand.gold)
    missing = {c.id for c in report.claims} ^ set(hand.predicted)
    if missing:
        raise ValueError(f"{hand.name}: the hand alignment and the report differ on {missing}")
    alignment = align_lexical(
        report.claims, gold.claims, threshold, attributions=report_attributions(report)
    )
    found = alignment.links()
    return Agreement(
        hand=len(hand.links),
        matcher=len(found),
        both=len(found & hand.links),
        gold_claims=len(gold.claims),
        hand_covered=len({g for g, _ in hand.links}),
        matcher_covered=len({g for g, _ in found}),
        pairs=len(alignment.pairs),
        right_pairs=sum((p.gold_id, p.predicted_id) in hand.links for p in alignment.pairs),
        hand_claims=len({p for _, p in hand.links}),
        matcher_claims=len({p for _, p in found}),
    )


NONE = Agreement(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


def _row(name: str, a: Agreement) -> str:
    return (
        f"| {name} | {a.pairs} | {a.pair_precision:.3f} | {a.pair_recall:.3f} | {a.hand} "
        f"| {a.matcher} | {a.both} | {a.precision:.3f} | {a.recall:.3f} "
        f"| {a.hand_covered / a.gold_claims:.3f} | {a.matcher_covered / a.gold_claims:.3f} "
        f"| {a.hand_claims / a.hand_covered:.3f} | {a.matcher_claims / a.matcher_covered:.3f} |"
    )


HEADER = (
    "| alignment | pairs | pair precision | pair recall | hand links | matcher links | in both "
    "| link precision | link recall | claim recall (hand) | claim recall (matcher) "
    "| claims per fact (hand) | claims per fact (matcher) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def skeleton(report_path: Path, gold_path: Path) -> str:
    """A hand alignment to fill in: every predicted claim with an empty list, texts as comments.

    The gold claims are listed at the top; the matcher's links are left out on purpose, so the
    hand does not start from what it is meant to check.
    """
    report = load_report(report_path)
    gold = load_gold(gold_path)
    here = ALIGNMENTS.resolve()
    prompts = ", ".join(f"{k} {v}" for k, v in report.prompts.items())
    lines = [
        f"# Hand alignment of a recorded run of {report.cluster} against its gold: for every",
        "# predicted claim, the gold claims whose fact it states (empty: none).",
        "# Rules: eval/alignments/README.md.",
        f"# Run: model {report.model}; prompts {prompts}.",
        "# Gold claims:",
        *(f"#   {g.id}: {g.text}" for g in gold.claims),
        f"report: {_relative(report_path, here)}",
        f"gold: {_relative(gold_path, here)}",
        "links:",
    ]
    credits = report_attributions(report)
    for claim in report.claims:
        credit = f" [credited to: {'; '.join(credits[claim.id])}]" if credits.get(claim.id) else ""
        lines += [f"  # {claim.id}: {claim.text}{credit}", f"  {claim.id}: []"]
    return "\n".join(lines) + "\n"


def _relative(path: Path, start: Path) -> str:
    return os.path.relpath(path.resolve(), start)


def main() -> None:
    """Print the agreement tables (or a skeleton to fill in)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true", help="every threshold from 0.30 to 0.90")
    parser.add_argument("--held-out", action="store_true", help="leave one file out")
    parser.add_argument(
        "--skeleton", nargs=2, type=Path, metavar=("REPORT", "GOLD"), help="a file to fill in"
    )
    args = parser.parse_args()
    if args.skeleton:
        print(skeleton(*args.skeleton), end="")
        return
    hands = hand_alignments()
    print(f"Threshold {DEFAULT_THRESHOLD} (the default)\n\n{HEADER}")
    results = {h.name: agreement(h) for h in hands}
    for name, a in results.items():
        print(_row(name, a))
    print(_row("all", sum(results.values(), NONE)))
    if args.sweep:
        print(f"\nEvery file together\n\n{HEADER.replace('alignment', 'threshold')}")
        for threshold in SWEEP:
            total = sum((agreement(h, threshold) for h in hands), NONE)
            print(_row(f"{threshold:.2f}", total))
    if args.held_out:
        print("\nEach file scored at the threshold with the best F1 on the other files\n")
        print(HEADER.replace("alignment", "held-out file (threshold)"))
        for held in hands:
            others = [h for h in hands if h is not held]
            best = max(
                SWEEP,
                key=lambda t: sum(
                    (agreement(h, t) for h in others), NONE
                ).f1,
            )
            print(_row(f"{held.name} ({best:.2f})", agreement(held, best)))


if __name__ == "__main__":
    main()
