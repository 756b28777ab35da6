"""Words as the model-free backend compares them: tokens, numbers, stems and their weights.

A sentence becomes a list of :class:`Token`: number words read as numbers (``text2num``),
every word stemmed (Snowball) so "denied" meets "denies", and function words marked so they
neither make two sentences look alike nor break an alignment. :class:`WordWeights` gives rare
words more say than words every article of the cluster repeats (inverse document frequency).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from text_to_num import alpha2digit, text2num

# Function words only. Negations and numbers are content: they are what makes claims differ.
STOPWORDS = frozenset({
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or",
    "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "that", "this",
    "it", "its", "s",
})  # fmt: skip
# Words that carry little of a claim's content in news prose; ignored when weighing overlap,
# kept for aligning sentences word by word.
WEAK_WORDS = STOPWORDS | frozenset({
    "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "my", "your", "them",
    "him", "us", "who", "which", "what", "whose", "there", "these", "those", "than", "then",
    "also", "into", "over", "about", "after", "before", "would", "will", "could", "can", "may",
    "might", "should", "did", "do", "does", "said", "says", "say", "told", "added", "while",
    "but", "if", "so", "up", "out", "all", "any", "some", "such", "other", "more", "most",
})  # fmt: skip
NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor"})

_CLAUSE_MARK = re.compile(r"[,;:()—–]|\s-\s")
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*(?:am|pm)?|[^\W\d_]+(?:['’\-][^\W\d_]+)*", re.UNICODE)
# How digits spell a number in news text, English and continental alike. Anything else made of
# digits and dots (a date such as 12.03.2026, an address, a version) is a word, not a number.
_NUMBER_FORMATS: tuple[tuple[re.Pattern[str], dict[int, str | None]], ...] = (
    (re.compile(r"\d+"), {}),
    (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"), {ord(","): None}),  # 3,000 and 1,234.5
    (re.compile(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?"), {ord("."): None, ord(","): "."}),  # 1.234.567
    (re.compile(r"\d+\.\d+"), {}),  # 6.30 and 1.5
    (re.compile(r"\d+,\d+"), {ord(","): "."}),  # 1,5 (a continental decimal)
)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a sentence as compared: its stem, and what kind of word it is."""

    text: str
    stem: str
    number: float | None
    capitalised: bool
    weak: bool
    negation: bool
    # The words as the article writes them: "four" where ``text`` reads "4".
    source: str = ""
    # Which clause of its sentence the word is in: punctuation inside a sentence separates them.
    clause: int = 0

    @property
    def written(self) -> str:
        """The token as written in the text it came from."""
        return self.source or self.text


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    # One word at a time, cached: a cluster repeats a few thousand words over and over.
    return _stemmer().stemWord(word)


@lru_cache(maxsize=65536)
def _read_number(word: str) -> float | None:
    if word[:1].isdigit():
        for pattern, separators in _NUMBER_FORMATS:
            if pattern.fullmatch(word):
                return float(word.translate(separators))
        return None
    if word.replace("-", "").isalpha():
        try:
            return float(text2num(word.lower(), "en"))
        except (ValueError, IndexError, KeyError):
            return None
    return None


def tokens(text: str) -> list[Token]:
    """The words of ``text`` in order, with number words read as numbers."""
    # alpha2digit joins multi-word numbers ("three hundred") before the words are split.
    converted = alpha2digit(text, "en")
    matches = list(_TOKEN.finditer(converted))
    words = [m.group() for m in matches]
    sources = words if converted == text else _written(words, _TOKEN.findall(text))
    result = []
    clause, end = 0, 0
    for match, word, source in zip(matches, words, sources, strict=True):
        clause += len(_CLAUSE_MARK.findall(converted, end, match.start()))
        end = match.end()
        lower = word.lower()
        stem = _stem(lower.replace("’", "'"))
        negation = lower in NEGATIONS or lower.endswith(("n't", "n’t"))
        result.append(
            Token(
                text=word,
                stem=stem,
                number=_read_number(word),
                capitalised=word[:1].isupper(),
                # "US" is a name, "us" a pronoun.
                weak=lower in WEAK_WORDS and not negation and not word.isupper(),
                negation=negation,
                source="" if source == word else source,
                clause=clause,
            )
        )
    return result


# The most words one number is written in ("two hundred and forty-five thousand").
_MAX_NUMBER_WORDS = 8


def _written(converted: list[str], original: list[str]) -> list[str]:
    """For each word of the converted text, the original words it stands for."""
    written = []
    j = 0
    for i, word in enumerate(converted):
        if j < len(original) and original[j] == word:
            written.append(word)
            j += 1
            continue
        # A number alpha2digit wrote: it stands for the words up to where the texts meet again.
        following = converted[i + 1] if i + 1 < len(converted) else None
        k = j
        while k < len(original) and original[k] != following and k - j < _MAX_NUMBER_WORDS:
            k += 1
        written.append(" ".join(original[j:k]) or word)
        j = k
    return written


def content_stems(words: Iterable[Token]) -> frozenset[str]:
    """The stems that carry content: weak words dropped, negations and numbers kept."""
    return frozenset(t.stem for t in words if not t.weak)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A sentence, clause or claim ready to compare: its text, tokens and content stems."""

    text: str
    tokens: tuple[Token, ...]
    stems: frozenset[str]

    @classmethod
    def of(cls, text: str) -> Phrase:
        """Tokenise ``text`` (cached: claims and sentences are compared again and again)."""
        return _phrase(text)


@lru_cache(maxsize=16384)
def _phrase(text: str) -> Phrase:
    words = tuple(tokens(text))
    return Phrase(text, words, content_stems(words))


class WordWeights:
    """Inverse document frequency of stems over a collection of sentences.

    A stem in every sentence weighs 1; a stem in one sentence of ``n`` weighs ``1 + ln(n)``.
    A stem never seen weighs as much as the rarest, since it can only be rarer.
    """

    def __init__(self, documents: Iterable[frozenset[str]]) -> None:
        frequency: Counter[str] = Counter()
        count = 0
        for stems in documents:
            frequency.update(stems)
            count += 1
        self._count = count
        self._weights = {stem: self._idf(n) for stem, n in frequency.items()}
        self._unseen = self._idf(0)

    def _idf(self, frequency: int) -> float:
        return 1.0 + math.log((self._count + 1) / (frequency + 1))

    def weight(self, stem: str) -> float:
        """How much ``stem`` says: more the fewer sentences hold it."""
        return self._weights.get(stem, self._unseen)

    def total(self, stems: Iterable[str]) -> float:
        """The summed weight of ``stems``."""
        return sum(self.weight(s) for s in stems)

    def coverage(self, claim: frozenset[str], sentence: frozenset[str]) -> float:
        """The weighted share of the claim's stems that the sentence holds (0 to 1)."""
        whole = self.total(claim)
        return self.total(claim & sentence) / whole if whole else 0.0
