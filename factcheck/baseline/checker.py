"""The model-free backend: a fast, deterministic baseline for when no model is configured.

- **extract**: every sentence of the cleaned text is a claim, and each clause of a compound
  sentence is one, keeping its attribution (``sentences.py``). The quote is the sentence itself.
- **merge**: claims of different articles join when each covers most of the other's weighted
  words (``words.py``) and they do not disagree (``conflicts.py``); an article gives at most
  one claim to a group.
- **check**: for every claim and every article that did not state it, the article's
  best-matching sentence is the evidence. A strongly matching sentence that disagrees on a
  number, weekday, month, name in the same role, or a negation makes the claim contradicted;
  a sentence covering enough of the claim makes it supported; otherwise it is not mentioned.

Words weigh by how rare they are in the cluster, so "Port Ardwen", which every article
repeats, says less than "fourteen". The thresholds were tuned on the project's own gold;
``eval/notes/lexical-baseline.md`` records how. Bump ``VERSION`` when a rule or threshold
changes: reports and eval results carry it as their model name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from factcheck.baseline.conflicts import CALENDAR_WORDS, Conflict, find_conflict
from factcheck.baseline.sentences import Sentence, is_claim, split_clauses, split_sentences
from factcheck.baseline.words import Phrase, Token, WordWeights
from factcheck.models import (
    CanonicalClaim,
    Cluster,
    Label,
    Quote,
    Report,
    Usage,
    Verdict,
    stated_verdict,
)

VERSION = "1"
MODEL_NAME = f"lexical-baseline-v{VERSION}"
# Strongly matching sentences examined for a disagreement, best first.
CONTRADICTION_CANDIDATES = 3


@dataclass(frozen=True)
class Thresholds:
    """Weighted word coverage (0 to 1) at which the baseline decides."""

    supported: float = 0.45
    contradicted: float = 0.4
    merged: float = 0.5


class LexicalChecker:
    """The baseline's view of one cluster: its sentences, word weights and proper names."""

    def __init__(self, cluster: Cluster, thresholds: Thresholds | None = None) -> None:
        self.cluster = cluster
        self.thresholds = thresholds or Thresholds()
        self.sentences = {a.id: split_sentences(a) for a in cluster.articles}
        self._phrases = {
            article_id: [Phrase.of(s.quote) for s in sentences]
            for article_id, sentences in self.sentences.items()
        }
        self.weights = WordWeights(u.stems for units in self._phrases.values() for u in units)
        self._common = {
            t.text.lower()
            for units in self._phrases.values()
            for u in units
            for t in u.tokens
            if not t.capitalised
        }
        self._index: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for article_id, units in self._phrases.items():
            for n, unit in enumerate(units):
                for stem in unit.stems:
                    self._index[stem].append((article_id, n))

    def is_name(self, token: Token) -> bool:
        """A capitalised word that the cluster never writes in lower case is a name."""
        return token.capitalised and token.number is None and token.text.lower() not in self._common

    def conflict(self, claim: Phrase, sentence: Phrase) -> Conflict | None:
        """Where ``sentence`` disagrees with ``claim``, if it does."""
        return find_conflict(claim, sentence, self.is_name)

    # --- extract -------------------------------------------------------------------------

    def extract(self) -> list[Sentence]:
        """Every claim-like sentence and clause of every article, in article order."""
        claims: list[Sentence] = []
        for article in self.cluster.articles:
            for sentence in self.sentences[article.id]:
                if is_claim(sentence):
                    claims.extend(split_clauses(sentence))
        return claims

    # --- merge ---------------------------------------------------------------------------

    def merge(self, claims: Sequence[Sentence]) -> list[CanonicalClaim]:
        """Group claims of different articles that say the same thing; best pairs first."""
        units = [Phrase.of(c.text) for c in claims]
        index: dict[str, list[int]] = defaultdict(list)
        for n, unit in enumerate(units):
            for stem in unit.stems:
                index[stem].append(n)
        pairs = []
        for i, unit in enumerate(units):
            for j in self._candidates(unit.stems, index, self.thresholds.merged):
                if j <= i or claims[i].article_id == claims[j].article_id:
                    continue
                score = min(
                    self.weights.coverage(unit.stems, units[j].stems),
                    self.weights.coverage(units[j].stems, unit.stems),
                )
                if score >= self.thresholds.merged:
                    pairs.append((-score, i, j))
        groups = _Groups(claims)
        for _, i, j in sorted(pairs):
            a, b = groups.find(i), groups.find(j)
            if a != b and groups.can_join(a, b) and not self._groups_disagree(groups, units, a, b):
                groups.join(a, b)
        return groups.canonical(claims)

    def _groups_disagree(self, groups: _Groups, units: list[Phrase], a: int, b: int) -> bool:
        return any(
            self.conflict(units[i], units[j]) or self.conflict(units[j], units[i])
            for i in groups.members[a]
            for j in groups.members[b]
        )

    def _candidates(self, stems: frozenset[str], index: dict[str, list], threshold: float) -> set:
        """Entries sharing a word with ``stems`` that could cover ``threshold`` of them.

        Prefix filtering: an entry that misses all of the claim's heaviest words, which
        together outweigh ``1 - threshold`` of it, cannot reach the threshold.
        """
        ranked = sorted(stems, key=lambda s: (-self.weights.weight(s), s))
        need = (1 - threshold) * self.weights.total(stems)
        found: set = set()
        taken = 0.0
        for stem in ranked:
            found.update(index.get(stem, ()))
            taken += self.weights.weight(stem)
            if taken > need:
                break
        return found

    # --- check ---------------------------------------------------------------------------

    def check(self, claims: Sequence[CanonicalClaim]) -> list[Verdict]:
        """A verdict for every claim and article, claims in order, articles in cluster order."""
        verdicts = []
        for claim in claims:
            ranked = self._rank_sentences(Phrase.of(claim.text))
            for article in self.cluster.articles:
                if article.id in claim.sources:
                    verdicts.append(stated_verdict(claim, article.id))
                else:
                    verdicts.append(self._verdict(claim, article.id, ranked[article.id]))
        return verdicts

    def frame(self, unit: Phrase) -> frozenset[str]:
        """The claim's stems without its numbers, dates and names: the shape they sit in."""
        return frozenset(
            t.stem
            for t in unit.tokens
            if not t.weak
            and t.number is None
            and t.text.lower() not in CALENDAR_WORDS
            and not self.is_name(t)
        )

    def _rank_sentences(self, unit: Phrase) -> dict[str, list[_Match]]:
        """Per article, the sentences close enough to decide on, closest in shape first."""
        t = self.thresholds
        frame = self.frame(unit)
        candidates = self._candidates(unit.stems, self._index, t.supported)
        if frame:
            candidates |= self._candidates(frame, self._index, t.contradicted)
        ranked: dict[str, list[_Match]] = defaultdict(list)
        for article_id, n in candidates:
            stems = self._phrases[article_id][n].stems
            match = _Match(
                n=n,
                coverage=self.weights.coverage(unit.stems, stems),
                shape=self.weights.coverage(frame, stems) if frame else 0.0,
                claim=unit,
            )
            if match.coverage >= t.supported or match.shape >= t.contradicted:
                ranked[article_id].append(match)
        for matches in ranked.values():
            matches.sort(key=lambda m: (-m.shape, -m.coverage, m.n))
        return ranked

    def _verdict(self, claim: CanonicalClaim, article_id: str, ranked: list[_Match]) -> Verdict:
        for match in ranked[:CONTRADICTION_CANDIDATES]:
            sentence = self.sentences[article_id][match.n]
            # Whatever would count as support is first searched for a disagreement.
            close = (
                match.shape >= self.thresholds.contradicted
                or match.coverage >= self.thresholds.supported
            )
            conflict = (
                self.conflict(match.claim, self._phrases[article_id][match.n]) if close else None
            )
            if conflict is not None:
                return _found(
                    claim.id, article_id, Label.CONTRADICTED, sentence,
                    f"This sentence holds {match.coverage:.0%} of the claim's weighted words "
                    f"({match.shape:.0%} besides numbers, dates and names) but differs on the "
                    f"{conflict.describe()}.",
                )  # fmt: skip
            if match.coverage >= self.thresholds.supported:
                return _found(
                    claim.id, article_id, Label.SUPPORTED, sentence,
                    f"This sentence holds {match.coverage:.0%} of the claim's weighted words "
                    "and disagrees on no number, date, name, speaker or negation.",
                )  # fmt: skip
        return Verdict(
            claim_id=claim.id,
            article_id=article_id,
            label=Label.NOT_MENTIONED,
            rationale="No sentence of the article holds enough of the claim's words.",
        )


@dataclass(frozen=True)
class _Match:
    """How well one sentence of an article matches a claim."""

    n: int
    coverage: float
    shape: float
    claim: Phrase


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


def _found(
    claim_id: str, article_id: str, label: Label, sentence: Sentence, rationale: str
) -> Verdict:
    return Verdict(
        claim_id=claim_id,
        article_id=article_id,
        label=label,
        evidence=sentence.quote,
        evidence_span=sentence.span,
        rationale=rationale,
    )


def lexical_report(
    cluster: Cluster,
    claims: Sequence[CanonicalClaim] | None = None,
    thresholds: Thresholds | None = None,
) -> Report:
    """The baseline's report: its own claims, or ``claims`` to check when given (verify)."""
    checker = LexicalChecker(cluster, thresholds)
    canonical = list(claims) if claims is not None else checker.merge(checker.extract())
    return Report(
        cluster=cluster.id,
        cluster_name=cluster.name,
        model=MODEL_NAME,
        backend="lexical",
        prompts={},
        articles=cluster.articles,
        claims=canonical,
        verdicts=checker.check(canonical),
        usage=Usage(cost_usd=0.0),
    )
