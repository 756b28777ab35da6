"""Output budgets: the most tokens each stage's answer may take, sized from its request.

Every call carries one (``max_tokens``), so a model that runs on, or loops, stops there: a
local model without a schema once wrote 7,220 tokens for one extraction, and a paid endpoint
bills every one. A budget is about twice what a full, honest answer needs, so a good answer
never meets it: a cut-off answer is a failed answer (its cells unresolved, its claims
salvaged), and the run counts and names it. ``--max-output-tokens`` replaces the rule.
"""

from __future__ import annotations

from math import ceil

from factcheck.models import Article, Span
from factcheck.stages.clean import clean_text

# No stage asks for more than this by its own rule: some endpoints refuse a budget above the
# model's own output limit (16,384 for gpt-4o), or one that does not fit the context window.
CEILING = 8192

# extract: an answer copies each claim's passage (the quote) and restates it (the statement),
# about two copies of the text at ~4 characters a token (0.5 token a character), plus ~30
# tokens of keys and credit per claim at up to one claim per 100 characters (0.3).
EXTRACT_BASE = 256
EXTRACT_PER_CHARACTER = 0.8
# merge: per claim listed, its id in a group and a share of the group's statement, and its id
# in a dispute with a share of the question (~35 tokens at most).
MERGE_BASE = 256
MERGE_PER_CLAIM = 40
# check: every claim answered in full (check prompt v3): id, an evidence sentence, credit, a
# one-line rationale and the label, ~80 tokens at most; a claim not mentioned costs ~3.
CHECK_BASE = 128
CHECK_PER_CLAIM = 80

RULES = (
    f"extract: {EXTRACT_BASE} + {EXTRACT_PER_CHARACTER:g} per character of the article "
    "(title and cleaned body)",
    f"merge: {MERGE_BASE} + {MERGE_PER_CLAIM} per claim listed",
    f"check: {CHECK_BASE} + {CHECK_PER_CLAIM} per claim asked about",
    f"each at most {CEILING}",
)


def extract_budget(article: Article, span: Span | None = None) -> int:
    """The output budget of one article's extraction (``span``: of that part of it)."""
    characters = len(article.title) + len(clean_text(article, span))
    return _capped(EXTRACT_BASE + ceil(EXTRACT_PER_CHARACTER * characters))


def merge_budget(claims: int) -> int:
    """The output budget of a merge call listing ``claims`` claims (or merged groups)."""
    return _capped(MERGE_BASE + MERGE_PER_CLAIM * claims)


def check_budget(claims: int) -> int:
    """The output budget of a check call asking about ``claims`` claims."""
    return _capped(CHECK_BASE + CHECK_PER_CLAIM * claims)


def _capped(tokens: int) -> int:
    return min(tokens, CEILING)
