"""What changed on a contact, in words a person reads, for the record's timeline.

Contacts have no field history (ADR 0109 relies on it: erasing a contact leaves no older copy
behind), so each write of records.services.contacts records its own ContactChange line: the
fields a person edits, old -> new, as shown on the record page. An erased contact's lines keep
their labels and lose their values and name.
"""

from records.models import Contact, ContactChange, ContactChangeKind, Seniority

ERASED_NAME = "Erased contact"
ERASED_VALUE = "(erased)"
# (label, how a contact shows the field); the order the record page shows them in.
FIELDS = (
    ("Name", lambda c: c.full_name),
    ("E-mail", lambda c: c.email),
    ("Phone", lambda c: c.phone_raw or c.phone),
    ("Job title", lambda c: c.job_title),
    ("Seniority", lambda c: Seniority(c.seniority).label if c.seniority else ""),
    ("Primary contact", lambda c: "yes" if c.is_primary else "no"),
    ("Do not contact", lambda c: "yes" if c.do_not_contact else "no"),
)


def snapshot(contact: Contact) -> dict[str, str]:
    return {label: show(contact) or "" for label, show in FIELDS}


def _empty(label: str, value: str) -> bool:
    return value == "" or (value == "no" and label in ("Primary contact", "Do not contact"))


def record_change(*, contact: Contact, actor, kind: str, before: dict | None = None) -> None:
    """Write the timeline line of `kind` for `contact` (after its write). An edit that changed
    nothing shown writes nothing."""
    after = snapshot(contact)
    if kind == ContactChangeKind.ADDED:
        changes = [[label, "", new] for label, new in after.items() if not _empty(label, new)]
    elif kind == ContactChangeKind.EDITED:
        changes = [
            [label, before[label], new] for label, new in after.items() if before[label] != new
        ]
        if not changes:
            return
    else:
        changes = []
    ContactChange.objects.create(
        workspace_id=contact.workspace_id,
        record_id=contact.record_id,
        contact=contact if kind != ContactChangeKind.REMOVED else None,
        actor=actor,
        kind=kind,
        name=contact.full_name[:201],
        changes=changes,
    )


def forget_personal_data(contact: Contact) -> int:
    """Blank the name and values of every earlier line about `contact` (its erasure): the
    labels stay, so the timeline still says that the phone was changed, not what to."""
    lines = list(ContactChange.objects.of(contact.workspace_id).filter(contact=contact))
    for line in lines:
        line.name = ERASED_NAME
        line.changes = [
            [label, ERASED_VALUE if old else "", ERASED_VALUE if new else ""]
            for label, old, new in line.changes
        ]
    ContactChange.objects.of(contact.workspace_id).bulk_update(lines, ["name", "changes"])
    return len(lines)
