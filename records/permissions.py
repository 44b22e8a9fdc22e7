"""Who may do what with records: the one place the records pages ask.

Every member works the same records (the record is curated by every team), so every member may
create and edit them. Deleting is for admins, leaders and the record's owner; seeing and
restoring deleted records, and defining custom fields, is for admins. The ICP profile is
edited by admins and leaders and read by everyone.
"""

from playbook.access import has_role, require_roles
from playbook.models import Role


def can_delete_record(membership, record) -> bool:
    if has_role(membership, Role.ADMIN, Role.LEADER):
        return True
    return membership is not None and record.owner_id == membership.user_id


def can_see_deleted(membership) -> bool:
    return has_role(membership, Role.ADMIN)


def can_manage_fields(membership) -> bool:
    return has_role(membership, Role.ADMIN)


def can_edit_icp(membership) -> bool:
    """The ICP profile is a leadership decision: admins and leaders edit it, everyone reads it."""
    return has_role(membership, Role.ADMIN, Role.LEADER)


# View decorators (403 for other roles; non-members already got 404 from the middleware).
deleted_records_access = require_roles(Role.ADMIN)
custom_fields_access = require_roles(Role.ADMIN)
icp_edit_access = require_roles(Role.ADMIN, Role.LEADER)
