"""One cluster as the baseline compares it: its sentences, their words' weights, its names.

Built once per cluster and shared by merge and check, so every decision weighs words the same
way: a word every article repeats ("Port Ardwen") says less than a rare one ("fourteen").

Lookups go per article, and a sentence an article repeats word for word is looked up once, so
the work grows with the text's length, not with its square.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import Protocol, TypeVar

from factcheck.baseline.conflicts import CALENDAR_WORDS, Conflict, find_conflict
from factcheck.baseline.sentences import Sentence, split_sentences
from factcheck.baseline.words import Phrase, Token, WordWeights
from factcheck.models import Cluster

K = TypeVar("K", bound=Hashable)
class Step(Protocol):
    """Told once per article read, and beaten while a long article is read."""

    def __call__(self) -> None:
        """One more article read."""

    def beat(self) -> None:
        """Still reading: a caller may stop the run here."""

_BEAT_EVERY = 50
_POSSESSIVE = re.compile(r"['’]s\b")


class ClusterIndex:
    """The sentences of every article, their phrases, word weights, and which words are names."""

    def __init__(self, cluster: Cluster, step: Step | None = None) -> None:
        self.cluster = cluster
        self.sentences: dict[str, list[Sentence]] = {}
        self.phrases: dict[str, list[Phrase]] = {}
        beat = step.beat if step is not None else None
        for article in cluster.articles:
            self.sentences[article.id] = split_sentences(article, beat)
            self.phrases[article.id] = []
            for n, sentence in enumerate(self.sentences[article.id]):
                self.phrases[article.id].append(Phrase.of(sentence.quote))
                if beat is not None and n % _BEAT_EVERY == 0:
                    beat()
            if step is not None:
                step()
        self.weights = WordWeights(u.stems for units in self.phrases.values() for u in units)
        self._common = {
            t.text.lower()
            for units in self.phrases.values()
            for u in units
            for t in u.tokens
            if not t.capitalised
        }
        # article id -> stem -> numbers of the sentences holding it (a repeated sentence once).
        self.by_stem: dict[str, dict[str, list[int]]] = {}
        for article_id, units in self.phrases.items():
            stems: dict[str, list[int]] = defaultdict(list)
            seen: set[str] = set()
            for n, unit in enumerate(units):
                if unit.text in seen:
                    continue
                seen.add(unit.text)
                for stem in unit.stems:
                    stems[stem].append(n)
            self.by_stem[article_id] = stems
        self._texts = {
            a.id: _POSSESSIVE.sub("", f"{a.title}\n{a.text}".lower()) for a in cluster.articles
        }
        self._mentions: dict[tuple[str, str], bool] = {}

    def is_name(self, token: Token) -> bool:
        """A capitalised word that the cluster never writes in lower case is a name."""
        return token.capitalised and token.number is None and token.text.lower() not in self._common

    def conflict(
        self,
        claim: Phrase,
        sentence: Phrase,
        between: tuple[Sequence[str], str] | None = None,
    ) -> Conflict | None:
        """Where ``sentence`` disagrees with ``claim``, if it does.

        ``between`` names the claim's articles and the sentence's article: two different names
        in one role are then taken for one entity when every one of those articles uses both
        (an alias, or a capital standing for its country: "Pyongyang's" and "North Korea's").
        """
        if between is None:
            return find_conflict(claim, sentence, self.is_name)
        articles = [*between[0], between[1]]

        def same_entity(left: str, right: str) -> bool:
            names = _POSSESSIVE.sub("", left.lower()), _POSSESSIVE.sub("", right.lower())
            return all(self.mentions(a, name) for a in articles for name in names)

        return find_conflict(claim, sentence, self.is_name, same_entity)

    def mentions(self, article_id: str, name: str) -> bool:
        """Whether the article (headline or body) writes ``name`` (lower case, no possessive)."""
        key = (article_id, name)
        if key not in self._mentions:
            self._mentions[key] = name in self._texts.get(article_id, "")
        return self._mentions[key]

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

    def heaviest(self, stems: frozenset[str], threshold: float) -> list[str]:
        """The claim's heaviest stems, enough of them that a match must hold one.

        Prefix filtering: an entry that misses all of them, which together outweigh
        ``1 - threshold`` of the claim, cannot reach ``threshold``.
        """
        ranked = sorted(stems, key=lambda s: (-self.weights.weight(s), s))
        need = (1 - threshold) * self.weights.total(stems)
        prefix: list[str] = []
        taken = 0.0
        for stem in ranked:
            prefix.append(stem)
            taken += self.weights.weight(stem)
            if taken > need:
                break
        return prefix

    def candidates(
        self, stems: frozenset[str], index: Mapping[str, Sequence[K]], threshold: float
    ) -> set[K]:
        """Entries of ``index`` sharing a word with ``stems`` that could cover ``threshold``."""
        found: set[K] = set()
        for stem in self.heaviest(stems, threshold):
            found.update(index.get(stem, ()))
        return found
