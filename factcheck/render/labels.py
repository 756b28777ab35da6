"""Version labels: what tells the versions of a dispute apart, in a few words.

An editor reads "Sunday: A, B, C, E · 3am Saturday: D", not two cut-off sentences. Tried in
order, the first that gives every version a distinct label wins:

1. the values only that version states: figures, days, months, times, durations (and, for a
   place or a person, the names only it uses);
2. for a yes-or-no question with one negated version: "yes" and "no";
3. for an attribution: whom the articles credit, else the names only that version uses;
4. the words only that version uses, when they are few (else the first run of them);
5. the claim itself, shortened.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

# A label of more words than this is replaced by the claim, shortened.
LABEL_WORDS = 6

_NUMBER_WORDS = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions dozen dozens"
)
_UNIT = (
    r"(?:\s(?:minutes?|hours?|days?|weeks?|months?|years?|per\scent|percent|km|miles?|metres?))?"
)
# A hedge is part of the figure: "about 4am" and "shortly after 2am", "more than 40".
_HEDGE = (
    r"(?:(?:about|around|roughly|nearly|almost|over|under|up\sto|at\sleast|more\sthan|"
    r"fewer\sthan|less\sthan|shortly\s(?:after|before)|just\s(?:after|before))\s)?"
)
# Figures, times and durations, in any case: "14", "6.30pm", "three months", "a fortnight".
_FIGURE = re.compile(
    rf"\b{_HEDGE}(?:\d[\d,.:]*\s?(?:am|pm|%)?|{'|'.join(_NUMBER_WORDS.split())}|no\sone|"
    rf"nobody|none){_UNIT}\b|\b(?:fortnight|midnight|noon)\b",
    re.IGNORECASE,
)
# Days and months, capitalised only ("May", not "may"): "Sunday evening", "September".
_CALENDAR = re.compile(
    r"\b(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day(?:\s(?:morning|afternoon|evening|night))?"
    r"|January|February|March|April|May|June|July|August|September|October|November|December)\b"
)
# A run of capitalised words, with the small words names carry inside ("St Brannock's Church").
_NAME = re.compile(r"\b[A-Z][\w'’&-]*(?:\s(?:of\s|the\s|&\s|and\s)?[A-Z][\w'’&-]*)*")
_NEGATION = re.compile(r"\b(?:no|not|never|none|nobody|denied|denies|deny)\b|n['’]t\b", re.I)
_YES_NO_QUESTION = re.compile(r"^(?:did|was|were|has|have|had|is|are|do|does|will)\b", re.I)
_WORD = re.compile(r"\w+(?:[.,:'’-]\w+)*")
# Words that never start or end a label ("homes on Beck Row", not "the homes on Beck Row").
_EDGE_WORDS = frozenset(
    ("a", "an", "the", "was", "were", "is", "are", "be", "been", "of", "on", "in", "at", "to",
     "by", "for", "and")
)  # fmt: skip


def version_labels(
    kind: str, question: str, texts: Sequence[str], credits: Sequence[str | None]
) -> list[str]:
    """A short, distinct label per version.

    ``texts`` are the versions' claims; ``credits`` whom each version's articles mostly credit
    (``None``: no one), which only an ``attribution`` dispute reads.
    """
    tries = []
    if kind == "attribution":
        tries.append([c or "" for c in credits])
        # The speaker leads the sentence: "Marta Vey" against "Gideon Ashby".
        tries.append(_distinct(texts, lambda t: _names(t)[:1]))
    elif kind in ("place", "person"):
        tries.append(_distinct(texts, lambda t: _values(t) + _names(t)))
    else:
        tries.append(_distinct(texts, _values))
        tries.append(_yes_no(question, texts))
    tries.append(_own_words_labels(texts))
    tries.append(_own_words_labels(texts, first_run_only=True))
    for labels in tries:
        if _usable(labels):
            return labels
    if kind == "attribution":
        return [c or "no source named" for c in credits]
    return [_shorten(t) for t in texts]


def _usable(labels: list[str]) -> bool:
    return all(labels) and len(set(labels)) == len(labels)


def _values(text: str) -> list[str]:
    found = [(m.start(), m.group()) for m in _FIGURE.finditer(text)]
    found += [(m.start(), m.group()) for m in _CALENDAR.finditer(text)]
    return [value for _, value in sorted(found)]


def _names(text: str) -> list[str]:
    names = [m.group() for m in _NAME.finditer(text)]
    # The sentence's first word is capitalised as a sentence, not as a name ("The fire …").
    if names and text.startswith(names[0]) and " " not in names[0]:
        names = names[1:]
    return names


def _distinct(texts: Sequence[str], pick: Callable[[str], list[str]]) -> list[str]:
    """Per text, the picked items that not every other text has too, joined by ' … '."""
    picked = [list(dict.fromkeys(pick(t))) for t in texts]
    keys = [{p.lower() for p in ps} for ps in picked]
    labels = []
    for n, items in enumerate(picked):
        others = keys[:n] + keys[n + 1 :]
        own = [p for p in items if not all(p.lower() in o for o in others)]
        label = " … ".join(own)
        labels.append(label if 0 < len(label.split()) <= LABEL_WORDS else "")
    return labels


def _yes_no(question: str, texts: Sequence[str]) -> list[str]:
    """'yes' and 'no' for a yes-or-no question whose two versions differ by a negation."""
    if len(texts) != 2 or " or " in question or not _YES_NO_QUESTION.match(question.strip()):
        return ["", ""]
    negated = [bool(_NEGATION.search(t)) for t in texts]
    if negated[0] == negated[1]:
        return ["", ""]
    return ["no" if n else "yes" for n in negated]


def _own_words_labels(texts: Sequence[str], *, first_run_only: bool = False) -> list[str]:
    words = [_WORD.findall(t) for t in texts]
    # Shared: in every version when there are two, else in most of them.
    seen = Counter(w for ws in words for w in {w.lower() for w in ws})
    enough = len(texts) if len(texts) <= 2 else len(texts) // 2 + 1
    shared = {w for w, n in seen.items() if n >= enough}
    return [_own_words(ws, shared, first_run_only) for ws in words]


def _own_words(words: list[str], shared: set[str], first_run_only: bool) -> str:
    """The words of one version that the others lack, as '… '-joined runs; '' when too many.

    ``first_run_only``: just the first run, where the sentence's verb tends to differ
    ("admitted that an e-mailed" against "denied sending").
    """
    own = [n for n, w in enumerate(words) if w.lower() not in shared]
    keep = set(own)
    # A name goes whole: "Beck Row" against "Mill Row", not "Beck" against "Mill".
    for n in own:
        for step in (1, -1):
            k = n
            while (
                0 <= k + step < len(words)
                and words[k][:1].isupper()
                and words[k + step][:1].isupper()
            ):
                k += step
                keep.add(k)
    runs: list[list[str]] = []
    for n in sorted(keep):
        if runs and n - 1 in keep:
            runs[-1].append(words[n])
        else:
            runs.append([words[n]])
    trimmed = []
    for run in runs:
        while run and run[0].lower() in _EDGE_WORDS:
            run = run[1:]
        while run and run[-1].lower() in _EDGE_WORDS:
            run = run[:-1]
        if run:
            trimmed.append(" ".join(run))
    trimmed = trimmed[:1] if first_run_only else trimmed
    if not trimmed or sum(len(r.split()) for r in trimmed) > LABEL_WORDS:
        return ""
    return " … ".join(trimmed)


def _shorten(text: str, width: int = 48) -> str:
    text = text.rstrip(".")
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
