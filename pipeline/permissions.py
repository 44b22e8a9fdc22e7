"""Who may do what in the pipeline: the one place for it (docs/pipeline.md, "Who may move").

- Admins configure stages, rules and lost reasons.
- Admins and leaders may move any record.
- Everyone else may move a record they own, or one whose current stage is owned by their team
  or handed to their team (an SDR works the MQLs marketing hands over).
- Every member may look at the board, the queues and the definitions.
- A deal's forecast category is its owner's call; admins and leaders may set it too.
"""

from playbook.access import has_role, require_roles
from playbook.models import Role

CONFIGURE_ROLES = (Role.ADMIN,)
OVERSEE_ROLES = (Role.ADMIN, Role.LEADER)

configure_required = require_roles(*CONFIGURE_ROLES)


def can_configure(membership) -> bool:
    return has_role(membership, *CONFIGURE_ROLES)


def oversees(membership) -> bool:
    return has_role(membership, *OVERSEE_ROLES)


def can_move(membership, record, stage) -> bool:
    """May `membership` move `record`, which sits in `stage` (None when unstaged)?"""
    if membership is None or not membership.is_active:
        return False
    if oversees(membership) or record.owner_id == membership.user_id:
        return True
    return (
        bool(membership.team)
        and stage is not None
        and membership.team
        in (
            stage.team,
            stage.receiving_team,
        )
    )


def move_refusal(membership, stage) -> str:
    team = stage.get_team_display() if stage is not None else "its owner"
    return (
        f"Your role ({membership.get_role_display()}) may not move this record: it belongs to "
        f"{team} and is not yours. Ask its owner or a leader."
    )


def can_set_forecast(membership, record) -> bool:
    """May `membership` set `record`'s forecast category? Its owner, admins and leaders: the
    category is the seller's commitment, so nobody else speaks for them."""
    if membership is None or not membership.is_active:
        return False
    return oversees(membership) or (
        record.owner_id is not None and record.owner_id == membership.user_id
    )


FORECAST_REFUSED = "Only the deal's owner, a leader or an admin can set its forecast category."
