"""The baseline's merge: claims of different articles that say the same thing become one.

Two claims join when each covers at least ``threshold`` of the other's weighted words and they
do not disagree; two claims that carry the same quotation word for word join before any other
pair. The best-matching pairs join first, and an article gives at most one claim to a group.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from factcheck.baseline.index import ClusterIndex
from factcheck.baseline.sentences import Sentence, attribution
from factcheck.baseline.words import Phrase
from factcheck.models import CanonicalClaim, Quote

# A quotation this long, word for word in two articles, is one remark reported twice.
MIN_QUOTATION_WORDS = 6
_QUOTATION = re.compile(r"[\"“]([^\"“”]+)[\"”]")
_WORD = re.compile(r"\w+")
# Pairs that share a quotation rank above every pair matched by words (scores are at most 1).
_SAME_QUOTATION = 2.0


def merge_claims(
    index: ClusterIndex,
    claims: Sequence[Sentence],
    threshold: float,
    step: Callable[[], None] | None = None,
) -> list[CanonicalClaim]:
    """Group claims of different articles that say the same thing; best pairs first."""
    units = [Phrase.of(c.text) for c in claims]
    # Per article, stem -> claims holding it; a claim an article repeats word for word once.
    by_article: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    seen: set[tuple[str, str]] = set()
    for n, (claim, unit) in enumerate(zip(claims, units, strict=True)):
        if (claim.article_id, claim.text) in seen:
            continue
        seen.add((claim.article_id, claim.text))
        for stem in unit.stems:
            by_article[claim.article_id][stem].append(n)
    pairs = _same_quotation_pairs(claims)
    for i, unit in enumerate(units):
        heaviest = index.heaviest(unit.stems, threshold)
        for article_id, stems in by_article.items():
            if article_id == claims[i].article_id:
                continue
            for j in {j for stem in heaviest for j in stems.get(stem, ())}:
                if j <= i:
                    continue
                score = min(
                    index.weights.coverage(unit.stems, units[j].stems),
                    index.weights.coverage(units[j].stems, unit.stems),
                )
                if score >= threshold:
                    pairs.append((-score, i, j))
        if step is not None:
            step()
    groups = _Groups(claims)
    for _, i, j in sorted(set(pairs)):
        a, b = groups.find(i), groups.find(j)
        if a != b and groups.can_join(a, b) and not _disagree(index, groups, claims, units, a, b):
            groups.join(a, b)
    return groups.canonical(claims)


def _same_quotation_pairs(claims: Sequence[Sentence]) -> list[tuple[float, int, int]]:
    """Pairs of claims of different articles that quote the same remark word for word."""
    holders: dict[str, list[int]] = defaultdict(list)
    for n, claim in enumerate(claims):
        for match in _QUOTATION.finditer(claim.quote):
            words = _WORD.findall(match.group(1).lower())
            if len(words) >= MIN_QUOTATION_WORDS:
                holders[" ".join(words)].append(n)
    pairs = []
    for members in holders.values():
        for position, i in enumerate(members):
            for j in members[position + 1 :]:
                if claims[i].article_id != claims[j].article_id:
                    pairs.append((-_SAME_QUOTATION, min(i, j), max(i, j)))
    return pairs


def _disagree(
    index: ClusterIndex,
    groups: _Groups,
    claims: Sequence[Sentence],
    units: list[Phrase],
    a: int,
    b: int,
) -> bool:
    for i in groups.members[a]:
        for j in groups.members[b]:
            mine, theirs = claims[i].article_id, claims[j].article_id
            if index.conflict(units[i], units[j], ([mine], theirs)) or index.conflict(
                units[j], units[i], ([theirs], mine)
            ):
                return True
    return False


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
            credits = {claims[m].article_id: attribution(claims[m].text) for m in members}
            result.append(
                CanonicalClaim(
                    id=f"c{number:0{width}d}",
                    text=claims[root].text,
                    sources=[claims[m].article_id for m in members],
                    quotes={
                        claims[m].article_id: Quote(text=claims[m].quote, span=claims[m].span)
                        for m in members
                    },
                    attributed_to={a: who for a, who in credits.items() if who},
                )
            )
        return result
