"""Stage 2, merge: claims of different articles that state the same fact become one.

Cost stays O(N): one call while the claims fit in ``chunk_size``, otherwise one call per chunk,
each seeing the canonical claims merged so far (as ``K`` ids) next to the new claims.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.errors import AnswerError
from factcheck.llm.answers import parse_lenient
from factcheck.llm.gateway import LLM
from factcheck.models import CanonicalClaim, ClaimText, ExtractedClaim, Usage, article_aliases
from factcheck.stages.prompts import messages_for

DEFAULT_CHUNK_SIZE = 150


class MergeGroup(BaseModel):
    """Claims that state one fact, and the fact in one sentence."""

    ids: list[str] = Field(description="Two or more claim ids.")
    claim: ClaimText = Field(description="The shared fact as one self-contained sentence.")


class MergeAnswer(BaseModel):
    """The merge answer: only groups of two or more claims."""

    groups: list[MergeGroup]

    @model_validator(mode="after")
    def _groups_are_a_partial_partition(self, info: ValidationInfo) -> MergeAnswer:
        known = (info.context or {}).get("refs")
        if known is None:
            return self
        problems = _group_problems(self.groups, known)
        if problems:
            raise ValueError("; ".join(problems[:10]))
        return self


def _group_problems(groups: list[MergeGroup], known: set[str]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for n, group in enumerate(groups, 1):
        if len(set(group.ids)) < 2:
            problems.append(f"group {n} has fewer than two ids; leave single claims out")
        for ref in group.ids:
            if ref not in known:
                problems.append(f"group {n}: unknown id {ref}")
            elif ref in seen:
                problems.append(f"id {ref} is in more than one group")
            seen.add(ref)
    return problems


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


async def merge_claims(
    llm: LLM,
    article_ids: list[str],
    extracted: list[ExtractedClaim],
    usage: Usage,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> tuple[list[CanonicalClaim], list[str]]:
    """Merge ``extracted`` into canonical claims; returns them and any warnings.

    No call is made when fewer than two articles have claims: there is nothing to merge.
    A merge answer that stays invalid keeps its valid groups; the rest stay unmerged.
    """
    aliases = article_aliases(article_ids)
    refs = _claim_refs(extracted, aliases)
    groups = _Groups(len(extracted))
    warnings: list[str] = []
    if len({c.article_id for c in extracted}) >= 2:
        for start in range(0, len(extracted), chunk_size):
            new = range(start, min(start + chunk_size, len(extracted)))
            await _merge_chunk(llm, groups, extracted, refs, new, len(article_ids), usage, warnings)
    return _canonical(groups, extracted), warnings


def _claim_refs(extracted: list[ExtractedClaim], aliases: dict[str, str]) -> list[str]:
    counters: dict[str, int] = {}
    refs = []
    for claim in extracted:
        counters[claim.article_id] = counters.get(claim.article_id, 0) + 1
        refs.append(f"{aliases[claim.article_id]}{counters[claim.article_id]}")
    return refs


async def _merge_chunk(
    llm: LLM,
    groups: _Groups,
    extracted: list[ExtractedClaim],
    refs: list[str],
    new: range,
    article_count: int,
    usage: Usage,
    warnings: list[str],
) -> None:
    # Claims merged in earlier chunks come back as one K item per group, so later chunks can
    # join them without seeing every member again.
    items: list[dict[str, str]] = []
    members: dict[str, list[int]] = {}
    earlier_roots = sorted({groups.find(i) for i in range(new.start)})
    for k, root in enumerate(earlier_roots, 1):
        ref = f"K{k}"
        items.append({"ref": ref, "text": groups.text.get(root, extracted[root].text)})
        members[ref] = [i for i in range(new.start) if groups.find(i) == root]
    for i in new:
        items.append({"ref": refs[i], "text": extracted[i].text})
        members[refs[i]] = [i]
    context = {"items": items, "refs": set(members), "article_count": article_count}
    try:
        answer = await llm.structured(
            stage="merge",
            response_model=MergeAnswer,
            messages=messages_for("merge"),
            context=context,
            usage=usage,
        )
        chosen = answer.groups
    except AnswerError as exc:
        salvaged = parse_lenient(MergeAnswer, exc.raw)
        chosen = _valid_groups(salvaged.groups if salvaged else [], set(members))
        warnings.append(
            f"merge: {exc.reason}; kept {len(chosen)} valid group(s), other claims stay unmerged"
        )
    for group in chosen:
        indices = [i for ref in dict.fromkeys(group.ids) for i in members[ref]]
        groups.join(indices, group.claim)


def _valid_groups(groups: list[MergeGroup], known: set[str]) -> list[MergeGroup]:
    kept: list[MergeGroup] = []
    used: set[str] = set()
    for group in groups:
        ids = [r for r in dict.fromkeys(group.ids) if r in known and r not in used]
        if len(ids) >= 2 and group.claim.strip():
            kept.append(MergeGroup(ids=ids, claim=group.claim))
            used.update(ids)
    return kept


def _canonical(groups: _Groups, extracted: list[ExtractedClaim]) -> list[CanonicalClaim]:
    by_root: dict[int, list[int]] = {}
    for i in range(len(extracted)):
        by_root.setdefault(groups.find(i), []).append(i)
    width = max(2, len(str(len(by_root))))
    claims = []
    for n, (root, members) in enumerate(sorted(by_root.items(), key=lambda kv: kv[1][0]), 1):
        sources: list[str] = []
        quotes = {}
        for i in members:
            claim = extracted[i]
            if claim.article_id not in quotes:
                sources.append(claim.article_id)
                quotes[claim.article_id] = claim.quote
        text = groups.text.get(root) if len(members) > 1 else None
        claims.append(
            CanonicalClaim(
                id=f"c{n:0{width}d}",
                text=text or extracted[members[0]].text,
                sources=sources,
                quotes=quotes,
            )
        )
    return claims
