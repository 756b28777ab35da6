"""The baseline's contradictions, made symmetric and grouped into disputes an editor reads.

- **Symmetric.** When article Q contradicts claim X with a sentence that is Q's own claim Y,
  the disagreement runs both ways: every article stating X contradicts Y, with X's quote as its
  evidence. (The check alone can miss the way back: it may find a sentence of X's article that
  supports most of Y's words before it looks at the one that disagrees.)
- **Disputes.** Contradictions of one kind are joined into one dispute over the claims they
  connect, whatever the number of cells: four against seven injured is one dispute with two
  versions, not one per article. The kind comes from the slot that differs (number, date, name
  as person or place, speaker as attribution, negation as happened); each version is the claims
  holding one value, with the articles that state or support them. A number that counts what
  changes over time (the dead, the missing, the evacuated) given by articles of different dates
  is an ``update``, its versions earliest first.
"""

from __future__ import annotations

import datetime
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from factcheck.baseline.check import Cell, claim_side, explain
from factcheck.baseline.conflicts import Conflict
from factcheck.baseline.index import ClusterIndex
from factcheck.baseline.words import Phrase, tokens
from factcheck.models import (
    CanonicalClaim,
    Dispute,
    DisputeKind,
    DisputeVersion,
    Label,
    Span,
    Verdict,
    article_aliases,
)

# Stems of what a story counts again as it goes on: a later figure updates an earlier one.
CHANGING_COUNTS = frozenset(
    {"dead", "die", "death", "kill", "toll", "miss", "evacu", "displac", "homeless", "rescu"}
)
_KINDS: dict[str, DisputeKind] = {
    "number": "number",
    "weekday": "date",
    "date": "date",
    "name": "person",
    "speaker": "attribution",
    "negation": "happened",
}
_MAX_VALUES_ASKED = 3
# How close to a number the word saying what it counts must be ("three people have died").
_NEAR = 5


@dataclass(frozen=True)
class _Edge:
    """Two claims that cannot both be true, and what each says in the slot that differs."""

    kind: DisputeKind
    claims: tuple[str, str]
    words: tuple[str, str]


def settle(
    index: ClusterIndex, claims: Sequence[CanonicalClaim], cells: Sequence[Cell]
) -> tuple[list[Verdict], list[Dispute]]:
    """The verdicts with every contradiction made symmetric, and the disputes they form."""
    by_id = {c.id: c for c in claims}
    stated = _Stated(claims)
    found: list[tuple[CanonicalClaim, CanonicalClaim, Conflict]] = []
    for cell in cells:
        if cell.conflict is None or cell.sentence is None:
            continue
        claim = by_id[cell.verdict.claim_id]
        target = cell.verdict.article_id
        other = stated.at(target, index.sentences[target][cell.sentence].span)
        if other is not None and other.id != claim.id:
            found.append((claim, other, cell.conflict))
    verdicts = {(c.verdict.claim_id, c.verdict.article_id): c.verdict for c in cells}
    letters = article_aliases([a.id for a in index.cluster.articles])
    # Both ways, for every article stating either claim: the pair disagrees, not one cell.
    for claim, other, conflict in found:
        for mine, theirs, seen in ((claim, other, conflict), (other, claim, conflict.swapped())):
            for source in theirs.sources:
                if source in mine.sources:
                    continue
                if verdicts[(mine.id, source)].label is Label.CONTRADICTED:
                    continue
                quote = theirs.quotes[source]
                back = _reverse(index, mine, theirs, source)
                verdicts[(mine.id, source)] = Verdict(
                    claim_id=mine.id,
                    article_id=source,
                    label=Label.CONTRADICTED,
                    evidence=quote.text,
                    evidence_span=quote.span,
                    rationale=explain(back or seen, claim_side(mine, letters), letters[source]),
                    attributed_to=theirs.attributed_to.get(source),
                    from_title=quote.in_title,
                )
    edges = [
        _Edge(_kind(c), (claim.id, other.id), (c.claim_words, c.sentence_words))
        for claim, other, c in found
    ]
    ordered = [verdicts[(c.verdict.claim_id, c.verdict.article_id)] for c in cells]
    return ordered, _disputes(index, claims, ordered, edges)


class _Stated:
    """Which claim each article states where: its claims' quotes, by position."""

    def __init__(self, claims: Sequence[CanonicalClaim]) -> None:
        by_article: dict[str, list[tuple[int, int, CanonicalClaim]]] = defaultdict(list)
        for n, claim in enumerate(claims):
            for article_id, quote in claim.quotes.items():
                by_article[article_id].append((quote.span.start, n, claim))
        self.starts = {a: [s for s, _, _ in sorted(q)] for a, q in by_article.items()}
        self.claims = {a: [c for _, _, c in sorted(q)] for a, q in by_article.items()}

    def at(self, article_id: str, span: Span) -> CanonicalClaim | None:
        """The first claim the article states with a quote starting inside ``span``."""
        starts = self.starts.get(article_id, [])
        n = bisect_left(starts, span.start)
        return self.claims[article_id][n] if n < len(starts) and starts[n] < span.end else None


def _reverse(
    index: ClusterIndex, claim: CanonicalClaim, against: CanonicalClaim, article_id: str
) -> Conflict | None:
    """Where ``against``'s quote in ``article_id`` disagrees with ``claim``, read that way."""
    quote = against.quotes[article_id].text
    found = index.conflict(Phrase.of(claim.text), Phrase.of(quote), (claim.sources, article_id))
    return found if found is not None and found.certain else None


def _kind(conflict: Conflict) -> DisputeKind:
    return "place" if conflict.place else _KINDS[conflict.kind]


def _disputes(
    index: ClusterIndex,
    claims: Sequence[CanonicalClaim],
    verdicts: Sequence[Verdict],
    edges: Sequence[_Edge],
) -> list[Dispute]:
    order = {c.id: n for n, c in enumerate(claims)}
    articles = [a.id for a in index.cluster.articles]
    carrying: dict[str, set[str]] = {c.id: set(c.sources) for c in claims}
    for verdict in verdicts:
        if verdict.label is Label.SUPPORTED:
            carrying[verdict.claim_id].add(verdict.article_id)
    groups = _connect(edges)
    found = []
    for kind, group in groups:
        values: dict[str, str] = {}
        for edge in group:
            for claim_id, words in zip(edge.claims, edge.words, strict=True):
                values.setdefault(claim_id, words)
        by_value: dict[str, list[str]] = defaultdict(list)
        shown: dict[str, str] = {}
        for claim_id in sorted(values, key=order.__getitem__):
            key = _value_key(values[claim_id])
            by_value[key].append(claim_id)
            shown.setdefault(key, values[claim_id])
        if len(by_value) < 2:
            continue
        versions = []
        for key, members in by_value.items():
            ranked = sorted(members, key=lambda c: (-len(carrying[c]), order[c]))
            held = set().union(*(carrying[c] for c in members))
            versions.append((shown[key], DisputeVersion(
                claim_id=ranked[0], articles=[a for a in articles if a in held],
                also=ranked[1:], label=shown[key])))  # fmt: skip
        first = min(order[c] for c in values)
        found.append(_dispute(index, claims[first], kind, versions))
    found.sort(key=lambda d: (-len({a for v in d.versions for a in v.articles}),
                              min(order[v.claim_id] for v in d.versions)))  # fmt: skip
    return [d.model_copy(update={"id": f"d{n}"}) for n, d in enumerate(found, 1)]


def _connect(edges: Sequence[_Edge]) -> list[tuple[DisputeKind, list[_Edge]]]:
    """Edges of one kind joined wherever they share a claim (connected components)."""
    parent: dict[tuple[DisputeKind, str], tuple[DisputeKind, str]] = {}

    def find(node: tuple[DisputeKind, str]) -> tuple[DisputeKind, str]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for edge in edges:
        a, b = find((edge.kind, edge.claims[0])), find((edge.kind, edge.claims[1]))
        if a != b:
            parent[max(a, b)] = min(a, b)
    grouped: dict[tuple[DisputeKind, str], list[_Edge]] = defaultdict(list)
    for edge in edges:
        grouped[find((edge.kind, edge.claims[0]))].append(edge)
    return [(root[0], members) for root, members in grouped.items()]


def _value_key(words: str) -> str:
    numbers = [t.number for t in tokens(words) if t.number is not None]
    return " ".join(f"{n:g}" for n in numbers) if numbers else " ".join(words.lower().split())


def _dispute(
    index: ClusterIndex,
    first: CanonicalClaim,
    kind: DisputeKind,
    versions: list[tuple[str, DisputeVersion]],
) -> Dispute:
    published = {a.id: _date(a.published) for a in index.cluster.articles}

    def earliest(version: DisputeVersion) -> datetime.date:
        dates = [d for a in version.articles if (d := published[a]) is not None]
        return min(dates, default=datetime.date.max)

    noun = _counted(first.text, versions[0][0]) if kind == "number" else ""
    if kind == "number" and _changes_over_time(first.text, versions[0][0]):
        dates = {earliest(v) for _, v in versions}
        if len(dates) == len(versions) and datetime.date.max not in dates:
            kind = "update"
    if kind == "update":
        versions.sort(key=lambda pair: earliest(pair[1]))
    else:
        versions.sort(key=lambda pair: -len(pair[1].articles))
    return Dispute(
        id="d0",
        question=_question(kind, noun, [words for words, _ in versions]),
        kind=kind,
        versions=[v for _, v in versions],
    )


def _question(kind: DisputeKind, noun: str, values: list[str]) -> str:
    asked = values[:_MAX_VALUES_ASKED]
    more = " or another" if len(values) > _MAX_VALUES_ASKED else ""
    listed = " or ".join(f"“{v}”" if kind == "happened" else v for v in asked) + more
    if kind == "update":
        return f"How many {noun}, as of each report: {' → '.join(values)}?".replace("  ", " ")
    lead = {
        "number": f"How many {noun}".rstrip(),
        "date": "When",
        "person": "Who",
        "place": "Where",
        "attribution": "Who said it",
        "happened": "Which is right",
    }[kind]
    return f"{lead}: {listed}?"


def _counted(text: str, number_words: str) -> str:
    """What a number counts in ``text``: the lower-case words right after it ("people")."""
    words = tokens(text)
    for n, token in enumerate(words):
        if token.number is not None and token.written.lower() == number_words.lower():
            following = []
            for word in words[n + 1 : n + 3]:
                if word.weak or word.capitalised or word.number is not None:
                    break
                following.append(word.written)
            return " ".join(following)
    return ""


def _changes_over_time(text: str, number_words: str) -> bool:
    """Whether the number in ``text`` counts something that changes as a story goes on."""
    words = tokens(text)
    for n, token in enumerate(words):
        if token.number is not None and token.written.lower() == number_words.lower():
            near = words[max(0, n - _NEAR) : n + _NEAR + 1]
            return any(t.stem in CHANGING_COUNTS for t in near)
    return False


def _date(published: str | None) -> datetime.date | None:
    if not published:
        return None
    try:
        return datetime.date.fromisoformat(published[:10])
    except ValueError:
        return None
