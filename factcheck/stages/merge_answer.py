"""The merge answer: its schema, and what makes it valid or salvageable.

Checked here rather than trusted: a group must hold claims that may all be true together, so
two ids that the same answer puts on competing sides of a dispute never share a group.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from factcheck.models import ClaimText, DisputeKind


class MergeGroup(BaseModel):
    """Claims that state one fact, and the fact in one sentence."""

    ids: list[str] = Field(description="Two or more claim ids.")
    statement: ClaimText = Field(description="The shared fact as one self-contained sentence.")


class DisputeItem(BaseModel):
    """A point on which claims cannot all be true, as the merge answer gives it."""

    question: str = Field(description="The point as a short question an editor would ask.")
    kind: DisputeKind
    versions: list[list[str]] = Field(description="Per competing answer, the ids that give it.")


class MergeAnswer(BaseModel):
    """The merge answer: groups of two or more claims, and the disputes among the claims."""

    groups: list[MergeGroup]
    disputes: list[DisputeItem]

    @model_validator(mode="after")
    def _valid_groups_and_disputes(self, info: ValidationInfo) -> MergeAnswer:
        known = (info.context or {}).get("refs")
        if known is None:
            return self
        problems = group_problems(self.groups, known)
        grouped = group_of(self.groups)
        for n, dispute in enumerate(self.disputes, 1):
            problems += [f"dispute {n}: {p}" for p in dispute_problems(dispute, known, grouped)]
        if problems:
            raise ValueError("; ".join(problems[:10]))
        return self


def group_problems(groups: list[MergeGroup], known: set[str]) -> list[str]:
    """What is wrong with ``groups``: too small, unknown ids, an id in two groups."""
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


def dispute_problems(dispute: DisputeItem, known: set[str], grouped: dict[str, int]) -> list[str]:
    """What is wrong with one dispute, given the answer's groups (ref -> group number)."""
    problems: list[str] = []
    versions = [v for v in dispute.versions if v]
    if len(versions) < 2:
        problems.append("needs two or more versions, each with its ids")
    seen: set[str] = set()
    for ref in (r for version in versions for r in version):
        if ref not in known:
            problems.append(f"unknown id {ref}")
        elif ref in seen:
            problems.append(f"id {ref} is in more than one version")
        seen.add(ref)
    if dispute.kind != "attribution":
        # Claims that cannot both be true were grouped as one fact: one of the two is wrong.
        owners = [{grouped[r] for r in version if r in grouped} for version in versions]
        for i, left in enumerate(owners):
            for right in owners[i + 1 :]:
                for number in sorted(left & right):
                    problems.append(
                        f"group {number} joins ids of two of its versions; claims that cannot "
                        "both be true are never grouped"
                    )
    return problems


def group_of(groups: list[MergeGroup]) -> dict[str, int]:
    """Which group (numbered from 1) each id is in."""
    return {ref: n for n, group in enumerate(groups, 1) for ref in group.ids}


def valid_groups(groups: list[MergeGroup], known: set[str]) -> list[MergeGroup]:
    """The groups of a salvaged answer that stay valid, first come first kept."""
    kept: list[MergeGroup] = []
    used: set[str] = set()
    for group in groups:
        ids = [r for r in dict.fromkeys(group.ids) if r in known and r not in used]
        if len(ids) >= 2 and group.statement:
            kept.append(MergeGroup(ids=ids, statement=group.statement))
            used.update(ids)
    return kept
