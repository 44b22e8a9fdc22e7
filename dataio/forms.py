"""The import wizard's forms (the upload, and the column choices with stage, owner rule and
duplicate policy) and a web form's settings."""

from django import forms

from dataio.mapping import targets
from dataio.models import DuplicatePolicy, OwnerRule, WebFormActivity, WebFormOwnerRule
from dataio.webform_fields import EMAIL, catalog
from playbook.forms import BaseForm
from records.models import Source


class UploadForm(BaseForm):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 (Excel: “CSV UTF-8”), comma- or semicolon-separated, up to 50 MB.",
    )


class ConfigureForm(BaseForm):
    def __init__(self, *args, header, mapping, definitions, stages, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        super().__init__(*args, initial=initial, **kwargs)
        choices = [("", "— ignore —"), *[(t.key, t.label) for t in targets(definitions)]]
        self.columns = []
        for index, (column, target) in enumerate(zip(header, mapping, strict=False)):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=column, choices=choices, required=False, initial=target
            )
            self.columns.append(name)
        self.fields["stage"] = forms.TypedChoiceField(
            label="New records start in",
            choices=[(s.pk, s.name) for s in stages],
            coerce=int,
            initial=initial.get("stage"),
        )
        self.fields["owner_rule"] = forms.ChoiceField(
            label="Owner of new records", choices=OwnerRule.choices, initial="me"
        )
        self.fields["duplicates"] = forms.ChoiceField(
            label="When a row matches an existing record (same domain or contact e-mail)",
            choices=DuplicatePolicy.choices,
            widget=forms.RadioSelect,
            initial="skip",
        )

    def column_fields(self):
        return [self[name] for name in self.columns]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(name) or "" for name in self.columns]


ASK_CHOICES = [("off", "Not asked"), ("optional", "Optional"), ("required", "Required")]


class WebFormForm(BaseForm):
    """A web form's settings: its name, what it asks (one choice per field), the source and
    activity it records, who owns new records, and what the visitor sees after sending."""

    name = forms.CharField(
        max_length=120, help_text="The heading of its public page, and its name in Playbook."
    )
    source = forms.ChoiceField(
        label="Source of new records", choices=Source.choices, initial=Source.CONTENT_DOWNLOAD
    )
    activity_kind = forms.ChoiceField(
        label="Logged on the record's timeline as",
        choices=WebFormActivity.choices,
        initial=WebFormActivity.CONTENT,
    )
    owner_rule = forms.ChoiceField(
        label="Owner of new records",
        choices=WebFormOwnerRule.choices,
        initial=WebFormOwnerRule.ROUND_ROBIN,
    )
    owner = forms.ModelChoiceField(
        label="Member", queryset=None, required=False, empty_label="—",
        help_text="Used with “One member”.",
    )  # fmt: skip
    thank_you = forms.CharField(
        label="Thank-you message",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown after sending, unless a redirect address is given.",
    )
    redirect_url = forms.CharField(
        label="Or send the visitor to",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://www.example.com/thank-you"}),
        help_text="An http or https address, e.g. your own thank-you page.",
    )

    def __init__(self, *args, members, definitions, webform=None, **kwargs):
        if webform is not None and "initial" not in kwargs:
            asked = {f["name"]: f for f in webform.fields}
            kwargs["initial"] = {
                "name": webform.name,
                "source": webform.source,
                "activity_kind": webform.activity_kind,
                "owner_rule": webform.owner_rule,
                "owner": webform.owner_id,
                "thank_you": webform.thank_you,
                "redirect_url": webform.redirect_url,
                **{
                    _ask(name): ("required" if f.get("required") else "optional")
                    for name, f in asked.items()
                },
            }
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        self.asked = []
        for field in catalog(definitions):
            if field.name == EMAIL:
                continue  # always asked, always required: it is how a submission finds its contact
            name = _ask(field.name)
            initial = None if webform is not None else _DEFAULT_ASK.get(field.name, "off")
            # Not required: a field added to the workspace after the page was opened is off.
            self.fields[name] = forms.ChoiceField(
                label=field.label, choices=ASK_CHOICES, initial=initial or "off", required=False
            )
            self.asked.append(name)

    def asked_fields(self):
        return [self[name] for name in self.asked]

    def settings_fields(self):
        return [self[name] for name in self.fields if name not in self.asked]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        fields = [{"name": EMAIL, "required": True}]
        for name in self.asked:
            if data[name] not in ("", "off"):
                required = data[name] == "required"
                fields.append({"name": name.removeprefix("ask_"), "required": required})
        return {
            "name": data["name"],
            "fields": fields,
            "source": data["source"],
            "activity_kind": data["activity_kind"],
            "owner_rule": data["owner_rule"],
            "owner": data["owner"],
            "thank_you": data["thank_you"],
            "redirect_url": data["redirect_url"],
        }


def _ask(name: str) -> str:
    return f"ask_{name}"


# A new form asks what most lead forms ask.
_DEFAULT_ASK = {"first_name": "required", "last_name": "optional", "company": "required"}
