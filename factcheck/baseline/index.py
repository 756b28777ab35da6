"""One cluster as the baseline compares it: its sentences, their words' weights, its names.

Built once per cluster and shared by merge and check, so every decision weighs words the same
way: a word every article repeats ("Port Ardwen") says less than a rare one ("fourteen").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

from factcheck.baseline.conflicts import CALENDAR_WORDS, Conflict, find_conflict
from factcheck.baseline.sentences import Sentence, split_sentences
from factcheck.baseline.words import Phrase, Token, WordWeights
from factcheck.models import Cluster

K = TypeVar("K", bound=Hashable)


class ClusterIndex:
    """The sentences of every article, their phrases, word weights, and which words are names."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.sentences: dict[str, list[Sentence]] = {
            a.id: split_sentences(a) for a in cluster.articles
        }
        self.phrases: dict[str, list[Phrase]] = {
            article_id: [Phrase.of(s.quote) for s in sentences]
            for article_id, sentences in self.sentences.items()
        }
        self.weights = WordWeights(u.stems for units in self.phrases.values() for u in units)
        self._common = {
            t.text.lower()
            for units in self.phrases.values()
            for u in units
            for t in u.tokens
            if not t.capitalised
        }
        # stem -> (article id, sentence number) of every sentence holding it.
        self.by_stem: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for article_id, units in self.phrases.items():
            for n, unit in enumerate(units):
                for stem in unit.stems:
                    self.by_stem[stem].append((article_id, n))

    def is_name(self, token: Token) -> bool:
        """A capitalised word that the cluster never writes in lower case is a name."""
        return token.capitalised and token.number is None and token.text.lower() not in self._common

    def conflict(self, claim: Phrase, sentence: Phrase) -> Conflict | None:
        """Where ``sentence`` disagrees with ``claim``, if it does."""
        return find_conflict(claim, sentence, self.is_name)

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

    def candidates(
        self, stems: frozenset[str], index: Mapping[str, Sequence[K]], threshold: float
    ) -> set[K]:
        """Entries of ``index`` sharing a word with ``stems`` that could cover ``threshold``.

        Prefix filtering: an entry that misses all of the claim's heaviest words, which
        together outweigh ``1 - threshold`` of it, cannot reach the threshold.
        """
        ranked = sorted(stems, key=lambda s: (-self.weights.weight(s), s))
        need = (1 - threshold) * self.weights.total(stems)
        found: set[K] = set()
        taken = 0.0
        for stem in ranked:
            found.update(index.get(stem, ()))
            taken += self.weights.weight(stem)
            if taken > need:
                break
        return found
