"""Forms of the records list's saved views, role defaults and column chooser."""

from django import forms

from playbook.forms import BaseForm
from playbook.models import Role


class SaveViewForm(BaseForm):
    name = forms.CharField(label="View name", max_length=80)
    shared = forms.BooleanField(
        label="Share with the workspace", required=False, help_text="Otherwise only you see it."
    )
    # The list's query the view keeps (the address of what is on screen).
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)

    def service_kwargs(self) -> dict:
        return {"name": self.cleaned_data["name"], "shared": self.cleaned_data["shared"]}


class EditViewForm(BaseForm):
    name = forms.CharField(label="View name", max_length=80)
    shared = forms.BooleanField(label="Share with the workspace", required=False)

    def service_kwargs(self) -> dict:
        return {"name": self.cleaned_data["name"], "shared": self.cleaned_data["shared"]}


class RoleDefaultsForm(BaseForm):
    """One select per role: the shared view its members open the records list on."""

    def __init__(self, *args, views, current: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "All records (no view)")] + [(str(v.pk), v.name) for v in views]
        for role, label in Role.choices:
            initial = current.get(role)
            self.fields[f"role_{role}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=str(initial) if initial else "",
            )

    def chosen(self) -> dict[str, str]:
        return {role: self.cleaned_data.get(f"role_{role}") or "" for role in Role.values}
