"""Where two sentences that say nearly the same thing disagree.

Roles are read off content words. A number, weekday, month or name in the claim fills a slot
marked by its neighbouring content word ("Forty *residents*", "early *hours* of Sunday"); the
sentence fills the same slot when it has the same neighbour there. Two different fillers of one
kind are a disagreement (names need both neighbours to agree, and rapidfuzz lets two spellings
of one name pass). So is a different speaker ("Vey said" against '…," said Ashby'), and a
negation over a word both sides share ("made no arrests" against "arrested a man").
Everything else is left to the similarity score.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from factcheck.baseline.words import Phrase, Token

WEEKDAYS = frozenset(day.lower() for day in calendar.day_name)
MONTHS = frozenset(m.lower() for m in (*calendar.month_name, *calendar.month_abbr) if m)
CALENDAR_WORDS = WEEKDAYS | MONTHS
SAYING = frozenset({"said", "says", "told", "tells", "added", "stated"})
_SAID_AFTER = re.compile(r"[,”\"]\s*(?:said|says|added)\s+((?:[A-Z][\w’'-]*\s?)+)")
# Two spellings of one name ("Kim Jong-un", "Kim Jong Un") are at least this similar.
SAME_NAME_SIMILARITY = 85


@dataclass(frozen=True, slots=True)
class Conflict:
    """What the two sentences disagree on, in words an editor can check."""

    kind: str
    claim_words: str
    sentence_words: str

    def describe(self) -> str:
        """One line, e.g. ``number: 'Forty' against 'Fourteen'``."""
        return f"{self.kind}: {self.claim_words!r} against {self.sentence_words!r}"


def find_conflict(
    claim: Phrase, sentence: Phrase, is_name: Callable[[Token], bool]
) -> Conflict | None:
    """The first disagreement between a claim and a sentence that matches it, or None.

    ``is_name`` says whether a token is a proper name (the caller knows the cluster's words).
    """
    # Roles are read off content words: "early hours of Sunday" puts Sunday after "hours".
    mine = [t for t in claim.tokens if not t.weak]
    theirs = [t for t in sentence.tokens if not t.weak]
    kinds = [_kind(t, is_name) for t in mine], [_kind(t, is_name) for t in theirs]
    for start, end in _runs(kinds[0]):
        conflict = _slot_conflict(mine, theirs, kinds, start, end)
        if conflict is not None:
            return conflict
    names = _names(mine, is_name), _names(theirs, is_name)
    speakers = _speakers(claim, is_name), _speakers(sentence, is_name)
    if all(speakers) and speakers[0].isdisjoint(names[1]) and speakers[1].isdisjoint(names[0]):
        return Conflict("speaker", " ".join(sorted(speakers[0])), " ".join(sorted(speakers[1])))
    return _negation_conflict(mine, theirs)


def _kind(token: Token, is_name: Callable[[Token], bool]) -> str | None:
    word = token.text.lower().rstrip(".")
    if token.number is not None:
        return "number"
    if word in WEEKDAYS:
        return "weekday"
    if word in MONTHS:
        return "date"
    return "name" if is_name(token) else None


def _runs(kinds: Sequence[str | None]) -> list[tuple[int, int]]:
    """``[start, end)`` of each stretch of tokens of one kind (a name of several words)."""
    runs = []
    start = 0
    for n in range(1, len(kinds) + 1):
        if n == len(kinds) or kinds[n] != kinds[start]:
            if kinds[start] is not None:
                runs.append((start, n))
            start = n
    return runs


def _slot_conflict(
    claim: Sequence[Token],
    sentence: Sequence[Token],
    kinds: tuple[list[str | None], list[str | None]],
    start: int,
    end: int,
) -> Conflict | None:
    """The claim's run ``[start, end)`` against what fills the same slot in the sentence.

    The slot is found by the words around the run: where the sentence has the word before
    it, the run that follows is in the same role (and likewise for the word after it).
    """
    kind = kinds[0][start]
    mine = _values(claim[start:end])
    if mine & _values(t for t, k in zip(sentence, kinds[1], strict=True) if k == kind):
        return None  # the sentence states the claim's value too
    for other_start, other_end in _runs(kinds[1]):
        if kinds[1][other_start] != kind:
            continue
        before = (
            start > 0
            and other_start > 0
            and claim[start - 1].stem == sentence[other_start - 1].stem
        )
        after = (
            end < len(claim)
            and other_end < len(sentence)
            and claim[end].stem == sentence[other_end].stem
        )
        theirs = sentence[other_start:other_end]
        # A name needs the words on both sides to agree: a single shared neighbour often
        # joins two different entities ("the US and Russia", "the US and South Korea").
        anchored = (before and after) if kind == "name" else (before or after)
        if anchored and not (kind == "name" and _same_name(claim[start:end], theirs)):
            return Conflict(
                kind, " ".join(t.text for t in claim[start:end]), " ".join(t.text for t in theirs)
            )
    return None


def _values(tokens: Iterable[Token]) -> set[float | str]:
    return {t.number if t.number is not None else t.text.lower().rstrip(".") for t in tokens}


def _names(tokens: Sequence[Token], is_name: Callable[[Token], bool]) -> set[str]:
    return {t.text.lower() for t in tokens if is_name(t) and t.text.lower() not in CALENDAR_WORDS}


def _speakers(phrase: Phrase, is_name: Callable[[Token], bool]) -> set[str]:
    """Who a statement is attributed to.

    The name before a verb of saying ("Vey said"), or after one that follows a quotation or a
    comma ('…," said Gideon Ashby').
    """
    found: set[str] = set()
    words = phrase.tokens
    for n, token in enumerate(words):
        k = n - 1
        while token.text.lower() in SAYING and k >= 0 and is_name(words[k]):
            found.add(words[k].text.lower())
            k -= 1
    for match in _SAID_AFTER.finditer(phrase.text):
        found.update(w.lower() for w in match.group(1).split())
    return found


def _negation_conflict(claim: Sequence[Token], sentence: Sequence[Token]) -> Conflict | None:
    """A negation on one side only, over a word both sides share.

    A negation scopes over the content word right after it: "no arrests" disagrees with
    "arrested", but "not yet known" says nothing against "investigators are trying to".
    """
    shared = {t.stem for t in claim} & {t.stem for t in sentence}
    for negated, other, side in ((claim, sentence, 0), (sentence, claim, 1)):
        for n, token in enumerate(negated[:-1]):
            scoped = token.negation and negated[n + 1].stem in shared
            if scoped and not any(t.negation for t in other):
                words = (token.text, "(none)") if side == 0 else ("(none)", token.text)
                return Conflict("negation", *words)
    return None


def _same_name(left: Sequence[Token], right: Sequence[Token]) -> bool:
    """Two spellings of one name, or one the other's acronym ("KCNA", "Korean Central…")."""
    words = " ".join(t.text for t in left).lower(), " ".join(t.text for t in right).lower()
    if fuzz.ratio(*words) >= SAME_NAME_SIMILARITY:
        return True
    for short, long in ((left, right), (right, left)):
        if len(short) == 1 and short[0].text.isupper() and len(long) > 1:
            initials = "".join(t.text[0] for t in long).upper()
            if short[0].text in initials:
                return True
    return False
