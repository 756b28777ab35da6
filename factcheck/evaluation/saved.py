"""Read a saved ``report --format json`` document back into a ``Report`` the eval can score.

The JSON contract (DESIGN.md) keeps claims, verdicts and, since 2026-11-29, disputes, per-verdict
``attributed_to`` and ``from_title``, each article's ``extraction`` status, and warnings.
Reports written before then lack those: they read as a report with no disputes, no
attributions and no extraction status. Keys the contract may add later are
ignored. What the contract leaves out is rebuilt where it can be:

- a claim's quote in a source article is that article's verdict evidence (an article supports
  a claim it states, quoting itself); its span is found in the article when the cluster folder
  is given, so boilerplate quotes can be judged;
- whom a source article credits a claim to is that verdict's ``attributed_to``.

Without the cluster folder the articles have no text: the eval then leaves ``noise_violations``
out rather than judging quotes against nothing. Every problem is one ``InputError`` line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from factcheck.errors import InputError
from factcheck.models import (
    Article,
    CanonicalClaim,
    ClaimText,
    Cluster,
    Dispute,
    ExtractionStatus,
    Label,
    Quote,
    Report,
    StageUsage,
    Usage,
    Verdict,
)
from factcheck.quotes import find_quote

LEXICAL_MODEL_PREFIX = "lexical-baseline"


class _Loose(BaseModel):
    # Later additions to the contract must not stop an older eval from reading a report.
    model_config = ConfigDict(extra="ignore")


class _Article(_Loose):
    id: str
    title: str = ""
    extraction: ExtractionStatus | None = None


class _Claim(_Loose):
    id: str
    text: ClaimText
    sources: list[str] = Field(default_factory=list)
    as_of: dict[str, str] = Field(default_factory=dict)


class _Verdict(_Loose):
    claim_id: str
    article_id: str
    label: Label
    evidence: str | None = None
    rationale: str | None = ""
    attributed_to: str | None = None
    from_title: bool = False


class _Usage(_Loose):
    stages: dict[str, StageUsage] = Field(default_factory=dict)
    cost_usd: float | None = None


class SavedReport(_Loose):
    """The ``report --format json`` document, old (before 2026-11-29) or new."""

    cluster: str
    model: str
    prompts: dict[str, str] = Field(default_factory=dict)
    articles: list[_Article]
    claims: list[_Claim]
    verdicts: list[_Verdict]
    disputes: list[Dispute] = Field(default_factory=list)
    usage: _Usage = Field(default_factory=_Usage)
    warnings: list[str] = Field(default_factory=list)


def load_report(path: str | Path, cluster: Cluster | None = None) -> Report:
    """Read the JSON report at ``path``; with ``cluster``, its articles must be the folder's.

    Raises ``InputError`` for an unreadable file, JSON that is not a factcheck report, or ids
    that do not fit together (a verdict or a dispute naming an unknown claim or article).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the report ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a JSON report ({_first_line(exc)})") from exc
    return report_from_contract(data, cluster, where=str(path))


def report_from_contract(
    data: Any, cluster: Cluster | None = None, where: str = "report"
) -> Report:
    """Build a ``Report`` from a parsed ``report --format json`` document (see ``load_report``)."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: not a factcheck JSON report (expected an object)")
    try:
        saved = SavedReport.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        place = ".".join(str(part) for part in error["loc"])
        raise InputError(f"{where}: not a factcheck JSON report ({place}: {error['msg']})") from exc
    articles = _articles(saved, cluster, where)
    _check_ids(saved, where)
    by_article = {a.id: a for a in articles}
    stated = {(v.claim_id, v.article_id): v for v in saved.verdicts}
    claims = [_claim(c, stated, by_article) for c in saved.claims]
    return Report(
        cluster=saved.cluster,
        cluster_name=cluster.name if cluster else saved.cluster,
        model=saved.model,
        backend="lexical" if saved.model.startswith(LEXICAL_MODEL_PREFIX) else "llm",
        prompts=saved.prompts,
        articles=articles,
        claims=claims,
        verdicts=[
            Verdict(**v.model_dump(exclude={"rationale"}), rationale=v.rationale or "")
            for v in saved.verdicts
        ],
        disputes=saved.disputes,
        usage=Usage(stages=saved.usage.stages, cost_usd=saved.usage.cost_usd),
        warnings=saved.warnings,
        extraction={a.id: a.extraction for a in saved.articles if a.extraction},
    )


def _articles(saved: SavedReport, cluster: Cluster | None, where: str) -> list[Article]:
    ids = [a.id for a in saved.articles]
    if len(set(ids)) != len(ids):
        raise InputError(f"{where}: an article id is listed twice")
    if cluster is None:
        return [Article(id=a.id, title=a.title, text="") for a in saved.articles]
    folder = {a.id for a in cluster.articles}
    extra = [i for i in ids if i not in folder]
    missing = [a.id for a in cluster.articles if a.id not in set(ids)]
    if extra or missing:
        said = []
        if extra:
            said.append(f"the report has {', '.join(extra)}, which the folder does not")
        if missing:
            said.append(f"the folder has {', '.join(missing)}, which the report does not")
        raise InputError(
            f"{where}: not a report of the cluster folder {cluster.id} ({'; '.join(said)})"
        )
    order = {article_id: n for n, article_id in enumerate(ids)}
    return sorted(cluster.articles, key=lambda a: order[a.id])


def _check_ids(saved: SavedReport, where: str) -> None:
    articles = {a.id for a in saved.articles}
    claims: set[str] = set()
    for claim in saved.claims:
        if claim.id in claims:
            raise InputError(f"{where}: claim {claim.id} is listed twice")
        claims.add(claim.id)
        unknown = [a for a in claim.sources if a not in articles]
        if unknown:
            raise InputError(f"{where}: claim {claim.id} names unknown article(s) {unknown}")
    for verdict in saved.verdicts:
        if verdict.claim_id not in claims or verdict.article_id not in articles:
            raise InputError(
                f"{where}: a verdict names claim {verdict.claim_id} and article "
                f"{verdict.article_id}, which the report does not list"
            )
    for dispute in saved.disputes:
        for version in dispute.versions:
            unknown = [a for a in version.articles if a not in articles]
            named = [c for c in version.claim_ids if c not in claims]
            if named or unknown:
                raise InputError(
                    f"{where}: dispute {dispute.id} names claim(s) {named or version.claim_ids}"
                    f" or articles {version.articles}, which the report does not list"
                )


def _claim(
    claim: _Claim, stated: dict[tuple[str, str], _Verdict], articles: dict[str, Article]
) -> CanonicalClaim:
    quotes: dict[str, Quote] = {}
    credits: dict[str, str] = {}
    for article_id in claim.sources:
        verdict = stated.get((claim.id, article_id))
        if verdict is None:
            continue
        if verdict.attributed_to:
            credits[article_id] = verdict.attributed_to
        article = articles[article_id]
        # A headline is never boilerplate; a body quote is located to judge its line, on
        # boilerplate too (that is what the noise score looks for).
        if verdict.evidence and article.text and not verdict.from_title:
            span = find_quote(article.text, verdict.evidence)
            if span is not None:
                quotes[article_id] = Quote(text=verdict.evidence, span=span)
    return CanonicalClaim(
        id=claim.id,
        text=claim.text,
        sources=claim.sources,
        quotes=quotes,
        attributed_to=credits,
        as_of={a: when for a, when in claim.as_of.items() if a in claim.sources},
    )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
