"""Cheap rules for disputes: kind, question, alike credits, publication times.

Kind and question are guessed only for a dispute the merge did not foresee (one found from
contradicted cells); a dispute the merge proposed keeps the kind and question it was given.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from factcheck.models import DisputeKind


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"[a-z0-9]+(?:[.:,][0-9]+)*")
_WORD_AS_WRITTEN = re.compile(r"[A-Za-z0-9]+(?:[.:,][0-9]+)*")
_TOKEN = re.compile(r"[\w'-]+")
# A clock time ("4am", "6.30", "18:05") or a year: a date-like difference, not a count.
_TIME_OR_YEAR = re.compile(r"\d{1,2}(?:[.:]\d{2})(?:am|pm)?|\d{1,2}(?:am|pm)|(?:19|20)\d\d")
NUMBER_WORDS = _words(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions dozen dozens half"
)
DATE_WORDS = _words(
    "monday tuesday wednesday thursday friday saturday sunday january february march april june"
    "  july august september october november december am pm morning afternoon evening night "
    "midnight noon yesterday today tomorrow hour hours day days week weeks month months year "
    "years minutes spring summer autumn winter"
)
NEGATIONS = _words("not no never none nobody nothing denied denies without")
PLACE_NOUNS = _words(
    "street road row lane avenue square quay park bridge river valley hall centre center "
    "station city town village county province port harbour"
)
_PLACE_PREPOSITIONS = _words("in at near from outside into")
_STOPWORDS = _words("the a an of and in on at to for by from that this was were is are")


def published_at(value: str | None) -> datetime | None:
    """An article's date or timestamp as a naive UTC datetime (a bare date is its midnight)."""
    if not value:
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text[:10]), time())
        except ValueError:
            return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def content_words(text: str) -> set[str]:
    """Lowercase words and numbers, without the commonest function words."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS}


def same_source(one: str, other: str) -> bool:
    """Whether two credits name one source: the words of one are all in the other.

    "Whitlock", "Dana Whitlock" and "fire chief Dana Whitlock" are one source; so are
    "police" and "Westmere Police".
    """
    left, right = content_words(one), content_words(other)
    return bool(left and right) and (left <= right or right <= left)


def _differing(texts: list[str]) -> list[list[str]]:
    """Per text, in order and as written, the words that not every text shares."""
    words = [_WORD_AS_WRITTEN.findall(t) for t in texts]
    common = set.intersection(*({w.lower() for w in ws} for ws in words))
    return [[w for w in ws if w.lower() not in common] for ws in words]


def guess_kind(texts: list[str]) -> DisputeKind:
    """The kind of a dispute the merge did not foresee, from the words its versions differ in.

    A negation on one side only means it is about whether something happened at all, whatever
    else differs ("arrested a 34-year-old" against "no arrests").
    """
    per_text = [{w.lower() for w in ws} for ws in _differing(texts)]
    differing = set().union(*per_text)
    if any(ws & NEGATIONS for ws in per_text) and not all(ws & NEGATIONS for ws in per_text):
        return "happened"
    if any(_TIME_OR_YEAR.fullmatch(w) for w in differing) or differing & DATE_WORDS:
        return "date"
    if any(any(ch.isdigit() for ch in w) for w in differing) or differing & NUMBER_WORDS:
        return "number"
    return _name_kind(texts) or "happened"


def _name_kind(texts: list[str]) -> DisputeKind | None:
    """Place or person when the versions differ in a name (a capitalised word mid-sentence)."""
    tokens = [_TOKEN.findall(t) for t in texts]
    names = [{w for i, w in enumerate(ws) if i and w[0].isupper()} for ws in tokens]
    differing = set.union(*names) - set.intersection(*names)
    if not differing:
        return None
    for ws in tokens:
        for i, word in enumerate(ws):
            if word not in differing:
                continue
            before = ws[i - 1].lower() if i else ""
            after = ws[i + 1].lower() if i + 1 < len(ws) else ""
            if after in PLACE_NOUNS or before in _PLACE_PREPOSITIONS:
                return "place"
    return "person"


_STARTERS = {
    "number": "Which figure is right",
    "date": "When",
    "place": "Where",
    "person": "Who",
    "happened": "Which is right",
}
# When the versions differ in more than a few words, the versions themselves say how.
_GENERIC = {
    "number": "Which figure is right?",
    "date": "When was it?",
    "place": "Where was it?",
    "person": "Who was it?",
    "happened": "Did it happen?",
}


def guess_question(kind: DisputeKind, texts: list[str]) -> str:
    """A short question for a dispute the merge did not foresee, from the words that differ."""
    differing = _differing(texts)
    if kind in _STARTERS and all(0 < len(ws) <= 4 for ws in differing):
        options = list(dict.fromkeys(" ".join(ws) for ws in differing))
        return f"{_STARTERS[kind]}: {' or '.join(options)}?"
    return _GENERIC.get(kind, "Which version is right?")
