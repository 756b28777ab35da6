"""Re-tune the lexical baseline's thresholds on the project's own gold; prints the grid.

Run: python eval/tune_lexical.py

Tuning set: the two bundled fictional clusters (examples/riverside-bridge, examples/harbour-fire)
and their gold. The seed cluster (nk-russia-arms, real reports, in ../shared) is held out: it
is scored with the chosen thresholds but never used to choose them.

1. ``supported`` and ``contradicted`` (0.30 to 0.90 by 0.05) maximise the mean verify macro-F1
   over the tuning set; ties go to the higher (more cautious) thresholds.
2. ``merged`` (same grid) is then read off the end-to-end scores at those thresholds.
The chosen values and the reasoning are recorded in eval/notes/lexical-baseline.md.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from factcheck.baseline.checker import LexicalChecker, Thresholds
from factcheck.evaluation.align import align_lexical
from factcheck.evaluation.evaluate import evaluate_end_to_end, evaluate_verify
from factcheck.evaluation.gold import Gold, load_gold
from factcheck.models import CanonicalClaim, Cluster, Report, Usage
from factcheck.stages.load import load_cluster

ROOT = Path(__file__).resolve().parent.parent
TUNING = ["riverside-bridge", "harbour-fire"]
HELD_OUT = {"nk-russia-arms": ROOT.parent / "shared" / "clusters" / "nk-russia-arms"}
GRID = [n / 100 for n in range(30, 91, 5)]


def _report(cluster: Cluster, checker: LexicalChecker, claims: list[CanonicalClaim]) -> Report:
    return Report(
        cluster=cluster.id, cluster_name=cluster.name, model="tuning", prompts={},
        articles=cluster.articles, claims=claims, verdicts=checker.check(claims), usage=Usage(),
    )  # fmt: skip


def _verify_f1(cluster: Cluster, gold: Gold, checker: LexicalChecker) -> float:
    claims = [CanonicalClaim(id=c.id, text=c.text, sources=[]) for c in gold.claims]
    return evaluate_verify(_report(cluster, checker, claims), gold).scores.macro_f1


def _end_to_end(cluster: Cluster, gold: Gold, checker: LexicalChecker) -> tuple[float, float, int]:
    report = _report(cluster, checker, checker.merge(checker.extract()))
    result = evaluate_end_to_end(report, gold, align_lexical(report.claims, gold.claims))
    return result.scores.macro_f1, result.claim_recall or 0.0, len(report.claims)


def main() -> int:
    """Print the verify grid, then the merge threshold's end-to-end scores."""
    folders = {name: ROOT / "examples" / name for name in TUNING}
    folders |= {name: path for name, path in HELD_OUT.items() if path.is_dir()}
    data = {}
    for name, folder in folders.items():
        cluster = load_cluster(folder)
        gold = load_gold(ROOT / "eval" / "gold" / f"{name}.yaml", cluster)
        data[name] = (cluster, gold, LexicalChecker(cluster))
    rows = []
    for supported, contradicted in itertools.product(GRID, GRID):
        scores = {}
        for name, (cluster, gold, checker) in data.items():
            checker.thresholds = Thresholds(supported=supported, contradicted=contradicted)
            scores[name] = _verify_f1(cluster, gold, checker)
        mean = sum(scores[n] for n in TUNING) / len(TUNING)
        rows.append((mean, supported, contradicted, scores))
    rows.sort(key=lambda r: (-r[0], -r[1], -r[2]))
    print("verify macro-F1; mean over the tuning set; held-out clusters shown, not used")
    for mean, supported, contradicted, scores in rows[:10]:
        detail = "  ".join(f"{n} {s:.3f}" for n, s in scores.items())
        print(
            f"  supported {supported:.2f} contradicted {contradicted:.2f}: {mean:.3f}  ({detail})"
        )
    _, supported, contradicted, _ = rows[0]
    print(f"end-to-end at supported {supported:.2f}, contradicted {contradicted:.2f}:")
    for merged in GRID:
        cells = []
        for name, (cluster, gold, checker) in data.items():
            checker.thresholds = Thresholds(supported, contradicted, merged)
            f1, recall, claims = _end_to_end(cluster, gold, checker)
            cells.append(f"{name} F1 {f1:.3f} recall {recall:.3f} claims {claims}")
        print(f"  merged {merged:.2f}: " + "; ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
