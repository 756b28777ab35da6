"""The model-free backend: a fast, deterministic baseline for when no model is configured.

- **extract**: every sentence of the cleaned text is a claim, and each clause of a compound
  sentence is one, keeping its attribution (``sentences.py``). The quote is the sentence itself.
- **merge** (``merge.py``): claims of different articles join when each covers most of the
  other's weighted words (``words.py``) and they do not disagree (``conflicts.py``); an article
  gives at most one claim to a group.
- **check** (``check.py``): for every claim and every article that did not state it, the
  article's best-matching sentence is the evidence. A strongly matching sentence that disagrees
  on a number, weekday, month, name in the same role, or a negation makes the claim
  contradicted; a sentence covering enough of the claim makes it supported; otherwise it is
  not mentioned.
- **disputes** (``disputes.py``): contradictions made symmetric, then grouped into disputes,
  one per point in question, with the versions and the articles carrying each.

Words weigh by how rare they are in the cluster (``index.py``), so "Port Ardwen", which every
article repeats, says less than "fourteen". The thresholds were tuned on the project's own gold;
``eval/notes/lexical-baseline.md`` records how. Bump ``VERSION`` when a rule or threshold
changes: reports and eval results carry it as their model name.

The work grows with the length of the articles, not its square. A run reports progress and
may be stopped through ``progress``: a callable told ``(stage, done, total)`` at the start of
each stage and after each step; an exception it raises ends the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from factcheck.baseline.check import Cell, check_claims
from factcheck.baseline.conflicts import Conflict
from factcheck.baseline.disputes import settle
from factcheck.baseline.index import ClusterIndex
from factcheck.baseline.merge import merge_claims
from factcheck.baseline.sentences import Sentence, split_clauses, why_not_a_claim
from factcheck.baseline.words import Phrase
from factcheck.models import CanonicalClaim, Cluster, Report, Verdict
from factcheck.usage import Usage

VERSION = "2"
MODEL_NAME = f"lexical-baseline-v{VERSION}"
# Told (stage, done, total): "extract" per article read, "merge" and "check" per claim; the
# same count may be told again while a long step goes on.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Thresholds:
    """Weighted word coverage (0 to 1) at which the baseline decides."""

    supported: float = 0.45
    contradicted: float = 0.4
    merged: float = 0.5


class _Counter:
    """Counts the steps of one stage for a ``Progress`` callable."""

    def __init__(self, progress: Progress | None, stage: str, total: int) -> None:
        self.progress, self.stage, self.total, self.done = progress, stage, total, 0
        if progress is not None:
            progress(stage, 0, total)

    def __call__(self) -> None:
        self.done += 1
        self.beat()

    def beat(self) -> None:
        """Tell the same count again: a long step still lets the caller stop the run."""
        if self.progress is not None:
            self.progress(self.stage, self.done, self.total)


class LexicalChecker:
    """The baseline over one cluster: extract, merge and check, all reading one ClusterIndex.

    ``thresholds`` is read at each call, so a tuning script may change it between calls.
    """

    def __init__(
        self,
        cluster: Cluster,
        thresholds: Thresholds | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.cluster = cluster
        self.thresholds = thresholds or Thresholds()
        self.progress = progress
        self.index = ClusterIndex(cluster, _Counter(progress, "extract", len(cluster.articles)))

    def conflict(self, claim: Phrase, sentence: Phrase) -> Conflict | None:
        """Where ``sentence`` disagrees with ``claim``, if it does."""
        return self.index.conflict(claim, sentence)

    def extract(self) -> list[Sentence]:
        """Every claim-like sentence and clause of every article, in article order."""
        return self.extract_with_dropped()[0]

    def extract_with_dropped(self) -> tuple[list[Sentence], list[str]]:
        """The claims, and one line per article on the sentences not taken, with why."""
        claims: list[Sentence] = []
        dropped: list[str] = []
        for article in self.cluster.articles:
            left_out = []
            for sentence in self.index.sentences[article.id]:
                why = why_not_a_claim(sentence)
                if why is None:
                    claims.extend(split_clauses(sentence))
                else:
                    left_out.append(f"“{_shorten(sentence.quote)}” ({why})")
            if left_out:
                dropped.append(_dropped_line(article.id, left_out))
        return claims, dropped

    def merge(self, claims: Sequence[Sentence]) -> list[CanonicalClaim]:
        """Group claims of different articles that say the same thing (see ``merge.py``)."""
        step = _Counter(self.progress, "merge", len(claims))
        return merge_claims(self.index, claims, self.thresholds.merged, step)

    def check_cells(self, claims: Sequence[CanonicalClaim]) -> list[Cell]:
        """A cell for every claim and article: the verdict and what differs (``check.py``)."""
        t = self.thresholds
        step = _Counter(self.progress, "check", len(claims))
        return check_claims(
            self.index, claims, supported=t.supported, contradicted=t.contradicted, step=step
        )

    def check(self, claims: Sequence[CanonicalClaim]) -> list[Verdict]:
        """A verdict for every claim and article, contradictions made symmetric."""
        return settle(self.index, claims, self.check_cells(claims))[0]


def lexical_report(
    cluster: Cluster,
    claims: Sequence[CanonicalClaim] | None = None,
    thresholds: Thresholds | None = None,
    progress: Progress | None = None,
) -> Report:
    """The baseline's report: its own claims, or ``claims`` to check when given (verify).

    ``progress`` is told each stage's steps (see the module's docstring).
    """
    checker = LexicalChecker(cluster, thresholds, progress)
    dropped: list[str] = []
    if claims is None:
        extracted, dropped = checker.extract_with_dropped()
        canonical = checker.merge(extracted)
    else:
        canonical = list(claims)
    verdicts, disputes = settle(checker.index, canonical, checker.check_cells(canonical))
    return Report(
        cluster=cluster.id,
        cluster_name=cluster.name,
        model=MODEL_NAME,
        backend="lexical",
        prompts={},
        articles=cluster.articles,
        claims=canonical,
        verdicts=verdicts,
        disputes=disputes,
        usage=Usage(cost_usd=0.0),
        warnings=[*cluster.warnings, *dropped],
    )


# At most this many of an article's left-out sentences are quoted; the rest are counted.
_DROPPED_SHOWN = 8


def _dropped_line(article_id: str, left_out: list[str]) -> str:
    n = len(left_out)
    shown = "; ".join(left_out[:_DROPPED_SHOWN])
    more = f"; and {n - _DROPPED_SHOWN} more" if n > _DROPPED_SHOWN else ""
    return f"{article_id}: {n} sentence{'s' if n != 1 else ''} not taken as claims: {shown}{more}"


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
