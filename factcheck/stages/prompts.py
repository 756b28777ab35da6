"""Prompt templates: files in ``prompts/``, each with a version recorded in every report.

Templates are Jinja and are rendered by instructor from the call's ``context``, so article text
always enters through a placeholder: text that contains ``{{`` or ``{%`` is never executed.
Text also enters inside the prompts' own elements (``<article id="…">``, ``<claims>``), so the
values put in a context are escaped here first: an article holding ``</article>`` must not end
the element early, nor an id holding ``"`` break out of its attribute.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from factcheck.errors import ConfigError
from factcheck.models import Article, Quote, Span
from factcheck.quotes import quote_in_article
from factcheck.stages.clean import clean_text

STAGES = ("extract", "merge", "check")


class PromptTemplate(BaseModel):
    """One prompt file: its version and its Jinja template text."""

    name: str
    version: int
    template: str
    digest: str

    @property
    def label(self) -> str:
        """Version plus content digest: an edit that forgets to bump the version still shows."""
        return f"v{self.version}-{self.digest}"


def prompts_dir() -> Path:
    """Where the templates are: inside the installed package, or at the top of a checkout."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "prompts", package.parent / "prompts"):
        if (candidate / "system.yaml").is_file():
            return candidate
    raise ConfigError(f"prompt templates not found next to {package}; reinstall factcheck")


@cache
def load_prompt(name: str) -> PromptTemplate:
    """Read ``prompts/<name>.yaml``."""
    raw = (prompts_dir() / f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(raw)
    return PromptTemplate(
        name=name,
        version=int(data["version"]),
        template=data["template"],
        digest=hashlib.sha256(raw.encode()).hexdigest()[:8],
    )


def messages_for(stage: str) -> list[dict[str, str]]:
    """The chat messages of ``stage``, still as templates for instructor to render."""
    return [
        {"role": "system", "content": load_prompt("system").template},
        {"role": "user", "content": load_prompt(stage).template},
    ]


def prompt_versions(stages: tuple[str, ...] = STAGES) -> dict[str, str]:
    """The version label of the system prompt and of each stage's prompt."""
    return {name: load_prompt(name).label for name in ("system", *stages)}


# Only the prompts' own tags are escaped. Escaping every "<" and "&" the XML way would also
# change "AT&T" into "AT&amp;T", and a model copying that back would fail the verbatim check.
_OWN_TAG = re.compile(r"<(?=/?\s*(?:articles?|title|claims)\b)", re.IGNORECASE)
_ESCAPED_TAG = re.compile(r"&lt;(?=/?\s*(?:articles?|title|claims)\b)", re.IGNORECASE)


def escape_text(text: str) -> str:
    """Text for inside a prompt element: any tag of the prompts' own starts as ``&lt;``."""
    return _OWN_TAG.sub("&lt;", text)


def unescape_text(text: str) -> str:
    """Undo :func:`escape_text`, for a quote a model copied from an escaped passage."""
    return _ESCAPED_TAG.sub("<", text)


def escape_attribute(value: str) -> str:
    """A value for inside ``attr="…"``: the XML escapes, and no line break."""
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        .replace("\n", "&#10;").replace("\r", "&#13;")
    )  # fmt: skip


@dataclass(frozen=True)
class Part:
    """One part of a long article, sent on its own: a range of its text and its place."""

    span: Span
    number: int
    total: int

    @property
    def label(self) -> str:
        """'2 of 7'."""
        return f"{self.number} of {self.total}"


def article_context(article: Article, part: Part | None = None) -> dict[str, object]:
    """The placeholders of a prompt that carries one article, escaped; plus the article itself.

    ``article`` is there for the validators, which check quotes against the original text,
    all of it. ``part``: the prompt carries only that part of a long article, and says so; a
    prompt without one is exactly what it was before long articles were split.
    """
    context: dict[str, object] = {
        "article": article,
        "article_id": escape_attribute(article.id),
        "title": escape_text(article.title),
        "body": escape_text(clean_text(article, part.span if part else None)),
    }
    if part is not None:
        context |= {"part": part.label, "within": part.span}
    return context


def find_answer_quote(article: Article, quote: str, within: Span | None = None) -> Quote | None:
    """Where a model's quote stands in the article (body first, then headline), if anywhere.

    ``within``: the part of the body the model was shown, searched before the rest. The model
    saw the escaped text, so a quote it copied may carry an escape: it is looked for as given,
    then with the escapes undone.
    """
    found = quote_in_article(article, quote, within)
    if found is None and (plain := unescape_text(quote)) != quote:
        found = quote_in_article(article, plain, within)
    return found
