"""Reads of ICP scoring: the workspace's profile as a page shows it, and one record's score
explained. Import from here (not from records.selectors)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from records import conditions, icp, scoring
from records.models import IcpProfile


@dataclass(frozen=True)
class ProfileCriterion:
    index: int
    kind: str
    kind_label: str
    params: dict
    weight: int
    description: str
    share: int  # points when met: its share of 100, as the record page shows them


def icp_profile(workspace) -> IcpProfile | None:
    return IcpProfile.objects.of(workspace).first()


def icp_fields(workspace, definitions=None):
    """What a criterion may look at: the condition language's fields but the score itself."""
    fields = conditions.available_fields(workspace, definitions)
    fields.pop("icp_score", None)
    return fields


def icp_profile_criteria(profile: IcpProfile | None, fields) -> list[ProfileCriterion]:
    criteria = icp.criteria_of(profile.criteria if profile else [])
    # Each criterion's share of 100, rounded so that the shares add up to 100 exactly (what a
    # record meeting every criterion scores).
    shares = scoring.allocate([(c.weight, True) for c in criteria])
    kinds = dict(conditions.ConditionKind.choices)
    rows = []
    for i, (c, share) in enumerate(zip(criteria, shares, strict=True)):
        try:
            description = conditions.describe_condition(c.kind, c.params, fields)
        except (KeyError, ValueError):
            description = kinds.get(c.kind, c.kind)
        rows.append(
            ProfileCriterion(
                i, c.kind, kinds.get(c.kind, c.kind), c.params, c.weight, description, share
            )
        )
    return rows


def icp_explanation(workspace, record, *, fields=None, profile=None) -> icp.Explanation | None:
    """Why `record` scores what it does, from the current profile and data: at most four
    queries (profile, custom fields, contacts, activities). None without a profile."""
    profile = profile if profile is not None else icp_profile(workspace)
    if profile is None:
        return None
    fields = fields if fields is not None else icp_fields(workspace)
    return icp.explain_record(record, icp.criteria_of(profile.criteria), fields, timezone.now())
