"""Finding a model's quote in an article: verbatim, up to whitespace and typographic quotes.

An article is its body and its headline: a figure only the headline gives is still published,
so a quote may come from either; the body is searched first.

Nothing looser is allowed on purpose. A fuzzy match would let a paraphrase pass as evidence, and
the whole point of a quote is that an editor can find it, word for word, in the article.
"""

from __future__ import annotations

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


@lru_cache(maxsize=128)
def _normalise_with_offsets(text: str) -> tuple[str, tuple[int, ...]]:
    """Fold typographic quotes and whitespace runs; remember each kept char's original offset.

    Cached: validators check every quote of an answer against the same article text.
    """
    chars: list[str] = []
    offsets: list[int] = []
    in_space = False
    for i, ch in enumerate(text.translate(_TYPOGRAPHIC)):
        if ch.isspace():
            if not in_space:
                chars.append(" ")
                offsets.append(i)
            in_space = True
            continue
        in_space = False
        chars.append(ch)
        offsets.append(i)
    return "".join(chars), tuple(offsets)


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


def find_in_article(article: Article, quote: str) -> Span | None:
    """Find ``quote`` in the article's text, never inside a boilerplate line."""
    return find_quote(article.text, quote, [line.span for line in article.boilerplate])


def quote_in_article(article: Article, quote: str) -> Quote | None:
    """The passage ``quote`` as it stands in the article, or ``None`` when it is not there.

    The body (outside boilerplate) is searched first, then the headline; a headline match is
    marked ``in_title`` and its span indexes the title.
    """
    span = find_in_article(article, quote)
    if span is not None:
        return Quote(text=article.text[span.start : span.end], span=span)
    span = find_quote(article.title, quote)
    if span is not None:
        return Quote(text=article.title[span.start : span.end], span=span, in_title=True)
    return None
