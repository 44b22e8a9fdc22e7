"""Contacts of a record: phone and e-mail validity, and exactly one primary contact.

What a person types is checked strictly: a phone or e-mail that cannot be read or is not valid
is refused beside its field and nothing is saved. Imports pass `strict=False` and keep invalid
data with its validity flag off, and a legacy invalid value that an edit leaves unchanged stays
as it is (flag still off), so a rep can fix a job title without first fixing the phone.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from playbook.audit import audit_record
from playbook.models import AuditKind, User
from records import contact_changes
from records.contact_data import parse_email, parse_phone
from records.models import Contact, ContactChangeKind, Record, Seniority
from records.services.icp import icp_rescore_after_commit
from records.services.records import record_touch

CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "seniority",
    "do_not_contact",
)
ERASED_NAME = contact_changes.ERASED_NAME


def _lock_record(record: Record) -> Record:
    """Contact writes of one record run one at a time, so two "make primary" clicks cannot
    both pass the one-primary constraint's check."""
    return Record.objects.of(record.workspace_id).select_for_update().get(pk=record.pk)


def _apply(contact: Contact, record: Record, data: dict, *, strict: bool) -> None:
    errors = {}
    contact.first_name = (data.get("first_name") or "").strip()
    contact.last_name = (data.get("last_name") or "").strip()
    contact.job_title = (data.get("job_title") or "").strip()
    contact.seniority = data.get("seniority") or ""
    if "do_not_contact" in data:
        contact.do_not_contact = bool(data["do_not_contact"])
    if not contact.first_name:
        errors["first_name"] = "Enter the contact's first name."
    if contact.seniority and contact.seniority not in Seniority.values:
        errors["seniority"] = "Choose one of the listed seniorities."

    raw_phone = (data.get("phone") or "").strip()
    if contact.pk is None or raw_phone != contact.phone_raw:
        phone = parse_phone(raw_phone, country=record.country)
        if phone.problem and strict:
            errors["phone"] = phone.problem
        contact.phone_raw, contact.phone, contact.phone_valid = phone.raw, phone.e164, phone.valid

    raw_email = (data.get("email") or "").strip()
    if contact.pk is None or raw_email != contact.email:
        email = parse_email(raw_email)
        if email.problem and strict:
            errors["email"] = email.problem
        contact.email, contact.email_valid = email.value, email.valid

    for field, limit in (("first_name", 100), ("last_name", 100), ("job_title", 150)):
        if len(getattr(contact, field)) > limit:
            errors[field] = f"Keep it under {limit} characters."
    if len(contact.phone_raw) > 50:
        errors["phone"] = "Keep the phone number under 50 characters."
    if len(contact.email) > 254:
        errors["email"] = "Keep the e-mail address under 254 characters."
    if errors:
        raise ValidationError(errors)


def _make_primary(contact: Contact) -> None:
    # Unset first: the partial unique index allows one primary per record at any moment.
    Contact.objects.of(contact.workspace_id).filter(
        record_id=contact.record_id, is_primary=True
    ).exclude(pk=contact.pk).update(is_primary=False)
    contact.is_primary = True


@transaction.atomic
def contact_create(
    *,
    record: Record,
    actor: User | None,
    is_primary: bool = False,
    strict: bool = True,
    record_is_new: bool = False,
    record_locked: bool = False,
    **data,
) -> Contact:
    """Add a contact. The first contact of a record becomes its primary one.

    `record_locked`: the caller locked the record's row in this transaction (select_for_update)
    and passes it, so it is not locked again. `record_is_new`: the record was created in the
    caller's transaction and has no contact yet (record_create's first contact, a web form's
    new lead): no other transaction can see the row, the contact is primary without asking,
    and the record is not touched (it was just written); three statements fewer. Said of a
    record that has a primary contact, the one-primary index refuses the insert."""
    _check(data)
    if not (record_is_new or record_locked):
        record = _lock_record(record)
    contact = Contact(workspace_id=record.workspace_id, record=record)
    _apply(contact, record, data, strict=strict)
    if is_primary and not record_is_new:
        _make_primary(contact)
    else:  # primary when the record has none (no other to unset then)
        contact.is_primary = record_is_new or not (
            Contact.objects.of(record.workspace_id).filter(record=record, is_primary=True).exists()
        )
    contact.save()
    contact_changes.record_change(contact=contact, actor=actor, kind=ContactChangeKind.ADDED)
    if record_is_new:
        icp_rescore_after_commit(workspace_id=record.workspace_id, record_id=record.pk)
    else:
        record_touch(workspace_id=record.workspace_id, record_id=record.pk)
    return contact


@transaction.atomic
def contact_update(
    *, contact: Contact, actor: User | None, is_primary: bool = False, strict: bool = True, **data
) -> Contact:
    _check(data)
    record = _lock_record(contact.record)
    contact = Contact.objects.of(record.workspace_id).get(record=record, pk=contact.pk)
    if contact.is_erased:
        raise ValidationError(
            "This contact's personal data was erased on request; it cannot be edited. "
            "Add the person again only if they ask to be in touch."
        )
    was_do_not_contact = contact.do_not_contact
    before = contact_changes.snapshot(contact)
    _apply(contact, record, data, strict=strict)
    if is_primary and not contact.is_primary:
        _make_primary(contact)
    elif not is_primary and contact.is_primary:
        raise ValidationError(
            {"is_primary": "A record keeps one primary contact: make another contact primary."}
        )
    contact.save()
    contact_changes.record_change(
        contact=contact, actor=actor, kind=ContactChangeKind.EDITED, before=before
    )
    record_touch(workspace_id=record.workspace_id, record_id=record.pk)
    if contact.do_not_contact != was_do_not_contact:
        _audit_do_not_contact(contact, record, actor)
    return contact


def _audit_do_not_contact(contact: Contact, record: Record, actor: User | None) -> None:
    audit_record(
        workspace=record.workspace_id,
        actor=actor,
        kind=AuditKind.DO_NOT_CONTACT,
        target=contact,
        target_label=_audit_label(contact, record),
        detail={"do not contact": "yes" if contact.do_not_contact else "no"},
    )


def _audit_label(contact: Contact, record: Record) -> str:
    """How the audit log names a contact: never by the person's data, which an erasure
    removes (the log itself is append-only)."""
    return f"Contact #{contact.pk} of {record.name}"


@transaction.atomic
def contact_erase(*, contact: Contact, actor: User | None) -> Contact:
    """Erase the person's data on their request: name, e-mail, phone and job title go, the
    contact is marked do-not-contact and erased, and the erasure is in the audit log. The row
    stays (the record keeps its primary contact and its stage history; neither holds the
    person's data). Contacts have no field history (django-simple-history tracks records
    only), so no older copy of the data remains in the database (ADR 0109)."""
    record = _lock_record(contact.record)
    contact = Contact.objects.of(record.workspace_id).get(record=record, pk=contact.pk)
    if contact.is_erased:
        raise ValidationError("This contact's personal data is already erased.")
    contact.first_name, contact.last_name = ERASED_NAME, ""
    contact.email, contact.email_valid = "", False
    contact.phone_raw, contact.phone, contact.phone_valid = "", "", False
    contact.job_title, contact.seniority = "", ""
    contact.do_not_contact = True
    contact.erased_at = timezone.now()
    contact.save()
    # The timeline's earlier lines about the person lose their values; this one holds none.
    contact_changes.forget_personal_data(contact)
    contact_changes.record_change(contact=contact, actor=actor, kind=ContactChangeKind.ERASED)
    record_touch(workspace_id=record.workspace_id, record_id=record.pk)
    audit_record(
        workspace=record.workspace_id,
        actor=actor,
        kind=AuditKind.CONTACT_ERASED,
        target=contact,
        target_label=_audit_label(contact, record),
    )
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, actor: User | None) -> Contact | None:
    """Remove a contact. If it was the primary one, the longest-known remaining contact
    becomes primary (returned), so stage rules about the primary contact still have one."""
    record = _lock_record(contact.record)
    current = Contact.objects.of(record.workspace_id).filter(pk=contact.pk).first()
    if current is None:
        return None  # removed meanwhile: nothing left to do
    contact_changes.record_change(contact=current, actor=actor, kind=ContactChangeKind.REMOVED)
    current.delete()
    record_touch(workspace_id=record.workspace_id, record_id=record.pk)
    if not current.is_primary:
        return None
    successor = (
        Contact.objects.of(record.workspace_id)
        .filter(record=record)
        .order_by("created_at", "id")
        .first()
    )
    if successor is not None:
        successor.is_primary = True
        successor.save(update_fields=["is_primary"])
    return successor


def _check(data: dict) -> None:
    unknown = set(data) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Not a contact field: {', '.join(sorted(unknown))}")
