"""Finding a model's quote in an article: verbatim, up to whitespace and typographic quotes.

An article is its body and its headline: a figure only the headline gives is still published,
so a quote may come from either; the body is searched first.

Nothing looser is allowed on purpose. A fuzzy match would let a paraphrase pass as evidence, and
the whole point of a quote is that an editor can find it, word for word, in the article.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from functools import lru_cache

from factcheck.models import Article, Quote, Span

_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
    }
)  # fmt: skip

# Shorter quotes match too easily ("the", "he said") to show anything.
MIN_QUOTE_CHARS = 8


_SPACE_RUN = re.compile(r"\s+")
_LONG_SPACE_RUN = re.compile(r"\s{2,}")  # the only runs that move later characters


class _Offsets:
    """Where each character of a normalised text stood in the original.

    Kept per whitespace run, not per character: the normalised text differs from the original
    only where a run of whitespace became one space, so a character's offset is its index plus
    the characters the runs before it lost. For a 10 MB article that is a few arrays of one
    entry per word, found by bisection, not a tuple of ten million offsets built in Python.
    """

    def __init__(self, text: str) -> None:
        # Per run that lost characters: where its space stands in the normalised text, and how
        # many characters all runs up to it lost.
        self.positions = array("q")
        self.lost = array("q")
        lost = 0
        for match in _LONG_SPACE_RUN.finditer(text):
            start, end = match.span()
            self.positions.append(start - lost)
            lost += end - start - 1
            self.lost.append(lost)

    def __getitem__(self, index: int) -> int:
        runs = bisect_left(self.positions, index)  # the runs before this character
        return index + (self.lost[runs - 1] if runs else 0)


@lru_cache(maxsize=128)
def _normalise_with_offsets(text: str) -> tuple[str, _Offsets]:
    """Fold typographic quotes and whitespace runs; remember where each kept char stood.

    Every whitespace character becomes a space and every run of them one space. Cached:
    validators check every quote of an answer against the same article text.
    """
    translated = text.translate(_TYPOGRAPHIC)
    return _SPACE_RUN.sub(" ", translated), _Offsets(translated)


def normalise(text: str) -> str:
    """The form in which quotes are compared: typographic quotes folded, whitespace collapsed."""
    return _normalise_with_offsets(text)[0].strip()


def find_quote(text: str, quote: str, excluded: list[Span] | None = None) -> Span | None:
    """Return the span of the first occurrence of ``quote`` in ``text`` outside ``excluded``.

    ``None`` when the quote is too short, absent, or only found inside an excluded span.
    """
    needle = normalise(quote)
    if len(needle.replace(" ", "")) < MIN_QUOTE_CHARS:
        return None
    haystack, offsets = _normalise_with_offsets(text)
    excluded = excluded or []
    start = haystack.find(needle)
    while start != -1:
        span = Span(start=offsets[start], end=offsets[start + len(needle) - 1] + 1)
        if not any(span.start < ex.end and ex.start < span.end for ex in excluded):
            return span
        start = haystack.find(needle, start + 1)
    return None


def find_in_article(article: Article, quote: str, within: Span | None = None) -> Span | None:
    """Find ``quote`` in the article's text, never inside a boilerplate line.

    ``within`` (the part of a long article a model was shown) is searched first, so a passage
    the article repeats points at the place the model read it; then the whole text. The span
    always indexes the whole text.
    """
    excluded = [line.span for line in article.boilerplate]
    if within is not None and (within.start, within.end) != (0, len(article.text)):
        local = [
            Span(start=ex.start - within.start, end=ex.end - within.start)
            for ex in excluded
            if ex.start < within.end and within.start < ex.end
        ]
        found = find_quote(article.text[within.start : within.end], quote, local)
        if found is not None:
            return Span(start=found.start + within.start, end=found.end + within.start)
    return find_quote(article.text, quote, excluded)


def quote_in_article(article: Article, quote: str, within: Span | None = None) -> Quote | None:
    """The passage ``quote`` as it stands in the article, or ``None`` when it is not there.

    The body (outside boilerplate) is searched first, the ``within`` part of it before the
    rest, then the headline; a headline match is marked ``in_title`` and its span indexes the
    title.
    """
    span = find_in_article(article, quote, within)
    if span is not None:
        return Quote(text=article.text[span.start : span.end], span=span)
    span = find_quote(article.title, quote)
    if span is not None:
        return Quote(text=article.title[span.start : span.end], span=span, in_title=True)
    return None
