"""The digest as plain-text sections, shared by the terminal and Markdown reports.

A section is a title and lines; a line has a depth (the terminal indents it, Markdown nests it)
and a style: ``head`` for the line that names an item, ``note`` for what the checker said.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from factcheck.render.conflicts import ConflictView
from factcheck.render.digest import FIRST_FEW, QUOTES_PER_VERSION, Digest, DisputeView, carried
from factcheck.render.sides import Side
from factcheck.render.view import ClaimRow, count

DISPUTES = "Disputes"
UPDATES = "Updates: figures that changed over time (not contradictions)"
KEY_FIGURES = "Key figures"


@dataclass
class Line:
    """One line of a section."""

    text: str
    depth: int = 0
    style: str | None = None


@dataclass
class Section:
    """A titled list of lines."""

    title: str
    lines: list[Line] = field(default_factory=list)


def text_sections(digest: Digest, *, show_all: bool = False) -> list[Section]:
    """Every section before the matrix, in reading order; empty sections are left out."""
    view = digest.view
    sections = [
        Section(DISPUTES, [line for d in digest.to_act_on for line in _dispute(digest, d)]),
        Section(UPDATES, [line for d in digest.updates for line in _dispute(digest, d)]),
    ]
    conflicts = [line for c in digest.conflicts for line in _conflict(digest, c)]
    if conflicts and digest.disputes:
        conflicts.insert(0, Line("Contradicted cells that no dispute above covers.", style="note"))
    sections.append(Section(digest.conflicts_title, conflicts))
    sections.append(Section(KEY_FIGURES, [_figure(digest, f) for f in digest.figures]))
    n = len(view.report.articles)
    sections.append(
        Section(
            f"Agreed by most outlets (at least {digest.agreed_at} of {n})",
            [
                Line(f"{r.claim.id} {r.claim.text} — {r.carried_by} of {n}: {carried(view, r)}")
                for r in digest.agreed
            ],
        )
    )
    single = digest.single if show_all else digest.single[:FIRST_FEW]
    lines = [Line(f"{r.claim.id} {r.claim.text} — {view.name(r.carriers[0])}") for r in single]
    if len(digest.single) > len(single):
        more = len(digest.single) - len(single)
        lines.append(Line(f"… and {more} more (--all lists every one)", style="note"))
    title = f"Single-source: {count(len(digest.single), 'claim')} only one outlet carries"
    sections.append(Section(title, lines))
    sections.append(
        Section(
            "Unresolved cells",
            [
                Line(f"{v.claim_id} × {view.name(v.article_id)}: {v.rationale}")
                for v in view.unresolved
            ],
        )
    )
    dropped = []
    for article in view.report.articles:
        if article.boilerplate:
            dropped.append(Line(view.name(article), style="head"))
            dropped += [Line(f"{b.text}  ({b.reason})", 1) for b in article.boilerplate]
    sections.append(Section("Set aside as boilerplate (never used for claims)", dropped))
    sections.append(Section("Warnings", [Line(w) for w in view.report.warnings]))
    return [s for s in sections if s.lines]


def _dispute(digest: Digest, dispute: DisputeView) -> list[Line]:
    view = digest.view
    lines = [Line(dispute.summary(view), style="head")]
    if dispute.dispute.kind == "attribution":
        # One statement, credited to different sources: the statement once, then who says whom.
        lines.append(Line(f"{dispute.versions[0].claim.id} {dispute.versions[0].claim.text}", 1))
        for version in dispute.versions:
            lines.append(Line(f"credited to {version.label}:", 1))
            lines += _sides(version.sides, None, credit=False)
        return lines
    for version in dispute.versions:
        claim = version.claim
        lines.append(Line(f"{version.label}: {claim.id} {claim.text}", 1))
        lines += _sides(version.sides, claim.text)
    return lines


def _sides(sides: list[Side], claim_text: str | None, *, credit: bool = True) -> list[Line]:
    lines = [Line(s.line(claim_text, credit=credit), 2) for s in sides[:QUOTES_PER_VERSION]]
    if len(sides) > QUOTES_PER_VERSION:
        lines.append(_more(sides[QUOTES_PER_VERSION:]))
    return lines


def _more(rest: list[Side]) -> Line:
    """The articles of a long list that are named, not quoted."""
    names = ", ".join(s.name for s in rest[:12]) + (" …" if len(rest) > 12 else "")
    return Line(f"and {len(rest)} more: {names}", 2, "note")


def _conflict(digest: Digest, conflict: ConflictView) -> list[Line]:
    lines = [Line(conflict.summary(digest.view), style="head")]
    for claim, sides in conflict.claims:
        lines.append(Line(f"{claim.id} {claim.text}", 1))
        lines += _sides(sides, claim.text)
    if conflict.against:
        lines.append(Line("contradicted by:", 1))
        for side in conflict.against[:QUOTES_PER_VERSION]:
            reason = f" — why: {side.rationale}" if side.rationale else ""
            lines.append(Line(side.line() + reason, 2))
        if len(conflict.against) > QUOTES_PER_VERSION:
            lines.append(_more(conflict.against[QUOTES_PER_VERSION:]))
    lines += [Line(reason, 1, "note") for reason in conflict.reasons]
    return lines


def _figure(digest: Digest, figure: DisputeView | ClaimRow) -> Line:
    view = digest.view
    if isinstance(figure, DisputeView):
        d = figure.dispute
        where = "update, above" if figure.is_update else "disputed, above"
        return Line(f"{d.id} {d.question} {figure.figures(view)} ({where})")
    return Line(f"{figure.claim.id} {figure.claim.text} — {carried(view, figure)}")
