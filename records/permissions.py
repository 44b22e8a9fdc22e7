"""Who may do what with records: the one place the records pages ask.

Every member works the same records (the record is curated by every team), so every member may
create and edit them. Changing an existing record's owner is for its current owner, leaders and
admins (and the pipeline's handoffs): ownership decides who may move and delete a record, so
taking it over must not be open to everyone. Deleting is for admins, leaders and the record's
owner; seeing and restoring deleted records, and defining custom fields, is for admins. The ICP
profile is edited by admins and leaders and read by everyone. A saved view is its owner's to
change; shared ones are also the admins', who choose each role's default view.
"""

from playbook.access import has_role, require_roles
from playbook.models import Role

IMPORTERS = (Role.ADMIN, Role.LEADER, Role.MARKETING)


def can_import(membership) -> bool:
    """Importing records from CSV (dataio) is for admins, leaders and marketing."""
    return has_role(membership, *IMPORTERS)


def can_delete_record(membership, record) -> bool:
    if has_role(membership, Role.ADMIN, Role.LEADER):
        return True
    return membership is not None and record.owner_id == membership.user_id


DELETE_REFUSED = "Only admins, leaders and the record's owner can delete it."


def can_change_owner(membership, record) -> bool:
    """May `membership` give `record` another owner? (Creating a record with any owner is
    open to every member: a new record grants nobody anything over existing ones.)"""
    if has_role(membership, Role.ADMIN, Role.LEADER):
        return True
    return (
        membership is not None
        and record.owner_id is not None
        and record.owner_id == membership.user_id
    )


OWNER_CHANGE_REFUSED = (
    "Only the record's owner, a leader or an admin can give it another owner; "
    "moving it to another team's stage hands it over."
)


def can_see_everyones_tasks(membership) -> bool:
    """Admins and leaders oversee every team's work (the homes' drill-downs)."""
    return has_role(membership, Role.ADMIN, Role.LEADER)


def can_see_deleted(membership) -> bool:
    return has_role(membership, Role.ADMIN)


def can_manage_fields(membership) -> bool:
    return has_role(membership, Role.ADMIN)


def can_erase_contacts(membership) -> bool:
    """Erasing a person's data on request is an admin's decision (and it cannot be undone)."""
    return has_role(membership, Role.ADMIN)


def can_edit_icp(membership) -> bool:
    """The ICP profile is a leadership decision: admins and leaders edit it, everyone reads it."""
    return has_role(membership, Role.ADMIN, Role.LEADER)


def can_change_view(membership, view) -> bool:
    """A saved view is changed (renamed, updated, deleted) by its owner; a shared one also by
    admins, who look after the workspace's shared and built-in views."""
    if membership is None:
        return False
    if view.owner_id is not None and view.owner_id == membership.user_id:
        return True
    return view.shared and has_role(membership, Role.ADMIN)


def can_set_role_defaults(membership) -> bool:
    """Which view each role opens the records list on is an admin's choice."""
    return has_role(membership, Role.ADMIN)


# View decorators (403 for other roles; non-members already got 404 from the middleware).
contact_erase_access = require_roles(Role.ADMIN)
deleted_records_access = require_roles(Role.ADMIN)
custom_fields_access = require_roles(Role.ADMIN)
icp_edit_access = require_roles(Role.ADMIN, Role.LEADER)
role_defaults_access = require_roles(Role.ADMIN)
