"""The tiny inputs ``factcheck doctor`` sends: a fictional story of two short articles.

Written for factcheck, never taken from the news. Small on purpose: each request costs a few
hundred tokens, and its output budget is sized from it like any other.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from factcheck.models import Article, CanonicalClaim, ExtractedClaim
from factcheck.quotes import quote_in_article

ARTICLES = [
    Article(
        id="doctor-a",
        title="Brackwater library reopens after flood repairs",
        text="The Brackwater library reopened on Saturday after six weeks of repairs. "
        "The council said the repairs cost 40,000 pounds.",
        outlet="Brackwater Post",
        published="2026-03-02",
    ),
    Article(
        id="doctor-b",
        title="Library open again in Brackwater",
        text="Brackwater's library opened its doors again on Saturday. Repairs after the "
        "flood took six weeks, according to the head librarian.",
        outlet="Valley Radio",
        published="2026-03-02",
    ),
]


def _claim(article: Article, text: str, quote: str, credit: str | None = None) -> ExtractedClaim:
    found = quote_in_article(article, quote)
    if found is None:  # a test holds this: the sample's own quotes are verbatim
        raise AssertionError(f"doctor sample: {quote!r} is not in {article.id}")
    return ExtractedClaim(article_id=article.id, text=text, attributed_to=credit, quote=found)


# What the merge request lists: two claims state one fact (A1, B1), the others stand alone.
EXTRACTED = [
    _claim(ARTICLES[0], "The Brackwater library reopened on Saturday.",
           "The Brackwater library reopened on Saturday"),
    _claim(ARTICLES[0], "The repairs cost 40,000 pounds.", "the repairs cost 40,000 pounds",
           "the council"),
    _claim(ARTICLES[1], "Brackwater's library reopened on Saturday.",
           "Brackwater's library opened its doors again on Saturday"),
    _claim(ARTICLES[1], "The flood repairs took six weeks.",
           "Repairs after the flood took six weeks", "the head librarian"),
]  # fmt: skip

# What the check request asks the second article about: one it supports, one it does not say.
CLAIMS = [
    CanonicalClaim(id="c1", text="The repairs took six weeks.", sources=["doctor-a"]),
    CanonicalClaim(id="c2", text="The repairs cost 40,000 pounds.", sources=["doctor-a"]),
]


class CapitalProbe(BaseModel):
    """The city the question names, and its country."""

    city: str = Field(min_length=1)
    country: str = Field(min_length=1)


# One tiny request per output mode: does the server take the mode, and is the answer in shape?
PROBE_MESSAGES = [
    {"role": "system", "content": "You answer in JSON."},
    {"role": "user", "content": "Paris is the capital of France. Give the city and its "
     "country as a JSON object with the keys city and country."},
]  # fmt: skip
PROBE_BUDGET = 64
