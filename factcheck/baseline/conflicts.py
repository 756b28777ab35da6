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

from factcheck.baseline.sentences import attribution
from factcheck.baseline.words import Phrase, Token

WEEKDAYS = frozenset(day.lower() for day in calendar.day_name)
MONTHS = frozenset(m.lower() for m in (*calendar.month_name, *calendar.month_abbr) if m)
CALENDAR_WORDS = WEEKDAYS | MONTHS
SAYING = frozenset({"said", "says", "told", "tells", "added", "stated"})
_SAID_AFTER = re.compile(r"[,”\"]\s*(?:said|says|added)\s+((?:[A-Z][\w’'-]*\s?)+)")
# Two spellings of one name ("Kim Jong-un", "Kim Jong Un") are at least this similar.
SAME_NAME_SIMILARITY = 85


# Words of a time expression that say when within a day, not which event: "Sunday *morning*".
# They may mark a slot, but they never show that two sentences tell of one event.
TIME_WORDS = frozenset({
    "morning", "mornings", "evening", "evenings", "afternoon", "afternoons", "night", "nights",
    "overnight", "early", "late", "midday", "noon", "midnight", "dawn", "lunchtime", "last",
    "next", "day", "week", "weekend", "hour", "hours", "now", "still", "already", "yet",
})  # fmt: skip
# Same role, same event: besides the neighbour that marks the slot, the sentences must share
# another content word this close to it in its clause (names and times of day not counted).
# "Three *people* have died" and "300 *people* packed the church" count different things; a
# reopening on Monday *morning* and a fire early on Sunday *morning* are different events;
# "injuring four people" and "seven people were injured" are one. A number sits next to what
# it counts; a day may stand further from its event ("fire tore through … on Sunday").
CONTEXT_WORDS = {"number": 3, "weekday": 5, "date": 5}
_DOTTED_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}\.\d{1,2}\.\d{1,2}")
# A name after one of these is a place: "in Ostervale", "at St Agnes Hospital".
PLACE_WORDS = frozenset({"in", "at", "near", "from", "to", "into", "outside", "inside", "on"})


@dataclass(frozen=True, slots=True)
class Conflict:
    """What the two sentences disagree on, in the words each writes it in.

    ``kind`` is ``number``, ``weekday``, ``date`` (a month or a date), ``name``, ``speaker``
    or ``negation``; ``place`` says that a name stands where a place does.
    """

    kind: str
    claim_words: str
    sentence_words: str
    place: bool = False
    # False when the slot differs but nothing else shows the two sentences tell of one event:
    # too uncertain to contradict, too different to support or merge.
    certain: bool = True

    def describe(self) -> str:
        """One line, e.g. ``number: 'Forty' against 'Fourteen'``."""
        return f"{self.kind}: {self.claim_words!r} against {self.sentence_words!r}"

    def swapped(self) -> Conflict:
        """The same disagreement seen from the sentence's side."""
        return Conflict(
            self.kind, self.sentence_words, self.claim_words, self.place, self.certain
        )


SameEntity = Callable[[str, str], bool]


def find_conflict(
    claim: Phrase,
    sentence: Phrase,
    is_name: Callable[[Token], bool],
    same_entity: SameEntity | None = None,
) -> Conflict | None:
    """The first disagreement between a claim and a sentence that matches it, or None.

    ``is_name`` says whether a token is a proper name (the caller knows the cluster's words);
    ``same_entity`` whether two different names stand for one thing in this pair's articles
    ("Pyongyang's" and "North Korea's" where both articles use both).
    """
    # Roles are read off content words: "early hours of Sunday" puts Sunday after "hours".
    mine = _content(claim)
    theirs = _content(sentence)
    kinds = [_kind(t, is_name) for _, t in mine], [_kind(t, is_name) for _, t in theirs]
    uncertain = None
    for start, end in _runs(kinds[0]):
        conflict = _slot_conflict(claim, mine, theirs, kinds, (start, end), same_entity, is_name)
        if conflict is not None and conflict.certain:
            return conflict
        uncertain = uncertain or conflict
    names = _names(mine, is_name), _names(theirs, is_name)
    speakers = _speakers(claim, is_name), _speakers(sentence, is_name)
    said = {w.lower() for w in speakers[0]}, {w.lower() for w in speakers[1]}
    if all(said) and said[0].isdisjoint(names[1]) and said[1].isdisjoint(names[0]):
        return Conflict(
            "speaker",
            attribution(claim.text) or " ".join(speakers[0]),
            attribution(sentence.text) or " ".join(speakers[1]),
        )
    return _negation_conflict([t for _, t in mine], [t for _, t in theirs]) or uncertain


def _content(phrase: Phrase) -> list[tuple[int, Token]]:
    """The content words of ``phrase``, each with its position among all its words."""
    return [(n, t) for n, t in enumerate(phrase.tokens) if not t.weak]


def _kind(token: Token, is_name: Callable[[Token], bool]) -> str | None:
    word = token.text.lower().rstrip(".")
    if token.number is not None:
        return "number"
    if word in WEEKDAYS:
        return "weekday"
    if word in MONTHS or _DOTTED_DATE.fullmatch(word):
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


def _context(
    words: Sequence[tuple[int, Token]],
    run: tuple[int, int],
    kind: str,
    is_name: Callable[[Token], bool],
) -> set[str]:
    """What happens around the run: the stems of the nearest content words of its clause.

    Numbers and times of day are passed over; names are kept but not counted, so a long name
    ("Port Ardwen's North Quay") does not hide the event word beyond it.
    """
    start, end = run
    clause = words[start][1].clause

    def events(span: Iterable[tuple[int, Token]]) -> list[str]:
        found: list[str] = []
        counted = 0
        for _, token in span:
            if token.clause != clause or counted == CONTEXT_WORDS[kind]:
                break
            if token.number is not None or token.text.lower() in TIME_WORDS:
                continue
            found.append(token.stem)
            counted += not (is_name(token) or _kind(token, is_name))
        return found

    return {*events(reversed(words[:start])), *events(words[end:])}


def _neighbours(
    words: Sequence[tuple[int, Token]], start: int, end: int
) -> tuple[str | None, str | None]:
    """The stems of the content words right before and after the run ``[start, end)``."""
    return (
        words[start - 1][1].stem if start > 0 else None,
        words[end][1].stem if end < len(words) else None,
    )


def _slot_conflict(
    claim: Phrase,
    mine: Sequence[tuple[int, Token]],
    theirs: Sequence[tuple[int, Token]],
    kinds: tuple[list[str | None], list[str | None]],
    run: tuple[int, int],
    same_entity: SameEntity | None,
    is_name: Callable[[Token], bool],
) -> Conflict | None:
    """The claim's run ``[start, end)`` against what fills the same slot in the sentence.

    The slot is found by the words around the run: where the sentence has the word before
    it, the run that follows is in the same role (and likewise for the word after it).
    """
    start, end = run
    kind = kinds[0][start]
    assert kind is not None
    values = _values(t for _, t in mine[start:end])
    if values & _values(t for (_, t), k in zip(theirs, kinds[1], strict=True) if k == kind):
        return None  # the sentence states the claim's value too
    before, after = _neighbours(mine, start, end)
    found = None
    for other_start, other_end in _runs(kinds[1]):
        if kinds[1][other_start] != kind:
            continue
        other_before, other_after = _neighbours(theirs, other_start, other_end)
        anchored_before = before is not None and before == other_before
        anchored_after = after is not None and after == other_after
        # A name needs the words on both sides to agree: a single shared neighbour often
        # joins two different entities ("the US and Russia", "the US and South Korea").
        anchored = (
            (anchored_before and anchored_after)
            if kind == "name"
            else (anchored_before or anchored_after)
        )
        if not anchored:
            continue
        certain = True
        if kind != "name":
            anchors = {before, after} & {other_before, other_after}
            shared = _context(mine, run, kind, is_name) & _context(
                theirs, (other_start, other_end), kind, is_name
            )
            certain = bool(shared - anchors)
        left = [t for _, t in mine[start:end]]
        right = [t for _, t in theirs[other_start:other_end]]
        words = _shown(left, kind), _shown(right, kind)
        if kind == "name" and (
            _same_name(left, right) or (same_entity is not None and same_entity(*words))
        ):
            continue
        place = kind == "name" and _after_place_word(claim, mine[start][0])
        conflict = Conflict(kind, *words, place=place, certain=certain)
        if certain:
            return conflict
        found = found or conflict
    return found


def _shown(tokens: Sequence[Token], kind: str) -> str:
    """A slot's words as written; a number word in lower case ("Seven" reads "seven")."""
    text = " ".join(t.written for t in tokens)
    return text.lower() if kind == "number" and text.replace(" ", "").isalpha() else text


def _after_place_word(phrase: Phrase, position: int) -> bool:
    return position > 0 and phrase.tokens[position - 1].text.lower() in PLACE_WORDS


def _values(tokens: Iterable[Token]) -> set[float | str]:
    return {t.number if t.number is not None else t.text.lower().rstrip(".") for t in tokens}


def _names(words: Sequence[tuple[int, Token]], is_name: Callable[[Token], bool]) -> set[str]:
    return {
        t.text.lower() for _, t in words if is_name(t) and t.text.lower() not in CALENDAR_WORDS
    }


def _speakers(phrase: Phrase, is_name: Callable[[Token], bool]) -> list[str]:
    """Who a statement is attributed to, as written: each name's words in order, once.

    The name before a verb of saying ("Vey said"), or after one that follows a quotation or a
    comma ('…," said Gideon Ashby').
    """
    found: dict[str, str] = {}
    words = phrase.tokens
    for n, token in enumerate(words):
        if token.text.lower() not in SAYING:
            continue
        k = n - 1
        while k >= 0 and is_name(words[k]):
            k -= 1
        for word in words[k + 1 : n]:
            found.setdefault(word.text.lower(), word.text)
    for match in _SAID_AFTER.finditer(phrase.text):
        for word in match.group(1).split():
            found.setdefault(word.lower(), word)
    return list(found.values())


def _negation_conflict(claim: Sequence[Token], sentence: Sequence[Token]) -> Conflict | None:
    """A negation on one side only, over a word both sides share.

    A negation scopes over the content word right after it: "no arrests" disagrees with
    "arrested", but "not yet known" says nothing against "investigators are trying to". The
    conflict's words are the negated phrase and the other side's word ("no arrests", "arrested").
    """
    shared = {t.stem for t in claim} & {t.stem for t in sentence}
    for negated, other, side in ((claim, sentence, 0), (sentence, claim, 1)):
        for n, token in enumerate(negated[:-1]):
            scoped = negated[n + 1]
            if token.negation and scoped.stem in shared and not any(t.negation for t in other):
                plain = next(t.written for t in other if t.stem == scoped.stem)
                words = (f"{token.written} {scoped.written}", plain)
                return Conflict("negation", *(words if side == 0 else words[::-1]))
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
