"""How does the lexical backend scale with one article's length? Seconds per size and shape.

Run: python benchmarks/lexical_length.py [SIZE_KB ...]   (default: 125 250 1000)

Each cluster is examples/riverside-bridge with its first article replaced by a long one, built
from the bundled example articles in three shapes:
- ``paragraphs``: paragraphs drawn at random (seeded) from every bundled article;
- ``repeated``: the first article repeated end to end (every sentence occurs many times);
- ``one line``: the same repeated text with its line breaks turned into spaces.
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
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.is_dir())


def long_text(shape: str, size: int) -> str:
    """About ``size`` characters of article text in the given shape."""
    if shape == "paragraphs":
        pool = [
            p for folder in EXAMPLES for a in load_cluster(folder).articles
            for p in a.text.split("\n\n") if p.strip()
        ]  # fmt: skip
        rng = random.Random(size)
        parts: list[str] = []
        while sum(len(p) + 2 for p in parts) < size:
            parts.append(rng.choice(pool))
        return "\n\n".join(parts)
    first = load_cluster(EXAMPLES[0]).articles[0].text
    text = (first + "\n\n") * (size // len(first) + 1)
    return text[:size] if shape == "repeated" else " ".join(text[:size].split())


def cluster_with(text: str) -> Cluster:
    """riverside-bridge with its first article's body replaced by ``text``."""
    base = load_cluster(ROOT / "examples" / "riverside-bridge")
    first = base.articles[0].model_copy(update={"text": text, "boilerplate": []})
    return base.model_copy(update={"articles": [clean(first), *base.articles[1:]]})


def main(argv: list[str]) -> int:
    """Print one line per size and shape."""
    sizes = [int(a) for a in argv] or [125, 250, 1000]
    for size in sizes:
        for shape in ("paragraphs", "repeated", "one line"):
            cluster = cluster_with(long_text(shape, size * 1000))
            start = time.perf_counter()
            report = lexical_report(cluster)
            seconds = time.perf_counter() - start
            print(f"{size:>5} KB {shape:>10}: {seconds:7.2f} s  ({len(report.claims)} claims)",
                  flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
