"""Forms parse what people type; the rules (and the saving) live in records.services."""

from django import forms
from django.forms.models import fields_for_model, model_to_dict

from playbook.forms import BaseForm
from playbook.validation import EMAIL_MAX_LENGTH
from records import custom_fields as cf
from records.changes import EDITABLE_FIELDS
from records.conditions.forms import ConditionForm
from records.contact_data import canonical_country
from records.icp import ICP_KINDS
from records.models import (
    ActivityKind,
    CustomFieldDefinition,
    CustomFieldKind,
    Record,
    Seniority,
)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class CountryField(forms.CharField):
    """A listed country however it is typed (any case, ISO code, "UK"), cleaned to its listed
    name; suggestions come from the page's <datalist id="countries">. `keep` is a value the
    record already has (imported data), accepted as it is."""

    def __init__(self, *args, keep: str = "", **kwargs):
        self.keep = keep
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"list": "countries", "autocomplete": "off"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value or value == self.keep:
            return value
        country = canonical_country(value)
        if country is None:
            raise forms.ValidationError("Choose a country from the list.")
        return country


class CustomNumberField(forms.DecimalField):
    """A custom field's number, within the bounds records.custom_fields keeps: on the record
    form and as a list filter's bound (a bound past them matches nothing, and SQLite cannot
    even compare it)."""

    def validate(self, value):
        super().validate(value)
        if value is not None:
            cf.parse_number(value)


class YesNoField(forms.TypedChoiceField):
    """A yes/no custom field: Yes, No or not set. Anything else is refused (a NullBooleanField
    read an unknown value as "not set" and so erased a stored Yes)."""

    def __init__(self, **kwargs):
        super().__init__(
            choices=[("", "—"), ("true", "Yes"), ("false", "No")],
            coerce=lambda value: value == "true",
            empty_value=None,
            error_messages={"invalid_choice": "Choose yes or no (or leave it empty)."},
            **kwargs,
        )

    def prepare_value(self, value):
        # The record holds True/False; the select's options are "true"/"false".
        if isinstance(value, bool):
            return "true" if value else "false"
        return value

    def to_python(self, value):
        if isinstance(value, bool):
            return "true" if value else "false"
        return super().to_python(value)


def custom_form_field(definition: CustomFieldDefinition, current=None) -> forms.Field:
    """The form field of a custom field, typed by its kind."""
    common = {"label": definition.label, "required": False}
    kind = definition.kind
    if kind == CustomFieldKind.NUMBER:
        return CustomNumberField(**common)
    if kind == CustomFieldKind.DATE:
        return forms.DateField(**common, widget=forms.DateInput(attrs={"type": "date"}))
    if kind == CustomFieldKind.CHOICE:
        choices = [("", "—"), *((c, c) for c in definition.choices)]
        if current not in (None, "") and current not in definition.choices:
            choices.append((current, f"{current} (no longer a choice)"))
        return forms.ChoiceField(**common, choices=choices)
    if kind == CustomFieldKind.BOOLEAN:
        return YesNoField(**common)
    return forms.CharField(**common, max_length=cf.TEXT_MAX)


class RecordForm(BaseForm):
    """The record's own fields and the workspace's custom fields. Stage and status are not
    here: the pipeline's transitions change them."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(
        self,
        *args,
        members,
        definitions,
        record: Record | None = None,
        owner_locked: bool = False,
        **kw,
    ):
        self.definitions = list(definitions)
        self.owner_locked = owner_locked
        if record is not None and "initial" not in kw:
            kw["initial"] = {
                **model_to_dict(record, fields=EDITABLE_FIELDS),
                **{cf.form_name(d): record.custom_fields.get(d.key) for d in self.definitions},
                "version": record.version,
            }
        super().__init__(*args, **kw)
        self.fields.update(
            fields_for_model(
                Record,
                fields=EDITABLE_FIELDS,
                widgets={
                    "domain": forms.TextInput(attrs={"placeholder": "example.com"}),
                    "expected_close_date": forms.DateInput(attrs={"type": "date"}),
                },
                labels={"employee_count": "Employees", "expected_arr": "Expected ARR"},
                help_texts={
                    "problem_acknowledged": "The contact agrees they have the problem we solve.",
                    "details_verified": "A rep checked the company and contact details.",
                },
            )
        )
        self.fields["owner"].queryset = members
        self.fields["owner"].empty_label = "Nobody yet"
        if owner_locked:
            # Read-only: shown, never taken from the request (records.permissions).
            self.fields["owner"] = forms.CharField(
                label="Owner",
                required=False,
                disabled=True,
                help_text="Only the owner, a leader or an admin can give the record another owner.",
            )
            self.initial["owner"] = str(record.owner) if record and record.owner else "Nobody yet"
        self.fields["country"] = CountryField(
            required=False,
            keep=(record.country if record else "") or "",
            help_text="Also sets how phone numbers without a country code are read.",
        )
        self.fields["expected_arr"].widget.attrs.update({"min": "0", "step": "0.01"})
        for definition in self.definitions:
            current = record.custom_fields.get(definition.key) if record else None
            self.fields[cf.form_name(definition)] = custom_form_field(definition, current)
        # The hidden version last, so the visible fields keep the model's order.
        self.fields["version"] = self.fields.pop("version")

    def custom_field_names(self) -> list[str]:
        return [cf.form_name(d) for d in self.definitions]

    def service_kwargs(self) -> dict:
        """What record_create / record_update take: the record's fields and custom values."""
        data = self.cleaned_data
        fields = {name: data[name] for name in EDITABLE_FIELDS}
        if self.owner_locked:
            del fields["owner"]
        for name in ("domain", "industry", "country", "revenue_band"):
            fields[name] = fields[name] or ""
        custom = {d.key: data.get(cf.form_name(d)) for d in self.definitions}
        return {**fields, "custom_fields": custom}


class ContactForm(BaseForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.CharField(
        label="E-mail",
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
        help_text="With +country code, or as dialled in the record's country.",
    )
    job_title = forms.CharField(max_length=150, required=False)
    seniority = forms.ChoiceField(choices=[("", "—"), *Seniority.choices], required=False)
    is_primary = forms.BooleanField(label="Primary contact", required=False)
    do_not_contact = forms.BooleanField(
        label="Do not contact",
        required=False,
        help_text="The person asked not to be contacted: no e-mail or call links, and left out "
        "of every sending and outreach list.",
    )

    @classmethod
    def for_contact(cls, contact, **kw):
        initial = {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "phone": contact.phone_raw,
            "job_title": contact.job_title,
            "seniority": contact.seniority,
            "is_primary": contact.is_primary,
            "do_not_contact": contact.do_not_contact,
        }
        return cls(initial=initial, **kw)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    def has_any_value(self) -> bool:
        """For the optional first contact on the new-record form."""
        return any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("first_name", "last_name", "email", "phone", "job_title")
        )


class ActivityForm(BaseForm):
    kind = forms.ChoiceField(choices=ActivityKind.choices, initial=ActivityKind.CALL)
    subject = forms.CharField(
        max_length=200, required=False, help_text="Leave empty to use the kind as the subject."
    )
    body = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    occurred_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="Empty means now; a future time plans the activity.",
    )
    due_at = forms.DateTimeField(
        label="Due (tasks)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    assignee = forms.ModelChoiceField(
        label="Assignee (tasks)", queryset=None, required=False, empty_label="—"
    )

    def __init__(self, *args, members, **kw):
        super().__init__(*args, **kw)
        self.fields["assignee"].queryset = members

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class CustomFieldForm(BaseForm):
    label = forms.CharField(label="Name", max_length=100)
    kind = forms.ChoiceField(label="Type", choices=CustomFieldKind.choices)
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For a Choice field: one choice per line.",
    )
    position = forms.IntegerField(
        required=False, min_value=0, max_value=10_000, help_text="Lower numbers come first."
    )

    def __init__(self, *args, definition: CustomFieldDefinition | None = None, **kw):
        if definition is not None and "initial" not in kw:
            kw["initial"] = {
                "label": definition.label,
                "kind": definition.kind,
                "choices": "\n".join(definition.choices),
                "position": definition.position,
            }
        super().__init__(*args, **kw)
        self.definition = definition
        if definition is None:
            del self.fields["position"]
        else:
            # The type is fixed once records may hold values of it.
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = "The type cannot change once the field exists."

    def service_kwargs(self) -> dict:
        """What custom_field_create (a new field) or custom_field_update (with its position,
        without its fixed type) take."""
        data = dict(self.cleaned_data)
        if self.definition is not None:
            del data["kind"]
        return data


class IcpCriterionForm(ConditionForm):
    """One criterion of the ICP profile: a condition and its weight. `version` is the profile
    version the editor read, so a save over someone else's newer edit is refused."""

    default_kind = "field_in"
    weight = forms.CharField(
        label="Weight (0–100)",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="Points when met, relative to the other criteria's weights.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, kinds=ICP_KINDS, **kwargs)
        self.fields["kind"].label = "Criterion"
        self.order_fields(["kind"])

    @classmethod
    def for_criterion(cls, criterion, *, version, fields_available, data=None, kind_url=""):
        initial = {"kind": criterion.kind, "weight": criterion.weight, "version": version}
        initial.update(cls.initial_params(criterion.params, criterion.kind))
        return cls(
            data,
            initial=initial,
            kind=(data or {}).get("kind") or criterion.kind,
            fields_available=fields_available,
            kind_url=kind_url,
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "params": self.params(),
            "weight": data["weight"],
            "version": data["version"],
        }
