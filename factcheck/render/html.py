"""Render a Report as one self-contained HTML file: no CDN, no fonts, nothing fetched.

The page is a Jinja2 template with autoescaping on. Everything the inline script needs (article
texts, evidence offsets) travels as JSON inside ``<script type="application/json">`` with every
``<``, ``>`` and ``&`` escaped, so no article or model text can end the script element; the
script builds the evidence panel from DOM nodes and ``textContent`` only. Sections, ordering,
symbols and counts come from ``ReportView`` and ``Digest``, so the HTML agrees with the terminal
and Markdown reports; the evidence panel's data (quotes located in their articles) comes from
``evidence``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader

from factcheck.models import Article, Label, Report
from factcheck.render.conflicts import ConflictView
from factcheck.render.digest import FIRST_FEW, Digest, DisputeView, carried
from factcheck.render.evidence import evidence_payload
from factcheck.render.sides import Side
from factcheck.render.view import (
    STATED,
    SYMBOLS,
    ClaimRow,
    ReportView,
    long_date,
    quoted,
    usage_line,
)
from factcheck.usage import usd

TEMPLATE = "report.html.j2"


def render_html(report: Report, *, generated: datetime | None = None) -> str:
    """The report as one HTML document; ``generated`` defaults to now (UTC)."""
    context = _context(ReportView.of(report), generated or datetime.now(UTC))
    return _environment().get_template(TEMPLATE).render(**context)


@cache
def _environment() -> Environment:
    # Autoescape on for every template, whatever its file name.
    env = Environment(
        loader=PackageLoader("factcheck.render", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Marks are part of the text (never CSS ``quotes``), so a quote that opens with its own
    # quotation mark is not doubled; the result is still autoescaped.
    env.filters["quoted"] = quoted
    return env


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
    digest = Digest.of(view)
    symbols = {key: {"symbol": s, "meaning": m} for key, (s, _, m) in SYMBOLS.items()}
    rows = [_row(view, row) for row in view.rows]
    n = len(report.articles)
    return {
        "report": report,
        "notice": view.notice,
        "generated": generated.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "lexical": report.backend == "lexical",
        "usage": usage_line(report, with_cost=False).removeprefix("Usage: "),
        "cost": _cost(report),
        "counts": digest.counts_line(),
        "unresolved_count": len(view.unresolved),
        "single_article_note": view.single_article_note,
        "legend": [{"key": str(key), **symbols[key]} for key in SYMBOLS],
        "articles": [_article(view, article) for article in report.articles],
        "rows": rows,
        "disputes": [_dispute(view, d) for d in digest.to_act_on],
        "updates": [_dispute(view, d) for d in digest.updates],
        "conflicts": [_conflict(view, c) for c in digest.conflicts],
        "conflicts_title": digest.conflicts_title,
        "figures": [_figure(view, f) for f in digest.figures],
        "agreed": [
            {
                "id": r.claim.id,
                "text": r.claim.text,
                "count": f"{r.carried_by} of {n}",
                "carried": carried(view, r),
            }
            for r in digest.agreed
        ],
        "agreed_at": digest.agreed_at,
        "single": [
            {
                "id": r.claim.id,
                "text": r.claim.text,
                "name": view.name(r.carriers[0]),
                "article": r.carriers[0].id,
            }
            for r in digest.single
        ],
        "first_few": FIRST_FEW,
        "unresolved": [
            {"claim": v.claim_id, "article": view.name(v.article_id), "reason": v.rationale}
            for v in view.unresolved
        ],
        "warnings": list(report.warnings),
        "data_json": script_json(evidence_payload(view, symbols)),
    }


def _cost(report: Report) -> str | None:
    """The estimated cost, spelt as in the terminal report; only when calls were paid for."""
    if report.backend == "lexical" or not report.usage.calls:
        return None
    return usd(report.usage.cost_usd)


def _side(side: Side, claim_text: str | None, credit: bool = True) -> dict:
    return {
        "article": side.article.id,
        "claim": side.claim_id,
        "name": side.name,
        "notes": "; ".join(side.notes(credit=credit)),
        "quote": None if side.is_claim(claim_text) else side.quote,
        "in_these_words": side.is_claim(claim_text),
        "rationale": side.rationale,
    }


def _dispute(view: ReportView, dispute: DisputeView) -> dict[str, Any]:
    attribution = dispute.dispute.kind == "attribution"
    return {
        "id": dispute.dispute.id,
        "kind": dispute.dispute.kind,
        "question": dispute.dispute.question,
        "figures": dispute.figures(view),
        "claims": sorted({v.claim.id for v in dispute.versions}),
        "statement": dispute.versions[0].claim if attribution else None,
        "versions": [
            {
                "label": v.label,
                "claim": v.claim,
                "sides": [
                    _side(s, None if attribution else v.claim.text, not attribution)
                    for s in v.sides
                ],
            }
            for v in dispute.versions
        ],
    }


def _conflict(view: ReportView, conflict: ConflictView) -> dict[str, Any]:
    return {
        "summary": conflict.summary(view),
        "claims": [
            {"claim": claim, "sides": [_side(s, claim.text) for s in sides]}
            for claim, sides in conflict.claims
        ],
        "against": [_side(s, None) for s in conflict.against],
        "reasons": conflict.reasons,
    }


def _figure(view: ReportView, figure: DisputeView | ClaimRow) -> dict[str, Any]:
    if isinstance(figure, DisputeView):
        return {
            "dispute": figure.dispute.id,
            "text": f"{figure.dispute.question} {figure.figures(view)}",
            "where": "update" if figure.is_update else "disputed",
        }
    return {"id": figure.claim.id, "text": figure.claim.text, "carried": carried(view, figure)}


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
        label = f"{claim.id} × {view.name(article)}: {meaning}"
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
        "disputes": " ".join(row.disputes),
        "source_count": len(claim.sources),
        "supports": sum(key == Label.SUPPORTED for *_, key in row.cells),
        "carried": row.carried_by,
        "contradicts": row.contradicted,
        "mentions": json.dumps(mentions, ensure_ascii=False),
        "cells": cells,
    }


def _article(view: ReportView, article: Article) -> dict[str, Any]:
    keys = [key for row in view.rows for a, _, key in row.cells if a.id == article.id]
    return {
        "id": article.id,
        "alias": view.aliases[article.id],
        "outlet": view.outlet(article),
        "title": article.title,
        "published": article.published,
        "date": long_date(article.published),
        "url": article.url,
        "href": safe_url(article.url),
        "states": keys.count(STATED),
        "supports": keys.count(Label.SUPPORTED),
        "contradicts": keys.count(Label.CONTRADICTED),
        "carries": sum(k in (STATED, Label.SUPPORTED) for k in keys),
        "boilerplate": [{"text": b.text, "reason": b.reason} for b in article.boilerplate],
    }
