"""The import wizard's forms: the upload, and the column choices with stage, owner rule and
duplicate policy."""

from django import forms

from dataio.mapping import targets
from dataio.models import DuplicatePolicy, OwnerRule
from playbook.forms import BaseForm


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
