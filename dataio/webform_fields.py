"""What a web form can ask: the record's and the contact's fields people fill in about
themselves, a message, and the workspace's custom fields. Each has the name it is posted under
(the embeddable snippet's `name=` attributes) and where its value goes."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from playbook.forms import BaseForm
from records import custom_fields as cf
from records.forms import CountryField, custom_form_field

# The honeypot: hidden from people, filled by bots that fill every field. A post with it filled
# is answered like a success and saves nothing.
HONEYPOT = "website"
EMAIL = "email"
MESSAGE_MAX = 5000


@dataclass(frozen=True)
class FormField:
    name: str  # posted under this name
    label: str
    target: str  # "record.<field>", "contact.<field>", "message" or "custom.<key>"
    input_type: str = "text"  # for the snippet's <input type=...>


BUILT_IN = [
    FormField("first_name", "First name", "contact.first_name"),
    FormField("last_name", "Last name", "contact.last_name"),
    FormField(EMAIL, "Work e-mail", "contact.email", "email"),
    FormField("phone", "Phone", "contact.phone", "tel"),
    FormField("job_title", "Job title", "contact.job_title"),
    FormField("company", "Company", "record.name"),
    FormField("domain", "Company website", "record.domain"),
    FormField("industry", "Industry", "record.industry"),
    FormField("employees", "Employees", "record.employee_count", "number"),
    FormField("country", "Country", "record.country"),
    FormField("message", "Message", "message", "textarea"),
]
BUILT_IN_NAMES = {f.name for f in BUILT_IN}


def catalog(definitions) -> list[FormField]:
    """Every field a form of this workspace can ask, in the order forms show them."""
    custom = [
        FormField(
            cf.form_name(d),
            d.label,
            f"custom.{d.key}",
            {"number": "number", "date": "date"}.get(d.kind, "text"),
        )
        for d in definitions
    ]
    return [*BUILT_IN, *custom]


def _django_field(field: FormField, definitions_by_key, required: bool) -> forms.Field:
    kind, _, name = field.target.partition(".")
    common = {"label": field.label, "required": required}
    if kind == "custom":
        made = custom_form_field(definitions_by_key[name])
        made.required = required
        return made
    if field.name == EMAIL:
        return forms.CharField(
            **common, max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
        )
    if field.name == "employees":
        return forms.IntegerField(**common, min_value=1, max_value=10_000_000)
    if field.name == "country":
        return CountryField(**common, widget=forms.TextInput(attrs={"autocomplete": "country"}))
    if field.name == "message":
        return forms.CharField(**common, max_length=MESSAGE_MAX, widget=forms.Textarea)
    limits = {"company": 200, "domain": 253, "industry": 100, "job_title": 150, "phone": 50}
    widget = forms.TextInput(attrs={"type": "tel"}) if field.name == "phone" else None
    return forms.CharField(**common, max_length=limits.get(field.name, 100), widget=widget)


class SubmissionForm(BaseForm):
    """The public form as its admin configured it: the fields asked, which are required. What
    the app checks beyond a field's type (e-mail and phone validity, the domain) is checked by
    the submission service, as for a record typed in."""

    def __init__(self, *args, webform, definitions, **kwargs):
        super().__init__(*args, **kwargs)
        by_key = {d.key: d for d in definitions}
        offered = {f.name: f for f in catalog(definitions)}
        for entry in webform.fields:
            field = offered.get(entry["name"])
            if field is None:  # a custom field removed since the form was saved
                continue
            self.fields[field.name] = _django_field(field, by_key, bool(entry.get("required")))
        self.allowed = set(self.fields) | {HONEYPOT}

    def unknown_fields(self) -> list[str]:
        """Posted names the form does not ask for (a stale snippet, or someone probing)."""
        return sorted(set(self.data) - self.allowed)

    def values(self) -> dict:
        """The cleaned values that are not empty, by posted name."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
