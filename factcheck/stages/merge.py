"""Stage 2, merge: claims of different articles that state the same fact become one.

The same call, which sees every claim, also proposes the disputes: the points on which claims
cannot all be true. The check confirms them per article (``stages/disputes.py``).

Cost stays O(N): one call while the claims fit in one request, otherwise one call per chunk,
each seeing the canonical claims merged so far (as ``K`` ids) next to the new claims. A chunk
holds at most ``chunk_size`` claims, and fewer when the request budget (``llm.budget``: the
prompt and the expected answer, in tokens) binds first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from factcheck.errors import AnswerError, ContextLengthExceeded
from factcheck.llm.answers import salvage_items
from factcheck.llm.gateway import LLM
from factcheck.models import (
    Article,
    CanonicalClaim,
    DisputeKind,
    ExtractedClaim,
    Usage,
    article_aliases,
)
from factcheck.stages.budget import merge_budget
from factcheck.stages.chunks import merge_take, refusal
from factcheck.stages.merge_answer import (
    DisputeItem,
    MergeAnswer,
    MergeGroup,
    dispute_problems,
    group_of,
    valid_groups,
)
from factcheck.stages.prompts import escape_text, messages_for

DEFAULT_CHUNK_SIZE = 150
# A claim merged in an earlier chunk names at most this many of the articles stating it.
NOTE_LETTERS = 6


class ProposedDispute(BaseModel):
    """A dispute the merge proposed, on canonical claims: per version, the claims that give it.

    A version holds several claims when the merge saw one answer in several wordings it did not
    join. In an ``attribution`` dispute the versions may share one claim (one statement credited
    to different sources); the check then tells which article credits whom.
    """

    question: str
    kind: DisputeKind
    versions: list[list[str]]


@dataclass
class MergeResult:
    """What the merge stage gives the pipeline."""

    claims: list[CanonicalClaim]
    disputes: list[ProposedDispute] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Groups:
    """Union-find over extracted claims, with the canonical wording of each merged group."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.text: dict[int, str] = {}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, members: list[int], text: str) -> None:
        roots = sorted({self.find(m) for m in members})
        for root in roots[1:]:
            self.parent[root] = roots[0]
            self.text.pop(root, None)
        self.text[roots[0]] = text


@dataclass
class _Run:
    """One merge: the claims, their refs, the union-find, and the disputes proposed so far."""

    articles: list[Article]
    extracted: list[ExtractedClaim]
    refs: list[str]
    groups: _Groups
    # Per proposed dispute: question, kind, and per version the extracted claims' indices.
    proposals: list[tuple[str, DisputeKind, list[list[int]]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def merge_claims(
    llm: LLM,
    articles: list[Article],
    extracted: list[ExtractedClaim],
    usage: Usage,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> MergeResult:
    """Merge ``extracted`` into canonical claims and propose the disputes among them.

    No call is made when fewer than two articles have claims: there is nothing to merge.
    A merge answer that stays invalid keeps its valid groups and disputes; the rest of the
    claims stay unmerged, as do a chunk's claims when the endpoint refuses its request as
    longer than the model's context window (with a warning, not the end of the run).
    """
    aliases = _merge_aliases([a.id for a in articles])
    run = _Run(articles, extracted, _claim_refs(extracted, aliases), _Groups(len(extracted)))
    if len({c.article_id for c in extracted}) >= 2:
        start = 0
        while start < len(extracted):
            start = await _merge_chunk(llm, run, aliases, start, chunk_size, usage)
    claims, claim_of = _canonical(run.groups, extracted)
    disputes = _proposed(run, claim_of)
    return MergeResult(claims, disputes, run.warnings)


def _merge_aliases(article_ids: list[str]) -> dict[str, str]:
    """The report's article letters, except that no article is the bare letter K.

    An eleventh article lettered K would give claim ids K1, K2, ..., the ids of the claims
    merged in earlier chunks: it gets the next letter instead, and so does every later one.
    """
    letters = [v for v in article_aliases([*article_ids, "spare"]).values() if v != "K"]
    return dict(zip(article_ids, letters, strict=False))


def _claim_refs(extracted: list[ExtractedClaim], aliases: dict[str, str]) -> list[str]:
    counters: dict[str, int] = {}
    refs = []
    for claim in extracted:
        counters[claim.article_id] = counters.get(claim.article_id, 0) + 1
        refs.append(f"{aliases[claim.article_id]}{counters[claim.article_id]}")
    return refs


def _note(claim: ExtractedClaim) -> str:
    """The side information of a claim line: whom its article credits, and when."""
    parts = [f"per {claim.attributed_to}" if claim.attributed_to else "", claim.as_of or ""]
    return escape_text("; ".join(p for p in parts if p))


async def _merge_chunk(
    llm: LLM, run: _Run, aliases: dict[str, str], start: int, chunk_size: int, usage: Usage
) -> int:
    """Merge the claims from ``start`` on, as many as fit one request; returns where it ended.

    A chunk takes at most ``chunk_size`` new claims, fewer when the request budget binds.
    """
    extracted = run.extracted
    items, members, shown = _earlier_items(run, aliases, start)
    candidates = [
        {"ref": run.refs[i], "note": _note(extracted[i]), "text": escape_text(extracted[i].text)}
        for i in range(start, min(start + chunk_size, len(extracted)))
    ]
    earlier = [_item_line(item) for item in items]
    lines = [_item_line(item) for item in candidates]
    articles = _articles(run, aliases)
    taken = merge_take(llm.budget, MergeAnswer, _article_lines(articles), earlier, lines)
    if start > 0 or taken < len(extracted):
        # A merge in chunks: each request lists only the articles its claims come from, so
        # its size does not grow with the cluster (one request for all keeps its old prompt).
        def letters(count: int) -> set[str]:
            new = range(start, start + count)
            return shown | {aliases[extracted[i].article_id] for i in new}

        head = [a for a in articles if a["letter"] in letters(len(lines))]
        taken = merge_take(llm.budget, MergeAnswer, _article_lines(head), earlier, lines)
        articles = [a for a in articles if a["letter"] in letters(taken)]
    new = range(start, start + taken)
    for i, item in zip(new, candidates, strict=False):
        items.append(item)
        members[run.refs[i]] = [i]
    context = {"items": items, "refs": set(members), "articles": articles,
               "article_count": len(run.articles)}  # fmt: skip
    try:
        answer = await llm.structured(
            stage="merge",
            response_model=MergeAnswer,
            messages=messages_for("merge"),
            context=context,
            usage=usage,
            max_tokens=merge_budget(len(items)),
        )
        groups, disputes = answer.groups, answer.disputes
    except AnswerError as exc:
        groups = valid_groups(salvage_items(exc.raw, "groups", MergeGroup), set(members))
        grouped = group_of(groups)
        disputes = [
            d for d in salvage_items(exc.raw, "disputes", DisputeItem)
            if not dispute_problems(d, set(members), grouped)
        ]  # fmt: skip
        run.warnings.append(
            f"merge: {exc.reason}; kept {len(groups)} valid group(s) and {len(disputes)} "
            "valid dispute(s), other claims stay unmerged"
        )
    except ContextLengthExceeded as exc:
        # Only a budget larger than the real window gets here: these claims stay as they are.
        groups, disputes = [], []
        run.warnings.append(
            f"merge: {refusal(exc, llm.budget)}; {len(new)} claim(s) stay unmerged"
        )
    for group in groups:
        indices = [i for ref in dict.fromkeys(group.ids) for i in members[ref]]
        run.groups.join(indices, group.statement)
    for dispute in disputes:
        versions = [[i for ref in version for i in members[ref]] for version in dispute.versions]
        run.proposals.append((dispute.question.strip(), dispute.kind, [v for v in versions if v]))
    return new.stop


def _earlier_items(
    run: _Run, aliases: dict[str, str], start: int
) -> tuple[list[dict[str, str]], dict[str, list[int]], set[str]]:
    """The claims merged before ``start``, one K item per group: items, members, letters shown.

    Later chunks join them without seeing every member again. A K item names the articles
    that state it, at most ``NOTE_LETTERS`` of them, so that its line stays short however many
    outlets repeat the fact.
    """
    by_root: dict[int, list[int]] = {}
    for i in range(start):
        by_root.setdefault(run.groups.find(i), []).append(i)
    items: list[dict[str, str]] = []
    members: dict[str, list[int]] = {}
    shown: set[str] = set()
    for k, root in enumerate(sorted(by_root), 1):
        indices = by_root[root]
        letters = list(dict.fromkeys(aliases[run.extracted[i].article_id] for i in indices))
        note = ", ".join(letters[:NOTE_LETTERS])
        if len(letters) > NOTE_LETTERS:
            note += f" and {len(letters) - NOTE_LETTERS} more"
        shown.update(letters[:NOTE_LETTERS])
        text = run.groups.text.get(root, run.extracted[root].text)
        items.append({"ref": f"K{k}", "note": note, "text": escape_text(text)})
        members[f"K{k}"] = indices
    return items, members, shown


def _articles(run: _Run, aliases: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            "letter": aliases[a.id],
            "outlet": escape_text(a.outlet or "outlet not named"),
            "published": escape_text(a.published or "on an unknown date"),
        }
        for a in run.articles
    ]


def _article_lines(articles: list[dict[str, str]]) -> list[str]:
    """The articles as the merge prompt lists them."""
    return [f"{a['letter']}: {a['outlet']}, published {a['published']}\n" for a in articles]


def _item_line(item: dict[str, str]) -> str:
    """A claim line as the merge prompt lists it."""
    note = f" [{item['note']}]" if item["note"] else ""
    return f"{item['ref']}{note}: {item['text']}\n"


def _canonical(
    groups: _Groups, extracted: list[ExtractedClaim]
) -> tuple[list[CanonicalClaim], dict[int, str]]:
    """The canonical claims, and the claim id of every extracted claim's group."""
    by_root: dict[int, list[int]] = {}
    for i in range(len(extracted)):
        by_root.setdefault(groups.find(i), []).append(i)
    width = max(2, len(str(len(by_root))))
    claims = []
    claim_of: dict[int, str] = {}
    for n, (root, members) in enumerate(sorted(by_root.items(), key=lambda kv: kv[1][0]), 1):
        claim = CanonicalClaim(
            id=f"c{n:0{width}d}",
            text=(groups.text.get(root) if len(members) > 1 else None) or extracted[root].text,
            sources=[],
        )
        for i in members:
            claim_of[i] = claim.id
            source = extracted[i]
            if source.article_id in claim.quotes:
                continue  # an article stating one fact twice keeps its first quote
            claim.sources.append(source.article_id)
            claim.quotes[source.article_id] = source.quote
            if source.attributed_to:
                claim.attributed_to[source.article_id] = source.attributed_to
            if source.as_of:
                claim.as_of[source.article_id] = source.as_of
        claims.append(claim)
    return claims, claim_of


def _proposed(run: _Run, claim_of: dict[int, str]) -> list[ProposedDispute]:
    """The proposals on canonical claims; a dispute whose versions were merged into one is gone."""
    disputes: list[ProposedDispute] = []
    for question, kind, indices in run.proposals:
        versions: list[list[str]] = []
        taken: set[str] = set()
        for version in indices:
            found = list(dict.fromkeys(claim_of[i] for i in version))
            # One statement credited to several sources is one claim in several versions;
            # otherwise a claim gives one answer, the first version naming it.
            if kind != "attribution":
                found = [c for c in found if c not in taken]
                taken.update(found)
            if found:
                versions.append(found)
        if len(versions) >= 2:
            disputes.append(ProposedDispute(question=question, kind=kind, versions=versions))
        else:
            run.warnings.append(
                f'merge: dropped the dispute "{question}": its versions were merged into one claim'
            )
    return disputes
