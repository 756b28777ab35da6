"""Unwrap hard-wrapped paragraphs and mark the boilerplate of scraped news.

Both work in place. Unwrapping turns a line break inside a paragraph into a space, one
character for one, so every offset still points where it did in the text as loaded. Boilerplate
lines are marked, never deleted, so the report can list what was set aside and an editor can
see nothing real was thrown away; no claim is ever taken from them.
"""

from __future__ import annotations

import itertools
import re

from factcheck.models import Article, BoilerplateLine, Span

# Each rule names why a line was set aside. A rule only fires on a short line: a real paragraph
# that happens to mention a newsletter or a photo is news, not navigation.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("related link", re.compile(
        r"^(see also|read more|read also|also read|related( \w+)?|more from|recommended|"
        r"most read|watch|listen)\b", re.I)),
    ("navigation", re.compile(r"^(previous|next|prev)\s+(article|story|post|page)\b", re.I)),
    # Upper case only: "Next week, officials said ..." is news.
    ("navigation", re.compile(r"^(PREV|NEXT)\s")),
    ("navigation", re.compile(r"^(tags?|topics?|filed under)\s*:", re.I)),
    ("navigation", re.compile(r"^the article is in \w+\.?$", re.I)),
    ("navigation", re.compile(r"^(skip to (main )?content|back to top|advertisement|sponsored)\b",
                              re.I)),
    ("follow prompt", re.compile(
        r"\b(follow us|like us on|sign up|subscribe|newsletter|download (our|the) app)\b", re.I)),
    ("comment prompt", re.compile(
        # "Comments (12)" ends in a bracket, where \b cannot match: it gets its own branch.
        r"\bcomments?\s*\(\d+\)|\b(join the (discussion|conversation)|leave a comment|"
        r"share this|share on|\d+\s+comments?|enter your (comment|name)|leave a reply|"
        r"comment (data|policy)|akismet)\b", re.I)),
    ("follow prompt", re.compile(r"^for (the )?latest (news|updates)\b", re.I)),
    ("byline", re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")),
    ("byline", re.compile(r"^by\s+[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3}\s*(\||,|$)")),
    ("photo credit", re.compile(
        r"^(photo|image|picture|video)\s*(author|caption|credit|source|copyright)\b", re.I)),
    ("markup debris", re.compile(r"(type=\"image/|<[a-z]+[^>]*>|&[a-z]+;)", re.I)),
    ("timestamp", re.compile(r"^\d+\s*(hour|minute|day)\(?s?\)?\s+ago$", re.I)),
    ("copyright", re.compile(r"(^©|\ball rights reserved\b)", re.I)),
]  # fmt: skip

_MAX_BOILERPLATE_WORDS = 25
# Hard wrapping (wire copy, e-mail, text pasted from a PDF) cuts lines at a fixed width; a text
# whose longest line is longer than this was not wrapped.
MAX_WRAP_WIDTH = 110
MIN_WRAP_WIDTH = 30
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"”’)»\]]*$")
_LIST_ITEM = re.compile(r"^\s*([-*•·–—>|]|\d+[.)])\s")


def classify_line(line: str) -> str | None:
    """Return why ``line`` is boilerplate, or ``None`` when it is article text."""
    stripped = line.strip().lstrip("•·-–—*> ").strip()
    if not stripped or len(stripped.split()) > _MAX_BOILERPLATE_WORDS:
        return None
    for reason, pattern in _RULES:
        if pattern.search(stripped):
            return reason
    return None


def find_boilerplate(text: str) -> list[BoilerplateLine]:
    """Mark every boilerplate line of ``text``, with its span and the rule that matched."""
    found: list[BoilerplateLine] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        reason = classify_line(body)
        if reason is not None:
            found.append(
                BoilerplateLine(
                    span=Span(start=offset, end=offset + len(body)),
                    text=body.strip(),
                    reason=reason,
                )
            )
        offset += len(line)
    return found


def unwrap(text: str) -> str:
    r"""``text`` with the line breaks of hard-wrapped paragraphs turned into spaces, in place.

    A text is taken as wrapped when its longest line is short (at most ``MAX_WRAP_WIDTH``).
    Then a line break joins two lines of one paragraph when the line before it is full (the
    next line's first word would not have fitted on it), does not end a sentence, and neither
    line is a list item or boilerplate. Blank lines always separate paragraphs. The result has
    the same length as ``text``: one space for each ``\n`` (two for ``\r\n``).
    """
    lines = text.split("\n")
    width = wrap_width(lines)
    if width is None:
        return text
    out = list(text)
    offset = 0
    for line, following in itertools.pairwise(lines):
        offset += len(line)
        if continues(line.rstrip(), following, width):
            out[offset] = " "
            if line.endswith("\r"):
                out[offset - 1] = " "
        offset += 1
    return "".join(out)


def wrap_width(lines: list[str]) -> int | None:
    """The width ``lines`` look hard-wrapped at (their longest), or None when not wrapped."""
    width = max((len(line.rstrip()) for line in lines), default=0)
    return width if MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH else None


def continues(line: str, following: str, width: int) -> bool:
    """Whether ``following`` carries on the paragraph that ``line`` was cut from at ``width``."""
    words = following.split()
    if not line.strip() or not words or _ENDS_SENTENCE.search(line):
        return False
    if _LIST_ITEM.match(following) or classify_line(line) or classify_line(following):
        return False
    return len(line) + 1 + len(words[0]) > width


def clean(article: Article) -> Article:
    """Return the article with its paragraphs unwrapped and its boilerplate lines marked."""
    text = unwrap(article.text)
    return article.model_copy(update={"text": text, "boilerplate": find_boilerplate(text)})


def clean_text(article: Article, span: Span | None = None) -> str:
    """The article text a model sees: boilerplate lines left out, everything else verbatim.

    ``span``: only that range of the text (one part of a long article).
    """
    text = article.text
    start, end = (0, len(text)) if span is None else (span.start, span.end)
    parts: list[str] = []
    cursor = start
    for line in article.boilerplate:
        if line.span.end <= start or line.span.start >= end:
            continue
        parts.append(text[cursor : max(cursor, line.span.start)])
        cursor = min(end, max(cursor, line.span.end))
    parts.append(text[cursor:end])
    # Dropping a line leaves its blank neighbours behind; fold them so the prompt stays tidy.
    return re.sub(r"\n{3,}", "\n\n", "".join(parts)).strip()
