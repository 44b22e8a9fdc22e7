"""Who may do what with targets: the one place for it. Leaders and admins set targets, curves
and plans and start a rebuild of the metrics; every member reads them (non-members never get
past WorkspaceMiddleware: 404)."""

from playbook.access import has_role, require_roles
from playbook.models import Role

SET_ROLES = (Role.ADMIN, Role.LEADER)

set_required = require_roles(*SET_ROLES)


def can_set(membership) -> bool:
    return has_role(membership, *SET_ROLES)
