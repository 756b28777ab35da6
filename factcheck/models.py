"""Pydantic models for every data contract that crosses a module boundary.

Beside them, the few rules every layer must apply alike: the verdict of an article on a claim
it states and the letters that stand for articles. The usage ledger a report carries, and how a
cost is written for people, are in ``factcheck.usage``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

# The usage ledger is a contract too (a report carries it); defined in factcheck.usage, its names
# import from here as well.
from factcheck.usage import StageUsage as StageUsage
from factcheck.usage import Usage as Usage
from factcheck.usage import usd as usd

# Claims are listed one per line in later prompts, so a claim's wording never spans lines.
ClaimText = Annotated[str, AfterValidator(lambda text: " ".join(text.split()))]


class Label(StrEnum):
    """How one article stands towards one claim. Spelled as in the JSON contract."""

    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    NOT_MENTIONED = "not_mentioned"
    # Not a judgement: the answer for this cell could not be obtained. Never counted as a label.
    UNRESOLVED = "unresolved"


class Span(BaseModel):
    """Character offsets ``[start, end)`` into an article's original text."""

    start: int
    end: int


class BoilerplateLine(BaseModel):
    """A line of an article recognised as boilerplate; never a source of claims."""

    span: Span
    text: str
    reason: str


class Article(BaseModel):
    """One article of a cluster, with its original text and the boilerplate found in it."""

    id: str = Field(description="The article file's stem.")
    title: str
    text: str = Field(description="The body as loaded; every offset points into it.")
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    boilerplate: list[BoilerplateLine] = Field(default_factory=list)


class Cluster(BaseModel):
    """Several articles about one event."""

    id: str
    name: str
    articles: list[Article]
    warnings: list[str] = Field(
        default_factory=list,
        description="What loading set aside or had to guess (files, encodings), one line each.",
    )

    def article(self, article_id: str) -> Article:
        """Return the article with this id."""
        for article in self.articles:
            if article.id == article_id:
                return article
        raise KeyError(article_id)


def article_aliases(article_ids: list[str]) -> dict[str, str]:
    """Short letters for articles (A, B, ..., Z, AA, AB, ...) to keep claim ids cheap.

    The merge prompt's claim ids (``B3``) and the report's columns use the same letters.
    """
    aliases: dict[str, str] = {}
    for n, article_id in enumerate(article_ids):
        letters = ""
        n += 1
        while n:
            n, rem = divmod(n - 1, 26)
            letters = chr(ord("A") + rem) + letters
        aliases[article_id] = letters
    return aliases


class Quote(BaseModel):
    """A verbatim passage of an article and where it stands."""

    text: str
    span: Span = Field(description="Offsets into the body, or into the title when in_title.")
    # A headline is a source too: a figure only the headline gives is still published.
    in_title: bool = False


class ExtractedClaim(BaseModel):
    """A claim as one article states it: the fact, and apart from it who and when."""

    article_id: str
    text: ClaimText = Field(description="The statement: the fact itself, no 'X said' wrapper.")
    attributed_to: str | None = Field(
        default=None, description="Whom the article credits; None when the outlet asserts it."
    )
    as_of: str | None = Field(
        default=None, description="The time the article ties the fact to, as it words it."
    )
    quote: Quote


class CanonicalClaim(BaseModel):
    """A claim after merging: one fact, the articles that state it, and their own quotes."""

    id: str
    text: ClaimText
    sources: list[str] = Field(description="Ids of the articles that state the claim.")
    quotes: dict[str, Quote] = Field(
        default_factory=dict, description="Article id -> the quote that states the claim there."
    )
    attributed_to: dict[str, str] = Field(
        default_factory=dict,
        description="Source article id -> whom that article credits; absent when it asserts it.",
    )
    as_of: dict[str, str] = Field(
        default_factory=dict, description="Source article id -> the time it ties the fact to."
    )


class Verdict(BaseModel):
    """How one article stands towards one canonical claim, with its evidence."""

    claim_id: str
    article_id: str
    label: Label
    evidence: str | None = None
    rationale: str = ""
    evidence_span: Span | None = None
    attributed_to: str | None = Field(
        default=None, description="Whom this article credits the statement to, if anyone."
    )
    from_title: bool = Field(
        default=False, description="The evidence is the article's headline, not its body."
    )


DisputeKind = Literal["number", "date", "place", "person", "attribution", "happened", "update"]
DISPUTE_KINDS: tuple[DisputeKind, ...] = (
    "number",
    "date",
    "place",
    "person",
    "attribution",
    "happened",
    "update",
)


class DisputeVersion(BaseModel):
    """One side of a dispute: a canonical claim and the articles that carry it.

    In an ``attribution`` dispute every version has the same claim and differs in whom its
    articles credit; in an ``update`` the versions run from the earliest figure to the latest.
    """

    claim_id: str = Field(description="The claim that states this version, carried by most.")
    articles: list[str]
    also: list[str] = Field(
        default_factory=list,
        description="Other claims that state the same version in other words; the version's "
        "articles carry one of them or ``claim_id``.",
    )
    label: str | None = Field(
        default=None, description="What tells this version apart, e.g. 'four', when known."
    )

    @property
    def claim_ids(self) -> list[str]:
        """Every claim that states this version, ``claim_id`` first."""
        return [self.claim_id, *self.also]


class Dispute(BaseModel):
    """One point the articles disagree on, with its competing versions."""

    id: str
    question: str = Field(description="The point in question, e.g. 'How many were injured?'")
    kind: DisputeKind
    versions: list[DisputeVersion]


STATED_RATIONALE = "The article states this claim: it was extracted from it."


def stated_verdict(claim: CanonicalClaim, article_id: str) -> Verdict:
    """An article supports a claim it states, by construction, with its own quote."""
    quote = claim.quotes[article_id]
    return Verdict(
        claim_id=claim.id,
        article_id=article_id,
        label=Label.SUPPORTED,
        evidence=quote.text,
        evidence_span=quote.span,
        rationale=STATED_RATIONALE,
        attributed_to=claim.attributed_to.get(article_id),
        from_title=quote.in_title,
    )



ExtractionStatus = Literal["ok", "partial", "failed"]
"""How one article's extraction went: ``ok`` (a valid answer), ``partial`` (the answer stayed
invalid; its verifiable claims were kept), ``failed`` (no claim could be obtained)."""


class Report(BaseModel):
    """Everything one run found about a cluster; every renderer reads only this."""

    cluster: str
    cluster_name: str
    model: str
    backend: Literal["llm", "lexical"] = Field(
        default="llm", description="llm: a model made it; lexical: the model-free baseline."
    )
    prompts: dict[str, str]
    articles: list[Article]
    claims: list[CanonicalClaim]
    verdicts: list[Verdict]
    disputes: list[Dispute] = Field(default_factory=list)
    usage: Usage
    warnings: list[str] = Field(default_factory=list)
    extraction: dict[str, ExtractionStatus] = Field(
        default_factory=dict,
        description="Per article id, how its extraction went; empty when no model extracted "
        "(claims given by an editor, or the lexical baseline). The reasons are in warnings.",
    )

    @property
    def failed_extractions(self) -> list[str]:
        """Ids of the articles whose extraction failed: their claims are missing."""
        return [a.id for a in self.articles if self.extraction.get(a.id) == "failed"]

    def to_contract(self) -> dict:
        """The ``--format json`` document, with exactly the keys DESIGN.md fixes."""
        return {
            "cluster": self.cluster,
            "model": self.model,
            "prompts": dict(self.prompts),
            "articles": [
                {"id": a.id, "title": a.title, "extraction": self.extraction.get(a.id)}
                for a in self.articles
            ],
            "claims": [
                {"id": c.id, "text": c.text, "sources": list(c.sources), "as_of": dict(c.as_of)}
                for c in self.claims
            ],
            "verdicts": [
                {
                    "claim_id": v.claim_id,
                    "article_id": v.article_id,
                    "label": v.label.value,
                    "evidence": v.evidence,
                    "rationale": v.rationale,
                    "attributed_to": v.attributed_to,
                    "from_title": v.from_title,
                }
                for v in self.verdicts
            ],
            "disputes": [
                {
                    "id": d.id,
                    "question": d.question,
                    "kind": d.kind,
                    "versions": [
                        {
                            "claim_id": v.claim_id,
                            "articles": list(v.articles),
                            "also": list(v.also),
                            "label": v.label,
                        }
                        for v in d.versions
                    ],
                }
                for d in self.disputes
            ],
            "usage": {
                "calls": self.usage.calls,
                "input_tokens": self.usage.input_tokens,
                "output_tokens": self.usage.output_tokens,
                "store_hits": self.usage.store_hits,
                "cut_off": self.usage.cut_off,
                "cost_usd": self.usage.cost_usd,
                "stages": {name: s.model_dump() for name, s in self.usage.stages.items()},
            },
            "warnings": list(self.warnings),
        }
