"""Who would own a record after a move: read-only, for the dialog that names the new owner
before the move happens (the move itself picks under a lock, in pipeline.services.moves)."""

from __future__ import annotations

from playbook.models import Membership


def rotation_pick(members, keep: int | None):
    """The member of `members` (one team's active memberships) who gets the next record: the
    current owner `keep` when they are in the team, else the one assigned longest ago."""
    if not members:
        return None
    kept = next((m for m in members if m.user_id == keep), None) if keep is not None else None
    if kept is not None:
        return kept
    return min(members, key=lambda m: (m.last_assigned_at is not None, m.last_assigned_at, m.pk))


def prospective_owner(workspace, record, to_stage, *, from_stage=None) -> Membership | None:
    """The membership that would own `record` after a board move into `to_stage` (no owner
    chosen): the owner stays within the same team, else the receiving team's round-robin pick.
    None when the record would keep its owner or nobody in the team can take it."""
    same_team = from_stage is not None and from_stage.receiving_team == to_stage.receiving_team
    if same_team and record.owner_id is not None:
        return None
    members = list(
        Membership.objects.of(workspace)
        .filter(team=to_stage.receiving_team, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("id")
    )
    pick = rotation_pick(members, record.owner_id)
    if pick is None or pick.user_id == record.owner_id:
        return None
    return pick
