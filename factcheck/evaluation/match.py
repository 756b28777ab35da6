"""Does a predicted claim state a gold claim's fact? The coverage matcher behind ``align_lexical``.

A gold claim is short and plain ("Four people were injured."); a predicted claim may wrap the
same fact in attribution and story context ("Ostervale Fire and Rescue said four people were
injured when part of the Millrace Footbridge gave way on Thursday."), and since the claim model
keeps attribution apart, the speaker of a speech-act gold claim ("Fire chief Dana Whitlock said:
...") may sit in the predicted claim's attributions rather than in its text. So the question is
one-sided: how much of the *gold* claim does the predicted claim (text plus attributions) hold?

- **Coverage** is the weighted share of the gold claim's content words, besides its names and
  numbers, found among the predicted claim's words. Names and numbers are left to the
  agreement rules below: every claim of a story repeats its names (the bridge, the town, the
  company), so counting them would let any claim that mentions the story's event in passing
  ("the warehouse fire on Port Ardwen's North Quay") cover a gold claim about that event; what
  must be covered is what the gold claim says about them. (A gold claim made only of names and
  numbers is covered by all its words.) Words are lower-cased and stemmed (Snowball); two stems
  of five letters or more match when one begins the other ("injur"/"injuri"). Function words,
  pronouns, modals and verbs of saying weigh nothing: a paraphrase that changes only them costs
  nothing. A word weighs more the fewer gold claims of the cluster hold it (inverse document
  frequency over the gold claims).
- **Numbers must agree**: every number of the gold claim (digits or number words, "four" = 4)
  must be among the predicted claim's numbers. "Seven people were injured" never states "Four
  people were injured", however many words they share.
- **Names must agree**: every run of capitalised words in the gold claim (a person, a place, an
  organisation, a weekday or a month) must share a word with the predicted claim, and one that
  tells it apart from the cluster's other names when it has one: "Mill Row" needs "Mill", since
  "Row" is in "Beck Row" too. "Mayor Helena Roque said: ..." is not "Fire chief Dana Whitlock
  said: ...", Thursday is not Wednesday, and Port Ardwen Town Council is not Port Ardwen
  Harbour Authority.
- **Negation must agree**: a gold claim that says "not", "no" or "never" needs a predicted
  claim that negates too.
- **Appositives only describe**: a phrase the gold claim sets between commas ("Greta Vance, who
  chairs the Old Quay Residents' Association, said …"; "The festival, planned for April, has
  been postponed") identifies what the claim is about and is not required of the predicted one.

A pair that breaks an agreement rule scores 0. Nothing here calls a model.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from text_to_num import alpha2digit

# Words that say nothing of a claim's fact: articles, prepositions, auxiliaries, pronouns,
# modals, and verbs of saying (the claim model moves "X said" into the attribution).
FUNCTION_WORDS = frozenset({
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or",
    "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "that", "this",
    "it", "its", "s", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "my",
    "your", "them", "him", "us", "who", "which", "whose", "there", "these", "those", "than",
    "then", "also", "into", "over", "about", "would", "will", "could", "can", "may", "might",
    "should", "did", "do", "does", "said", "says", "say", "saying", "told", "tells", "added",
    "stated", "according", "spoke", "speak", "speaks", "spoken", "while", "but", "if", "so",
    "up", "out", "such", "other", "per",
})  # fmt: skip
NEGATIONS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor"})
# "one" is left out: "no one", "one of the injured" are rarely a count.
_SMALL = (
    "zero", "", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    "twenty",
)  # fmt: skip
_NUMBER_WORDS = {word: n for n, word in enumerate(_SMALL) if word} | {
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000, "million": 1_000_000, "dozen": 12,
}  # fmt: skip
# Snowball stems regular forms only; the irregular past forms news prose uses most are read as
# their verb, so "sent" meets "sending" and "broke out" meets "breaks out".
_IRREGULAR = {
    "sent": "send", "broke": "break", "broken": "break", "began": "begin", "begun": "begin",
    "gave": "give", "given": "give", "took": "take", "taken": "take", "went": "go", "gone": "go",
    "came": "come", "became": "become", "told": "tell", "led": "lead", "fell": "fall",
    "fallen": "fall", "held": "hold",
    "met": "meet", "saw": "see", "seen": "see", "ran": "run", "built": "build", "found": "find",
    "made": "make", "left": "leave", "kept": "keep", "brought": "bring", "thought": "think",
    "caught": "catch", "struck": "strike", "rose": "rise", "risen": "rise", "lost": "lose",
    "paid": "pay", "won": "win", "sold": "sell", "stood": "stand", "drove": "drive",
    "driven": "drive", "wrote": "write", "written": "write", "chose": "choose", "flew": "fly",
    "felt": "feel", "heard": "hear", "hid": "hide", "hidden": "hide", "shot": "shoot",
    "sank": "sink", "sunk": "sink", "spread": "spread", "fought": "fight", "bought": "buy",
    "swept": "sweep", "withdrew": "withdraw", "withdrawn": "withdraw", "froze": "freeze",
}  # fmt: skip
_WORD = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?|[.!?:;\"“”]")
# A phrase set between commas inside a claim: an appositive, which only describes.
# The closing comma is left for the next one: "Joyce Pellow, 71, of Church Brow, said".
_APPOSITIVE = re.compile(r",[^,\"“”]+(?=,)")
# Tokens after which the next word starts a sentence (or a quotation).
_BOUNDARY = frozenset('.!?:;"“”')
MIN_PREFIX = 5


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def _number(word: str) -> str | None:
    """The number a word stands for, as text ("4", "3000", "6.30"), or None."""
    if word[0].isdigit():
        # 3,000 and 3000 agree; 6:30 and 6.30 agree; 12.03.2026 stays as written.
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+", word):
            return word.replace(",", "")
        return word.replace(":", ".")
    number = _NUMBER_WORDS.get(word.lower())
    return None if number is None else str(number)


def _digits(text: str) -> str:
    try:
        # Multi-word numbers ("three hundred and eighty-one") become one figure first.
        return alpha2digit(text, "en")
    except Exception:  # a library quirk on odd text must not stop an eval
        return text


@dataclass(frozen=True, slots=True)
class ClaimWords:
    """A text as the matcher compares it."""

    stems: frozenset[str]
    numbers: frozenset[str]
    names: tuple[frozenset[str], ...]
    negated: bool


def claim_words(text: str) -> ClaimWords:
    """Read ``text``: its content stems, numbers, runs of capitalised words, and negation."""
    # "16-year-old": the hyphen splits, so 16 is a number of its own.
    tokens = _WORD.findall(_digits(text).replace("-", " ").replace("–", " "))
    words = [t for t in tokens if t not in _BOUNDARY]
    starts = _sentence_starts(tokens)
    lowered = [w.lower().replace("’", "'") for w in words]
    # A capitalised word is a name's: "Haverick Fell" is no form of "fall".
    verbs = [
        w if word[:1].isupper() else _IRREGULAR.get(w, w)
        for word, w in zip(words, lowered, strict=True)
    ]
    stems = _stemmer().stemWords(verbs)
    content: set[str] = set()
    numbers: set[str] = set()
    negated = False
    for word, lower, stem in zip(words, lowered, stems, strict=True):
        # "6.30pm" reads as 6.30 and pm; "am"/"pm" alone add nothing.
        number = _number(word)
        if number is not None:
            numbers.add(number)
            content.add(number)
            continue
        if lower in NEGATIONS or lower.endswith("n't"):
            negated = True
            content.add("not")
            continue
        if lower not in FUNCTION_WORDS and lower not in ("am", "pm"):
            content.add(stem)
    return ClaimWords(frozenset(content), frozenset(numbers), _names(words, stems, starts), negated)


def _sentence_starts(tokens: list[str]) -> set[int]:
    """Indices (among the words) of words that open a sentence or a quotation."""
    starts: set[int] = set()
    n = 0
    after_boundary = True
    for token in tokens:
        if token in _BOUNDARY:
            after_boundary = True
            continue
        if after_boundary:
            starts.add(n)
        after_boundary = False
        n += 1
    return starts


def _is_capital(word: str) -> bool:
    return word[:1].isupper() and word.lower() not in FUNCTION_WORDS and _number(word) is None


def _names(words: list[str], stems: list[str], starts: set[int]) -> tuple[frozenset[str], ...]:
    """Runs of capitalised content words; a sentence's first word only when a name follows.

    "Mayor Helena Roque said" is one run; "Witnesses heard" none; "on Thursday" one.
    """
    runs: list[frozenset[str]] = []
    run: list[str] = []
    for n, word in enumerate(words):
        name = _is_capital(word)
        if name and n in starts:
            name = n + 1 < len(words) and n + 1 not in starts and _is_capital(words[n + 1])
        if name:
            run.append(stems[n])
        elif run:
            runs.append(frozenset(run))
            run = []
    if run:
        runs.append(frozenset(run))
    return tuple(runs)


def _stem_in(stem: str, stems: frozenset[str]) -> bool:
    if stem in stems:
        return True
    if len(stem) < MIN_PREFIX:
        return False
    return any(
        len(other) >= MIN_PREFIX and (other.startswith(stem) or stem.startswith(other))
        for other in stems
    )


def _shared_words(names: set[frozenset[str]]) -> frozenset[str]:
    """Words found in two different names, which tell neither apart.

    "Row" of Beck Row and Mill Row; two forms of one name ("Calder & Vey", "Calder & Vey
    Seafoods") are not different names.
    """
    shared: set[str] = set()
    for a in names:
        for b in names:
            if not (a <= b or b <= a):
                shared |= a & b
    return frozenset(shared)


def gold_words(text: str) -> ClaimWords:
    """What a predicted claim must hold of a gold claim: its words without its appositives."""
    return claim_words(_APPOSITIVE.sub("", text))


class CoverageMatcher:
    """Scores predicted claims against the gold claims of one cluster (weights from the gold)."""

    def __init__(self, gold_texts: Iterable[str]) -> None:
        self._gold = {text: gold_words(text) for text in gold_texts}
        frequency: Counter[str] = Counter()
        for words in self._gold.values():
            frequency.update(words.stems)
        count = len(self._gold)
        self._weights = {
            stem: 1.0 + math.log((count + 1) / (n + 1)) for stem, n in frequency.items()
        }
        self._shared_name_words = _shared_words(
            {run for words in self._gold.values() for run in words.names}
        )

    def weight(self, stem: str) -> float:
        """How much a gold word says: more the fewer gold claims hold it."""
        return self._weights.get(stem, 1.0)

    def coverage(self, gold_text: str, predicted: ClaimWords) -> float:
        """The weighted share of the gold claim's words besides names and numbers it holds."""
        gold = self._gold.get(gold_text) or gold_words(gold_text)
        names = frozenset().union(*gold.names)
        said = [s for s in gold.stems if s not in names and s not in gold.numbers] or gold.stems
        whole = sum(self.weight(s) for s in said)
        if not whole:
            return 0.0
        held = sum(self.weight(s) for s in said if _stem_in(s, predicted.stems))
        return held / whole

    def held_by_gold(self, gold_text: str, predicted: ClaimWords) -> float:
        """The share of the predicted claim's own content words the gold claim holds."""
        gold = self._gold.get(gold_text) or gold_words(gold_text)
        if not predicted.stems:
            return 0.0
        return sum(_stem_in(s, gold.stems) for s in predicted.stems) / len(predicted.stems)

    def score(self, gold_text: str, predicted: ClaimWords) -> float:
        """Coverage, or 0.0 when numbers, names or negation disagree."""
        gold = self._gold.get(gold_text) or gold_words(gold_text)
        if not gold.numbers <= predicted.numbers:
            return 0.0
        if gold.negated and not predicted.negated:
            return 0.0
        for name in gold.names:
            telling = name - self._shared_name_words or name
            if not any(_stem_in(s, predicted.stems) for s in telling):
                return 0.0
        return self.coverage(gold_text, predicted)


def predicted_words(text: str, attributions: Iterable[str] = ()) -> ClaimWords:
    """A predicted claim's words: its text and whom its articles credit it to, together."""
    parts = [text, *(a for a in attributions if a)]
    words = [claim_words(part) for part in parts]
    return ClaimWords(
        stems=frozenset().union(*(w.stems for w in words)),
        numbers=frozenset().union(*(w.numbers for w in words)),
        names=tuple(name for w in words for name in w.names),
        negated=any(w.negated for w in words),
    )
