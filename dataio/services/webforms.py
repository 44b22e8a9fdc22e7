"""Web forms: their settings (admins) and the submissions the public URL accepts.

A submission is saved whole or not at all (one transaction): the record created or found (the
contact's e-mail first, else the domain: records.matching), its contact added or completed,
an activity of the form's kind on its timeline, and the submission row. The record, contact
and activity services do the checks and the side effects they do for a person typing the
same (e-mail and phone validity, custom fields' types, first stage); the ICP score is computed
before the commit, in the same transaction (ADR 0017's update).
docs/data-in-out.md describes it; ADR 0017 how the public URL reaches the workspace.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from dataio.models import WebForm, WebFormActivity, WebFormOwnerRule, WebFormSubmission
from dataio.services.run import json_value
from dataio.webform_fields import EMAIL, catalog
from pipeline.models import StageDefinition
from pipeline.selectors import first_stage
from pipeline.services.moves import next_in_rotation
from playbook.integrity import refused_as
from playbook.models import Membership, User, Workspace
from records.contact_data import parse_email
from records.matching import match_contacts, match_records, normalize_domain
from records.models import Contact, CustomFieldDefinition, Record, Source
from records.services.activities import activity_log
from records.services.contacts import contact_create, contact_update
from records.services.icp import icp_rescore_in_transaction
from records.services.ownership import owner_changed
from records.services.records import normalize_domain as checked_domain
from records.services.records import record_create, record_update

# Addresses of people, not companies: their domain says nothing about the employer.
FREE_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "outlook.com",
        "live.com", "msn.com", "icloud.com", "me.com", "aol.com", "gmx.com", "gmx.de", "gmx.net",
        "web.de", "proton.me", "protonmail.com", "mail.com", "yandex.com", "yandex.ru",
        "mail.ru", "qq.com", "163.com",
    }
)  # fmt: skip
# Where each record field of a form goes when a submission names an existing record: only
# empty fields are filled (what a rep curated is never overwritten by a visitor).
_RECORD_TARGETS = {
    "company": "name",
    "domain": "domain",
    "industry": "industry",
    "employees": "employee_count",
    "country": "country",
}
_CONTACT_TARGETS = ("first_name", "last_name", "email", "phone", "job_title")
# The service's error keys back to the posted names.
_POSTED = {"name": "company", "employee_count": "employees"}


THANK_YOU_MAX = 1000
REDIRECT_MAX = 500
NAME_TAKEN = "Another form of this workspace has this name."
_NAME_TAKEN = ValidationError({"name": NAME_TAKEN})


def new_key() -> str:
    return secrets.token_urlsafe(24)


# --- settings -------------------------------------------------------------------------------


def _clean(workspace, *, name, fields, source, activity_kind, owner_rule, owner, redirect_url,
           thank_you, instance=None) -> dict:  # fmt: skip
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the form a name."
    else:
        same = (
            WebForm.objects.of(workspace).annotate(lname=Lower("name")).filter(lname=name.lower())
        )
        if instance is not None:
            same = same.exclude(pk=instance.pk)
        if same.exists():
            errors["name"] = NAME_TAKEN
    definitions = CustomFieldDefinition.objects.of(workspace).order_by("position", "id")
    offered = {f.name for f in catalog(definitions)}
    names = [f["name"] for f in fields]
    unknown = [n for n in names if n not in offered]
    if unknown or len(set(names)) != len(names):
        errors["__all__"] = "Choose each field once, from the list."
    fields = [{"name": EMAIL, "required": True}] + [
        {"name": f["name"], "required": bool(f.get("required"))}
        for f in fields
        if f["name"] != EMAIL
    ]
    if source not in Source.values:
        errors["source"] = "Choose one of the listed sources."
    if activity_kind not in WebFormActivity.values:
        errors["activity_kind"] = "Choose one of the listed kinds."
    owner_id = getattr(owner, "pk", owner)
    if owner_rule not in WebFormOwnerRule.values:
        errors["owner_rule"] = "Choose one of the listed rules."
    elif owner_rule == WebFormOwnerRule.MEMBER:
        active = Membership.objects.of(workspace).filter(
            user_id=owner_id, is_active=True, user__is_active=True
        )
        if owner_id is None or not active.exists():
            errors["owner"] = "Choose the active member who owns the form's new records."
    else:
        owner_id = None
    thank_you = (thank_you or "").strip()
    if len(thank_you) > THANK_YOU_MAX:
        errors["thank_you"] = f"Keep the message under {THANK_YOU_MAX} characters."
    redirect_url = (redirect_url or "").strip()
    if len(redirect_url) > REDIRECT_MAX:
        errors["redirect_url"] = f"Keep the address under {REDIRECT_MAX} characters."
    elif redirect_url:
        try:
            URLValidator(schemes=["http", "https"])(redirect_url)
        except ValidationError:
            errors["redirect_url"] = "Enter a full http:// or https:// address."
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "fields": fields,
        "source": source,
        "activity_kind": activity_kind,
        "owner_rule": owner_rule,
        "owner_id": owner_id,
        "redirect_url": redirect_url,
        "thank_you": thank_you,
    }


@transaction.atomic
def webform_create(*, workspace: Workspace, actor: User | None, **settings) -> WebForm:
    values = _clean(workspace, **settings)
    # Two admins naming two forms alike at the same moment: the constraint answers the second.
    with refused_as({"webform_unique_name": _NAME_TAKEN}):
        return WebForm.objects.create(
            workspace=workspace, key=new_key(), created_by=actor, **values
        )


@transaction.atomic
def webform_update(*, webform: WebForm, **settings) -> WebForm:
    values = _clean(webform.workspace_id, instance=webform, **settings)
    for name, value in values.items():
        setattr(webform, name, value)
    with refused_as({"webform_unique_name": _NAME_TAKEN}):
        webform.save()
    return webform


def webform_set_active(*, webform: WebForm, active: bool) -> WebForm:
    """Disable (its URL answers 404, its snippet stops working) or enable again."""
    WebForm.objects.of(webform.workspace_id).filter(pk=webform.pk).update(
        is_active=active, updated_at=timezone.now()
    )
    webform.is_active = active
    return webform


# --- a submission ---------------------------------------------------------------------------


def _posted(errors: ValidationError) -> ValidationError:
    """The record and contact services' error keys as the form's posted names."""
    if not hasattr(errors, "error_dict"):
        return errors
    mapped: dict[str, list] = {}
    for key, messages in errors.message_dict.items():
        key = key.removeprefix("contact.")
        mapped.setdefault(_POSTED.get(key, key), []).extend(messages)
    return ValidationError(mapped)


def _company_domain(values: dict, email: str) -> str:
    """The domain typed (record_create checks it), else the e-mail's unless it is a free-mail
    provider's: two people of one company find the same record."""
    if values.get("domain"):
        return normalize_domain(values["domain"])
    domain = email.rpartition("@")[2].lower()
    if domain in FREE_MAIL:
        return ""
    try:
        return checked_domain(domain)
    except ValidationError:
        return ""


def _owner_of_new_record(webform: WebForm, workspace, stage: StageDefinition | None):
    """The form's owner rule; nobody when it names no active member (one who left)."""
    if webform.owner_rule == WebFormOwnerRule.MEMBER and webform.owner_id is not None:
        return User.objects.filter(
            pk=webform.owner_id,
            is_active=True,
            memberships__workspace=workspace,
            memberships__is_active=True,
        ).first()
    if webform.owner_rule == WebFormOwnerRule.ROUND_ROBIN and stage is not None:
        owner_id = next_in_rotation(
            workspace=workspace, team=stage.receiving_team, now=timezone.now()
        )
        # The rotation picks an active member who is an active user, and record_create checks
        # the membership again: the user row itself is not read (only its id is used).
        return User(pk=owner_id) if owner_id is not None else None
    return None


def _serialise(workspace_id: int, keys: list[str]) -> None:
    """Hold the workspace's transaction-level advisory locks on the submission's e-mail and
    company domain until commit, before matching: two posts naming the same new company (or
    the same person, a double click) at the same moment would otherwise both find nothing and
    create two records. The second waits for the first's commit, then matches what it made.
    Keys are hashed to 64 bits (a collision only makes two posts wait for each other) and
    taken in sorted order, so two posts never wait for each other's second lock. SQLite (the
    embedded default) runs one writing transaction at a time anyway: nothing is taken."""
    if connection.vendor != "postgresql" or not keys:
        return
    locks = sorted(
        {
            int.from_bytes(
                hashlib.blake2b(f"{workspace_id}:{key}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for key in keys
        }
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["pg_advisory_xact_lock(%s)"] * len(locks)), locks)


def _contact_data(values: dict, email: str) -> dict:
    data = {name: values.get(name, "") for name in _CONTACT_TARGETS}
    data["email"] = email
    if not data["first_name"]:
        # As the import does: the e-mail's local part stands in for a first name not asked.
        data["first_name"] = email.split("@")[0][:100]
    return data


def _custom_updates(values: dict) -> dict:
    return {name.removeprefix("cf_"): v for name, v in values.items() if name.startswith("cf_")}


def _body(values: dict, labels: dict) -> str:
    lines = [f"{labels.get(name, name)}: {json_value(value)}" for name, value in values.items()]
    message = values.get("message")
    return "\n\n".join(part for part in (message, "\n".join(lines)) if part)


@transaction.atomic
def webform_submit(*, webform: WebForm, values: dict, definitions=None) -> WebFormSubmission:
    """Save one accepted submission (`values`: the cleaned fields by posted name, non-empty;
    `definitions`: the workspace's custom fields, if the caller read them already). Raises
    ValidationError keyed by posted names; then nothing is saved."""
    workspace = webform.workspace
    email_value = (values.get(EMAIL) or "").strip()
    email = parse_email(email_value)
    if email.problem:
        raise ValidationError({EMAIL: email.problem})
    domain = _company_domain(values, email.value)
    if values.get("domain"):
        values = {**values, "domain": domain}
    _serialise(
        workspace.pk, [f"email:{email.value.lower()}"] + ([f"domain:{domain}"] if domain else [])
    )
    contacts = match_contacts(workspace, [email.value])
    known = contacts.get(email.value.lower())
    record_id = known[0] if known else None
    if record_id is None and domain:
        record_id = match_records(workspace, [("", domain)])[0]
    if definitions is None:
        definitions = list(CustomFieldDefinition.objects.of(workspace).order_by("position", "id"))
    labels = {f.name: f.label for f in catalog(definitions)}
    note = f"Web form “{webform.name}”"
    try:
        if record_id is None:
            record, contact = _create(
                webform, workspace, values, email.value, domain, note, definitions
            )
        else:
            record, contact = _update(webform, workspace, record_id, known, values, email.value)
        activity_log(
            record=record,
            actor=None,
            kind=webform.activity_kind,
            subject=f"{note} sent"[:200],
            body=_body(values, labels),
        )
    except ValidationError as exc:
        raise _posted(exc) from exc
    # Scored before the commit, not after it in a second transaction (ADR 0017): the record is
    # locked by this transaction and nothing more changes it, contacts or activities.
    icp_rescore_in_transaction(record=record)
    return WebFormSubmission.objects.create(
        workspace_id=workspace.pk,
        form=webform,
        record=record,
        contact=contact,
        created_record=record_id is None,
        data={name: json_value(value) for name, value in values.items()},
    )


def _create(webform, workspace, values, email, domain, note, definitions):
    contact = _contact_data(values, email)
    name = (values.get("company") or domain or "").strip()
    if not name:
        name = f"{contact['first_name']} {contact['last_name']}".strip() or email
    stage = first_stage(workspace)
    record = record_create(
        workspace=workspace,
        actor=None,
        name=name[:200],
        domain=domain,
        industry=values.get("industry", ""),
        employee_count=values.get("employees"),
        country=values.get("country", ""),
        source=webform.source,
        owner=_owner_of_new_record(webform, workspace, stage),
        custom_fields=_custom_updates(values),
        stage_note=note,
        definitions=definitions,
        first_stage=stage,
    )
    created = contact_create(record=record, actor=None, record_is_new=True, **contact)
    if record.owner_id is not None:  # one lead, one line in its new owner's notifications
        owner_changed(
            record=record,
            from_owner_id=None,
            to_owner_id=record.owner_id,
            actor=None,
            reason="assigned",
            detail=f"came in through the web form “{webform.name}”",
        )
    return record, created


def _update(webform, workspace, record_id, known, values, email) -> tuple[Record, Contact]:
    """Fill the record's and the contact's empty fields; add the contact if it is new."""
    record = Record.objects.of(workspace).select_for_update().get(pk=record_id)
    fields = {}
    for posted, field in _RECORD_TARGETS.items():
        if posted in values and field != "name" and getattr(record, field) in ("", None):
            fields[field] = values[posted]
    custom = {
        key: value
        for key, value in _custom_updates(values).items()
        if record.custom_fields.get(key) in (None, "")
    }
    if fields or custom:
        record = record_update(
            record=record, actor=None, version=record.version, custom_fields=custom, **fields
        )
    submitted = _contact_data(values, email)
    if known is None or known[0] != record.pk:
        # The record's row is locked above (or by record_update, which returns it as written).
        return record, contact_create(record=record, actor=None, record_locked=True, **submitted)
    contact = Contact.objects.of(workspace).get(pk=known[1])
    current = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone_raw,
        "job_title": contact.job_title,
        "seniority": contact.seniority,
    }
    merged = {k: v or submitted.get(k, "") for k, v in current.items()}
    if merged != current:
        contact = contact_update(
            contact=contact, actor=None, is_primary=contact.is_primary, **merged
        )
    return record, contact
