"""Every write to records, contacts, activities and custom fields: keyword-only, atomic; bad
input raises ValidationError with a message a person can act on, and nothing is saved."""

from records.services.activities import activity_log, activity_mark_done, activity_reopen
from records.services.contacts import (
    contact_create,
    contact_delete,
    contact_erase,
    contact_update,
)
from records.services.custom_fields import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
)
from records.services.records import (
    OwnerChangeNotAllowed,
    RecordConflict,
    record_create,
    record_delete,
    record_restore,
    record_touch,
    record_update,
)

__all__ = [
    "OwnerChangeNotAllowed",
    "RecordConflict",
    "activity_log",
    "activity_mark_done",
    "activity_reopen",
    "contact_create",
    "contact_delete",
    "contact_erase",
    "contact_update",
    "custom_field_create",
    "custom_field_delete",
    "custom_field_update",
    "record_create",
    "record_delete",
    "record_restore",
    "record_touch",
    "record_update",
]
