"""How fast is the lexical backend? Prints seconds for a 5-article and a 100-article cluster.

Run: python benchmarks/lexical_speed.py   (one process, one core; no model, no network)

The 5-article cluster is examples/harbour-fire. The 100-article cluster is made from the nine
bundled example articles: each copy has its paragraphs in a different (seeded) order and its
own id, so merging sees many near-identical sentences, the worst case for grouping claims.
This is a benchmark, not a test: timings depend on the machine.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

from factcheck.baseline.checker import lexical_report
from factcheck.models import Cluster
from factcheck.stages.clean import clean
from factcheck.stages.load import load_cluster

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [ROOT / "examples" / "harbour-fire", ROOT / "examples" / "riverside-bridge"]


def hundred_articles() -> Cluster:
    """100 articles from the bundled examples, paragraphs reordered per copy (seeded)."""
    sources = [a for folder in EXAMPLES for a in load_cluster(folder).articles]
    articles = []
    for n in range(100):
        source = sources[n % len(sources)]
        paragraphs = source.text.split("\n\n")
        random.Random(n).shuffle(paragraphs)
        text = "\n\n".join(paragraphs)
        articles.append(source.model_copy(update={"id": f"{n:03d}_{source.id}", "text": text}))
    # Offsets moved with the paragraphs: mark the boilerplate again.
    return Cluster(
        id="synthetic-100", name="100 reordered copies", articles=[clean(a) for a in articles]
    )


def timed(cluster: Cluster, repeats: int) -> tuple[float, int, int]:
    """The best of ``repeats`` runs, with the report's claim and verdict counts."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        report = lexical_report(cluster)
        best = min(best, time.perf_counter() - start)
    return best, len(report.claims), len(report.verdicts)


def main() -> int:
    """Print the timings."""
    five = load_cluster(EXAMPLES[0])
    hundred = hundred_articles()
    for name, cluster, repeats in (("5 articles", five, 5), ("100 articles", hundred, 1)):
        seconds, claims, verdicts = timed(cluster, repeats)
        print(f"{name:>12}: {seconds:6.3f} s  ({claims} claims, {verdicts} verdicts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
