"""The form side of the condition language: a condition's kind and its kind-specific parameter
fields, built from the kind's spec. Stage rules and ICP criteria extend it with what they add
(a message, a weight). Values are validated by `records.conditions.clean_params`, not here, so a
wrong value gets the same message through the form as through any other caller."""

from django import forms

from playbook.forms import BaseForm
from records import conditions


def param_field(param, fields_available) -> forms.Field:
    common = {"label": param.label, "required": param.required, "help_text": param.help}
    if param.type == conditions.FIELD:
        choices = [
            (ref.key, ref.label)
            for ref in fields_available.values()
            if not param.field_types or ref.type in param.field_types
        ]
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if param.type == conditions.OPTION:
        return forms.ChoiceField(choices=[("", "—"), *param.options], **common)
    if param.type == conditions.VALUES and param.options:
        return forms.MultipleChoiceField(
            choices=param.options, widget=forms.CheckboxSelectMultiple, **common
        )
    if param.type == conditions.VALUES:
        return forms.CharField(**common)
    return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)


class ConditionForm(BaseForm):
    """`kind` plus the parameter fields of the chosen kind (`kinds`: the allowed choices)."""

    kind = forms.ChoiceField(label="Condition")
    default_kind = conditions.ConditionKind.FLAG_SET

    def __init__(self, *args, kind=None, fields_available=None, kind_url="", kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = kinds or conditions.ConditionKind.choices
        self.fields["kind"].choices = kinds
        if kind_url:
            # Choosing another kind fetches that kind's parameter fields (htmx); without JS the
            # form's "Show the fields" button does the same with a GET.
            self.fields["kind"].widget.attrs.update(
                {
                    "hx-get": kind_url,
                    "hx-trigger": "change",
                    "hx-target": "closest form",
                    "hx-swap": "outerHTML",
                    "hx-include": "closest form",
                }
            )
        allowed = {value for value, _ in kinds}
        kind = kind or self.data.get("kind") or self.initial.get("kind") or self.default_kind
        if kind not in conditions.SPECS or kind not in allowed:
            kind = self.default_kind
        self.kind = kind
        self.fields["kind"].initial = kind
        self.param_names = []
        for param in conditions.SPECS[kind].params:
            self.fields[param.name] = param_field(param, fields_available or {})
            self.param_names.append(param.name)

    @staticmethod
    def initial_params(params: dict, kind: str) -> dict:
        """A stored condition's parameters as the form's initial values."""
        with_options = {
            p.name for p in conditions.SPECS[kind].params if p.options and p.type == "values"
        }
        initial = {}
        for name, value in (params or {}).items():
            joined = isinstance(value, list) and name not in with_options
            initial[name] = ", ".join(value) if joined else value
        return initial

    def params(self) -> dict:
        """The raw parameter values, for the service to validate and type."""
        source = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return {
            name: source.get(name) for name in self.param_names if source.get(name) not in ("", [])
        }
