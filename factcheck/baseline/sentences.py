"""Sentences and clauses of an article, with spans into its original text.

Segmentation is syntok's (fast, rule-based, keeps offsets). Boilerplate lines are never
segmented, so nothing the cleaner set aside can become a claim or a piece of evidence.

A compound sentence ("X happened, and Y followed") is split into clauses, so each clause can
be matched on its own. Attribution is part of a claim: a clause cut off from "…, police said."
gets the attribution back in its claim text, while its quote stays the verbatim clause.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from syntok import segmenter

from factcheck.models import Article, Span

# "Nobody was injured." is a claim: two words can state a fact ("Police arrived.").
MIN_WORDS = 2
# A compound sentence is cut only where both sides could stand as claims of their own.
MIN_CLAUSE_WORDS = 4
_WORD = re.compile(r"\w+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"(?<=\w) +(?=[.,;:!?)](?:\s|$))")
# Where a compound sentence may be cut: a semicolon, or a comma before a coordinating word.
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?:and|but|while|whereas)\s+")
_SAYS = r"(?:said|says|added|reported|confirmed|announced|warned|stated|told\s[^,\"“”]{1,40}?)"
_LEADING_ATTRIBUTION = re.compile(
    rf"^(?:According to [^,\"“”]{{1,60}}|[^,\"“”]{{1,60}}?\s{_SAYS}(?:\sthat)?)(?=[\s,])"
)
_TRAILING_ATTRIBUTION = re.compile(rf",[\"”’]?\s+([^,\"“”]{{1,60}}?\s{_SAYS})\.?[\"”’]?$")
# Who a sentence credits: "According to X, …", "…, X said.", '…," said X.', "X said (that) …".
_SAYING_VERB = r"(?:said|says|added|reported|confirmed|announced|warned|stated|told|tells)"
_CREDITS = (
    re.compile(r"^According to ([^,\"“”]{1,60}),"),
    re.compile(r",\s+according to ([^,\"“”]{1,60}?)\.?$"),
    re.compile(rf",[\"”’]?\s+([^,\"“”]{{1,60}}?)\s{_SAYING_VERB}\b[^,\"“”]{{0,40}}?\.?[\"”’]?$"),
    re.compile(
        rf"[,.!?][\"”’]?\s+{_SAYING_VERB}\s+((?:[A-Z]|an?\s|the\s)[^,.\"“”]{{0,60}}?)"
        r"(?:,[^\"“”]*)?\.?$"
    ),
    re.compile(rf"^([A-Z][^,\"“”]{{0,60}}?)\s{_SAYING_VERB}\b"),
)
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "who", "this", "that"})
_MAX_CREDIT_WORDS = 7


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence (or clause) of one article: its claim wording and its verbatim span."""

    article_id: str
    text: str  # the claim's wording: the quote, plus attribution a clause was cut from
    span: Span
    quote: str


def split_sentences(
    article: Article, beat: Callable[[], None] | None = None
) -> list[Sentence]:
    """The sentences of the article's text, boilerplate lines left out, in order.

    ``beat`` is called once per line, so a caller can stop reading a very long article.
    """
    skipped = sorted((b.span.start, b.span.end) for b in article.boilerplate)
    starts = [s for s, _ in skipped]
    found: list[Sentence] = []
    offset = 0
    for line in article.text.splitlines(keepends=True):
        start, end = offset, offset + len(line.rstrip("\r\n"))
        offset += len(line)
        if beat is not None:
            beat()
        # The boilerplate span starting last at or before this line is the only one to hold it.
        holder = bisect_right(starts, start) - 1
        if start == end or (holder >= 0 and end <= skipped[holder][1]):
            continue
        for paragraph in segmenter.analyze(article.text[start:end]):
            for sentence in paragraph:
                first = start + sentence[0].offset
                last = start + sentence[-1].offset + len(sentence[-1].value)
                quote = article.text[first:last].strip()
                if quote:
                    span = Span(start=first, end=first + len(quote))
                    found.append(Sentence(article.id, wording(quote), span, quote))
    return found


def why_not_a_claim(sentence: Sentence) -> str | None:
    """Why ``sentence`` is not taken as a claim, or ``None`` when it is one.

    A claim is a statement of at least two words that ends as a sentence does. Questions are
    not claims, and neither are lines with no closing punctuation: in news text those are
    headings, headlines of related stories, captions, datelines and the like.
    """
    end = sentence.quote.rstrip('"”’)» ')[-1:]
    if end == "?":
        return "a question"
    if end not in (".", "!"):
        return "no full stop: a heading, caption or dateline"
    if len(_WORD.findall(sentence.quote)) < MIN_WORDS:
        return "a single word"
    return None


def wording(quote: str) -> str:
    """A quote as a claim reads: one space between words, none before punctuation.

    Rendered Markdown keeps a space where markup stood ("**Mill Lane**." reads "Mill Lane .");
    the quote keeps it, to stay verbatim, and the claim's wording drops it.
    """
    return _SPACE_BEFORE_PUNCTUATION.sub("", " ".join(quote.split()))


def is_claim(sentence: Sentence) -> bool:
    """Whether ``sentence`` is taken as a claim (see ``why_not_a_claim``)."""
    return why_not_a_claim(sentence) is None


def attribution(quote: str) -> str | None:
    """Whom a sentence credits, in its own words ("police", "Mayor Helena Roque"), if anyone.

    A pronoun ("she said") names no one on its own, so it gives ``None``.
    """
    for pattern in _CREDITS:
        match = pattern.search(quote)
        if match is None:
            continue
        who = match.group(1).strip()
        if who.lower() in _PRONOUNS or not 0 < len(who.split()) <= _MAX_CREDIT_WORDS:
            continue
        return who
    return None


def split_clauses(sentence: Sentence) -> list[Sentence]:
    """The clauses of a compound sentence, each with the sentence's attribution; else itself.

    Cuts are made only outside quotation marks, and only where both sides are long enough to
    be claims on their own.
    """
    text = sentence.quote
    bounds: list[tuple[int, int]] = []  # [start, end) of each clause but the last
    start = 0
    # Positions looked up by bisection, so a very long sentence costs no more than its length.
    word_starts = [m.start() for m in _WORD.finditer(text)]
    quotes = _QuoteMarks(text)
    for match in _CLAUSE_BREAK.finditer(text):
        if quotes.inside(match.start()):
            continue
        before = bisect_left(word_starts, match.start()) - bisect_left(word_starts, start)
        after = len(word_starts) - bisect_left(word_starts, match.end())
        if before >= MIN_CLAUSE_WORDS and after >= MIN_CLAUSE_WORDS:
            bounds.append((start, match.start()))
            start = match.end()
    if not bounds:
        return [sentence]
    bounds.append((start, len(text)))
    leading = _LEADING_ATTRIBUTION.match(text)
    trailing = _TRAILING_ATTRIBUTION.search(text)
    clauses = []
    for n, (start, end) in enumerate(bounds):
        quote = text[start:end]
        wording = quote
        if leading and n > 0:
            wording = f"{leading.group(0)} {wording}"
        if trailing and n < len(bounds) - 1:
            wording = f"{wording.rstrip('.')}, {trailing.group(1)}."
        first = sentence.span.start + start
        span = Span(start=first, end=first + len(quote))
        clauses.append(Sentence(sentence.article_id, wording, span, quote))
    return clauses


class _QuoteMarks:
    """Where a text's quotation marks are, to tell whether a position is inside a quotation."""

    def __init__(self, text: str) -> None:
        self.marks = {mark: [n for n, c in enumerate(text) if c == mark] for mark in '"“”'}

    def inside(self, position: int) -> bool:
        """Whether ``position`` is inside straight or curly quotation marks."""
        count = {mark: bisect_left(found, position) for mark, found in self.marks.items()}
        return count['"'] % 2 == 1 or count["“"] > count["”"]
