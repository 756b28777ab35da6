"""Render a Report as one self-contained HTML file: no CDN, no fonts, nothing fetched.

The page is a Jinja2 template with autoescaping on. Everything the inline script needs (article
texts, evidence offsets) travels as JSON inside ``<script type="application/json">`` with every
``<``, ``>`` and ``&`` escaped, so no article or model text can end the script element; the
script builds the evidence panel from DOM nodes and ``textContent`` only. Ordering, symbols and
counts come from ``ReportView``, so the HTML agrees with the terminal and Markdown reports.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader

from factcheck.models import Article, Label, Report, Span, Verdict, usd
from factcheck.quotes import find_in_article, find_quote, normalise
from factcheck.render.view import SINGLE_ARTICLE_NOTE, STATED, SYMBOLS, ClaimRow, ReportView

TEMPLATE = "report.html.j2"


def render_html(report: Report, *, generated: datetime | None = None) -> str:
    """The report as one HTML document; ``generated`` defaults to now (UTC)."""
    context = _context(ReportView.of(report), generated or datetime.now(UTC))
    return _environment().get_template(TEMPLATE).render(**context)


@cache
def _environment() -> Environment:
    # Autoescape on for every template, whatever its file name.
    return Environment(
        loader=PackageLoader("factcheck.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def script_json(data: Any) -> str:
    """JSON that is inert inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left raw."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) link, else ``None`` (no ``javascript:`` hrefs)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _context(view: ReportView, generated: datetime) -> dict[str, Any]:
    report = view.report
    symbols = {key: {"symbol": s, "meaning": m} for key, (s, _, m) in SYMBOLS.items()}
    rows = [_row(view, row) for row in view.rows]
    return {
        "report": report,
        "notice": view.notice,
        "generated": generated.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "usage": report.usage,
        "cost": _cost(report),
        "stages": report.usage.stages,
        "store_hits": getattr(report.usage, "store_hits", 0),
        "counts": {
            "articles": len(report.articles),
            "claims": len(report.claims),
            "contradicted": sum(1 for row in view.rows if row.contradicted),
            "few_sources": sum(1 for row in view.rows if row.group == 1),
            "unresolved": sum(
                1 for row in view.rows for *_, key in row.cells if key == "unresolved"
            ),
        },
        "single_article_note": SINGLE_ARTICLE_NOTE if len(report.articles) == 1 else None,
        "legend": [{"key": str(key), **symbols[key]} for key in SYMBOLS],
        "articles": [_article(view, article) for article in report.articles],
        "rows": rows,
        "contradictions": [r for r in rows if r["contradicts"]],
        "unresolved": [
            {"claim": cell["claim_id"], "article": cell["alias"], "reason": cell["rationale"]}
            for r in rows
            for cell in r["cells"]
            if cell["key"] == "unresolved"
        ],
        "warnings": list(report.warnings),
        "data_json": script_json(_payload(view, symbols)),
    }


def _cost(report: Report) -> str:
    """The estimated cost, spelt as in the terminal report."""
    return usd(report.usage.cost_usd)


def _row(view: ReportView, row: ClaimRow) -> dict[str, Any]:
    claim = row.claim
    cells = []
    mentions = []
    for article, verdict, key in row.cells:
        symbol, _, meaning = SYMBOLS[key]
        alias = view.aliases[article.id]
        if key not in (Label.NOT_MENTIONED, Label.UNRESOLVED):
            mentions.append(article.id)
        rationale = verdict.rationale if verdict else ""
        if key == Label.UNRESOLVED and verdict is None:
            rationale = "no verdict was recorded for this cell"
        label = f"{claim.id} × {alias} ({view.outlet(article)}): {meaning}"
        cells.append(
            {
                "article": article.id,
                "alias": alias,
                "claim_id": claim.id,
                "key": str(key),
                "symbol": symbol,
                "aria": label,
                "title": f"{label}. {rationale}" if rationale else label,
                "rationale": rationale,
            }
        )
    return {
        "id": claim.id,
        "text": claim.text,
        "group": row.group,
        "source_count": len(claim.sources),
        "supports": sum(key == Label.SUPPORTED for *_, key in row.cells),
        "carried": row.carried_by,
        "contradicts": row.contradicted,
        "mentions": json.dumps(mentions, ensure_ascii=False),
        "cells": cells,
        "quotes": [
            {"alias": view.aliases.get(s, s), "outlet": _outlet_of(view, s), "text": q.text}
            for s, q in claim.quotes.items()
        ],
        "against": [
            {
                "article": a.id,
                "alias": view.aliases[a.id],
                "outlet": view.outlet(a),
                "evidence": v.evidence if v else None,
                "rationale": v.rationale if v else "",
            }
            for a, v, key in row.cells
            if key == Label.CONTRADICTED
        ],
    }


def _outlet_of(view: ReportView, article_id: str) -> str:
    for article in view.report.articles:
        if article.id == article_id:
            return view.outlet(article)
    return article_id


def _article(view: ReportView, article: Article) -> dict[str, Any]:
    keys = [key for row in view.rows for a, _, key in row.cells if a.id == article.id]
    return {
        "id": article.id,
        "alias": view.aliases[article.id],
        "outlet": view.outlet(article),
        "title": article.title,
        "published": article.published,
        "url": article.url,
        "href": safe_url(article.url),
        "states": keys.count(STATED),
        "supports": keys.count(Label.SUPPORTED),
        "contradicts": keys.count(Label.CONTRADICTED),
        "carries": sum(k in (STATED, Label.SUPPORTED) for k in keys),
        "boilerplate": [{"text": b.text, "reason": b.reason} for b in article.boilerplate],
    }


def _payload(view: ReportView, symbols: dict[str, dict[str, str]]) -> dict[str, Any]:
    """What the evidence panel needs. Offsets are UTF-16 code units, as JavaScript counts."""
    articles = {}
    units = {}
    for article in view.report.articles:
        units[article.id] = _utf16_offsets(article.text)
        articles[article.id] = {
            "alias": view.aliases[article.id],
            "outlet": view.outlet(article),
            "title": article.title,
            "published": article.published,
            "text": article.text,
            "boilerplate": [
                _js_span(units[article.id], b.span) | {"reason": b.reason}
                for b in article.boilerplate
            ],
        }
    by_id = {a.id: a for a in view.report.articles}
    claims = {}
    cells: dict[str, dict[str, Any]] = {}
    for row in view.rows:
        claim = row.claim
        quotes = {}
        for source, quote in claim.quotes.items():
            if source not in by_id:
                continue
            span = _checked(by_id[source], quote.span) or find_quote(by_id[source].text, quote.text)
            quotes[source] = {"text": quote.text} | (_js_span(units[source], span) if span else {})
        claims[claim.id] = {"text": claim.text, "sources": list(claim.sources), "quotes": quotes}
        cells[claim.id] = {}
        for article, verdict, key in row.cells:
            cells[claim.id][article.id] = _cell(units[article.id], article, verdict, key, quotes)
    return {"symbols": symbols, "articles": articles, "claims": claims, "cells": cells}


def _cell(
    units: list[int] | None,
    article: Article,
    verdict: Verdict | None,
    key: str,
    quotes: dict[str, dict[str, Any]],
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
        return cell | {"evidence": own["text"], "start": own["start"], "end": own["end"]}
    span = _evidence_span(article, verdict)
    return cell | (_js_span(units, span) if span is not None else {})


def _evidence_span(article: Article, verdict: Verdict | None) -> Span | None:
    """Where the evidence stands: the recorded span when it fits the text, else a search."""
    if verdict is None or not verdict.evidence:
        return None
    span = verdict.evidence_span
    # Trust the recorded span only when it holds the quote (up to whitespace and quotes).
    if (
        span is not None
        and _checked(article, span)
        and normalise(article.text[span.start : span.end]) == normalise(verdict.evidence)
    ):
        return span
    return find_in_article(article, verdict.evidence) or find_quote(article.text, verdict.evidence)


def _checked(article: Article, span: Span) -> Span | None:
    return span if 0 <= span.start < span.end <= len(article.text) else None


def _utf16_offsets(text: str) -> list[int] | None:
    """Prefix lengths in UTF-16 code units, or ``None`` when every char is one unit."""
    if all(ord(ch) < 0x10000 for ch in text):
        return None
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + (2 if ord(ch) >= 0x10000 else 1))
    return prefix


def _js_span(units: list[int] | None, span: Span) -> dict[str, int]:
    if units is None:
        return {"start": span.start, "end": span.end}
    return {"start": units[span.start], "end": units[span.end]}
