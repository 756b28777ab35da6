"""The baseline's merge: claims of different articles that say the same thing become one.

Two claims join when each covers at least ``threshold`` of the other's weighted words and they
do not disagree; the best-matching pairs join first, and an article gives at most one claim to
a group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from factcheck.baseline.index import ClusterIndex
from factcheck.baseline.sentences import Sentence
from factcheck.baseline.words import Phrase
from factcheck.models import CanonicalClaim, Quote


def merge_claims(
    index: ClusterIndex, claims: Sequence[Sentence], threshold: float
) -> list[CanonicalClaim]:
    """Group claims of different articles that say the same thing; best pairs first."""
    units = [Phrase.of(c.text) for c in claims]
    by_stem: dict[str, list[int]] = defaultdict(list)
    for n, unit in enumerate(units):
        for stem in unit.stems:
            by_stem[stem].append(n)
    pairs = []
    for i, unit in enumerate(units):
        for j in index.candidates(unit.stems, by_stem, threshold):
            if j <= i or claims[i].article_id == claims[j].article_id:
                continue
            score = min(
                index.weights.coverage(unit.stems, units[j].stems),
                index.weights.coverage(units[j].stems, unit.stems),
            )
            if score >= threshold:
                pairs.append((-score, i, j))
    groups = _Groups(claims)
    for _, i, j in sorted(pairs):
        a, b = groups.find(i), groups.find(j)
        if a != b and groups.can_join(a, b) and not _disagree(index, groups, units, a, b):
            groups.join(a, b)
    return groups.canonical(claims)


def _disagree(index: ClusterIndex, groups: _Groups, units: list[Phrase], a: int, b: int) -> bool:
    return any(
        index.conflict(units[i], units[j]) or index.conflict(units[j], units[i])
        for i in groups.members[a]
        for j in groups.members[b]
    )


class _Groups:
    """Union-find over claims, where a group holds at most one claim per article."""

    def __init__(self, claims: Sequence[Sentence]) -> None:
        self.parent = list(range(len(claims)))
        self.members = {n: [n] for n in range(len(claims))}
        self.articles = {n: {c.article_id} for n, c in enumerate(claims)}

    def find(self, n: int) -> int:
        while self.parent[n] != n:
            self.parent[n] = self.parent[self.parent[n]]
            n = self.parent[n]
        return n

    def can_join(self, a: int, b: int) -> bool:
        return not self.articles[a] & self.articles[b]

    def join(self, a: int, b: int) -> None:
        # The group keeps its earliest claim as its root: that claim's wording names it.
        root, other = min(a, b), max(a, b)
        self.parent[other] = root
        self.members[root] += self.members.pop(other)
        self.articles[root] |= self.articles.pop(other)

    def canonical(self, claims: Sequence[Sentence]) -> list[CanonicalClaim]:
        width = max(2, len(str(len(self.members))))
        result = []
        for number, root in enumerate(sorted(self.members), 1):
            members = sorted(self.members[root])
            result.append(
                CanonicalClaim(
                    id=f"c{number:0{width}d}",
                    text=claims[root].text,
                    sources=[claims[m].article_id for m in members],
                    quotes={
                        claims[m].article_id: Quote(text=claims[m].quote, span=claims[m].span)
                        for m in members
                    },
                )
            )
        return result
