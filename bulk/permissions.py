"""Who may see a bulk action: the one place the bulk views ask."""

from playbook.access import has_role
from playbook.models import Role


def can_see_bulk(membership, bulk) -> bool:
    """Its author, and admins and leaders (who oversee every team's work): the summary lists
    the records one person acted on and why each was refused, which is that person's work."""
    if has_role(membership, Role.ADMIN, Role.LEADER):
        return True
    return (
        membership is not None and bulk.actor_id is not None and bulk.actor_id == membership.user_id
    )
