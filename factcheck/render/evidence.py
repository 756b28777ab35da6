"""The evidence panel's data: every quote and piece of evidence located in its article.

The HTML report's script highlights a cell's evidence in the article it comes from; this finds
each quote (the recorded span when it holds, else a search of the body, then the headline) and
gives its offsets in UTF-16 code units, as JavaScript counts them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from factcheck.models import Article, Span, Verdict
from factcheck.quotes import find_in_article, find_quote, normalise
from factcheck.render.view import STATED, ReportView, long_date


def evidence_payload(view: ReportView, symbols: dict[str, dict[str, str]]) -> dict[str, Any]:
    """What the evidence panel needs. Offsets are UTF-16 code units, as JavaScript counts.

    A quote or evidence from the headline carries ``in_title`` and offsets into the title.
    """
    articles = {}
    for article in view.report.articles:
        units = _utf16_offsets(article.text)
        articles[article.id] = {
            "alias": view.aliases[article.id],
            "outlet": view.outlet(article),
            "title": article.title,
            "published": long_date(article.published),
            "text": article.text,
            "boilerplate": [
                _js_span(units, b.span) | {"reason": b.reason} for b in article.boilerplate
            ],
        }
    by_id = {a.id: a for a in view.report.articles}
    claims = {}
    cells: dict[str, dict[str, Any]] = {}
    for row in view.rows:
        claim = row.claim
        quotes = {}
        for source, quote in claim.quotes.items():
            if source in by_id:
                where = _locate(by_id[source], quote.text, quote.span, quote.in_title)
                quotes[source] = {"text": quote.text} | where
        claims[claim.id] = {"text": claim.text, "sources": list(claim.sources), "quotes": quotes}
        cells[claim.id] = {}
        for article, verdict, key in row.cells:
            cells[claim.id][article.id] = _cell(article, verdict, key, quotes)
    return {"symbols": symbols, "articles": articles, "claims": claims, "cells": cells}


def _cell(
    article: Article, verdict: Verdict | None, key: str, quotes: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    cell: dict[str, Any] = {
        "key": str(key),
        "label": verdict.label.value if verdict else None,
        "evidence": verdict.evidence if verdict else None,
        "rationale": verdict.rationale if verdict else "no verdict was recorded for this cell",
    }
    own = quotes.get(article.id, {})
    if key == STATED and "start" in own:
        # A source states the claim by construction: its own quote is the evidence.
        return (
            cell
            | {"evidence": own["text"]}
            | {k: own[k] for k in ("start", "end", "in_title") if k in own}
        )
    if verdict is None or not verdict.evidence:
        return cell
    return cell | _locate(article, verdict.evidence, verdict.evidence_span, verdict.from_title)


def _locate(article: Article, quote: str, span: Span | None, in_title: bool) -> dict[str, Any]:
    """Where a quote stands, as offsets for the script.

    The recorded span when it holds the quote, else a search of the body (outside boilerplate),
    then of the headline.
    """
    if in_title:
        found = _holds(article.title, span, quote) or find_quote(article.title, quote)
        if found:
            return {"in_title": True} | _js_span(_utf16_offsets(article.title), found)
    found = (
        (None if in_title else _holds(article.text, span, quote))
        or find_in_article(article, quote)
        or find_quote(article.text, quote)
    )
    if found:
        return _js_span(_utf16_offsets(article.text), found)
    # The headline is a source too, even when the answer did not say so.
    found = find_quote(article.title, quote)
    if found:
        return {"in_title": True} | _js_span(_utf16_offsets(article.title), found)
    return {}


def _holds(text: str, span: Span | None, quote: str) -> Span | None:
    """The recorded span, trusted only when it fits the text and holds the quote."""
    if span is None or not 0 <= span.start < span.end <= len(text):
        return None
    return span if normalise(text[span.start : span.end]) == normalise(quote) else None


@lru_cache(maxsize=256)
def _utf16_offsets(text: str) -> tuple[int, ...] | None:
    """Prefix lengths in UTF-16 code units, or ``None`` when every char is one unit."""
    if all(ord(ch) < 0x10000 for ch in text):
        return None
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + (2 if ord(ch) >= 0x10000 else 1))
    return tuple(prefix)


def _js_span(units: tuple[int, ...] | None, span: Span) -> dict[str, int]:
    if units is None:
        return {"start": span.start, "end": span.end}
    return {"start": units[span.start], "end": units[span.end]}
