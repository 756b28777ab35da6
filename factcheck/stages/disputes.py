"""After the check: the disputes of a cluster, each with its versions and their articles.

Pure code, no model call. The merge proposed disputes from the claims alone; the verdicts say
which articles carry each version. Contradicted cells the merge did not foresee are joined to
the contradicting article's own claim, so one disagreement becomes one dispute, however many
cells show it. A version is one answer, however many claims word it: claims that no verdict
sets against each other and that the same articles carry are one side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from factcheck.models import (
    Article,
    CanonicalClaim,
    Dispute,
    DisputeKind,
    DisputeVersion,
    Label,
    Span,
    Verdict,
)
from factcheck.stages.dispute_cells import DisputeCells
from factcheck.stages.dispute_rules import (
    content_words,
    guess_kind,
    guess_question,
    published_at,
    same_source,
)
from factcheck.stages.merge import ProposedDispute


@dataclass
class _Draft:
    """A dispute being assembled: its question, kind and, per version, the claims that give it.

    ``from_check`` marks a dispute no proposal foresaw, built from contradicted cells alone.
    """

    question: str
    kind: DisputeKind
    sides: list[list[str]]
    from_check: bool = False

    @property
    def claim_ids(self) -> list[str]:
        return [c for side in self.sides for c in side]


def assemble_disputes(
    articles: list[Article],
    claims: list[CanonicalClaim],
    verdicts: list[Verdict],
    proposed: list[ProposedDispute] | None = None,
) -> tuple[list[Dispute], list[str]]:
    """The disputes of a checked cluster, in report order (most articles first); and warnings.

    ``proposed`` are the merge's disputes. A version's articles are the claim's sources and the
    articles that support it; in an ``attribution`` dispute about one claim, they are grouped
    by whom each article credits. Versions no article carries are dropped, and so is a dispute
    left with fewer than two. An ``update`` lists its versions earliest first, by the articles'
    dates. A contradicted cell outside every proposed dispute joins the claim to the
    contradicting article's own claim: a dispute of its own, or a new version of a proposed one.
    Such a dispute is dropped, with a warning, when an article carries two of its versions: the
    cells then disagree with each other rather than the outlets.
    """
    cells = DisputeCells(articles, claims, verdicts)
    drafts = [_Draft(p.question, p.kind, [list(v) for v in p.versions]) for p in proposed or []]
    warnings = _join_contradictions(cells, drafts, verdicts)
    disputes: list[Dispute] = []
    two_sided = 0
    for draft in drafts:
        versions = _versions(cells, draft)
        if draft.from_check and _shares_articles(versions):
            two_sided += 1
            continue
        if len(versions) >= 2:
            disputes.append(Dispute(id="", question=draft.question, kind=draft.kind,
                                    versions=versions))  # fmt: skip
    if two_sided:
        warnings.append(
            f"{two_sided} contradiction(s) the check found are in no dispute: an article carries "
            "both sides"
        )

    def report_order(dispute: Dispute) -> tuple[int, int]:
        involved = {a for v in dispute.versions for a in v.articles}
        return -len(involved), min(cells.order[v.claim_id] for v in dispute.versions)

    disputes.sort(key=report_order)
    for n, dispute in enumerate(disputes, 1):
        dispute.id = f"d{n}"
    return disputes, warnings


def _join_contradictions(
    cells: DisputeCells, drafts: list[_Draft], verdicts: list[Verdict]
) -> list[str]:
    """Give every contradicted cell outside the drafts a dispute: a draft's, or a new one.

    The cell's claim is joined to the contradicting article's own claim (union-find); joined
    claims become one new draft, or new versions of the draft one of them is in. A join that
    would make one dispute of two drafts is not made, and its cell is counted in a warning.
    """
    draft_of: dict[str, int] = {}
    for n, draft in enumerate(drafts):
        for claim_id in draft.claim_ids:
            draft_of.setdefault(claim_id, n)
    parent: dict[str, str] = {}
    anchor: dict[str, int] = {}  # component root -> the draft it extends

    def find(claim_id: str) -> str:
        if claim_id not in parent:
            parent[claim_id] = claim_id
            if claim_id in draft_of:
                anchor[claim_id] = draft_of[claim_id]
        while parent[claim_id] != claim_id:
            parent[claim_id] = parent[parent[claim_id]]
            claim_id = parent[claim_id]
        return claim_id

    # Per draft, its claims and the articles that carry one of them: a contradicted cell whose
    # claim is in the draft and whose article is among those is already inside it.
    sides = [({*d.claim_ids}, {a for c in d.claim_ids for a in cells.carriers(c)}) for d in drafts]
    skipped = 0
    for verdict in verdicts:
        if verdict.label is not Label.CONTRADICTED or any(
            verdict.claim_id in claim_ids and verdict.article_id in carriers
            for claim_ids, carriers in sides
        ):
            continue
        partner = _partner(cells, verdict)
        left = find(verdict.claim_id)
        right = find(partner) if partner else left
        if partner is None or (
            left in anchor and right in anchor and anchor[left] != anchor[right]
        ):
            skipped += 1
        elif left != right:
            parent[right] = left
            if right in anchor:
                anchor[left] = anchor.pop(right)
    components: dict[str, list[str]] = {}
    for claim_id in sorted(parent, key=cells.order.__getitem__):
        components.setdefault(find(claim_id), []).append(claim_id)
    for root, members in components.items():
        if root in anchor:
            draft = drafts[anchor[root]]
        elif len(members) >= 2:
            texts = [cells.claims[c].text for c in members]
            kind = guess_kind(texts)
            draft = _Draft(guess_question(kind, texts), kind, [], from_check=True)
            drafts.append(draft)
        else:
            continue
        # The most carried claims first: they set the sides the others then join.
        members.sort(key=lambda c: (-len(cells.carriers(c)), cells.order[c]))
        for claim_id in members:
            if claim_id not in draft.claim_ids:
                _place(cells, draft.sides, claim_id)
    if not skipped:
        return []
    return [
        f"{skipped} contradicted cell(s) are in no dispute: no claim of the contradicting "
        "article could be matched to the evidence"
    ]


def _place(cells: DisputeCells, sides: list[list[str]], claim_id: str) -> None:
    """Put a claim on the side it agrees with, else on a side of its own.

    It agrees with a side when no verdict sets them apart and articles carrying one also carry
    the other; the side sharing the most such articles wins.
    """
    mine = set(cells.carriers(claim_id))
    best: list[str] | None = None
    best_shared = 0
    for side in sides:
        if any(cells.at_odds(claim_id, other) for other in side):
            continue
        shared = len(mine & {a for other in side for a in cells.carriers(other)})
        if shared > best_shared:
            best, best_shared = side, shared
    if best is None:
        sides.append([claim_id])
    else:
        best.append(claim_id)


def _shares_articles(versions: list[DisputeVersion]) -> bool:
    seen: set[str] = set()
    for version in versions:
        if seen & set(version.articles):
            return True
        seen |= set(version.articles)
    return False


def _partner(cells: DisputeCells, verdict: Verdict) -> str | None:
    """The contradicting article's own claim that its evidence states, if one can be told.

    First a claim the article states or supports at the very passage of the evidence; else the
    one sharing the most words with it (two at least).
    """
    article = verdict.article_id
    carried = [c for c in cells.carried[article] if c != verdict.claim_id]
    span = verdict.evidence_span
    for claim_id in carried:
        where = cells.carried_span(claim_id, article)
        if span and where and where[1] == verdict.from_title and _overlap(span, where[0]):
            return claim_id
    evidence = content_words(verdict.evidence or "")
    best, best_score = None, 0.0
    for claim_id in carried:
        words = content_words(cells.claims[claim_id].text)
        shared = len(words & evidence)
        score = shared / len(words | evidence) if shared >= 2 else 0.0
        if score > best_score:
            best, best_score = claim_id, score
    return best


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _versions(cells: DisputeCells, draft: _Draft) -> list[DisputeVersion]:
    """The draft's versions with their articles, in the order a reader should meet them.

    A side's claim is its first (the merge names the answer first; placed claims come most
    carried first); its other wordings are ``also``, and its articles are those carrying any of
    them. A further wording that articles of another side carry too is story context the merge
    listed with the answer, not the answer: it is left out.
    """
    versions: list[DisputeVersion] = []
    sides = [side for n, side in enumerate(draft.sides) if side and side not in draft.sides[:n]]
    for n, side in enumerate(sides):
        elsewhere = {a for other in sides[:n] + sides[n + 1 :] for a in cells.carriers(other[0])}
        ranked = [side[0]] + [c for c in side[1:] if not elsewhere & set(cells.carriers(c))]
        carried = {a for c in ranked for a in cells.carriers(c)}
        carriers = [a.id for a in cells.articles if a.id in carried]
        if draft.kind != "attribution":
            versions.append(DisputeVersion(claim_id=ranked[0], articles=carriers, also=ranked[1:]))
            continue
        credits = [cells.credit(next(c for c in ranked if a in cells.carriers(c)), a)
                   for a in carriers]  # fmt: skip
        versions += [
            DisputeVersion(claim_id=ranked[0], articles=group, also=ranked[1:])
            for group in _by_credit(carriers, credits)
        ]
    versions = [v for v in versions if v.articles]
    if draft.kind == "update":
        return sorted(versions, key=lambda v: _earliest(cells, v.articles))
    # Most articles first: the version most outlets give leads ("four: A, C, D · seven: B").
    return sorted(versions, key=lambda v: -len(v.articles))


def _by_credit(articles: list[str], credits: list[str | None]) -> list[list[str]]:
    """Articles grouped by whom they credit, one group per source.

    An article that credits no one takes no side in a dispute about who said it, unless no
    article credits anyone (then the claims themselves name the speakers).
    """
    sides: list[tuple[str, list[str]]] = []
    uncredited: list[str] = []
    for article, credit in zip(articles, credits, strict=True):
        if credit is None:
            uncredited.append(article)
            continue
        for source, members in sides:
            if same_source(credit, source):
                members.append(article)
                break
        else:
            sides.append((credit, [article]))
    return [members for _, members in sides] if sides else [uncredited]


def _earliest(cells: DisputeCells, article_ids: list[str]) -> tuple[int, datetime]:
    """Sort key: the version's earliest publication time; unknown dates last."""
    times = [
        moment for a in cells.articles
        if a.id in article_ids and (moment := published_at(a.published)) is not None
    ]  # fmt: skip
    return (0, min(times)) if times else (1, datetime.max)
